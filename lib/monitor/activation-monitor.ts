/**
 * The activation monitor: one state machine per device serial, fed by whatever can observe a
 * device without a login (SADP sightings, the activateStatus poll) plus results others obtained
 * (vault verifications, re-claims). It keeps what it knows about each device (name, model,
 * address, firmware, last seen) and hands every transition or event, ready to send, to `onChange`.
 */
import {
  DeviceLockedError,
  HikError,
  InvalidArgumentError,
  IsapiStatusError,
  LoginGuardRefusedError,
} from '../errors';
import type { SadpDevice } from '../sadp/sadp-device';
import { DeviceActivationState } from './device-activation-state';
import { ALARM_STATES, type DeviceState } from '../device-vocabulary';
import type { MonitorSignal, StateChange } from './monitor-types';

/** Where the free activateStatus poll reaches a device. */
export interface PollAddress {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/** What is known about a device; null where nothing said. Never holds a secret. */
export interface MonitoredDevice {
  serial: string;
  name: string | null;
  model: string | null;
  ip: string | null;
  firmware: string | null;
  /** Lower-case colon form, as SADP reported it (null until a sighting or discovery said). */
  mac: string | null;
  state: DeviceState;
  /** ISO time the state began. */
  since: string;
  /** ISO time of the last answer (SADP or poll). */
  lastSeen: string | null;
  /** Where it is polled, when known. */
  poll: PollAddress | null;
  /** Held for inactive on a claim its known address could not confirm yet (see the state machine). */
  unconfirmed: boolean;
}

/** What configuration says about a watched device. */
export interface WatchDetails {
  name?: string | null | undefined;
  poll?: PollAddress | null | undefined;
  offlineAfterFailures?: number | undefined;
}

export interface DeviceChange extends StateChange {
  serial: string;
  name: string | null;
  model: string | null;
  ip: string | null;
  /** ISO time the new state began. */
  since: string;
}

export interface MonitorCounts {
  ok: number;
  inactive: number;
  /** Devices needing a look other than inactive: auth_failed, defaults_suspected, locked, offline. */
  attention: number;
  total: number;
}

export interface ActivationMonitorOptions {
  onChange: (change: DeviceChange) => void;
  offlineAfterFailures?: number;
  /** Whether the vault holds the device's password; asked when a device is first seen. */
  vaultKnows?: (serial: string) => boolean;
  clock?: () => number;
}

interface Entry {
  info: MonitoredDevice;
  machine: DeviceActivationState;
  /** A poll address set from configuration is not replaced by what SADP reports. */
  pinnedPoll: boolean;
  /** Whether the last poll was answered (by the device, whatever it said). */
  pollAnswered: boolean;
}

export class ActivationMonitor {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: () => number;

