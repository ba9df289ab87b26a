/**
 * Reads `WWW-Authenticate` values (RFC 7235 §4.1 grammar, RFC 7616 parameters) and picks the
 * scheme to answer with. Hikvision firmware puts Digest and Basic in one header, sends realms
 * with spaces and brackets (`IP Camera(76475)`) and repeats the header, which regex-based parsers
 * get wrong (needle #340); so this is a small tokenizer that skips what it cannot read.
 */

export interface AuthChallenge {
  /** Auth-scheme, lowercased (`digest`, `basic`). */
  scheme: string;
  /** Parameters by lowercased name; quoted values unescaped. */
  params: Record<string, string>;
}

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | null;
  algorithm: DigestAlgorithm;
  /** null = RFC 2069 legacy: the device offered no qop. */
  qop: 'auth' | null;
  stale: boolean;
  userhash: boolean;
}

export type ChosenAuth =
  { kind: 'digest'; challenge: DigestChallenge } | { kind: 'basic'; realm: string | null };

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[-._~+/0-9A-Za-z]/;
// Unquoted values should be tokens, but some servers send `nonce=ab/c+d==`; accept up to the delimiter.
const UNQUOTED_VALUE_CHAR = /[^\s,"\\]/;

/** Cursor over one header value. */
class Scanner {
  pos = 0;

  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  eat(char: string): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  readWhile(pattern: RegExp): string {
    const start = this.pos;
    while (!this.done && pattern.test(this.text.charAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted-string with its quoted-pairs undone; null when unterminated. */
  readQuoted(): string | null {
    if (!this.eat('"')) return null;
    let value = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) return null;
      if (c === '"') return value;
      if (c === '\\') {
        const escaped = this.text[this.pos++];
        if (escaped === undefined) return null;
        value += escaped;
      } else {
        value += c;
      }
    }
  }

  /** True when the current list element ends here (only spaces before a comma or the end). */
  atElementEnd(): boolean {
    this.skipSpaces();
    return this.done || this.peek() === ',';
  }

  /** Drops an unreadable list element, stepping over quoted commas. */
  skipElement(): void {
    while (!this.done && this.peek() !== ',') {
      if (this.peek() === '"') {
        if (this.readQuoted() === null) this.pos = this.text.length;
      } else {
        this.pos++;
      }
    }
  }
}

/** All challenges in the given header lines, in order. Never throws: garbage is skipped. */
export function parseAuthenticateHeaders(values: readonly string[]): AuthChallenge[] {
  return values.flatMap(parseHeader);
}

interface PendingChallenge {
  scheme: string;
  params: Map<string, string>;
}

function parseHeader(value: string): AuthChallenge[] {
  const s = new Scanner(value);
  const found: PendingChallenge[] = [];
  let current: PendingChallenge | undefined;
  // Only whitespace since the scheme name: a token68 (not a new scheme) may follow.
  let afterScheme = false;
  for (;;) {
    s.skipSpaces();
    if (s.eat(',')) {
      afterScheme = false;
      continue;
    }
    if (s.done) break;
    const mark = s.pos;

    // A whole element of token68 characters and trailing '=' (`abc==`) is a token68, not a param.
    if (afterScheme && readToken68(s)) {
      afterScheme = false;
      continue;
    }
    s.pos = mark;
    const param = current ? readParam(s) : null;
    if (current && param) {
      // RFC 7616 allows each parameter once; a repeat must not override the first.
      if (!current.params.has(param.name)) current.params.set(param.name, param.value);
      afterScheme = false;
      continue;
    }
    s.pos = mark;
    const scheme = s.readWhile(TCHAR);
    const next = s.peek();
    if (scheme && (next === undefined || next === ' ' || next === '\t' || next === ',')) {
      current = { scheme: scheme.toLowerCase(), params: new Map() };
      found.push(current);
      afterScheme = true;
      continue;
    }
    s.pos = mark;
    s.skipElement();
    afterScheme = false;
  }
  // fromEntries defines own properties, so a `__proto__` parameter cannot reach the prototype.
  return found.map((c) => ({ scheme: c.scheme, params: Object.fromEntries(c.params) }));
}

function readParam(s: Scanner): { name: string; value: string } | null {
  const name = s.readWhile(TCHAR);
  if (!name) return null;
  s.skipSpaces();
  if (!s.eat('=')) return null;
  s.skipSpaces();
  const value = s.peek() === '"' ? s.readQuoted() : s.readWhile(UNQUOTED_VALUE_CHAR) || null;
  if (value === null || !s.atElementEnd()) return null;
  return { name: name.toLowerCase(), value };
}

function readToken68(s: Scanner): boolean {
  if (!s.readWhile(TOKEN68_CHAR)) return false;
  s.readWhile(/=/);
  return s.atElementEnd();
}

const ALGORITHMS: ReadonlyMap<string, DigestAlgorithm> = new Map([
  ['md5', 'MD5'],
  ['md5-sess', 'MD5-sess'],
  ['sha-256', 'SHA-256'],
  ['sha-256-sess', 'SHA-256-sess'],
]);

/**
 * The Digest challenge this client can answer, or null: not Digest, no realm or nonce, an
 * algorithm we do not implement, qop offered without `auth`, or `-sess` without qop (RFC 2069
 * has no cnonce to send, so the session key could not be agreed).
 */
export function toDigestChallenge(c: AuthChallenge): DigestChallenge | null {
  if (c.scheme !== 'digest') return null;
  const { realm, nonce, opaque, algorithm: algorithmName, qop: qopOptions, stale, userhash } = c.params;
  if (realm === undefined || !nonce) return null;
  const algorithm = ALGORITHMS.get((algorithmName ?? 'MD5').toLowerCase());
  if (algorithm === undefined) return null;
  let qop: 'auth' | null = null;
  if (qopOptions !== undefined) {
    if (!qopOptions.split(',').some((q) => q.trim().toLowerCase() === 'auth')) return null;
    qop = 'auth';
  }
  if (qop === null && algorithm.endsWith('-sess')) return null;
  return {
    realm,
    nonce,
    opaque: opaque ?? null,
    algorithm,
    qop,
    stale: stale?.toLowerCase() === 'true',
    userhash: userhash?.toLowerCase() === 'true',
  };
}

/**
 * Digest whenever the device offers a usable one (SHA-256 family first), because Basic sends the
 * password itself; Basic only from devices offering no usable Digest. Null: nothing we support.
 */
export function chooseAuth(challenges: AuthChallenge[]): ChosenAuth | null {
  const digests = challenges.map((c) => toDigestChallenge(c)).filter((d): d is DigestChallenge => d !== null);
  const digest = digests.find((d) => d.algorithm.startsWith('SHA-256')) ?? digests[0];
  if (digest) return { kind: 'digest', challenge: digest };
  const basic = challenges.find((c) => c.scheme === 'basic');
  return basic ? { kind: 'basic', realm: basic.params.realm ?? null } : null;
}
