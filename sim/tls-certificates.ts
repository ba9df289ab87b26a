/**
 * The simulator's test-only TLS certificates `a`, `b` and `c`: self-signed, made with fresh keys
 * the first time each is asked for in a process (a: RSA 2048, b: EC P-256, c: RSA 2048; CN a fake
 * device serial), then the same for the rest of the process. Nothing is read from or written to
 * disk, so the package ships no private key, and a restarted simulator presents new certificates
 * (as a factory-reset camera does: clients that pinned the old ones see a changed certificate).
 * Devices swap between them at runtime (`device.useCertificate('b')`) to exercise TLS pinning.
 * They protect nothing: never use them for anything real.
 */
import { InvalidArgumentError } from '../lib/errors';
import { createSelfSignedCertificate, type SelfSignedKeyType } from './self-signed-certificate';

export const SIM_CERTIFICATE_NAMES = ['a', 'b', 'c'] as const;
export type SimCertificateName = (typeof SIM_CERTIFICATE_NAMES)[number];

export interface SimCertificate {
  key: string;
  cert: string;
}

const PROFILES: Record<SimCertificateName, { keyType: SelfSignedKeyType; commonName: string }> = {
  a: { keyType: 'rsa', commonName: 'DS-2CD2386G2-IU20240101AAWRJ00000001' },
  b: { keyType: 'ec', commonName: 'DS-2CD2443G0-IW20200316AAWRJ00000002' },
  c: { keyType: 'rsa', commonName: 'DS-7616NI-K220240108CCRRJ00000004' },
};

const cache = new Map<SimCertificateName, SimCertificate>();

export function loadSimCertificate(name: SimCertificateName): SimCertificate {
  if (!SIM_CERTIFICATE_NAMES.includes(name)) {
    throw new InvalidArgumentError(`certificate must be one of ${SIM_CERTIFICATE_NAMES.join(', ')}`);
  }
  let certificate = cache.get(name);
  if (!certificate) {
    certificate = createSelfSignedCertificate({ ...PROFILES[name], organization: 'hik-guard test' });
    cache.set(name, certificate);
  }
  return certificate;
}
