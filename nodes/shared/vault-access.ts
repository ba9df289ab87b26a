/**
 * Where the Node-RED side finds its vault and the secret that opens it. The vault lives at
 * `<userDir>/hik-guard/vault.json`; its key comes from the runtime's credential secret: the
 * `credentialSecret` setting when it is a non-empty string, else the one Node-RED generated and
 * keeps in its runtime settings (`.config.runtime.json`, read with `settings.get('_credentialSecret')`).
 * Read when a node needs the vault, never at module load. Tests point `userDir` at a temp folder.
 *
 * Note: if a user later sets `credentialSecret` where Node-RED had generated one, Node-RED
 * re-encrypts its own credentials and deletes the generated secret; this vault would then need the
 * old secret (use `hik-guard vault export` with it first).
 */
import { join } from 'node:path';
import type { NodeAPI } from 'node-red';
import { InvalidArgumentError, VaultKeyMissingError } from '../../lib/errors';
import { sharedVault } from '../../lib/runtime';
import type { CredentialVault } from '../../lib/vault/credential-vault';

export interface NodeRedVaultLocation {
  file: string;
  secret: string;
  /** Which setting the secret came from (never the secret itself). */
  secretSource: 'credentialSecret' | '_credentialSecret';
}

interface SettingsView {
  userDir?: unknown;
  credentialSecret?: unknown;
  get?: (name: string) => unknown;
}

export function nodeRedVaultLocation(RED: Pick<NodeAPI, 'settings'>): NodeRedVaultLocation {
  const settings = RED.settings as unknown as SettingsView;
  const userDir = settings.userDir;
  if (typeof userDir !== 'string' || userDir === '') {
    throw new InvalidArgumentError('the Node-RED setting userDir is not set, so the vault cannot be located');
  }
  const file = join(userDir, 'hik-guard', 'vault.json');
  if (typeof settings.credentialSecret === 'string' && settings.credentialSecret !== '') {
    return { file, secret: settings.credentialSecret, secretSource: 'credentialSecret' };
  }
  const generated = generatedSecret(settings);
  if (generated !== null) return { file, secret: generated, secretSource: '_credentialSecret' };
  throw new VaultKeyMissingError(
    settings.credentialSecret === false
      ? 'credential encryption is disabled (credentialSecret: false), so there is no key for the vault; set credentialSecret in settings.js'
      : 'Node-RED has no credential secret yet (none set, none generated); set credentialSecret in settings.js',
  );
}

/** Node-RED's generated secret, or null when its runtime settings hold none (or are not loaded). */
function generatedSecret(settings: SettingsView): string | null {
  if (typeof settings.get !== 'function') return null;
  let value: unknown;
  try {
    value = settings.get('_credentialSecret');
  } catch (err) {
    // settings.get throws "settings not available" before storage has loaded: no secret yet.
    if (err instanceof Error) return null;
    throw err;
  }
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The process-wide vault for this Node-RED runtime (opened on first use). */
export function openNodeRedVault(RED: Pick<NodeAPI, 'settings'>): Promise<CredentialVault> {
  const { file, secret } = nodeRedVaultLocation(RED);
  return sharedVault(file, secret);
}
