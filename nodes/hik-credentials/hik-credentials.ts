/**
 * `hik-credentials` flow node: rotates the passwords of its `hik-device` nodes on a schedule
 * (every N days in a time window, or cron), verifies and reconciles them on demand, and sends one
 * message per device result. At start it enrols devices the vault does not know yet (first
 * contact, with the enrolment password) and reconciles every pending record before anything is
 * scheduled. The new password is only in the vault, unless "include new password" is ticked.
 * Closing aborts work that has not reached the device yet; anything later is left pending in the
 * vault, which the next start reconciles. The node plans each device's rotation in the runtime's
 * fleet (lib/fleet/fleet.ts), so the next rotation it shows is the one the sidebar, Home Assistant
 * and the CLI show, and what its operations conclude (verified, needs attention, failed) reaches
 * the fleet. Input `repin` trusts a device's new TLS certificate, only with the fingerprint the
 * device presents now (lib/rotation/repin-certificate.ts); without one it only shows both.
 * It also audits each enrolled device's security (lib/audit), read-only with the vault's password:
 * every `auditEveryDays` (weekly by default), on input `audit`, and when the sidebar asks; the
 * report goes to the fleet (sidebar, Home Assistant) and to the output.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { auditManaged } from '../../lib/audit/audit-enrolled';
import { AuditScheduler } from '../../lib/audit/audit-scheduler';
import { worstSeverity, type AuditReport } from '../../lib/audit/finding';
import { HikError, InvalidArgumentError, NotManagedError, VaultKeyMissingError } from '../../lib/errors';
import {
  CredentialManager,
  type DeviceResult,
  type AccountResult,
  type ManagedDevice,
} from '../../lib/rotation/credential-manager';
import { isInStep, type Consumer } from '../../lib/consumers/consumer';
import { FrigateConsumer } from '../../lib/consumers/frigate-consumer';
import { Go2rtcConsumer } from '../../lib/consumers/go2rtc-consumer';
import { HaIntegrationConsumer } from '../../lib/consumers/ha-integration-consumer';
import { outOfDateParts } from '../../lib/rotation/consumer-updates';
import { repinCertificate, type RepinOutcome } from '../../lib/rotation/repin-certificate';
import { RotationScheduler } from '../../lib/rotation/rotation-scheduler';
import type { CredentialVault } from '../../lib/vault/credential-vault';
import type { Fleet } from '../../lib/fleet/fleet';
import { readCredentialsSettings, type CredentialsSettings } from '../shared/credentials-settings';
import { openNodeRedFleet } from '../shared/fleet-access';
import { hikCredentialsMigrations } from '../shared/migrations';
import { onClose, onInput, readNodeSettings, reportFailure } from '../shared/node-kit';
import {
  getHikDevice,
  getHikFrigate,
  getHikGo2rtc,
  getHikHomeAssistant,
  type DeviceConsumerRef,
  type HikDeviceSettings,
  type HomeAssistantConsumerRef,
} from '../shared/types';

type SendFn = (msg: Record<string, unknown>) => void;
type Topic = 'rotate' | 'verify' | 'status' | 'reconcile';
const TOPICS: readonly string[] = [
  'rotate',
  'verify',
  'status',
  'reconcile',
  'repin',
  'audit',
  'stream-account',
  'stream-account-rotate',
];
/** Close waits this long for work under way, well inside Node-RED's 15 s close timeout. */
const CLOSE_WAIT_MS = 5_000;
/**
 * How often consumers still on an old password (a refusal, an unreachable recorder, a crash) are
 * updated again with the vault's current one: within minutes, before most retry budgets run out.
 */
const CONSUMER_RETRY_MS = 2 * 60_000;

const RESULT_STATUS = {
  rotated: { fill: 'green', shape: 'dot' },
  verified: { fill: 'green', shape: 'dot' },
  skipped: { fill: 'grey', shape: 'dot' },
  failed: { fill: 'red', shape: 'ring' },
  needs_attention: { fill: 'red', shape: 'dot' },
} as const;

