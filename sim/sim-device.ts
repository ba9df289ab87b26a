/**
 * One simulated Hikvision device: profile (identity, firmware quirks, lock policy), live state,
 * counters, fault plan and its loopback listener, plus the controls a test needs — reboot,
 * factory reset, a third party changing a password, a certificate swap.
 */
import { InvalidArgumentError } from '../lib/errors';
import { DeviceAuthenticator } from './device-authenticator';
import { DeviceListener } from './device-listener';
import {
  factoryDeviceName,
  resolveDeviceProfile,
  type DeviceProfile,
  type SimChannelInit,
  type SimDeviceOptions,
  type SimUserInit,
} from './device-profile';
import { DeviceState, type SimChannel, type SimUser } from './device-state';
import { FaultPlan } from './fault-plan';
import { NvrChannelWatch, type ChannelLoginTally } from './nvr-channel-watch';
import { RtspListener } from './rtsp-listener';
import type { XmlStyle } from './fixtures/xml-builder';
import { serveRequest } from './request-pipeline';
import { createCounters, resetCounters, type SimCounters } from './sim-counters';
import { loadSimCertificate, type SimCertificateName } from './tls-certificates';

export interface SimListenOptions {
  /** An address in 127.0.0.0/8; anything else is refused. */
  host: string;
  /** 0 (default) for an ephemeral port. */
  port?: number;
  https?: boolean;
  /** Also serve RTSP on this port of the same address (0 = ephemeral); default: no RTSP. */
  rtspPort?: number;
}

/** How long a recorder waits for a camera during a channel login (nvr-channel-watch). */
const CHANNEL_LOGIN_TIMEOUT_MS = 3000;

export class SimDevice {
  readonly profile: DeviceProfile;
  readonly state: DeviceState;
  readonly counters: SimCounters = createCounters();
  readonly faults = new FaultPlan();
  readonly authenticator: DeviceAuthenticator;
  readonly xmlStyle: XmlStyle;
  private readonly listener: DeviceListener;
  private readonly rtsp: RtspListener;
  private readonly channelWatch: NvrChannelWatch | null;
  private certificate: SimCertificateName;
  private rebooting: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private closed = false;
  private readonly bootHooks = new Set<() => void>();

  constructor(options: SimDeviceOptions) {
    this.profile = resolveDeviceProfile(options);
    const now = this.profile.clock();
    const onvifUsers = options.onvifUsers ?? [];
    this.state = new DeviceState(options.adminPassword, options.users ?? [], options.channels ?? [], now, {
      users: onvifUsers,
      enabled: options.onvifEnabled ?? onvifUsers.length > 0,
    });
    this.authenticator = new DeviceAuthenticator(this.profile, this.state, this.counters);
    this.xmlStyle = {
      namespace: this.profile.quirks.namespace,
      booleanQuirk: this.profile.quirks.booleanQuirk,
    };
    this.certificate = this.profile.certificate;
    this.listener = new DeviceListener(
      (req, res, up) => void serveRequest(this, req, res, up),
      loadSimCertificate(this.certificate),
    );
    this.rtsp = new RtspListener(this);
    const every = this.profile.channelLoginEveryMs;
    this.channelWatch =
      every !== null && this.profile.identity.deviceType === 'NVR'
        ? new NvrChannelWatch(this.state, every, CHANNEL_LOGIN_TIMEOUT_MS)
        : null;
  }

  get serialNumber(): string {
    return this.profile.identity.serialNumber;
  }

  get host(): string | null {
    return this.listener.host;
  }

  get port(): number | null {
    return this.listener.port;
  }

  get https(): boolean {
    return this.listener.https;
  }

  /** `http://127.0.0.11:80`-style base URL, or null before the first listen. */
  get url(): string | null {
    const { host, port } = this;
    return host === null || port === null ? null : `${this.https ? 'https' : 'http'}://${host}:${port}`;
  }

  /** The RTSP port on `host`, or null when the device serves no RTSP. */
  get rtspPort(): number | null {
    return this.rtsp.port;
  }

  /**
   * `rtsp://user:pass@host:port/Streaming/Channels/101`-style URL of a stream, credentials
   * percent-encoded, as a consumer would store it; null without RTSP.
   */
  streamUrl(credential?: { userName: string; password: string }, channel = 101): string | null {
    const { host, rtspPort } = this;
    if (host === null || rtspPort === null) return null;
    const userinfo = credential
      ? `${encodeURIComponent(credential.userName)}:${encodeURIComponent(credential.password)}@`
      : '';
    return `rtsp://${userinfo}${host}:${rtspPort}/Streaming/Channels/${channel}`;
  }

  /** NVR channel logins (with `channelLoginEveryMs`), per channel id. */
  get channelLogins(): ReadonlyMap<number, ChannelLoginTally> {
    return this.channelWatch?.tallies ?? new Map();
  }

