import { VAULT_KEY_ENV } from '../cli/vault-key';
import { DEMO_CREDENTIAL_SECRET } from './demo-user-dir';

/**
 * What `npm start` prints once the editor answers: where to look, a factory reset of one
 * simulated camera, and the CLI, with this fleet's real addresses and ports. Pure, so a test can
 * run the very commands it prints.
 */

export interface DemoHintDevice {
  host: string;
  port: number;
  serial: string;
}

export interface DemoHintOptions {
  editorUrl: string;
  /** The camera to reset: one the demo enrols (never rotates) and re-claims after a reset. */
  resetCamera: DemoHintDevice;
  /** The camera the CLI asks: one whose password the demo never changes. */
  cliCamera: DemoHintDevice;
  /**
   * The fleet's admin password comes from HIK_SIM_PASSWORD: the commands read it from there.
   * Otherwise they use the documented demo password.
   */
  passwordFromEnv: boolean;
  demoPassword: string;
  /** The vault the demo's flows keep (its path as the user may type it). */
  vaultFile: string;
}

export function demoHints(options: DemoHintOptions): string[] {
  const { resetCamera: reset, cliCamera: cli } = options;
  const curlUser = options.passwordFromEnv ? '"admin:$HIK_SIM_PASSWORD"' : `admin:${options.demoPassword}`;
  const statusEnv = options.passwordFromEnv ? '' : `HIK_PW=${options.demoPassword} `;
  const passwordVar = options.passwordFromEnv ? 'HIK_SIM_PASSWORD' : 'HIK_PW';
  return [
    `Node-RED editor: ${options.editorUrl}  (Ctrl-C stops everything)`,
    '',
    'Try next:',
    '  1. Open the editor: the "Hik Guard" tab of the sidebar (camera icon) lists the fleet with its',
    '     states; the debug tab shows what the example flows report.',
    `  2. Factory-reset camera ${reset.serial} (${reset.host}):`,
    `       curl --digest -u ${curlUser} -X PUT 'http://${reset.host}:${reset.port}/ISAPI/System/factoryReset?mode=full'`,
    '     It reboots inactive: within seconds it turns red (inactive) in the sidebar, then tab 04',
    '     re-claims it with a fresh password (kept in the vault) and it is green (active) again.',
    '     The curl password works once: afterwards it is in the vault (sidebar: Reveal password).',
    '     (mode=basic restores its settings and keeps it activated.)',
    "  3. Ask a camera from the CLI (one login; the demo never changes this camera's password):",
    `       ${statusEnv}npx hik-guard status --host ${cli.host} --port ${cli.port} --password-env ${passwordVar}`,
    '     and find the fleet with SADP on loopback:',
    '       npx hik-guard discover --interface 127.0.0.1',
    "  4. Read the vault the flows keep (the key is the demo's Node-RED credential secret):",
    `       ${VAULT_KEY_ENV}=${DEMO_CREDENTIAL_SECRET} npx hik-guard vault list --vault ${options.vaultFile}`,
    '',
    'The demo starts fresh at every npm start: .demo/ is rebuilt, so changes made in the editor are not kept.',
  ];
}
