/**
 * The composition root of a process: the shared things every node and the CLI in one process
 * must see as one (the login guard, device locks, SADP sockets, vaults, running discoveries and
 * the fleets). Kept on global symbols so that even two loaded copies of this package share them.
 * It sits on top of lib/: no other lib module imports it (an ESLint rule keeps it so); defaults
 * such as the login guard and the device locks live with their owners and are handed out here.
 * Home Assistant links are owned by their hik-homeassistant config nodes, not by this registry.
 */
import { FleetRegistry } from './fleet/fleet-registry';
import { defaultLoginGuard, type LoginGuard } from './isapi/login-guard';
import { defaultDeviceLocks, type DeviceLocks } from './rotation/device-locks';
import { DiscoveryRegistry } from './sadp/discovery-registry';
import { SadpSocketSet } from './sadp/sadp-socket-set';
import type { CredentialVault } from './vault/credential-vault';
import { VaultRegistry } from './vault/vault-registry';

/** The login-attempt guard shared by every node and the CLI in this process (the ISAPI default). */
export function sharedLoginGuard(): LoginGuard {
  return defaultLoginGuard();
}

/** One rotation or reconcile at a time per device, across every node and the CLI in this process. */
export function sharedDeviceLocks(): DeviceLocks {
  return defaultDeviceLocks();
}

const SADP_SOCKETS_KEY = Symbol.for('node-red-contrib-hik-guard.sadp-sockets');

/** The SADP sockets shared by every hik-discover node and the CLI in this process. */
export function sharedSadpSockets(): SadpSocketSet {
  const holder = globalThis as { [SADP_SOCKETS_KEY]?: SadpSocketSet };
  holder[SADP_SOCKETS_KEY] ??= new SadpSocketSet();
  return holder[SADP_SOCKETS_KEY];
}

const VAULTS_KEY = Symbol.for('node-red-contrib-hik-guard.vaults');

/** The process-wide registry of open vaults (one CredentialVault per file). */
export function sharedVaults(): VaultRegistry {
  const holder = globalThis as { [VAULTS_KEY]?: VaultRegistry };
  holder[VAULTS_KEY] ??= new VaultRegistry();
  return holder[VAULTS_KEY];
}

/** The vault at `file`, opened once per process and shared by every node and the CLI. */
export function sharedVault(file: string, secret: string): Promise<CredentialVault> {
  return sharedVaults().open(file, secret);
}

const DISCOVERIES_KEY = Symbol.for('node-red-contrib-hik-guard.discoveries');

/** The discovery services running in this process (hik-discover nodes), for the editor sidebar. */
export function sharedDiscoveries(): DiscoveryRegistry {
  const holder = globalThis as { [DISCOVERIES_KEY]?: DiscoveryRegistry };
  holder[DISCOVERIES_KEY] ??= new DiscoveryRegistry();
  return holder[DISCOVERIES_KEY];
}

const FLEETS_KEY = Symbol.for('node-red-contrib-hik-guard.fleets');

/** The fleets of this process, one per runtime (vault file): every device has one owner. */
export function sharedFleets(): FleetRegistry {
  const holder = globalThis as { [FLEETS_KEY]?: FleetRegistry };
  holder[FLEETS_KEY] ??= new FleetRegistry();
  return holder[FLEETS_KEY];
}
