/**
 * A shortcut for the small flat documents that arrive by the thousand (SADP replies: one root,
 * a few dozen leaf elements, no attributes, no entities). It accepts only that strict shape and
 * answers null for anything else, which then goes through the full validator and parser; for what
 * it accepts it gives exactly what the full path gives (a differential property test holds it to
 * that). The caller has already checked the size and refused DTDs.
 */
import { XmlElement } from './xml-element';

const NAME = '[A-Za-z_][A-Za-z0-9_.-]*';
/** Text without markup, references or the control characters XML forbids. */
const TEXT = '[^<&\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*';
const DECLARATION = /<\?xml\s[^<>?]*\?>/y;
const OPEN_ROOT = new RegExp(`\\s*<(${NAME})>`, 'y');
const LEAF = new RegExp(`\\s*<(${NAME})(?:\\s*/>|>(${TEXT})</(${NAME})>)`, 'y');
const CLOSE_ROOT = new RegExp(`\\s*</(${NAME})>\\s*$`, 'y');

/** The root element of a flat document, or null when `text` is not one (use the full parser). */
export function readFlatDocument(text: string): XmlElement | null {
  let at = 0;
  const match = (pattern: RegExp): RegExpExecArray | null => {
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (found) at = pattern.lastIndex;
    return found;
  };
  // A declaration is only allowed as the very first thing.
  match(DECLARATION);
  const root = match(OPEN_ROOT);
  if (!root) return null;
  const children: XmlElement[] = [];
  for (let leaf = match(LEAF); leaf; leaf = match(LEAF)) {
    const [, name, body, closing] = leaf as unknown as [
      string,
      string,
      string | undefined,
      string | undefined,
    ];
    if ((closing !== undefined && closing !== name) || isObjectProperty(name)) return null;
    // XML end-of-line handling, as the general parser does it: CRLF and a lone CR read as LF.
    const content = body ?? '';
    const value = (content.includes('\r') ? content.replace(/\r\n?/g, '\n') : content).trim();
    children.push(new XmlElement(name, NO_ATTRIBUTES, NO_CHILDREN, value));
  }
  const close = match(CLOSE_ROOT);
  if (!close || close[1] !== root[1] || isObjectProperty(root[1] as string)) return null;
  return new XmlElement(root[1] as string, NO_ATTRIBUTES, children, '');
}

/** Names the full parser renames or refuses (prototype pollution guards): left to it. */
const OBJECT_PROPERTIES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

function isObjectProperty(name: string): boolean {
  return OBJECT_PROPERTIES.has(name);
}

/**
 * Every element read here has no attributes and every leaf no children: one frozen empty value
 * each, shared (XmlElement's are read-only), instead of two fresh objects per element.
 */
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(
  Object.create(null) as Record<string, string>,
);
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);
