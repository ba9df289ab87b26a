/**
 * The fleet of this Node-RED runtime (lib/fleet/fleet.ts): one per userDir, made on first use with
 * the runtime's vault and the alert memory next to it (`<userDir>/hik-guard/alerts.json`), and
 * kept across deploys, with the last audit of each device (`findings.json`). Every sighting a
 * hik-discover node makes tells the fleet the device's model, firmware and MAC, and is triaged for
 * known firmware vulnerabilities until a device is audited with a login. Failures no node takes are logged through Node-RED's log.
 */
import { join } from 'node:path';
import type { NodeAPI } from 'node-red';
import { HikError } from '../../lib/errors';
import { FindingsStore } from '../../lib/audit/findings-store';
import { triageSadp } from '../../lib/audit/sadp-triage';
import { AlertMemory } from '../../lib/fleet/alert-memory';
import { Fleet } from '../../lib/fleet/fleet';
import { sharedDiscoveries, sharedFleets } from '../../lib/runtime';
import type { CredentialVault } from '../../lib/vault/credential-vault';
import { openNodeRedVault } from './vault-access';

export interface NodeRedFleet {
  fleet: Fleet;
  /** Why the vault could not be opened (the fleet then runs without it), or null. */
  vaultProblem: HikError | null;
}

export async function openNodeRedFleet(RED: NodeAPI): Promise<NodeRedFleet> {
  const userDir = (RED.settings as unknown as { userDir?: unknown }).userDir;
  const folder = typeof userDir === 'string' && userDir !== '' ? join(userDir, 'hik-guard') : null;
  let vault: CredentialVault | null = null;
  let vaultProblem: HikError | null = null;
  try {
    vault = await openNodeRedVault(RED);
  } catch (err) {
    if (!HikError.isHikError(err)) throw err;
    vaultProblem = err;
  }
  const logError = (err: Error): void => {
    RED.log.error(`hik-guard: ${HikError.isHikError(err) ? `${err.code}: ` : ''}${err.message}`);
  };
  const key = `${folder ?? 'no userDir'}${vault ? '' : '#no-vault'}`;
  const fleet = await sharedFleets().open(key, async () => {
    const memory = folder
      ? await AlertMemory.open(join(folder, 'alerts.json'), logError)
      : AlertMemory.inMemory();
    const findings = folder
      ? await FindingsStore.open(join(folder, 'findings.json'), logError)
      : FindingsStore.inMemory();
    const created = new Fleet({ vault, memory, findings, onError: logError });
    const discoveries = sharedDiscoveries();
    const describe = (): void => {
      for (const { device } of discoveries.sightings())
        if (device.serial)
          created.describe(device.serial, {
            model: device.model,
            firmware: device.firmware,
            mac: device.mac,
          });
      // Triage from SADP alone (no login) until an audit with a login replaces it.
      for (const { device } of discoveries.sightings()) {
        const triage = triageSadp(device);
        const last = triage ? created.lastAudit(triage.serial) : null;
        if (triage && (!last || (last.source === 'sadp' && last.firmware !== triage.firmware)))
          created.recordAudit(triage);
      }
    };
    const unsubscribe = discoveries.onChange(describe);
    created.onStop(unsubscribe);
    describe();
    return created;
  });
  return { fleet, vaultProblem };
}
