/**
 * SADP is unauthenticated: anyone on the LAN can send a datagram naming a managed serial, from
 * any source address (UDP sources are forged as easily), saying anything. The gate stands between
 * SADP and the activation monitor for the devices we manage, those with a known address:
 *
 * - a sighting from the known address that would change what we believe about activation is
 *   first confirmed by the free activateStatus poll at that address (TCP: a forged datagram
 *   cannot answer it). A contradiction is `spoofing_suspected` and nothing else happens.
 * - a sighting from another address is followed only once that address presents the certificate
 *   pinned in the vault (a bare TLS handshake: nothing is sent). Otherwise, if the known address
 *   still answers, it is `spoofing_suspected`; if it is silent (a reset device may come back
 *   elsewhere, with a new certificate), only an `inactive` claim is let in, unconfirmed: it
 *   raises the alarm but never starts a re-claim.
 * - a device with two interfaces on one segment speaks from both: when the other address presents
 *   the pinned certificate and the known address still does too, the other address becomes a
 *   second known address (sightings from either are at home; the poll stays where it is) instead
 *   of a move, so the device does not flip between them. While the device is held offline, a
 *   sighting from a second address is checked as a move again.
 *
 * Nothing here sends a credential, and after a spoofing verdict the serial's SADP claims are
 * ignored for a while (the regular poll still watches it), so a flood is one alert, not a storm.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { trace } from '../diagnostics';
import { HikError } from '../errors';
import { normaliseFingerprint } from '../isapi/pinned-connector';
import type { SadpDevice } from '../sadp/sadp-device';
import type { PollAddress } from './activation-monitor';
import type { Evidence } from '../device-vocabulary';

export interface KnownAddress {
  poll: PollAddress;
  /** The certificate fingerprint pinned in the vault, when the device was ever reached over HTTPS. */
  tlsPin: string | null;
}

export type GateDecision =
  /** Let the sighting in; `confirmed` says whether the known address agreed (absent: nothing to ask). */
  | { kind: 'admit'; confirmed?: boolean }
  | { kind: 'spoofed'; evidence: Evidence }
  /** The device proved itself at `host`: follow it, then look at the sighting again. */
  | { kind: 'moved'; host: string; evidence: Evidence }
  | { kind: 'drop' };

export interface SightingGateOptions {
  known: (serial: string) => KnownAddress | null;
  /** Whether the monitor currently holds the device for inactive. */
  believesInactive: (serial: string) => boolean;
  /** Whether the monitor holds the device offline (its known address stopped answering polls). */
  believesOffline?: (serial: string) => boolean;
  /** The free activateStatus poll: true/false/null, or the error it failed with. */
  poll: (serial: string, address: PollAddress) => Promise<boolean | null | Error>;
  /** The SHA-256 fingerprint of the certificate presented at host:port (typed errors). */
  fingerprintAt: (host: string, port: number) => Promise<string>;
  /** How long a spoofed serial's SADP claims are ignored. Default 10 minutes. */
  distrustMs?: number;
  /** Addresses of a configured host name. Default: the system resolver (what a request would use). */
  resolve?: (host: string) => Promise<string[]>;
  clock?: () => number;
}

const DROP: GateDecision = { kind: 'drop' };

export class SightingGate {
  private readonly checking = new Set<string>();
  private readonly distrustedUntil = new Map<string, number>();
  private readonly resolved = new Map<string, { addresses: string[]; until: number }>();
  /**
   * Second addresses of a device, each proven by the pinned certificate while the known address
   * presented it too; valid only for that known address and that pin (a move or a re-pin forgets).
   */
  private readonly secondAddresses = new Map<string, { home: string; pin: string; hosts: Set<string> }>();

  constructor(private readonly options: SightingGateOptions) {}

  async decide(device: SadpDevice & { serial: string }): Promise<GateDecision> {
    const { serial } = device;
    const known = this.options.known(serial);
    if (!known) return { kind: 'admit' };
    if ((this.distrustedUntil.get(serial) ?? 0) > this.now()) return DROP;
    // One check per device at a time: repeats of the same claim arrive while it runs.
    if (this.checking.has(serial)) return DROP;
    this.checking.add(serial);
    try {
      const atHome =
        (await this.isKnownAddress(device.sourceAddress, known.poll.host)) ||
        (this.isSecondAddress(device, known) && !(this.options.believesOffline?.(serial) ?? false));
      const decision = atHome
        ? await this.fromKnownAddress(device, known)
        : await this.fromElsewhere(device, known);
      if (decision.kind === 'spoofed')
        this.distrustedUntil.set(serial, this.now() + (this.options.distrustMs ?? 600_000));
      return decision;
    } finally {
      this.checking.delete(serial);
    }
  }

