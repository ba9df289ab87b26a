/**
 * The rotation under test in a process of its own, so the crash suite can SIGKILL it anywhere.
 * Loads everything first and says `loaded`; on a `start` message it opens the vault, says
 * `running`, then rotates, reporting every step event. In `boundary` mode it waits for `go`
 * after each event, so the parent can kill it exactly at a step boundary. Never prints a password.
 */
import { LoginGuard } from '../../../../lib/isapi/login-guard';
import { DeviceLocks } from '../../../../lib/rotation/device-locks';
import { rotateDevice } from '../../../../lib/rotation/rotate-device';
import type { RotationEvent } from '../../../../lib/rotation/rotation-steps';
import { CredentialVault } from '../../../../lib/vault/credential-vault';
import { recorderConsumer } from './crash-recorder';

export interface ChildStart {
  type: 'start';
  vaultFile: string;
  secret: string;
  serial: string;
  settleMs: number;
  mode: 'boundary' | 'free';
  /** An enrolled NVR that records the camera: its channel is a consumer of the password. */
  recorderSerial?: string;
}

export type ChildMessage =
  | { type: 'loaded' }
  | { type: 'running' }
  | { type: 'event'; event: RotationEvent }
  | { type: 'done'; result: string; reason: string | null };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

let waiting: (() => void) | null = null;

process.on('message', (message: ChildStart | { type: 'go' }) => {
  if (message.type === 'go') {
    waiting?.();
    return;
  }
  void run(message).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`rotation child failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
});

async function run(start: ChildStart): Promise<void> {
  const vault = await CredentialVault.open(start.vaultFile, start.secret);
  await send({ type: 'running' });
  const outcome = await rotateDevice({
    vault,
    serial: start.serial,
    guard: new LoginGuard(),
    locks: new DeviceLocks(),
    allowHttpPasswordChange: true,
    settleMs: start.settleMs,
    consumers: start.recorderSerial ? [recorderConsumer(vault, start.recorderSerial)] : [],
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
    onEvent: async (event) => {
      await send({ type: 'event', event });
      if (start.mode === 'boundary') await new Promise<void>((resolve) => (waiting = resolve));
    },
  });
  await vault.close();
  await send({ type: 'done', result: outcome.result, reason: outcome.reason });
}

void send({ type: 'loaded' });
