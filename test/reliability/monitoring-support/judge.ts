/**
 * The four things every cell of the matrix must show once its fault has cleared: no alert storm
 * (HA received exactly the alerts of the real changes), no login spent and no lock caused (the
 * watch never logs in), no password lost (the vault, where one is used, holds what it held), and a
 * healthy process (typed errors only, no unhandled rejection, still polling and publishing, the
 * bystander untouched).
 */
import assert from 'node:assert/strict';
import { HikError } from '../../../lib/errors';
import { CredentialVault, VaultSecret } from '../../../lib/vault/credential-vault';
import type { Expectation } from './matrix-cells';
import {
  ADMIN_PASSWORD,
  VAULT_KEY,
  type LoginCounts,
  type MonitoringRig,
  type ReceivedAlert,
} from './monitoring-rig';

const NO_LOGINS: LoginCounts = {
  failedLogins: 0,
  authenticatedRequests: 0,
  lockRejections: 0,
  locksTriggered: 0,
};

export async function judge(rig: MonitoringRig, expected: Expectation): Promise<void> {
  await rig.delivered();
  const [camera, bystander] = rig.serials;

  // No alert storm: one alert per real change, whatever the fault repeated. A command HA ran while
  // its answer was lost in an outage is sent once more: at most two copies, with one alert_id.
  const copies = new Map<string, ReceivedAlert>();
  const counts = new Map<string, number>();
  for (const alert of rig.alertsAtHa()) {
    copies.set(alert.alertId, copies.get(alert.alertId) ?? alert);
    counts.set(alert.alertId, (counts.get(alert.alertId) ?? 0) + 1);
  }
  assert.ok(Math.max(0, ...counts.values()) <= 2, 'at most one re-sent copy of an alert');
  assert.deepEqual(
    [...copies.values()].map(({ serial, type }) => ({ serial, type })),
    expected.alerts,
    'HA received exactly the alerts of the real changes',
  );
  assert.equal(rig.entityState(camera), expected.cameraState, 'the camera’s entity in HA');
  assert.equal(rig.entityState(bystander), 'active', 'the bystander’s entity in HA');

  // No login spent, no lock caused or prolonged: the watch only asks free questions.
  assert.deepEqual(rig.logins(rig.camera), expected.thirdParty ?? NO_LOGINS, 'logins on the camera');
  assert.deepEqual(rig.logins(rig.bystander), NO_LOGINS, 'logins on the bystander');

  if (rig.vault) await assertNoPasswordLost(rig, expected);

  // Healthy: typed errors only, and only those the cell provoked; nothing unhandled.
  assert.deepEqual(rig.unhandled, [], 'no unhandled rejection');
  for (const err of rig.errors) {
    assert.ok(HikError.isHikError(err), `untyped error reported: ${err.name}`);
    assert.ok(expected.allowedErrorCodes?.includes(err.code), `unexpected error ${err.code}`);
  }
  if (expected.watchedByChild) return;

  const watch = rig.watch;
  assert.ok(watch, 'the cell ran without a watch but did not say a child watched');
  assert.equal(rig.state(camera), expected.cameraState, 'the camera’s state in the monitor');
  assert.equal(rig.state(bystander), 'active', 'the bystander’s state in the monitor');
  assert.deepEqual(rig.changesOf(bystander), [], 'the bystander saw no change');
  assert.equal(rig.link?.status.kind, 'connected', 'the HA link is up');
  // Still polling both devices, and a quiet round changes nothing.
  const before = [rig.polls(rig.camera), rig.polls(rig.bystander)];
  const changes = rig.changes.length;
  await watch.pollNow();
  assert.deepEqual([rig.polls(rig.camera), rig.polls(rig.bystander)], [before[0]! + 1, before[1]! + 1]);
  assert.equal(rig.changes.length, changes, 'a quiet poll round changed nothing');
}

/** The camera's password is exactly the enrolled one, in memory and on disk; nothing pending. */
async function assertNoPasswordLost(rig: MonitoringRig, expected: Expectation): Promise<void> {
  const onDisk = await CredentialVault.open(rig.vaultFile, new VaultSecret(VAULT_KEY), { readOnly: true });
  try {
    for (const vault of [rig.vault!, onDisk]) {
      for (const serial of rig.serials) {
        const record = vault.get(serial);
        assert.ok(record, `the vault still knows ${serial}`);
        assert.equal(record.password, ADMIN_PASSWORD, 'the password is unchanged');
        assert.equal(record.pending, null, 'nothing pending');
      }
    }
  } finally {
    await onDisk.close();
  }
  const [camera, bystander] = rig.serials;
  assert.equal(rig.vault!.get(camera)?.state, expected.vaultState ?? 'ok', 'the camera’s vault state');
  assert.equal(rig.vault!.get(bystander)?.state, 'ok', 'the bystander’s vault state');
}
