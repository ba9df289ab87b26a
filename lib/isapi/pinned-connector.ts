/**
 * HTTPS to a camera with trust on first use. Cameras and recorders ship self-signed certificates
 * that no CA can vouch for, so the certificate itself is the identity: the first connection
 * remembers its SHA-256 fingerprint and every later connection must present the same one. A
 * different certificate is refused before a single byte of the request (or a credential) is sent.
 */
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { CertificatePinMismatchError, ProtocolError } from '../errors';

export interface CertificatePin {
  /** Pinned fingerprint (`AA:BB:…`, as Node prints `fingerprint256`); unset means first use. */
  fingerprint?: string | undefined;
  /** Called once when a certificate is pinned on first use, so the caller can persist it. */
  onFirstUse?: ((fingerprint: string) => void) | undefined;
}

export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();
}

/** An undici connector that enforces `pin`; the pin object learns the fingerprint on first use. */
export function buildPinnedConnector(
  pin: CertificatePin,
  connectTimeoutMs: number,
): buildConnector.connector {
  // The pin replaces CA validation (no CA signs a camera's certificate); it is checked below for
  // every new connection. Sessions are not cached, so each connection presents its certificate.
  const connect = buildConnector({
    rejectUnauthorized: false,
    timeout: connectTimeoutMs,
    maxCachedSessions: 0,
  });
  return (options, callback) => {
    connect(options, (err, socket) => {
      if (err !== null) {
        callback(err, null);
        return;
      }
      // Node gives an empty object, not undefined, when the peer sent no certificate.
      const presented: string | undefined = (socket as TLSSocket).getPeerCertificate().fingerprint256;
      if (!presented) {
        socket.destroy();
        callback(new ProtocolError('the device presented no TLS certificate'), null);
        return;
      }
      if (pin.fingerprint === undefined) {
        pin.fingerprint = presented;
        pin.onFirstUse?.(presented);
      } else if (normaliseFingerprint(pin.fingerprint) !== normaliseFingerprint(presented)) {
        socket.destroy();
        callback(new CertificatePinMismatchError(pin.fingerprint, presented), null);
        return;
      }
      callback(null, socket);
    });
  };
}
