/**
 * What a simulated device puts in `WWW-Authenticate`, byte for byte like the captures in
 * docs/protocol/isapi.md §1.1: realm and nonce in the firmware generation's style, and the header layout of the
 * configured auth offer (new firmware: `domain="::"`, `opaque=""`, `algorithm`, `stale`; old
 * firmware: Digest and Basic folded into one header).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DigestAlgorithm } from './digest-hash';

export type RealmStyle = 'hex24' | 'ip-camera';
export type NonceStyle = 'epoch' | 'legacy';
export type AuthOffer = 'digest' | 'digest-and-basic-headers' | 'digest-and-basic-one-header' | 'basic-only';

export const AUTH_OFFERS: readonly AuthOffer[] = [
  'digest',
  'digest-and-basic-headers',
  'digest-and-basic-one-header',
  'basic-only',
];

/** Stable per device (seeded by the serial), as a device's realm does not change between requests. */
export function deviceRealm(style: RealmStyle, seed: string): string {
  const hash = createHash('sha256').update(seed).digest('hex');
  // New firmware: 24 hex chars. Old "IP Camera(76475)" / App-webs "IP Camera(C3331)": 5 upper hex.
  return style === 'hex24' ? hash.slice(0, 24) : `IP Camera(${hash.slice(0, 5).toUpperCase()})`;
}

/** New firmware: `<32 hex>:<13-digit epoch ms>`; old: hex(base64(`<hex>:<hex>`)). */
export function makeNonce(style: NonceStyle, nowMs: number): string {
  if (style === 'epoch') return `${randomBytes(16).toString('hex')}:${Math.floor(nowMs)}`;
  const inner = `${randomBytes(4).toString('hex')}:${randomBytes(4).toString('hex')}`;
  return Buffer.from(Buffer.from(inner).toString('base64')).toString('hex');
}

export function offersDigest(offer: AuthOffer): boolean {
  return offer !== 'basic-only';
}

export function offersBasic(offer: AuthOffer): boolean {
  return offer !== 'digest';
}

export interface ChallengeInput {
  offer: AuthOffer;
  realm: string;
  /** Unused for 'basic-only'. */
  nonce: string;
  algorithm: DigestAlgorithm;
  stale: boolean;
}

/** The `WWW-Authenticate` header values, one array entry per header line. */
export function challengeHeaders(input: ChallengeInput): string[] {
  const { offer, realm, nonce, algorithm } = input;
  const stale = input.stale ? 'TRUE' : 'FALSE';
  const basic = `Basic realm="${realm}"`;
  switch (offer) {
    case 'basic-only':
      return [basic];
    case 'digest-and-basic-one-header': {
      // Old firmware omits domain/opaque/algorithm; name the algorithm only when it is not MD5.
      const alg = algorithm === 'MD5' ? '' : `, algorithm="${algorithm}"`;
      return [`Digest qop="auth", realm="${realm}", nonce="${nonce}"${alg}, stale="${stale}", ${basic}`];
    }
    case 'digest':
    case 'digest-and-basic-headers': {
      const digest =
        `Digest realm="${realm}", domain="::", qop="auth", nonce="${nonce}", opaque="", ` +
        `algorithm="${algorithm}", stale="${stale}"`;
      return offer === 'digest' ? [digest] : [digest, basic];
    }
  }
}