  private async fromKnownAddress(device: SadpDevice & { serial: string }, known: KnownAddress) {
    const claim = device.activated;
    const believedInactive = this.options.believesInactive(device.serial);
    const wouldChangeBelief = claim === false ? !believedInactive : claim === true && believedInactive;
    if (!wouldChangeBelief) return { kind: 'admit' } as const;
    const answer = await this.options.poll(device.serial, known.poll);
    // No answer (a reset device reboots) cannot disprove an inactive claim; the alarm is the safe side.
    if (answer === null || answer instanceof Error) return claim === false ? unconfirmed : DROP;
    if (answer === claim) return { kind: 'admit', confirmed: true } as const;
    return spoofed(device, known, 'contradicted_by_device', answer);
  }

  private async fromElsewhere(device: SadpDevice & { serial: string }, known: KnownAddress) {
    let reason = 'no_pinned_certificate';
    if (known.tlsPin) {
      const port = known.poll.protocol === 'https' ? known.poll.port : 443;
      const presented = await this.options.fingerprintAt(device.sourceAddress, port).catch(typedOnly);
      if (presented && normaliseFingerprint(presented) === normaliseFingerprint(known.tlsPin)) {
        // The same certificate at its known address too: a second interface, not a move.
        if (await this.presentsPin(known.poll.host, port, known.tlsPin)) {
          this.addSecondAddress(device.serial, device.sourceAddress, known.poll.host, known.tlsPin);
          return this.fromKnownAddress(device, known);
        }
        return {
          kind: 'moved',
          host: device.sourceAddress,
          evidence: {
            signal: 'certificate',
            ipBefore: known.poll.host,
            ip: device.sourceAddress,
            pinned: true,
          },
        } as const;
      }
      reason = presented ? 'certificate_mismatch' : 'no_tls_answer';
    }
    const answer = await this.options.poll(device.serial, known.poll);
    if (!(answer instanceof Error)) return spoofed(device, known, reason, answer);
    return device.activated === false ? unconfirmed : DROP;
  }

  private async presentsPin(host: string, port: number, pin: string): Promise<boolean> {
    const presented = await this.options.fingerprintAt(host, port).catch(typedOnly);
    return presented !== null && normaliseFingerprint(presented) === normaliseFingerprint(pin);
  }

  private isSecondAddress(device: SadpDevice & { serial: string }, known: KnownAddress): boolean {
    const entry = this.secondAddresses.get(device.serial);
    if (!entry || entry.home !== known.poll.host || entry.pin !== known.tlsPin) return false;
    return entry.hosts.has(device.sourceAddress);
  }

  private addSecondAddress(serial: string, host: string, home: string, pin: string): void {
    let entry = this.secondAddresses.get(serial);
    if (!entry || entry.home !== home || entry.pin !== pin) {
      entry = { home, pin, hosts: new Set() };
      this.secondAddresses.set(serial, entry);
    }
    entry.hosts.add(host);
    trace('gate', 'second address', { serial, host, known: home });
  }

  /** A device configured by host name is at home at any address the name resolves to. */
  private async isKnownAddress(source: string, host: string): Promise<boolean> {
    if (isIP(host) !== 0) return source === host;
    let entry = this.resolved.get(host);
    if (!entry || entry.until <= this.now()) {
      const resolve = this.options.resolve ?? resolveHost;
      // A name that does not resolve now matches nothing: the claim is checked like any other.
      const addresses = await resolve(host).catch(() => []);
      entry = { addresses, until: this.now() + RESOLVED_TTL_MS };
      this.resolved.set(host, entry);
    }
    return entry.addresses.includes(source);
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}

const unconfirmed: GateDecision = { kind: 'admit', confirmed: false };
/** How long a resolved host name is trusted before it is looked up again. */
const RESOLVED_TTL_MS = 60_000;

async function resolveHost(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}

function spoofed(
  device: SadpDevice & { serial: string },
  known: KnownAddress,
  reason: string,
  activateStatus: boolean | null,
): GateDecision {
  return {
    kind: 'spoofed',
    evidence: {
      signal: 'sadp',
      reason,
      claimedIp: device.sourceAddress,
      claimedActivated: device.activated,
      knownIp: known.poll.host,
      activateStatus,
    },
  };
}

/** A probe that failed for a network reason proves nothing; anything else is a bug to surface. */
function typedOnly(err: unknown): null {
  if (HikError.isHikError(err)) return null;
  throw err;
}
