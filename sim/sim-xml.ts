/**
 * The simulator's own XML: a strict reader for what a device is sent (ISAPI request bodies, SADP
 * probes) and the escaper its documents are written with. Written apart from the client's
 * lib/xml on purpose: test equipment sharing the code under test would let one escaping or parsing
 * bug pass on both sides. An ESLint rule keeps sim/ from importing lib/xml.
 *
 * The reader takes one root element with attributes, nested elements, text, CDATA, comments and
 * processing instructions. Names are local (prefixes dropped, xmlns attributes left out), the five
 * predefined entities and character references are decoded, and text is trimmed. A DTD, an unknown
 * entity, a stray `&`, a mismatched tag or a second root throws SimXmlError.
 */

const DEFAULT_MAX_BYTES = 256 * 1024;
const MAX_DEPTH = 64;
const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.:\u00B7\u00C0-\uFFFF-]*/y;
const REFERENCE = /&(?:#x([0-9A-Fa-f]{1,6})|#(\d{1,7})|([A-Za-z]+));/y;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export class SimXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimXmlError';
  }
}

/** Escapes text for element content and attribute values. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** One element by its local name; `text` is its decoded, trimmed text content. */
export class SimXmlElement {
  constructor(
    readonly name: string,
    readonly attributes: Readonly<Record<string, string>>,
    readonly children: readonly SimXmlElement[],
    readonly text: string,
  ) {}

  child(name: string): SimXmlElement | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Text of the child reached by `path`, or null when absent. An empty element gives ''. */
  textAt(...path: string[]): string | null {
    const el = path.reduce<SimXmlElement | undefined>((at, step) => at?.child(step), this);
    return el ? el.text : null;
  }

  /** Integer at `path`, or null when absent or not a plain integer. */
  intAt(...path: string[]): number | null {
    const text = this.textAt(...path)?.trim();
    return text !== undefined && /^-?\d{1,15}$/.test(text) ? Number(text) : null;
  }

  /** This element or its first descendant (depth first) with this name. */
  find(name: string): SimXmlElement | undefined {
    if (this.name === name) return this;
    for (const c of this.children) {
      const hit = c.find(name);
      if (hit) return hit;
    }
    return undefined;
  }
}

/** Reads a whole document (UTF-8 when a Buffer) and returns its root element. */
export function parseSimXml(body: string | Buffer, options: { maxBytes?: number } = {}): SimXmlElement {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > maxBytes) throw new SimXmlError(`XML over ${maxBytes} bytes`);
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return new Reader(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')).document();
}

class Reader {
  private at = 0;

  constructor(private readonly src: string) {}

  document(): SimXmlElement {
    if (/^<\?xml\s/.test(this.src)) this.skipPast('?>');
    this.misc();
    if (this.src.startsWith('<!', this.at)) throw new SimXmlError('DTD or declaration refused');
    if (!this.src.startsWith('<', this.at)) throw new SimXmlError('no root element');
    const root = this.element(1);
    this.misc();
    if (this.at < this.src.length) throw new SimXmlError(`content after the root element at ${this.at}`);
    return root;
  }

