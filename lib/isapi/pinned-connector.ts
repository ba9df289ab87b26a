/**
 * HTTPS to a camera with trust on first use. Cameras and recorders ship self-signed certificates
 * that no CA can vouch for, so the certificate itself is the identity: the first connection
 * remembers its SHA-256 fingerprint and every later connection must present the same one. A
 * different certificate is refused before a single byte of the request (or a credential) is sent:
 * the connection is handed to the HTTP client only once its certificate matched.
 */
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  CertificatePinMismatchError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  ProtocolError,
} from '../errors';
import { nodeTls } from '../heavy-dependencies';

export interface CertificatePin {
  /** Pinned fingerprint (`AA:BB:…`, as Node prints `fingerprint256`); unset means first use. */
  fingerprint?: string | undefined;
  /** Called once when a certificate is pinned on first use, so the caller can persist it. */
  onFirstUse?: ((fingerprint: string) => void) | undefined;
}

export interface PinnedTarget {
  host: string;
  port: number;
  /** TCP connect plus TLS handshake, ms. */
  timeoutMs: number;
  /** Aborting gives up the connection attempt (its owner closed). */
  signal: AbortSignal;
}

export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();
}

/**
 * Opens a TLS connection to `target` and calls back with it once the handshake is done and the
 * certificate matches `pin` (which learns the fingerprint on first use); otherwise with a typed
 * error (DeviceTimeoutError, CertificatePinMismatchError, ProtocolError) or the socket's own.
 */
export function connectPinned(
  target: PinnedTarget,
  pin: CertificatePin,
  callback: (err: Error | null, socket: TLSSocket | null) => void,
): void {
  // The pin replaces CA validation (no CA signs a camera's certificate); it is checked below for
  // every new connection. No session is offered, so each connection presents its certificate.
  const socket = nodeTls().connect({
    host: target.host,
    port: target.port,
    servername: isIP(target.host) === 0 ? target.host : undefined,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  socket.setNoDelay(true);
  const abandon = (): void => finish(new DeviceUnreachableError('the connection attempt was abandoned'));
  const finish = (err: Error | null): void => {
    clearTimeout(timer);
    target.signal.removeEventListener('abort', abandon);
    socket.off('error', finish);
    socket.off('secureConnect', verify);
    if (err === null) {
      callback(null, socket);
      return;
    }
    socket.destroy();
    callback(err, null);
  };
  const timer = setTimeout(
    () => finish(new DeviceTimeoutError('connect', target.timeoutMs)),
    target.timeoutMs,
  );
  function verify(): void {
    // Node gives an empty object, not undefined, when the peer sent no certificate.
    const presented: string | undefined = socket.getPeerCertificate().fingerprint256;
    if (!presented) {
      finish(new ProtocolError('the device presented no TLS certificate'));
    } else if (pin.fingerprint === undefined) {
      pin.fingerprint = presented;
      pin.onFirstUse?.(presented);
      finish(null);
    } else if (normaliseFingerprint(pin.fingerprint) !== normaliseFingerprint(presented)) {
      finish(new CertificatePinMismatchError(pin.fingerprint, presented));
    } else {
      finish(null);
    }
  }
  socket.once('secureConnect', verify);
  socket.once('error', finish);
  target.signal.addEventListener('abort', abandon);
}
