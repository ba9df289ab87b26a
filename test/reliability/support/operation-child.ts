/**
 * Reconcile or re-claim in a process of its own, so a matrix cell can SIGKILL it while a chosen
 * request is in flight (the rotation uses test/lib/rotation/support/rotation-child.ts). Same
 * protocol: `loaded` once everything is imported, `running` once the vault is open, `done` at the
 * end. Never prints a password.
 */
import { LoginGuard } from '../../../lib/isapi/login-guard';
import { reclaimDevice } from '../../../lib/rotation/reclaim-device';
import { DeviceLocks } from '../../../lib/rotation/device-locks';
import { reconcileDevice } from '../../../lib/rotation/reconcile-device';
import { CredentialVault } from '../../../lib/vault/credential-vault';

export interface OperationChildStart {
  type: 'start';
  operation: 'reconcile' | 'reclaim';
  vaultFile: string;
  secret: string;
  serial: string;
  address: { host: string; port: number; protocol: 'http' };
}

export type OperationChildMessage =
  { type: 'loaded' } | { type: 'running' } | { type: 'done'; result: string };

function send(message: OperationChildMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

process.on('message', (start: OperationChildStart) => {
  void run(start).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`operation child failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
});

async function run(start: OperationChildStart): Promise<void> {
  const vault = await CredentialVault.open(start.vaultFile, start.secret);
  await send({ type: 'running' });
  const common = {
    vault,
    serial: start.serial,
    guard: new LoginGuard(),
    locks: new DeviceLocks(),
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
  };
  const result =
    start.operation === 'reconcile'
      ? (await reconcileDevice(common)).resolution
      : (await reclaimDevice({ ...common, address: start.address, sawInactive: true })).result;
  await vault.close();
  await send({ type: 'done', result });
}

void send({ type: 'loaded' });