  /** Whitespace, comments and processing instructions outside the root. */
  private misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.src.startsWith('<!--', this.at)) this.skipPast('-->');
      else if (this.src.startsWith('<?', this.at)) this.instruction();
      else return;
    }
  }

  private element(depth: number): SimXmlElement {
    if (depth > MAX_DEPTH) throw new SimXmlError(`nested deeper than ${MAX_DEPTH} levels`);
    this.at += 1; // '<'
    const tag = this.name();
    const attributes = Object.create(null) as Record<string, string>;
    const seen = new Set<string>();
    for (;;) {
      const spaced = this.skipSpace();
      if (this.src.startsWith('/>', this.at)) {
        this.at += 2;
        return new SimXmlElement(localName(tag), attributes, [], '');
      }
      if (this.src.startsWith('>', this.at)) break;
      if (!spaced) throw new SimXmlError(`malformed start tag <${tag}> at ${this.at}`);
      const attribute = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const value = this.quoted();
      if (seen.has(attribute)) throw new SimXmlError(`attribute ${attribute} repeated in <${tag}>`);
      seen.add(attribute);
      if (attribute !== 'xmlns' && !attribute.startsWith('xmlns:')) attributes[localName(attribute)] = value;
    }
    this.at += 1; // '>'
    const children: SimXmlElement[] = [];
    let text = '';
    for (;;) {
      if (this.at >= this.src.length) throw new SimXmlError(`<${tag}> is not closed`);
      if (this.src.startsWith('</', this.at)) {
        this.at += 2;
        const closing = this.name();
        if (closing !== tag) throw new SimXmlError(`</${closing}> closes <${tag}>`);
        this.skipSpace();
        this.expect('>');
        return new SimXmlElement(localName(tag), attributes, children, text.trim());
      }
      if (this.src.startsWith('<!--', this.at)) this.skipPast('-->');
      else if (this.src.startsWith('<![CDATA[', this.at))
        text += this.skipPast(']]>').slice('<![CDATA['.length);
      else if (this.src.startsWith('<?', this.at)) this.instruction();
      else if (this.src.startsWith('<', this.at)) children.push(this.element(depth + 1));
      else {
        const end = this.src.indexOf('<', this.at);
        text += decode(this.src.slice(this.at, end < 0 ? this.src.length : end));
        this.at = end < 0 ? this.src.length : end;
      }
    }
  }

  private instruction(): void {
    this.at += 2;
    if (this.name().toLowerCase() === 'xml') throw new SimXmlError('XML declaration not at the start');
    this.skipPast('?>');
  }

  private name(): string {
    NAME.lastIndex = this.at;
    const match = NAME.exec(this.src);
    if (!match) throw new SimXmlError(`expected a name at ${this.at}`);
    this.at = NAME.lastIndex;
    return match[0];
  }

  private quoted(): string {
    const quote = this.src.charAt(this.at);
    if (quote !== '"' && quote !== "'") throw new SimXmlError(`unquoted attribute value at ${this.at}`);
    const end = this.src.indexOf(quote, this.at + 1);
    if (end < 0) throw new SimXmlError('unterminated attribute value');
    const raw = this.src.slice(this.at + 1, end);
    if (raw.includes('<')) throw new SimXmlError('`<` in an attribute value');
    this.at = end + 1;
    return decode(raw);
  }

  /** Skips whitespace; true when there was some. */
  private skipSpace(): boolean {
    const start = this.at;
    while (/\s/.test(this.src.charAt(this.at))) this.at += 1;
    return this.at > start;
  }

  private expect(literal: string): void {
    if (!this.src.startsWith(literal, this.at)) throw new SimXmlError(`expected ${literal} at ${this.at}`);
    this.at += literal.length;
  }

  /** Moves past the next `terminator`; returns what was skipped, without the terminator. */
  private skipPast(terminator: string): string {
    const end = this.src.indexOf(terminator, this.at);
    if (end < 0) throw new SimXmlError(`missing ${terminator}`);
    const skipped = this.src.slice(this.at, end);
    this.at = end + terminator.length;
    return skipped;
  }
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** Decodes the predefined entities and character references; any other `&` is an error. */
function decode(raw: string): string {
  let out = '';
  let from = 0;
  for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
    REFERENCE.lastIndex = amp;
    const ref = REFERENCE.exec(raw);
    if (!ref) throw new SimXmlError('stray & in text');
    const [whole, hex, decimal, named] = ref;
    let char: string | undefined;
    if (named !== undefined) char = ENTITIES[named];
    else {
      const code = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
      const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      char = valid ? String.fromCodePoint(code) : undefined;
    }
    if (char === undefined) throw new SimXmlError(`unknown reference ${whole}`);
    out += raw.slice(from, amp) + char;
    from = amp + whole.length;
  }
  return out + raw.slice(from);
}
