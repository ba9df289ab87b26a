/**
 * The demo's throw-away Node-RED user directory: settings.js, the flows, and their credentials
 * encrypted the way Node-RED stores them, so a fresh demo starts without Node-RED's "Encrypted
 * credentials not found" warning (it expects `flows_cred.json` encrypted whenever
 * `credentialSecret` is set) and no password or token sits on disk in clear.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Keys the vault and flows_cred.json; a demo-only value in a throw-away folder (never reuse it). */
export const DEMO_CREDENTIAL_SECRET = 'hik-guard-demo-only';

export type NodeCredentials = Record<string, Record<string, string>>;

export interface DemoUserDir {
  dir: string;
  /** This package's root, linked into the user directory's node_modules. */
  packageRoot: string;
  port: number;
  flows: Record<string, unknown>[];
  credentials: NodeCredentials;
}

/**
 * Node-RED's `flows_cred.json` format (`@node-red/runtime` lib/nodes/credentials.js): the JSON of
 * every node's credentials, AES-256-CTR under SHA-256(credentialSecret), stored as
 * `{ "$": <IV as 32 hex digits><ciphertext in base64> }`.
 */
export function encryptNodeRedCredentials(secret: string, credentials: NodeCredentials): { $: string } {
  const key = createHash('sha256').update(secret).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const text = cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64');
  return { $: iv.toString('hex') + text };
}

/** Replaces `dir` with a user directory that loads this package from the working tree. */
export function prepareDemoUserDir(options: DemoUserDir): void {
  const { dir } = options;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(options.packageRoot, join(dir, 'node_modules', 'node-red-contrib-hik-guard'), 'dir');
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: options.port,
    flowFile: 'flows.json',
    credentialSecret: DEMO_CREDENTIAL_SECRET,
    telemetry: { enabled: false },
    editorTheme: { palette: { catalogues: [] }, tours: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  };
  writeFileSync(join(dir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  writeFileSync(join(dir, 'flows.json'), JSON.stringify(options.flows, null, 2));
  const encrypted = encryptNodeRedCredentials(DEMO_CREDENTIAL_SECRET, options.credentials);
  writeFileSync(join(dir, 'flows_cred.json'), JSON.stringify(encrypted, null, 2), { mode: 0o600 });
}
