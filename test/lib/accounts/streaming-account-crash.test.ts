/**
 * Crash safety of the streaming account: its creation and its rotation run in a child process that
 * is SIGKILLed at every step boundary (the child waits for a go-ahead after each step event); a new
 * process then reconciles from the vault on disk. Whatever the moment, the vault and the device
 * agree afterwards (the account exists on both with the vault's password, or on neither), nothing
 * is left pending, and no login failed.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStreamingAccount,
  reconcileStreamingAccount,
  STREAMING_ACCOUNT,
} from '../../../lib/accounts/streaming-account';
import { Go2rtcConsumer } from '../../../lib/consumers/go2rtc-consumer';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import { refreshStaleConsumers } from '../../../lib/rotation/consumer-updates';
import { DeviceLocks } from '../../../lib/rotation/device-locks';
import { CredentialVault, VaultSecret } from '../../../lib/vault/credential-vault';
import type { SimDevice } from '../../../sim';
import { Go2rtcStandIn } from '../../support/go2rtc-stand-in';
import { ADMIN_PASSWORD, enrolSimDevice, SimHarness } from '../../support/sim-devices';
import type { AccountChildMessage, AccountChildStart } from './support/account-child';

const CHILD = join(__dirname, 'support', 'account-child.ts');
const SECRET = 'streaming-crash-vault-secret';
const USER = 'hikstream';

interface Loaded {
  child: ChildProcess;
  exited: Promise<void>;
}

function forkChild(): Promise<Loaded> {
  const child = fork(CHILD, [], { execArgv: ['--require', 'tsx/cjs'], silent: true });
  child.stdout?.resume();
  child.stderr?.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('account child did not load in 20 s')), 20_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve({ child, exited });
    });
    child.once('exit', () => reject(new Error('account child exited before loading')));
  });
}

describe('streaming account crash safety: SIGKILL at every step boundary', function () {
  this.timeout(120_000);
  const sim = new SimHarness();
  const secret = new VaultSecret(SECRET);
  let dir = '';
  let next: Promise<Loaded> | null = null;
  let go2rtc: Go2rtcStandIn | null = null;
  const holderConsumer = (holder: Go2rtcStandIn) =>
    new Go2rtcConsumer({ key: 'crash', baseUrl: holder.url, account: 'streaming' });
  afterEach(async () => {
    const pending = await next?.catch(() => null);
    if (pending) {
      pending.child.kill('SIGKILL');
      await pending.exited;
    }
    next = null;
    await go2rtc?.stop();
    go2rtc = null;
    if (dir) await rm(dir, { recursive: true, force: true });
    await sim.stop();
  });

  /** Runs `action` in a child killed after its `atEvent`-th step event; null: never killed. */
  async function runKilled(
    device: SimDevice,
    vaultFile: string,
    action: AccountChildStart['action'],
    atEvent: number | null,
    go2rtcUrl?: string,
  ): Promise<{ reached: string; events: number }> {
    next ??= forkChild();
    const { child, exited } = await next;
    next = forkChild();
    let reached = 'started';
    let events = 0;
    const kill = (): void => void child.kill('SIGKILL');
    child.on('message', (message: AccountChildMessage) => {
      if (message.type === 'done') reached = 'finished';
      if (message.type !== 'event') return;
      reached = `${message.event.step}:${message.event.phase}`;
      if (events++ === atEvent) kill();
      else child.send({ type: 'go' });
    });
    const start: AccountChildStart = {
      type: 'start',
      vaultFile,
      secret: SECRET,
      serial: device.serialNumber,
      action,
      ...(go2rtcUrl ? { go2rtcUrl } : {}),
    };
    child.send(start);
    const timer = setTimeout(kill, 15_000);
    await exited;
    clearTimeout(timer);
    return { reached, events };
  }

  /** A new process: reconcile from disk, then the vault and the device must agree. */
  async function reconcileAndCheck(
    device: SimDevice,
    vaultFile: string,
    where: string,
    holder?: Go2rtcStandIn,
  ): Promise<void> {
    const vault = await CredentialVault.open(vaultFile, secret);
    try {
      await reconcileStreamingAccount({
        vault,
        serial: device.serialNumber,
        guard: new LoginGuard(),
        locks: new DeviceLocks(),
        allowHttpPasswordChange: true,
        connectTimeoutMs: 1_000,
        requestTimeoutMs: 2_000,
        consumers: holder ? [holderConsumer(holder)] : [],
      });
      if (holder) {
        // What the product does at start and every 2 minutes: stale holders get the current password.
        await refreshStaleConsumers({
          vault,
          serial: device.serialNumber,
          consumers: [holderConsumer(holder)],
          device: { serial: device.serialNumber, host: device.host ?? '' },
          locks: new DeviceLocks(),
        });
        const source = holder.sourcesOf('front')?.[0] ?? '';
        const held = decodeURIComponent(new URL(source).password);
        assert.equal(held, vault.get(device.serialNumber)?.accounts[STREAMING_ACCOUNT]?.password, where);
        assert.deepEqual(vault.get(device.serialNumber)?.staleConsumers, [], `stale: ${where}`);
      }
      const account = vault.get(device.serialNumber)?.accounts[STREAMING_ACCOUNT];
      const user = device.state.userByName(USER);
      if (account) {
        assert.equal(account.pending, null, `left pending: ${where}`);
        assert.ok(user, `the vault has the account but the device does not: ${where}`);
        assert.equal(user.password, account.password, `vault differs from device: ${where}`);
        assert.equal(device.state.accounts.rightsOf(user).parameterConfig, false, `rights: ${where}`);
      } else {
        assert.equal(user, undefined, `the device has a user the vault forgot: ${where}`);
      }
      assert.equal(device.state.admin.password, ADMIN_PASSWORD, `admin touched: ${where}`);
      assert.equal(device.counters.failedLogins, 0, `failed logins: ${where}`);
    } finally {
      await vault.close();
    }
  }

  /** Creates the account outside the child (no crash) and returns its vault entry. */
  async function createdAccount(device: SimDevice, vaultFile: string) {
    const vault = await CredentialVault.open(vaultFile, secret);
    try {
      await createStreamingAccount({
        vault,
        serial: device.serialNumber,
        guard: new LoginGuard(),
        locks: new DeviceLocks(),
        allowHttpPasswordChange: true,
      });
      return vault.get(device.serialNumber)?.accounts[STREAMING_ACCOUNT];
    } finally {
      await vault.close();
    }
  }

  async function setUp(): Promise<{ device: SimDevice; vaultFile: string }> {
    const device = await sim.device({ rebootMs: 20, requireLoginPassword: true });
    dir = await mkdtemp(join(tmpdir(), 'hik-stream-crash-'));
    const vaultFile = join(dir, 'vault.json');
    const vault = await CredentialVault.open(vaultFile, secret);
    await enrolSimDevice(vault, device, ADMIN_PASSWORD);
    await vault.close();
    return { device, vaultFile };
  }

  it('creation: every boundary ends with the account on both sides or on neither', async () => {
    const { device, vaultFile } = await setUp();
    const { events } = await runKilled(device, vaultFile, 'create', null);
    assert.equal(events, 14, 'seven steps, each started and done');
    const reached = new Set<string>();
    for (let atEvent = 0; atEvent < events; atEvent++) {
      // Back to no account, on both sides.
      const vault = await CredentialVault.open(vaultFile, secret);
      if (vault.get(device.serialNumber)?.accounts[STREAMING_ACCOUNT]) {
        await vault.removeAccount(device.serialNumber, STREAMING_ACCOUNT);
      }
      await vault.close();
      const user = device.state.userByName(USER);
      if (user) device.state.removeUser(user.id);
      device.resetCounters();
      const run = await runKilled(device, vaultFile, 'create', atEvent);
      reached.add(run.reached);
      await reconcileAndCheck(device, vaultFile, `create killed at ${run.reached}`);
    }
    for (const step of ['persist_pending', 'apply', 'permissions', 'verify', 'commit']) {
      assert.ok(reached.has(`${step}:start`) && reached.has(`${step}:done`), `no kill around ${step}`);
    }
  });

  it('rotation with a go2rtc holder of the account: every boundary ends with go2rtc on the vault’s password too', async () => {
    const { device, vaultFile } = await setUp();
    const first = await createdAccount(device, vaultFile);
    go2rtc = await Go2rtcStandIn.start({
      // Not played here (the simulator runs no RTSP in this test): only its source is kept in step.
      streams: {
        front: `rtsp://${USER}:${encodeURIComponent(first?.password ?? '')}@${device.host}:554/Streaming/Channels/101`,
      },
    });
    // Eight steps (update_consumers after apply, confirm_consumers after commit), each started and done.
    const reached = new Set<string>();
    for (let atEvent = 0; atEvent < 16; atEvent++) {
      device.resetCounters();
      const run = await runKilled(device, vaultFile, 'rotate', atEvent, go2rtc.url);
      reached.add(run.reached);
      await reconcileAndCheck(device, vaultFile, `rotate killed at ${run.reached}`, go2rtc);
    }
    for (const step of ['apply', 'update_consumers', 'verify', 'commit', 'confirm_consumers']) {
      assert.ok(reached.has(`${step}:start`) && reached.has(`${step}:done`), `no kill around ${step}`);
    }
  });

  it('rotation: every boundary ends with the device and the vault on the same password', async () => {
    const { device, vaultFile } = await setUp();
    await createdAccount(device, vaultFile);
    // Six steps (precheck, generate, persist_pending, apply, verify, commit), each started and done.
    for (let atEvent = 0; atEvent < 12; atEvent++) {
      device.resetCounters();
      const run = await runKilled(device, vaultFile, 'rotate', atEvent);
      await reconcileAndCheck(device, vaultFile, `rotate killed at ${run.reached}`);
    }
  });
});
