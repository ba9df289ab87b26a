import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFlatDocument } from '../../lib/xml/flat-xml';
import { parseGeneralDocument, type XmlElement } from '../../lib/xml/xml';

/** What the general path makes of `text`: the element, or the fact that it refused it. */
function general(text: string): XmlElement | 'refused' {
  try {
    return parseGeneralDocument(text);
  } catch {
    return 'refused';
  }
}

function plain(el: XmlElement): unknown {
  return { name: el.name, attributes: { ...el.attributes }, text: el.text, children: el.children.map(plain) };
}

// Mostly well-formed flat documents, with hostile pieces mixed in: illegal name characters,
// entities and markup in text, control characters, whitespace of every kind, non-ASCII, the
// names the parser guards, attributes, mismatched tags and stray text.
const legalName = fc.string({ unit: fc.constantFrom(...'aZ_09.-'.split('')), minLength: 1, maxLength: 8 });
const name = fc.oneof(
  { arbitrary: fc.constantFrom('DeviceSN', 'IPv4Address', 'Activated', 'a1', '_x', 'b-c.d'), weight: 6 },
  { arbitrary: legalName, weight: 4 },
  {
    arbitrary: fc.constantFrom('__proto__', 'toString', 'constructor', 'prototype', '9a', '-a', 'é'),
    weight: 1,
  },
  {
    arbitrary: fc.string({ unit: fc.constantFrom(...'aZ:é <>&/"'.split('')), minLength: 1, maxLength: 4 }),
    weight: 1,
  },
);
const text = fc.oneof(
  {
    arbitrary: fc.string({
      unit: fc.constantFrom(...'ab 1\t\n\r>;#x\u00e9\u4e2d]'.split('')),
      maxLength: 12,
    }),
    weight: 6,
  },
  {
    arbitrary: fc.string({
      unit: fc.constantFrom(...'a<&\u0000\u0001\u001f'.split(''), '&amp;', '&#65;', '&lt;', ']]>'),
      maxLength: 6,
    }),
    weight: 1,
  },
);
const space = fc.constantFrom('', ' ', '\n', '\r\n\t');
const leaf = fc.oneof(
  { arbitrary: fc.tuple(space, name, text).map(([ws, n, t]) => `${ws}<${n}>${t}</${n}>`), weight: 10 },
  { arbitrary: fc.tuple(space, name, space).map(([ws, n, inner]) => `${ws}<${n}${inner}/>`), weight: 2 },
  { arbitrary: fc.tuple(space, name, text).map(([ws, n, t]) => `${ws}<${n}>${t}</${n}x>`), weight: 1 },
  { arbitrary: fc.tuple(space, name).map(([ws, n]) => `${ws}<${n} a="1">v</${n}>`), weight: 1 },
  { arbitrary: fc.tuple(space, text).map(([ws, t]) => `${ws}${t}`), weight: 1 },
);
const declaration = fc.constantFrom(
  '',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0"?>',
  ' <?xml version="1.0"?>',
  '<?xml?>',
);
const document = fc
  .tuple(declaration, space, name, fc.array(leaf, { maxLength: 6 }), space, fc.nat(9), space)
  .map(
    ([decl, ws1, root, leaves, ws2, other, ws3]) =>
      `${decl}${ws1}<${root}>${leaves.join('')}${ws2}</${other === 0 ? 'Other' : root}>${ws3}`,
  );

describe('flat-document shortcut: exactly what the general parser gives, or nothing', () => {
  it('for random near-flat documents, accepts only what the general path accepts, with the same result', () => {
    let taken = 0;
    fc.assert(
      fc.property(document, (doc) => {
        const flat = readFlatDocument(doc);
        if (flat === null) return;
        taken += 1;
        const full = general(doc);
        assert.notEqual(
          full,
          'refused',
          `the shortcut accepted what the general path refuses: ${JSON.stringify(doc)}`,
        );
        assert.deepEqual(plain(flat), plain(full as XmlElement), JSON.stringify(doc));
      }),
      { seed: 0x5ad9, numRuns: 4000 },
    );
    // The generator must reach the shortcut often, or the property proves nothing.
    assert.ok(taken > 400, `only ${taken} documents took the shortcut`);
  });

  it('takes a real SADP reply, and leaves anything with attributes, nesting or entities to the general path', () => {
    const reply =
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<ProbeMatch>\r\n<Uuid>5B7A</Uuid>\r\n<Types>inquiry</Types>' +
      '<DeviceSN>DS-2CD2386G2-IU20240101AAWRJ00000001</DeviceSN><DHCP>flase</DHCP><IPv6Address>::</IPv6Address>' +
      '<Empty/><Blank>  </Blank>\r\n</ProbeMatch>\r\n';
    const flat = readFlatDocument(reply);
    assert.ok(flat);
    assert.deepEqual(plain(flat), plain(general(reply) as XmlElement));
    assert.equal(readFlatDocument('<R a="1"><X>1</X></R>'), null);
    assert.equal(readFlatDocument('<R><X><Y>1</Y></X></R>'), null);
    assert.equal(readFlatDocument('<R><X>a &amp; b</X></R>'), null);
    assert.equal(readFlatDocument('<ns:R><X>1</X></ns:R>'), null);
  });
});