export = (RED: NodeAPI): void => {
  function HikCredentials(this: Node, def: NodeDef & Record<string, unknown>): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: Node, def: Record<string, unknown>): void {
    const settings = readNodeSettings(RED, node, def, hikCredentialsMigrations, readCredentialsSettings);
    if (!settings) {
      node.status({ fill: 'red', shape: 'ring', text: 'hik-credentials.status.invalid' });
      return;
    }
    const devices = managedDevices(node, settings);
    const abort = new AbortController();
    const inFlight = new Set<Promise<unknown>>();
    let scheduler: RotationScheduler | null = null;
    let audits: AuditScheduler | null = null;
    let fleet: Fleet | null = null;
    /** Withdraws each device's rotation plan from the fleet, by serial. */
    const plans = new Map<string, () => void>();
    const track = <T>(work: Promise<T>): Promise<T> => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work)).catch(() => undefined);
      return work;
    };

    // The fleet's answer: the same value the sidebar, Home Assistant and the CLI show.
    const nextRotation = (serial: string | null): string | null =>
      (serial !== null ? fleet?.nextRotation(serial) : null)?.toISOString() ?? null;
    const message = (topic: Topic, result: DeviceResult, vault: CredentialVault): Record<string, unknown> => {
      const payload: Record<string, unknown> = {
        serial: result.serial,
        name: result.name,
        result: result.result,
        reason: result.reason,
        rotatedAt: result.rotatedAt,
        nextRotation: nextRotation(result.serial),
        consumers: result.consumers,
      };
      // Opt-in only: for users who forward the new password to their password manager.
      if (settings.includePassword && result.result === 'rotated' && result.serial) {
        payload.password = vault.get(result.serial)?.password ?? null;
      }
      return { topic, payload };
    };
    const showResult = (result: DeviceResult): void => {
      const next = result.serial !== null ? fleet?.nextRotation(result.serial) : null;
      node.status({
        ...RESULT_STATUS[result.result],
        text: RED._('hik-credentials.status.result', {
          result: RED._(`hik-credentials.result.${result.result}`),
          next: next ? next.toLocaleString() : RED._('hik-credentials.status.noSchedule'),
        }),
      });
    };
    /** The `credential_changed` message: who follows the new password and who does not. */
    const credentialChanged = (
      opened: Fleet,
      result: DeviceResult,
      vault: CredentialVault,
    ): Record<string, unknown> => {
      const serial = result.serial ?? '';
      const updated = result.consumers.filter(isInStep).map((c) => c.label);
      const notUpdated = outOfDateParts(result.consumers);
      opened.credentialChanged(serial, { account: 'admin', updated, notUpdated });
      const payload: Record<string, unknown> = {
        serial,
        name: result.name,
        account: 'admin',
        username: vault.get(serial)?.username ?? null,
        rotatedAt: result.rotatedAt,
        consumersUpdated: updated,
        consumersNotUpdated: notUpdated,
      };
      // Opt-in only, as on the result message: a user's flow for a consumer hik guard cannot reach.
      if (settings.includePassword) payload.password = vault.get(serial)?.password ?? null;
      return { topic: 'credential_changed', payload };
    };
    const showOutOfDate = (device: { name: string; serial: string | null }, parts: string[]): void => {
      if (parts.length === 0) {
        node.status({ fill: 'green', shape: 'dot', text: 'hik-credentials.status.inStep' });
        return;
      }
      const text = parts.join(', ');
      node.status({
        fill: 'yellow',
        shape: 'ring',
        text: RED._('hik-credentials.status.outOfDate', { parts: text }),
      });
      node.warn(
        RED._('hik-credentials.log.outOfDate', {
          name: device.name,
          serial: device.serial ?? '?',
          parts: text,
        }),
      );
    };
    /** A streaming-account result; its password only with the node's opt-in. */
    const accountMessage = (
      topic: string,
      result: AccountResult,
      vault: CredentialVault,
    ): Record<string, unknown> => {
      const detail = {
        name: result.name,
        serial: result.serial ?? '?',
        result: result.reason ?? result.result,
      };
      if (result.result === 'failed') node.warn(RED._('hik-credentials.log.streamingAccountFailed', detail));
      else node.log(RED._('hik-credentials.log.streamingAccount', detail));
      const { serial, name, username } = result;
      const payload: Record<string, unknown> = {
        serial,
        name,
        result: result.result,
        reason: result.reason,
        username,
        consumers: result.consumers,
      };
      if (settings.includePassword && serial && result.result !== 'failed') {
        payload.password = vault.get(serial)?.accounts.streaming?.password ?? null;
      }
      return { topic, payload };
    };
    const logResult = (result: DeviceResult): void => {
      const detail = { name: result.name, serial: result.serial ?? '?', reason: result.reason ?? '' };
      if (result.result === 'rotated') node.log(RED._('hik-credentials.log.rotated', detail));
      else if (result.result === 'failed') node.warn(RED._('hik-credentials.log.failed', detail));
      else if (result.result === 'needs_attention')
        node.error(RED._('hik-credentials.log.needsAttention', detail));
    };

    const ready = openNodeRedFleet(RED).then(({ fleet: opened, vaultProblem }) => {
      const vault = opened.vault;
      if (!vault) throw vaultProblem ?? new VaultKeyMissingError('the vault could not be opened');
      fleet = opened;
      const manager = new CredentialManager({
        vault,
        devices,
        settleMs: settings.settleMs,
        signal: abort.signal,
        onEvent: (event) => {
          if (event.phase === 'start' && event.step === 'apply') {
            node.status({
              fill: 'blue',
              shape: 'dot',
              text: RED._('hik-credentials.status.rotating', { serial: event.serial }),
            });
          }
        },
      });
      const plan = (serial: string): void => {
        // An operation ending after close must not plan again for a node that is gone.
        if (plans.has(serial) || abort.signal.aborted) return;
        const withdraw = opened.planRotation(serial, {
          owner: node.id,
          audit: () => {
            const device = devices.find((d) => manager.record(d)?.serial === serial);
            if (!device) throw new NotManagedError(serial);
            return auditOne(device);
          },
          next: () => scheduler?.nextRotation(serial) ?? null,
          // Asked from the sidebar or Home Assistant: the same run as an input message.
          act: async (action) => {
            const device = devices.find((d) => manager.record(d)?.serial === serial);
            if (!device) throw new NotManagedError(serial);
            const result = await track(manager[action](device));
            void scheduler?.refresh(); // the next time is computed on demand: no need to wait
            emit(action, result);
            return {
              serial,
              result: result.result,
              reason: result.reason,
              rotatedAt: result.rotatedAt,
              nextRotation: nextRotation(serial),
            };
          },
        });
        plans.set(serial, withdraw);
      };
      /** Audits one enrolled device, records the report in the fleet, and sends it. */
      const auditOne = async (
        device: ManagedDevice,
        send: SendFn = (m) => node.send(m),
      ): Promise<AuditReport> => {
        const serial = manager.record(device)?.serial;
        if (!serial) throw new NotManagedError(device.serial ?? device.name);
        const report = await track(
          auditManaged(vault, serial, {
            address: { host: device.host, port: device.port, protocol: device.protocol },
          }),
        );
        opened.recordAudit(report);
        const worst = worstSeverity(report.findings);
        node.status({
          fill: worst === 'critical' || worst === 'high' ? 'red' : worst === 'medium' ? 'yellow' : 'green',
          shape: 'dot',
          text: RED._('hik-credentials.status.audited', {
            serial,
            count: report.findings.length,
            worst: worst ?? RED._('hik-credentials.audit.none'),
          }),
        });
        send({
          topic: 'audit',
          payload: {
            serial,
            name: device.name,
            model: report.model,
            firmware: report.firmware,
            auditedAt: report.auditedAt,
            worst,
            findings: report.findings,
            notChecked: report.checks.filter((c) => c.status !== 'pass' && c.status !== 'fail'),
          },
        });
        return report;
      };
      const emit = (topic: Topic, result: DeviceResult, send: SendFn = (m) => node.send(m)): void => {
        if (result.serial !== null) {
          plan(result.serial);
          if (topic !== 'status') tellFleet(opened, topic, result.serial, result);
        }
        logResult(result);
        showResult(result);
        send(message(topic, result, vault));
        if (result.result === 'rotated' && result.serial !== null) {
          send(credentialChanged(opened, result, vault));
          const parts = outOfDateParts(result.consumers);
          if (parts.length > 0) showOutOfDate(result, parts);
        }
      };
      /** Consumers left on an old password get the vault's current one, until they take it. */
      const refreshConsumers = async (): Promise<void> => {
        for (const device of devices) {
          const record = manager.record(device);
          if (!record || record.staleConsumers.length === 0) continue;
          const reports = await track(manager.refreshConsumers(device));
          if (reports.length === 0) continue;
          const parts = outOfDateParts(reports);
          opened.reportOutOfDate(record.serial, parts);
          showOutOfDate({ name: device.name, serial: record.serial }, parts);
        }
      };
      const retryTimer = setInterval(() => {
        void refreshConsumers().catch((err: unknown) => reportFailure(node, err));
      }, CONSUMER_RETRY_MS);
      retryTimer.unref();
      abort.signal.addEventListener('abort', () => clearInterval(retryTimer));
      scheduler = new RotationScheduler({
        plan: settings.plan,
        jitterMs: settings.jitterMs,
        concurrency: settings.concurrency,
        devices: () =>
          devices.flatMap((d) => {
            const record = manager.record(d);
            return record ? [{ serial: record.serial, lastRotation: record.lastRotation }] : [];
          }),
        reconcilePending: async () => {
          await enrolNew(node, manager);
          // Planned as soon as enrolled: Rotate now and the next time show before any run is due.
          for (const device of devices) {
            const serial = manager.record(device)?.serial;
            if (serial) plan(serial);
          }
          for (const result of await track(manager.reconcilePending())) emit('reconcile', result);
          // A crash between the device's change and its consumers' updates is finished here.
          await refreshConsumers();
          // Streaming accounts: an unfinished creation or rotation settled, opted-in ones created.
          for (const result of await track(manager.settleStreamingAccounts())) {
            node.send(accountMessage('stream-account', result, vault));
          }
        },
        rotate: async (serial) => {
          const device = devices.find((d) => manager.record(d)?.serial === serial);
          if (device) emit('rotate', await track(manager.rotate(device)));
        },
        onError: (err) => node.error(err),
      });
      node.status({ fill: 'grey', shape: 'ring', text: 'hik-credentials.status.idle' });
      // Enrolment and reconcile of pending records come first, also for input messages.
      const startup = track(scheduler.start());
      void startup.then(() => {
        const next = scheduler?.nextRotation();
        if (next) {
          node.status({
            fill: 'grey',
            shape: 'dot',
            text: RED._('hik-credentials.status.next', { next: next.toLocaleString() }),
          });
        }
      });
      audits = new AuditScheduler({
        everyDays: settings.auditEveryDays,
        serials: () => devices.flatMap((d) => manager.record(d)?.serial ?? []),
        lastAudit: (serial) => {
          const last = opened.lastAudit(serial);
          return last?.source === 'isapi' ? new Date(last.auditedAt) : null;
        },
        audit: async (serial) => {
          const device = devices.find((d) => manager.record(d)?.serial === serial);
          if (device && !abort.signal.aborted) await auditOne(device);
        },
        onError: (err) => {
          const code = HikError.isHikError(err) ? err.code : 'HIK_ERR';
          node.warn(RED._('hik-credentials.log.auditFailed', { code }));
        },
      });
      // After enrolment and reconcile: an audit needs a settled vault record.
      void startup.then(() => audits?.start());
      return { manager, emit, vault, startup, auditOne };
    });
    ready.catch((err: unknown) => reportFailure(node, err));

    onInput(node, async (msg, send) => {
      const topic = typeof msg.topic === 'string' ? msg.topic : '';
      const wanted = (msg.payload as { serial?: unknown } | null | undefined)?.serial;
      if (!TOPICS.includes(topic)) {
        throw new InvalidArgumentError(`msg.topic must be one of ${TOPICS.join(', ')}`);
      }
      const { manager, emit, startup, vault, auditOne } = await ready;
      await startup;
      if (topic === 'audit') {
        const chosen = devices.filter(
          (d) =>
            manager.record(d) &&
            (wanted === undefined || d.serial === wanted || manager.record(d)?.serial === wanted),
        );
        if (chosen.length === 0)
          throw new InvalidArgumentError('no enrolled device of this node has that serial');
        for (const device of chosen) await auditOne(device, (m) => send({ ...m, _msgid: msg._msgid }));
        return;
      }
      if (topic === 'stream-account' || topic === 'stream-account-rotate') {
        const chosen = devices.filter(
          (d) => wanted === undefined || d.serial === wanted || manager.record(d)?.serial === wanted,
        );
        if (chosen.length === 0) throw new InvalidArgumentError('no device of this node has that serial');
        for (const device of chosen) {
          const action = topic === 'stream-account' ? 'create' : 'rotate';
          const result = await track(manager.streamingAccount(device, action));
          send({ ...accountMessage(topic, result, vault), _msgid: msg._msgid });
        }
        return;
      }
      if (topic === 'repin') {
        const { outcome, name } = await repin(manager, vault, msg.payload);
        if (outcome.result === 'repinned') fleet?.certificateRepinned(outcome.serial);
        showRepin(outcome);
        const { serial, result, pinned, presented } = outcome;
        send({ topic, payload: { serial, name, result, pinned, presented }, _msgid: msg._msgid });
        return;
      }
      const targets = devices.filter(
        (d) => wanted === undefined || d.serial === wanted || manager.record(d)?.serial === wanted,
      );
      if (targets.length === 0) throw new InvalidArgumentError('no device of this node has that serial');
      for (const device of targets) {
        const result =
          topic === 'status'
            ? manager.status(device)
            : await track(manager[topic as Exclude<Topic, 'status'>](device));
        emit(topic as Topic, result, (m) => send({ ...m, _msgid: msg._msgid }));
      }
      if (topic !== 'status') void scheduler?.refresh();
    });

    /** Re-pins one device of this node at its configured address: `payload.serial`, `payload.fingerprint`. */
    const repin = async (
      manager: CredentialManager,
      vault: CredentialVault,
      payload: unknown,
    ): Promise<{ outcome: RepinOutcome; name: string }> => {
      const { serial, fingerprint } = (payload ?? {}) as { serial?: unknown; fingerprint?: unknown };
      if (typeof serial !== 'string' || serial === '') {
        throw new InvalidArgumentError('repin needs msg.payload.serial');
      }
      if (fingerprint !== undefined && typeof fingerprint !== 'string') {
        throw new InvalidArgumentError('msg.payload.fingerprint must be a string');
      }
      const device = devices.find((d) => d.serial === serial || manager.record(d)?.serial === serial);
      if (!device) throw new InvalidArgumentError('no device of this node has that serial');
      const outcome = await repinCertificate({
        vault,
        serial,
        address: { host: device.host, port: device.port, protocol: device.protocol },
        confirm: fingerprint,
      });
      return { outcome, name: device.name };
    };
    const showRepin = (outcome: RepinOutcome): void => {
      node.status({
        fill: outcome.result === 'confirmation_needed' ? 'yellow' : 'green',
        shape: 'dot',
        text: RED._(`hik-credentials.repin.${outcome.result}`, { serial: outcome.serial }),
      });
      if (outcome.result === 'repinned') {
        node.log(
          RED._('hik-credentials.log.repinned', {
            serial: outcome.serial,
            pinned: outcome.pinned ?? '-',
            presented: outcome.presented,
          }),
        );
      }
    };

    onClose(
      node,
      async () => {
        abort.abort();
        for (const withdraw of plans.values()) withdraw();
        await ready.then(() => Promise.all([scheduler?.stop(), audits?.stop()])).catch(() => undefined);
        await Promise.allSettled([...inFlight]);
      },
      CLOSE_WAIT_MS,
    );
  }

  /** What a rotation, verify or reconcile concluded about the device's password, for the fleet. */
  function tellFleet(fleet: Fleet, topic: Topic, serial: string, result: DeviceResult): void {
    if (result.result === 'rotated' || result.result === 'verified')
      fleet.reportCredentialResult(serial, 'verified', { signal: topic });
    else if (result.result === 'needs_attention')
      fleet.reportCredentialResult(serial, 'needs_attention', { signal: topic, reason: result.reason });
    else if (result.result === 'failed')
      fleet.reportCredentialResult(serial, 'failed', { signal: topic, reason: result.reason });
  }

  /**
   * Devices the vault does not know yet are enrolled now, with one attempt each; those that could
   * not be are named in the log and counted on the node's status.
   */
  async function enrolNew(node: Node, manager: CredentialManager): Promise<void> {
    let failed = 0;
    for (const device of manager.devices.filter((d) => !manager.record(d))) {
      try {
        const record = await manager.enrolled(device);
        node.log(RED._('hik-credentials.log.enrolled', { name: device.name, serial: record.serial }));
      } catch (err) {
        if (!HikError.isHikError(err)) throw err;
        failed += 1;
        // Without a typed password there is nothing to enrol with: say so, not the vault's code.
        node.warn(
          err.code === 'HIK_ERR_VAULT_RECORD_MISSING'
            ? RED._('hik-credentials.log.noEnrolmentPassword', { name: device.name })
            : RED._('hik-credentials.log.notEnrolled', {
                name: device.name,
                code: err.code,
                reason: err.message,
              }),
        );
      }
    }
    if (failed > 0)
      node.status({
        fill: 'yellow',
        shape: 'ring',
        text: RED._('hik-credentials.status.notEnrolled', { count: failed }),
      });
  }

  function managedDevices(node: Node, settings: CredentialsSettings): ManagedDevice[] {
    const devices: ManagedDevice[] = [];
    for (const ref of settings.devices) {
      const config = getHikDevice(RED, ref.device);
      const device = config?.deviceSettings;
      if (!config || !device) {
        node.warn(RED._('hik-credentials.log.missingDevice', { id: ref.device }));
        continue;
      }
      devices.push({
        key: config.id,
        name: device.name || device.host,
        host: device.host,
        port: device.port,
        protocol: device.protocol,
        username: device.username,
        serial: device.serial,
        allowHttpPasswordChange: device.allowHttpPasswordChange,
        keepOnvifUsersInStep: device.keepOnvifUsersInStep,
        streamingAccount: device.streamingAccount,
        recorder: ref.recorder,
        consumers: consumersOf(node, device.consumers),
        enrolmentPassword: () => config.enrolmentPassword(),
      });
    }
    return devices;
  }

  /** The holders a device lists (go2rtc, Frigate, Home Assistant entries), from their config nodes. */
  function consumersOf(node: Node, refs: HikDeviceSettings['consumers']): Consumer[] {
    return refs.flatMap((ref) => {
      const consumer = consumerOf(node, ref);
      if (!consumer) {
        node.warn(RED._('hik-credentials.log.missingConsumer', { id: ref.config }));
        return [];
      }
      return [consumer];
    });
  }

  function consumerOf(node: Node, ref: DeviceConsumerRef): Consumer | null {
    if (ref.type === 'homeassistant') return homeAssistantConsumer(node, ref);
    return ref.type === 'frigate' ? frigateConsumer(ref) : go2rtcConsumer(ref);
  }

  function go2rtcConsumer(ref: DeviceConsumerRef): Consumer | null {
    const go2rtc = getHikGo2rtc(RED, ref.config);
    const settings = go2rtc?.go2rtcSettings;
    if (!go2rtc || !settings) return null;
    return new Go2rtcConsumer({
      key: go2rtc.id,
      baseUrl: settings.url,
      apiUser: go2rtc.apiUser(),
      account: ref.account,
    });
  }

  function frigateConsumer(ref: DeviceConsumerRef): Consumer | null {
    const frigate = getHikFrigate(RED, ref.config);
    const settings = frigate?.frigateSettings;
    if (!frigate || !settings) return null;
    return new FrigateConsumer({
      key: frigate.id,
      baseUrl: settings.url,
      login: frigate.login(),
      allowSelfSigned: !settings.verifyTls,
      restartAfterUpdate: settings.restartAfterUpdate,
      account: ref.account,
    });
  }

  /**
   * A Home Assistant entry over the `hik-homeassistant` node's own link: registered now so the
   * link is connected when a rotation comes, looked up again at each update (the node may have
   * been redeployed since).
   */
  function homeAssistantConsumer(node: Node, ref: HomeAssistantConsumerRef): Consumer | null {
    const ha = getHikHomeAssistant(RED, ref.config);
    if (!ha?.configEntryLink(node)) return null;
    onClose(
      node,
      (removed) => getHikHomeAssistant(RED, ref.config)?.release(node, removed) ?? Promise.resolve(),
    );
    return new HaIntegrationConsumer({
      key: ha.id,
      domain: ref.domain,
      entry: ref.entry,
      account: ref.account,
      link: () => getHikHomeAssistant(RED, ref.config)?.configEntryLink(node) ?? null,
    });
  }

  RED.nodes.registerType('hik-credentials', HikCredentials, {
    settings: { hikCredentialsVersion: { value: hikCredentialsMigrations.current, exportable: true } },
  });
};
