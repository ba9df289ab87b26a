import assert from 'node:assert/strict';
import { BodyTooLargeError, XmlParseError } from '../../../lib/errors';
import {
  escapeXml,
  parseXml,
  parseXmlBoolean,
  parseXmlInt,
  serializeXml,
  withChild,
  XmlElement,
} from '../../../lib/xml/xml';

describe('parseXml', () => {
  it('matches elements by local name whatever the namespace or prefix', () => {
    for (const ns of [
      'http://www.hikvision.com/ver20/XMLSchema',
      'http://www.isapi.org/ver20/XMLSchema',
      'http://www.std-cgi.com/ver10/XMLSchema',
      'urn:psialliance-org',
    ]) {
      const root = parseXml(`<UserList version="2.0" xmlns="${ns}"><User><id>1</id></User></UserList>`);
      assert.equal(root.name, 'UserList');
      assert.equal(root.intAt('User', 'id'), 1);
    }
    const prefixed = parseXml('<a:UserList xmlns:a="urn:x"><a:User><a:id>7</a:id></a:User></a:UserList>');
    assert.equal(prefixed.intAt('User', 'id'), 7);
  });

  it('keeps attributes but not namespace declarations', () => {
    const root = parseXml('<LoginPasswordLenLimit xmlns="urn:x" min="8" max="16"/>');
    assert.deepEqual({ ...root.attributes }, { min: '8', max: '16' });
  });

  it('accepts real firmware framing: declaration with a space before ?>, CRLF, a byte order mark', () => {
    const root = parseXml(
      '\uFEFF<?xml version="1.0" encoding="UTF-8" ?>\r\n<userCheck>\r\n<statusValue>200</statusValue>\r\n</userCheck>\r\n',
    );
    assert.equal(root.intAt('statusValue'), 200);
  });

  it('decodes the predefined entities and character references, and nothing else', () => {
    const root = parseXml('<a b="x&quot;y"><n>P&amp;ss&lt;&#x41;&#66;&gt;</n><u>&nbsp;</u></a>');
    assert.equal(root.textAt('n'), 'P&ss<AB>');
    assert.equal(root.attributes.b, 'x"y');
    assert.equal(root.textAt('u'), '&nbsp;');
  });

  it('refuses any DTD, so no entity can expand', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><a>&lol2;</a>';
    assert.throws(() => parseXml(bomb), XmlParseError);
    assert.throws(() => parseXml('<!doctype a SYSTEM "file:///etc/passwd"><a/>'), XmlParseError);
  });

  it('refuses bodies over the size cap before parsing them', () => {
    const big = `<a>${'x'.repeat(2000)}</a>`;
    assert.throws(
      () => parseXml(big, { maxBytes: 1000 }),
      (err: unknown) => {
        assert.ok(err instanceof BodyTooLargeError);
        assert.equal(err.limitBytes, 1000);
        return true;
      },
    );
    assert.equal(parseXml(big, { maxBytes: 5000 }).text.length, 2000);
  });

  it('refuses absurd nesting with a typed error instead of exhausting the stack', () => {
    const deep = '<a>'.repeat(10_000) + '</a>'.repeat(10_000);
    assert.throws(() => parseXml(deep, { maxBytes: 1_000_000 }), XmlParseError);
  });

  it('gives XmlParseError for malformed input, HTML and text', () => {
    for (const bad of [
      '<a><b></a>',
      '<html><body><br></body></html>',
      'Unauthorized',
      '',
      '<a></a><b></b>',
    ]) {
      assert.throws(() => parseXml(bad), XmlParseError, bad);
    }
  });

  it('treats duplicated elements as siblings and reads the first with child()', () => {
    const root = parseXml('<r><v>1</v><v>2</v></r>');
    assert.equal(root.intAt('v'), 1);
    assert.deepEqual(
      root.childrenNamed('v').map((v) => v.text),
      ['1', '2'],
    );
  });

  it('finds nested capability fields wherever they sit', () => {
    const root = parseXml(
      '<SecurityCap><SecurityLimits><LoginPasswordLenLimit min="1" max="16"/></SecurityLimits></SecurityCap>',
    );
    assert.equal(root.find('LoginPasswordLenLimit')?.attributes.max, '16');
    assert.equal(root.find('missing'), undefined);
  });
});

describe('parseXmlBoolean', () => {
  it('reads the spellings firmware uses, including flase', () => {
    assert.equal(parseXmlBoolean('true'), true);
    assert.equal(parseXmlBoolean(' TRUE '), true);
    assert.equal(parseXmlBoolean('flase'), false);
    assert.equal(parseXmlBoolean('false'), false);
    assert.equal(parseXmlBoolean('0'), false);
  });

  it('never guesses: unreadable or absent values are null', () => {
    assert.equal(parseXmlBoolean('maybe'), null);
    assert.equal(parseXmlBoolean(''), null);
    assert.equal(parseXmlBoolean(null), null);
  });
});

describe('parseXmlInt', () => {
  it('reads integers and refuses anything else', () => {
    assert.equal(parseXmlInt(' 42 '), 42);
    assert.equal(parseXmlInt('-1'), -1);
    assert.equal(parseXmlInt('4.5'), null);
    assert.equal(parseXmlInt('0x10'), null);
    assert.equal(parseXmlInt('1e9'), null);
  });
});

describe('serializeXml and withChild', () => {
  it('writes back what was parsed, escaping text, with a replaced child', () => {
    const root = parseXml(
      '<InputProxyChannel xmlns="urn:x"><id>2</id><src><userName>a&amp;b</userName></src></InputProxyChannel>',
    );
    const src = root.child('src')!;
    const updated = withChild(root, withChild(src, new XmlElement('password', {}, [], 'p<w>&"')));
    const xml = serializeXml(updated);
    assert.equal(
      xml,
      '<InputProxyChannel><id>2</id><src><userName>a&amp;b</userName><password>p&lt;w&gt;&amp;&quot;</password></src></InputProxyChannel>',
    );
    assert.equal(parseXml(xml).textAt('src', 'password'), 'p<w>&"');
  });

  it('escapes every character that could break out of text or an attribute', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
