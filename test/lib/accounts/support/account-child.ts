/**
 * A streaming-account creation or rotation in a process of its own, so the crash test can SIGKILL
 * it at a step boundary: says `loaded`; on `start` it runs the action, reporting each step event
 * and waiting for `go` after it. Never prints a password.
 */
import { createStreamingAccount, rotateStreamingAccount } from '../../../../lib/accounts/streaming-account';
import { Go2rtcConsumer } from '../../../../lib/consumers/go2rtc-consumer';
import { LoginGuard } from '../../../../lib/isapi/login-guard';
import { DeviceLocks } from '../../../../lib/rotation/device-locks';
import type { RotationEvent } from '../../../../lib/rotation/rotation-steps';
import { CredentialVault } from '../../../../lib/vault/credential-vault';

export interface AccountChildStart {
  type: 'start';
  vaultFile: string;
  secret: string;
  serial: string;
  action: 'create' | 'rotate';
  /** A go2rtc (stand-in) that streams the device with the streaming account: a holder of it. */
  go2rtcUrl?: string;
}

export type AccountChildMessage =
  { type: 'loaded' } | { type: 'event'; event: RotationEvent } | { type: 'done'; result: string };

function send(message: AccountChildMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

let waiting: (() => void) | null = null;

process.on('message', (message: AccountChildStart | { type: 'go' }) => {
  if (message.type === 'go') {
    waiting?.();
    return;
  }
  void run(message).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`account child failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
});

async function run(start: AccountChildStart): Promise<void> {
  const vault = await CredentialVault.open(start.vaultFile, start.secret);
  const options = {
    vault,
    serial: start.serial,
    guard: new LoginGuard(),
    locks: new DeviceLocks(),
    allowHttpPasswordChange: true,
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
    consumers: start.go2rtcUrl
      ? [new Go2rtcConsumer({ key: 'crash', baseUrl: start.go2rtcUrl, account: 'streaming' })]
      : [],
    onEvent: async (event: RotationEvent) => {
      await send({ type: 'event', event });
      await new Promise<void>((resolve) => (waiting = resolve));
    },
  };
  const outcome =
    start.action === 'create' ? await createStreamingAccount(options) : await rotateStreamingAccount(options);
  await vault.close();
  await send({ type: 'done', result: outcome.result });
}

void send({ type: 'loaded' });