  constructor(private readonly options: ActivationMonitorOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Starts watching a configured device (a hik-device node, a CLI target). */
  watch(serial: string, details: WatchDetails = {}): void {
    if (serial === '') throw new InvalidArgumentError('serial must not be empty');
    const entry = this.entry(serial);
    if (details.name) entry.info.name = details.name;
    if (details.offlineAfterFailures !== undefined)
      entry.machine.setOfflineAfterFailures(details.offlineAfterFailures);
    if (details.poll) {
      entry.info.poll = details.poll;
      entry.info.ip ??= details.poll.host;
      entry.pinnedPoll = true;
    }
  }

  /**
   * A SADP sighting (scan reply or Hello). Devices without a serial are ignored. `confirmed`: what
   * the sighting gate learnt from the device's known address (absent when nothing was asked).
   */
  observeSadp(device: SadpDevice, via: 'hello' | 'probeMatch', confirmed?: boolean): void {
    if (!device.serial) return;
    const entry = this.entry(device.serial);
    const info = entry.info;
    info.model = device.model ?? info.model;
    info.firmware = device.firmware ?? info.firmware;
    info.mac = device.mac ?? info.mac;
    // The datagram's source is where it really is; a reset device may claim 192.168.1.64.
    info.ip = device.offSubnet ? device.sourceAddress : (device.ipv4 ?? device.sourceAddress);
    info.lastSeen = this.now().toISOString();
    if (!entry.pinnedPoll && device.httpPort) {
      info.poll = { host: device.sourceAddress, port: device.httpPort, protocol: 'http' };
    }
    this.signal(entry, {
      kind: 'sadp',
      via,
      activated: device.activated,
      bootTime: device.bootTime,
      ipv4: device.ipv4,
      dhcp: device.dhcp,
      confirmed,
    });
  }

  /** Hosts where a device answered its last poll: SADP has nothing to find out there each round. */
  hostsAnsweringPolls(): Set<string> {
    const hosts = new Set<string>();
    for (const { info, pollAnswered } of this.entries.values())
      if (pollAnswered && info.poll) hosts.add(info.poll.host);
    return hosts;
  }

  /** The poll address that configuration (or a verified move) set, which SADP does not replace. */
  pinnedPoll(serial: string): PollAddress | null {
    const entry = this.entries.get(serial);
    return entry?.pinnedPoll ? entry.info.poll : null;
  }

  /** The device proved it answers at `host` now: poll it there from now on. */
  relocate(serial: string, host: string): void {
    const entry = this.entries.get(serial);
    if (!entry?.info.poll) return;
    entry.info.poll = { ...entry.info.poll, host };
    entry.info.ip = host;
  }

  /** The result of a poll: activated true/false/null, or the error it failed with. */
  observePoll(serial: string, result: boolean | null | Error): void {
    const entry = this.entries.get(serial);
    if (!entry) return;
    // A device that answers with an ISAPI status (503 Device Busy and the like) is alive.
    if (result instanceof IsapiStatusError) result = null;
    if (result instanceof Error) {
      const codeText = HikError.isHikError(result) ? result.code : 'HIK_ERR';
      const lock = lockOf(result);
      if (lock) this.signal(entry, { kind: 'locked', code: codeText, unlockInSeconds: lock.seconds });
      else this.signal(entry, { kind: 'pollFailed', code: codeText });
      entry.pollAnswered = false;
      return;
    }
    entry.pollAnswered = true;
    entry.info.lastSeen = this.now().toISOString();
    this.signal(entry, { kind: 'poll', activated: result });
  }

  /** Anything else learnt about a device (verification, re-claim results). */
  observe(serial: string, signal: MonitorSignal): void {
    this.signal(this.entry(serial), signal);
  }

  /** Fills in what a device told about itself elsewhere (deviceInfo, another process's SADP). */
  describe(
    serial: string,
    details: { model?: string | null; firmware?: string | null; mac?: string | null },
  ): void {
    const info = this.entries.get(serial)?.info;
    if (!info) return;
    info.model = details.model ?? info.model;
    info.firmware = details.firmware ?? info.firmware;
    info.mac = details.mac ?? info.mac;
  }

  /** Whether the device is held for inactive (also while it is offline since). */
  believesInactive(serial: string): boolean {
    return this.entries.get(serial)?.machine.condition === 'inactive';
  }

  isReclaiming(serial: string): boolean {
    return this.entries.get(serial)?.machine.reclaiming ?? false;
  }

  /** Marks a re-claim as under way (an activation seen meanwhile may be ours). */
  setReclaiming(serial: string, reclaiming: boolean): void {
    const entry = this.entries.get(serial);
    if (entry) entry.machine.reclaiming = reclaiming;
  }

  setVaultKnown(serial: string, known: boolean): void {
    const entry = this.entries.get(serial);
    if (entry) entry.machine.vaultKnown = known;
  }

  get(serial: string): MonitoredDevice | undefined {
    const entry = this.entries.get(serial);
    return entry
      ? {
          ...entry.info,
          state: entry.machine.state,
          since: entry.machine.since,
          unconfirmed: entry.machine.unconfirmed,
        }
      : undefined;
  }

  /** Every device, sorted by serial (the fleet table). */
  devices(): MonitoredDevice[] {
    return [...this.entries.keys()].sort().map((serial) => this.get(serial) as MonitoredDevice);
  }

  counts(): MonitorCounts {
    return countStates([...this.entries.values()].map((e) => e.machine.state));
  }

  /** Serials and addresses to poll. */
  pollTargets(): { serial: string; address: PollAddress }[] {
    const targets: { serial: string; address: PollAddress }[] = [];
    for (const [serial, { info }] of this.entries)
      if (info.poll) targets.push({ serial, address: info.poll });
    return targets;
  }

  forget(serial: string): void {
    this.entries.delete(serial);
  }

  private entry(serial: string): Entry {
    let entry = this.entries.get(serial);
    if (!entry) {
      const machine = new DeviceActivationState(this.now(), {
        offlineAfterFailures: this.options.offlineAfterFailures,
        vaultKnown: this.options.vaultKnows?.(serial) ?? false,
      });
      const info: MonitoredDevice = {
        serial,
        name: null,
        model: null,
        ip: null,
        firmware: null,
        mac: null,
        state: machine.state,
        since: machine.since,
        lastSeen: null,
        poll: null,
        unconfirmed: false,
      };
      entry = { info, machine, pinnedPoll: false, pollAnswered: false };
      this.entries.set(serial, entry);
    }
    return entry;
  }

  private signal(entry: Entry, signal: MonitorSignal): void {
    for (const change of entry.machine.apply(signal, this.now())) {
      const { serial, name, model, ip } = entry.info;
      this.options.onChange({ ...change, serial, name, model, ip, since: entry.machine.since });
    }
  }

  private now(): Date {
    return new Date(this.clock());
  }
}

/** A lock the device reported, or the login guard's lock window on its behalf. */
function lockOf(err: Error): { seconds: number | null } | null {
  if (err instanceof DeviceLockedError) return { seconds: err.unlockInSeconds };
  if (err instanceof LoginGuardRefusedError && err.reason === 'lock_window')
    return { seconds: err.retryAfterSeconds };
  return null;
}

/** Devices by condition: ok (active), inactive, attention (any other alarm, locked, offline). */
export function countStates(states: readonly DeviceState[]): MonitorCounts {
  const counts: MonitorCounts = { ok: 0, inactive: 0, attention: 0, total: states.length };
  for (const state of states) {
    if (state === 'active') counts.ok += 1;
    else if (state === 'inactive') counts.inactive += 1;
    else if (ALARM_STATES.has(state) || state === 'locked' || state === 'offline') counts.attention += 1;
  }
  return counts;
}
