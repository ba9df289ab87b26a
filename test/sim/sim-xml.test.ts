import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeXml as clientEscapeXml, parseXml as clientParseXml } from '../../lib/xml/xml';
import { escapeXml, parseSimXml, SimXmlError } from '../../sim/sim-xml';

/** Any text a password or name could hold; CR is left out because XML reads it as LF. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\r'));
const readerText = anyText.filter((s) => !/\p{Cs}/u.test(s));

describe('simulator XML reader and escaper (independent of lib/xml)', () => {
  it('reads the User body the client sends: declaration, namespaces, entities, comments', () => {
    const body = Buffer.from(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- sent by a test -->\r\n' +
        '<hik:User version="2.0" xmlns:hik="http://www.hikvision.com/ver20/XMLSchema">' +
        '<hik:id> 3 </hik:id><hik:userName>operator</hik:userName>' +
        '<hik:password>&lt;P&amp;ss&quot;w&apos;0rd&gt;&#x41;&#66;</hik:password>' +
        '<userLevel><![CDATA[Oper<ator]]></userLevel><empty/></hik:User>',
    );
    const root = parseSimXml(body);
    assert.equal(root.name, 'User');
    assert.deepEqual({ ...root.attributes }, { version: '2.0' });
    assert.equal(root.intAt('id'), 3);
    assert.equal(root.textAt('password'), `<P&ss"w'0rd>AB`);
    assert.equal(root.textAt('userLevel'), 'Oper<ator');
    assert.equal(root.textAt('empty'), '');
    assert.equal(root.textAt('missing'), null);
    assert.equal(root.intAt('userName'), null);
  });

  it('follows paths and finds nested elements, as the channel and activation routes do', () => {
    const root = parseSimXml(
      '<Activate><ActivateInfo><password>blob</password></ActivateInfo>' +
        '<sourceInputPortDescriptor><managePortNo>8000</managePortNo></sourceInputPortDescriptor></Activate>',
    );
    assert.equal(root.find('password')?.text, 'blob');
    assert.equal(root.child('sourceInputPortDescriptor')?.intAt('managePortNo'), 8000);
    assert.equal(root.textAt('ActivateInfo', 'password'), 'blob');
  });

  it('refuses DTDs, bad references, mismatched or unclosed tags, second roots, oversize and deep documents', () => {
    const refused = [
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
      '<x>&a;</x>',
      '<x>a & b</x>',
      '<x>&#0;</x>',
      '<x>&#xD800;</x>',
      '<User><id>1</User>',
      '<x>',
      '<x/><y/>',
      '<x/>text',
      '',
      '<x a="1" a="2"/>',
      '<x a=1/>',
      '<x a="<"/>',
      '<x><?xml version="1.0"?></x>',
      `${'<a>'.repeat(65)}${'</a>'.repeat(65)}`,
    ];
    for (const text of refused) assert.throws(() => parseSimXml(text), SimXmlError, text);
    assert.throws(() => parseSimXml(`<x>${'y'.repeat(100)}</x>`, { maxBytes: 64 }), SimXmlError);
  });

  it('reads back whatever its own escaper wrote', () => {
    fc.assert(
      fc.property(readerText, (value) => {
        const root = parseSimXml(
          `<x a="${escapeXml(value)}" b='${escapeXml(value)}'>${escapeXml(value)}</x>`,
        );
        assert.equal(root.attributes['a'], value);
        assert.equal(root.attributes['b'], value);
        assert.equal(root.text, value.trim());
      }),
    );
  });

  it('agrees with the client in both directions: what one side escapes, the other reads back', () => {
    fc.assert(
      fc.property(readerText, (value) => {
        assert.equal(parseSimXml(`<x>${clientEscapeXml(value)}</x>`).text, value.trim());
        assert.equal(clientParseXml(`<x>${escapeXml(value)}</x>`).text, value.trim());
      }),
    );
  });

  it('escapes exactly the five markup characters', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const escaped = escapeXml(value);
        assert.doesNotMatch(escaped, /[<>"']|&(?!(?:amp|lt|gt|quot|apos);)/);
        assert.equal(escaped.replace(/[^&]/g, '').length, value.replace(/[^&<>"']/g, '').length);
      }),
    );
  });
});
