/**
 * The committed test-only TLS certificates in sim/tls (see its README), read from beside this
 * module: the source tree, or dist/sim/tls where the build copies them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../lib/errors';

export const SIM_CERTIFICATE_NAMES = ['a', 'b', 'c'] as const;
export type SimCertificateName = (typeof SIM_CERTIFICATE_NAMES)[number];

export interface SimCertificate {
  key: string;
  cert: string;
}

const CERTIFICATE_DIR = join(__dirname, 'tls');
const cache = new Map<SimCertificateName, SimCertificate>();

export function loadSimCertificate(name: SimCertificateName): SimCertificate {
  if (!SIM_CERTIFICATE_NAMES.includes(name)) {
    throw new InvalidArgumentError(`certificate must be one of ${SIM_CERTIFICATE_NAMES.join(', ')}`);
  }
  const cached = cache.get(name);
  if (cached) return cached;
  const loaded = {
    key: readFileSync(join(CERTIFICATE_DIR, `device-${name}.key.pem`), 'utf8'),
    cert: readFileSync(join(CERTIFICATE_DIR, `device-${name}.cert.pem`), 'utf8'),
  };
  cache.set(name, loaded);
  return loaded;
}