  /** Drops every open RTSP session (a network blip): stream consumers reconnect and log in again. */
  dropStreamSessions(): void {
    this.rtsp.dropSessions();
  }

  /** False before listen, after close and while rebooting. */
  get isUp(): boolean {
    return this.listener.listening;
  }

  get certificateName(): SimCertificateName {
    return this.certificate;
  }

  async listen(options: SimListenOptions): Promise<void> {
    this.closed = false;
    await this.listener.start(options.host, options.port ?? 0, options.https ?? false);
    if (options.rtspPort !== undefined) await this.rtsp.start(options.host, options.rtspPort);
    this.channelWatch?.start(options.host);
  }

  /** Stops serving at once (open connections destroyed), also in the middle of a reboot. */
  async close(): Promise<void> {
    this.closed = true;
    this.faults.abortHung();
    this.wakeUp?.();
    this.channelWatch?.stop();
    await Promise.all([this.listener.stop(), this.rtsp.stop()]);
    await this.rebooting;
  }

  /** Down for `rebootMs` (connections refused), then up on the same address; locks cleared. */
  reboot(): Promise<void> {
    if (this.rebooting) return this.rebooting;
    this.counters.reboots += 1;
    return this.cycle(() => undefined);
  }

  /** A reboot nobody awaits (ISAPI reboot, faults); a failure to come back up is reported, not thrown. */
  rebootInBackground(): void {
    this.reboot().catch((err: unknown) => this.reportInternalError(err));
  }

  /** Makes a simulator malfunction visible (a process warning) without crashing the test run. */
  reportInternalError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    process.emitWarning(`simulated device ${this.serialNumber}: ${message}`, { code: 'HIK_SIM_INTERNAL' });
  }

  /** Like a reset button: reboots into the factory state (inactive, admin without password, no channels). */
  factoryReset(): Promise<void> {
    this.counters.factoryResets += 1;
    return this.cycle(() => this.state.factoryReset());
  }

  /**
   * The web UI's basic "Restore": settings back to their defaults (here the device name) except the
   * network, while the device stays activated and keeps its users and passwords; then a reboot.
   */
  basicRestore(): Promise<void> {
    this.counters.reboots += 1;
    return this.cycle(() => {
      this.profile.identity.deviceName = factoryDeviceName(this.profile.identity.deviceType);
    });
  }

  /** Resolves once the device is reachable again (immediately if it is not rebooting). */
  async whenUp(): Promise<void> {
    await this.rebooting;
  }

  /** A third party changed this account's password; not counted as an ISAPI password change. */
  setPassword(userName: string, password: string): void {
    const user = this.state.userByName(userName);
    if (!user) throw new InvalidArgumentError(`no user named ${userName}`);
    user.password = password;
    this.passwordChanged(userName);
  }

  /** After any password change (ISAPI or a third party): see `dropStreamsOnPasswordChange`. */
  passwordChanged(userName: string): void {
    if (this.profile.dropStreamsOnPasswordChange) this.rtsp.dropSessions(userName);
  }

  addUser(init: SimUserInit): SimUser {
    return this.state.addUser(init);
  }

  addChannel(init: SimChannelInit): SimChannel {
    if (this.profile.identity.deviceType !== 'NVR')
      throw new InvalidArgumentError('only an NVR has channels');
    return this.state.addChannel(init);
  }

  /** New connections see this certificate (simulates a replaced device or a changed certificate). */
  useCertificate(name: SimCertificateName): void {
    this.listener.useCertificate(loadSimCertificate(name));
    this.certificate = name;
  }

  /** Runs `hook` each time the device is back up after a reboot or factory reset (SADP says Hello then). */
  onBoot(hook: () => void): () => void {
    this.bootHooks.add(hook);
    return () => this.bootHooks.delete(hook);
  }

  resetCounters(): void {
    resetCounters(this.counters);
  }

  /** Down, change, wait rebootMs, up again; queued behind a reboot already under way. */
  private cycle(change: () => void): Promise<void> {
    const run = async (): Promise<void> => {
      const wasUp = this.listener.listening;
      const servedRtsp = this.rtsp.listening;
      this.faults.abortHung();
      this.channelWatch?.stop();
      await Promise.all([this.listener.stop(), this.rtsp.stop()]);
      change();
      this.authenticator.reset();
      this.state.pendingActivation = null;
      if (wasUp) await this.downtime();
      this.state.bootTime = this.profile.clock();
      if (wasUp && !this.closed) {
        await this.listener.start();
        if (servedRtsp) await this.rtsp.start();
        if (this.host !== null) this.channelWatch?.start(this.host);
        for (const hook of this.bootHooks) hook();
      }
    };
    const previous = this.rebooting ?? Promise.resolve();
    const done: Promise<void> = previous.then(run, run).finally(() => {
      if (this.rebooting === done) this.rebooting = null;
    });
    this.rebooting = done;
    return done;
  }

  /** Waits rebootMs, or less when close() comes first. */
  private downtime(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), this.profile.rebootMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }
}
