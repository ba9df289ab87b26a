/**
 * Finds secrets in captured text or bytes, also when they were encoded on the way out: base64
 * (standard and URL-safe, at any byte alignment inside a longer encoded string), URL encoding,
 * JSON string escaping and hex. Each secret has a label so a failure names which one leaked and
 * in which form, never the value.
 */
export interface Secret {
  /** What it is, e.g. `vault DS-… current`; printed on failure instead of the value. */
  label: string;
  value: string;
}

export interface Finding {
  label: string;
  form: string;
}

/** Every form in which `value` could appear; base64 forms are the stable middle of each alignment. */
export function secretForms(value: string): Map<string, string> {
  const forms = new Map<string, string>([
    ['raw', value],
    ['url-encoded', encodeURIComponent(value)],
    ['form-encoded', new URLSearchParams({ v: value }).toString().slice(2)],
    ['json-escaped', JSON.stringify(value).slice(1, -1)],
    ['hex', Buffer.from(value, 'utf8').toString('hex')],
  ]);
  const bytes = Buffer.from(value, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
    // Groups of 3 bytes made of secret bytes only encode the same way wherever the secret sits.
    const firstGroup = offset === 0 ? 0 : 1;
    const lastGroup = Math.floor(shifted.length / 3);
    const middle = shifted.toString('base64').slice(firstGroup * 4, lastGroup * 4);
    if (middle.length >= 12) {
      forms.set(`base64@${offset}`, middle);
      forms.set(`base64url@${offset}`, middle.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return forms;
}

export class SecretScanner {
  private readonly forms: { label: string; form: string; needle: string }[] = [];

  constructor(secrets: readonly Secret[]) {
    for (const secret of secrets) {
      if (secret.value.length < 8) throw new Error(`${secret.label}: too short to scan for reliably`);
      for (const [form, needle] of secretForms(secret.value)) {
        this.forms.push({ label: secret.label, form, needle });
      }
    }
  }

  get size(): number {
    return new Set(this.forms.map((f) => f.label)).size;
  }

  /** Every secret (and the form) found in `haystack`. */
  find(haystack: string | Buffer): Finding[] {
    const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
    const utf8 = typeof haystack === 'string' ? text : haystack.toString('utf8');
    return this.forms
      .filter(({ needle }) => text.includes(needle) || utf8.includes(needle))
      .map(({ label, form }) => ({ label, form }));
  }
}

/** One line per finding, for an assertion message. */
export function describeFindings(channel: string, findings: readonly Finding[]): string {
  return findings.map((f) => `${channel}: ${f.label} (${f.form})`).join('\n');
}
