/**
 * The parsed form every XML reader in the package returns: an element with its local name,
 * attributes, children and trimmed text, plus the lenient value readers firmware needs.
 */

/** One element, namespace prefixes stripped. `text` is the trimmed, decoded text content. */
export class XmlElement {
  constructor(
    readonly name: string,
    readonly attributes: Readonly<Record<string, string>>,
    readonly children: readonly XmlElement[],
    readonly text: string,
  ) {}

  /** First child with this local name (case-sensitive, as XML is). */
  child(name: string): XmlElement | undefined {
    return this.children.find((c) => c.name === name);
  }

  childrenNamed(name: string): XmlElement[] {
    return this.children.filter((c) => c.name === name);
  }

  /** Follows a path of child names: `el.at('sourceInputPortDescriptor', 'ipAddress')`. */
  at(...path: string[]): XmlElement | undefined {
    return path.reduce<XmlElement | undefined>((el, step) => el?.child(step), this);
  }

  /** Trimmed text of the child at `path`, or null when absent. Empty elements give ''. */
  textAt(...path: string[]): string | null {
    const el = this.at(...path);
    return el ? el.text : null;
  }

  /** Integer at `path`, or null when absent or not an integer. */
  intAt(...path: string[]): number | null {
    return parseXmlInt(this.textAt(...path));
  }

  /** Boolean at `path` (lenient, see parseXmlBoolean), or null when absent or unreadable. */
  boolAt(...path: string[]): boolean | null {
    return parseXmlBoolean(this.textAt(...path));
  }

  /** Depth-first search for the first descendant (or self) with this local name. */
  find(name: string): XmlElement | undefined {
    if (this.name === name) return this;
    for (const c of this.children) {
      const hit = c.find(name);
      if (hit) return hit;
    }
    return undefined;
  }
}

const TRUE_WORDS = new Set(['true', 'ture', 'yes', 'on', '1', 'enable', 'enabled']);
const FALSE_WORDS = new Set(['false', 'flase', 'fasle', 'no', 'off', '0', 'disable', 'disabled']);

/** Firmware writes `flase` and `TRUE`; anything unreadable is null, never guessed. */
export function parseXmlBoolean(text: string | null | undefined): boolean | null {
  if (text === null || text === undefined) return null;
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return null;
}

export function parseXmlInt(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const trimmed = text.trim();
  if (!/^-?\d{1,15}$/.test(trimmed)) return null;
  return Number(trimmed);
}
