/**
 * Who answers HTTPS at an address, asked without saying anything: a TLS handshake that reads the
 * peer certificate's SHA-256 fingerprint and hangs up before any HTTP request. It is how an
 * address a SADP datagram claims for a managed device is checked against the certificate pinned
 * in the vault, so an unauthenticated datagram can never make us send a credential anywhere.
 */
import { DeviceTimeoutError, DeviceUnreachableError, ProtocolError } from '../errors';
import { nodeTls } from '../heavy-dependencies';

export interface CertificateProbeTarget {
  host: string;
  port: number;
  /** Default 3 s: a device that cannot finish a handshake in that time is not proving anything. */
  timeoutMs?: number;
}

/** The presented certificate's fingerprint, as Node prints `fingerprint256` (`AA:BB:…`). */
export function readCertificateFingerprint(target: CertificateProbeTarget): Promise<string> {
  const timeoutMs = target.timeoutMs ?? 3_000;
  return new Promise((resolve, reject) => {
    // No CA vouches for a camera's self-signed certificate; the fingerprint is compared by the caller.
    const socket = nodeTls().connect({ host: target.host, port: target.port, rejectUnauthorized: false });
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () => finish(() => reject(new DeviceTimeoutError('connect', timeoutMs))),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      finish(() =>
        fingerprint
          ? resolve(fingerprint)
          : reject(new ProtocolError('the device presented no TLS certificate')),
      );
    });
    socket.once('error', (err) =>
      finish(() =>
        reject(
          new DeviceUnreachableError(`no TLS handshake with ${target.host}:${target.port}`, { cause: err }),
        ),
      ),
    );
  });
}
