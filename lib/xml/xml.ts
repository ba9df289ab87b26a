/**
 * The one XML entry point of the package. Device and network input is hostile until proven
 * otherwise: DTDs are refused outright (so no entity can expand), only the five predefined
 * entities and character references are decoded, size and depth are capped, and element names
 * are matched by local name because firmware uses many namespaces for the same document.
 */
import type { XMLParser } from 'fast-xml-parser';
import { BodyTooLargeError, XmlParseError } from '../errors';
import { fastXmlParser } from '../heavy-dependencies';
import { readFlatDocument } from './flat-xml';
import { XmlElement } from './xml-element';

export { parseXmlBoolean, parseXmlInt, XmlElement } from './xml-element';

export const DEFAULT_MAX_XML_BYTES = 256 * 1024;
const MAX_DEPTH = 64;

export interface ParseXmlOptions {
  /** Reject bodies longer than this many UTF-8 bytes. Default 256 KiB. */
  maxBytes?: number;
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

const PREDEFINED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED_ENTITIES[ref] ?? whole;
  });
}

let parser: XMLParser | undefined;

/** fast-xml-parser, configured once, on the first document that needs it. */
function generalParser(): XMLParser {
  return (parser ??= new (fastXmlParser().XMLParser)({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    maxNestedTags: MAX_DEPTH,
    tagValueProcessor: (_name: string, value: string) => decodeEntities(value),
    attributeValueProcessor: (_name: string, value: string) => decodeEntities(value),
  }));
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/**
 * Parses a whole XML document and returns its root element.
 * Throws BodyTooLargeError or XmlParseError; never anything else.
 */
export function parseXml(body: string | Buffer, options: ParseXmlOptions = {}): XmlElement {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');

  // Devices never send a DTD; refusing it is what makes entity bombs impossible.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlParseError('XML with a DTD is refused');
  return readFlatDocument(text) ?? parseGeneralDocument(text);
}

/**
 * The general path: fast-xml-parser's validator, then its parser. Only `parseXml` may call it in
 * the product (it does the size and DTD checks first); exported for the differential tests that
 * hold the flat-document shortcut to the same results.
 */
export function parseGeneralDocument(text: string): XmlElement {
  const validation = fastXmlParser().XMLValidator.validate(text);
  if (validation !== true) {
    throw new XmlParseError(`malformed XML at line ${validation.err.line}: ${validation.err.code}`);
  }

  let ordered: OrderedNode[];
  try {
    ordered = generalParser().parse(text) as OrderedNode[];
  } catch (err) {
    throw new XmlParseError('malformed XML', { cause: err });
  }
  const roots = ordered.map((n) => toElement(n, 1)).filter((e): e is XmlElement => e !== null);
  const [root] = roots;
  if (!root || roots.length !== 1)
    throw new XmlParseError(`expected one root element, found ${roots.length}`);
  return root;
}

function toElement(node: OrderedNode, depth: number): XmlElement | null {
  if (depth > MAX_DEPTH) throw new XmlParseError(`XML nested deeper than ${MAX_DEPTH} levels`);
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name === '#text' || name.startsWith('?') || name === '#comment') return null;
  const content = node[name];
  const children: XmlElement[] = [];
  let text = '';
  if (Array.isArray(content)) {
    for (const item of content as OrderedNode[]) {
      if ('#text' in item) text += String(item['#text']);
      else {
        const child = toElement(item, depth + 1);
        if (child) children.push(child);
      }
    }
  }
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(node[':@'] ?? {})) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    attributes[key] = value;
  }
  return new XmlElement(name, attributes, children, text.trim());
}

/** Writes an element back as XML (no declaration, no namespaces), e.g. to PUT back what a GET returned. */
export function serializeXml(el: XmlElement): string {
  const attrs = Object.entries(el.attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  const inner = el.children.length > 0 ? el.children.map(serializeXml).join('') : escapeXml(el.text);
  return `<${el.name}${attrs}>${inner}</${el.name}>`;
}

/** A copy of `el` with `child` replacing the child of the same name (or appended when missing). */
export function withChild(el: XmlElement, child: XmlElement): XmlElement {
  const children = el.child(child.name)
    ? el.children.map((c) => (c.name === child.name ? child : c))
    : [...el.children, child];
  return new XmlElement(el.name, el.attributes, children, el.text);
}
