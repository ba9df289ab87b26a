/**
 * Process-wide shared things: every node and the CLI in one process must see the same login
 * guard (and, as they arrive, the same SADP sockets, vault and Home Assistant links). Kept on a
 * global symbol so that even two loaded copies of this package share one guard.
 */
import { HaLinkRegistry } from './homeassistant/ha-link-registry';
import { LoginGuard } from './isapi/login-guard';
import { FleetView } from './monitor/fleet-view';
import { DeviceLocks } from './rotation/device-locks';
import { DiscoveryRegistry } from './sadp/discovery-registry';
import { SadpSocketSet } from './sadp/sadp-socket-set';
import type { CredentialVault } from './vault/credential-vault';
import { VaultRegistry } from './vault/vault-registry';

interface SharedRuntime {
  loginGuard: LoginGuard;
}

const RUNTIME_KEY = Symbol.for('node-red-contrib-hik-guard.runtime');

function runtime(): SharedRuntime {
  const holder = globalThis as { [RUNTIME_KEY]?: SharedRuntime };
  holder[RUNTIME_KEY] ??= { loginGuard: new LoginGuard() };
  return holder[RUNTIME_KEY];
}

/** The login-attempt guard shared by every node and the CLI in this process. */
export function sharedLoginGuard(): LoginGuard {
  return runtime().loginGuard;
}

const DEVICE_LOCKS_KEY = Symbol.for('node-red-contrib-hik-guard.device-locks');

/** One rotation or reconcile at a time per device, across every node and the CLI in this process. */
export function sharedDeviceLocks(): DeviceLocks {
  const holder = globalThis as { [DEVICE_LOCKS_KEY]?: DeviceLocks };
  holder[DEVICE_LOCKS_KEY] ??= new DeviceLocks();
  return holder[DEVICE_LOCKS_KEY];
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

const HA_LINKS_KEY = Symbol.for('node-red-contrib-hik-guard.ha-links');

/** The Home Assistant links of this process, keyed by `hik-homeassistant` config node id. */
export function sharedHaLinks(): HaLinkRegistry {
  const holder = globalThis as { [HA_LINKS_KEY]?: HaLinkRegistry };
  holder[HA_LINKS_KEY] ??= new HaLinkRegistry();
  return holder[HA_LINKS_KEY];
}

const DISCOVERIES_KEY = Symbol.for('node-red-contrib-hik-guard.discoveries');

/** The discovery services running in this process (hik-discover nodes), for the editor sidebar. */
export function sharedDiscoveries(): DiscoveryRegistry {
  const holder = globalThis as { [DISCOVERIES_KEY]?: DiscoveryRegistry };
  holder[DISCOVERIES_KEY] ??= new DiscoveryRegistry();
  return holder[DISCOVERIES_KEY];
}

const FLEET_VIEW_KEY = Symbol.for('node-red-contrib-hik-guard.fleet-view');

/** The read-only fleet view every activation monitor in this process feeds (the sidebar reads it). */
export function sharedFleetView(): FleetView {
  const holder = globalThis as { [FLEET_VIEW_KEY]?: FleetView };
  holder[FLEET_VIEW_KEY] ??= new FleetView();
  return holder[FLEET_VIEW_KEY];
}
