/**
 * Parser for HTTP authentication headers (RFC 7235 §2.1), used by the simulated device to read
 * `Authorization` and by the simulated NVR to read a camera's `WWW-Authenticate`. Old Hikvision
 * firmware puts Digest and Basic in ONE header (`Digest qop="auth", …, Basic realm="…"`), so a
 * header may hold several schemes; scheme names are lower-cased, parameter names too.
 */

export interface AuthScheme {
  scheme: string;
  params: Map<string, string>;
  /** The token68 form (`Basic dXNlcjpwYXNz`), when the scheme carries one. */
  token68: string | null;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

export function parseAuthSchemes(header: string): AuthScheme[] {
  const schemes: AuthScheme[] = [];
  let rest = header;
  const skip = (pattern: RegExp): void => {
    rest = rest.replace(pattern, '');
  };
  skip(/^[\s,]+/);
  while (rest.length > 0) {
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break; // garbage: stop, keep what was understood
    rest = rest.slice(name.length);
    const afterName = rest.replace(/^\s*/, '');
    const current = schemes.at(-1);
    if (afterName.startsWith('=') && current) {
      rest = afterName.slice(1).replace(/^\s*/, '');
      current.params.set(name.toLowerCase(), readValue());
    } else {
      const scheme: AuthScheme = { scheme: name.toLowerCase(), params: new Map(), token68: null };
      schemes.push(scheme);
      rest = afterName;
      // `Basic dXNlcjpwYXNz` carries a token68; `Basic realm="x"` starts a parameter instead.
      const token68 = TOKEN68.exec(rest)?.[0];
      if (token68 && /^\s*(,|$)/.test(rest.slice(token68.length))) {
        scheme.token68 = token68;
        rest = rest.slice(token68.length);
      }
    }
    skip(/^[\s,]+/);
  }
  return schemes;

  function readValue(): string {
    if (rest.startsWith('"')) {
      let value = '';
      let i = 1;
      for (; i < rest.length && rest[i] !== '"'; i++) {
        if (rest[i] === '\\' && i + 1 < rest.length) i++;
        value += rest.charAt(i);
      }
      rest = rest.slice(i + 1);
      return value;
    }
    const token = /^[^\s,]*/.exec(rest)?.[0] ?? '';
    rest = rest.slice(token.length);
    return token;
  }
}
