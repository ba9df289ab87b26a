import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BodyTooLargeError, XmlParseError } from '../../lib/errors';
import { DEFAULT_MAX_XML_BYTES, parseXml, serializeXml, XmlElement } from '../../lib/xml/xml';

/** Far above anything the parser needs for inputs this size; only catches a runaway (e.g. exponential) case. */
const GENEROUS_MS_PER_INPUT = 2_000;

/** Parses `body`; the only acceptable outcomes are an element or one of the two typed errors. */
function parseOrTypedError(
  body: string | Buffer,
  maxBytes?: number,
): XmlElement | XmlParseError | BodyTooLargeError {
  const started = performance.now();
  try {
    return parseXml(body, maxBytes === undefined ? {} : { maxBytes });
  } catch (err) {
    if (err instanceof XmlParseError || err instanceof BodyTooLargeError) return err;
    throw new Error(`parseXml threw something other than a typed error: ${String(err)}`, { cause: err });
  } finally {
    const took = performance.now() - started;
    assert.ok(took < GENEROUS_MS_PER_INPUT, `one input took ${Math.round(took)} ms`);
  }
}

/** serializeXml writes either children or text (ISAPI has no mixed content), so compare on that basis. */
function withoutMixedText(el: XmlElement): XmlElement {
  const children = el.children.map(withoutMixedText);
  return new XmlElement(el.name, el.attributes, children, children.length > 0 ? '' : el.text);
}

/** Random well-formed-ish documents: names, attributes, text and nesting drawn at random. */
const elementArb: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc
    .tuple(
      fc.constantFrom('a', 'ResponseStatus', 'hik:userCheck', 'x-y', '_z'),
      fc.array(
        fc.tuple(fc.constantFrom('id', 'version', 'xmlns', 'xmlns:hik'), fc.string({ maxLength: 12 })),
        {
          maxLength: 3,
        },
      ),
      fc.array(fc.oneof(fc.string({ maxLength: 20 }), tie('el')), { maxLength: 4 }),
    )
    .map(([name, attrs, content]) => {
      const attrText = attrs.map(([k, v]) => ` ${k}="${v}"`).join('');
      return `<${name}${attrText}>${content.join('')}</${name}>`;
    }),
})).el;

describe('XML wrapper under hostile input (property tests)', function () {
  this.timeout(20_000);

  it('gives an element or a typed error for random bytes, including invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        parseOrTypedError(Buffer.from(bytes));
      }),
      { seed: 8101, numRuns: 1500 },
    );
  });

  it('gives an element or a typed error for random text that looks like XML', () => {
    fc.assert(
      fc.property(elementArb, fc.string({ maxLength: 40, unit: 'binary' }), fc.nat(), (doc, noise, at) => {
        parseOrTypedError(doc);
        const cut = at % (doc.length + 1);
        parseOrTypedError(doc.slice(0, cut) + noise + doc.slice(cut));
      }),
      { seed: 8102, numRuns: 800 },
    );
  });

  it('round-trips what it parsed through serializeXml to the same tree (mixed-content text aside)', () => {
    fc.assert(
      fc.property(elementArb, (doc) => {
        const first = parseOrTypedError(doc);
        if (!(first instanceof XmlElement)) return;
        const again = parseOrTypedError(serializeXml(first));
        assert.ok(again instanceof XmlElement, 'a serialised element must parse');
        assert.deepEqual(again, withoutMixedText(first));
      }),
      { seed: 8103, numRuns: 500 },
    );
  });

  it('refuses every entity bomb shape with XmlParseError, expanding nothing', () => {
    const lol = [
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
    ].join('');
    fc.assert(
      fc.property(
        fc.constantFrom(
          `<?xml version="1.0"?>${lol}<lolz>&lol3;</lolz>`,
          '<!DOCTYPE x SYSTEM "file:///etc/passwd"><x>&xxe;</x>',
          '<!doctype x [<!entity a "b">]><x>&a;</x>',
          '<x><!ENTITY a "b"></x>',
        ),
        fc.string({ maxLength: 8 }),
        (bomb, prefix) => {
          const result = parseOrTypedError(`${prefix.replace(/[<&]/g, '')}${bomb}`);
          assert.ok(result instanceof XmlParseError, 'a DTD must be refused');
        },
      ),
      { seed: 8104, numRuns: 50 },
    );
  });

  it('leaves undeclared entity references unexpanded text', () => {
    const result = parseOrTypedError('<a>&lol3;&amp;&#x41;</a>');
    assert.ok(result instanceof XmlElement);
    assert.equal(result.text, '&lol3;&A');
  });

  it('refuses a 10 MB body before reading it, whatever its content', () => {
    const tenMb = 10 * 1024 * 1024;
    const body = Buffer.alloc(tenMb, '<a>');
    const asBuffer = parseOrTypedError(body);
    assert.ok(asBuffer instanceof BodyTooLargeError);
    assert.equal(asBuffer.limitBytes, DEFAULT_MAX_XML_BYTES);
    const asText = parseOrTypedError(`<a>${'x'.repeat(tenMb)}</a>`);
    assert.ok(asText instanceof BodyTooLargeError);
  });

  it('refuses 10,000-deep nesting with XmlParseError, and every depth past the cap', () => {
    const deep = (n: number) => `${'<a>'.repeat(n)}x${'</a>'.repeat(n)}`;
    assert.ok(parseOrTypedError(deep(10_000)) instanceof XmlParseError);
    assert.ok(parseOrTypedError('<a>'.repeat(10_000)) instanceof XmlParseError);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), (depth) => {
        const result = parseOrTypedError(deep(depth));
        if (depth <= 64) assert.ok(result instanceof XmlElement, `depth ${depth} is allowed`);
        else assert.ok(result instanceof XmlParseError, `depth ${depth} must be refused`);
      }),
      { seed: 8105, numRuns: 200 },
    );
  });

  it('gives a typed error for invalid UTF-8 sequences inside an otherwise valid document', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 16 }).map((b) => Buffer.from(b.map((x) => x | 0x80))),
        (invalid) => {
          const body = Buffer.concat([Buffer.from('<a><b>'), invalid, Buffer.from('</b></a>')]);
          const result = parseOrTypedError(body);
          // Bad sequences decode to U+FFFD: the document stays readable and holds just those characters.
          if (result instanceof XmlElement) assert.equal(result.textAt('b'), invalid.toString('utf8').trim());
        },
      ),
      { seed: 8106, numRuns: 300 },
    );
  });
});
