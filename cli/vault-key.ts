/**
 * Where a CLI command gets the vault key: `--vault-key-file FILE` (its content, one trailing
 * newline dropped) or the environment variable HIK_GUARD_VAULT_KEY. Never from the command line, where
 * other users could read it in the process list and it would land in shell history.
 */
import { readFile, stat } from 'node:fs/promises';
import { UsageError, writeLine, type CliIo } from './cli-io';

export const VAULT_KEY_ENV = 'HIK_GUARD_VAULT_KEY';

/** Help lines every vault-using command shares. */
export const VAULT_KEY_OPTIONS: readonly (readonly [string, string])[] = [
  ['--vault FILE', 'the vault file (required)'],
  [
    '--vault-key-file FILE',
    `read the vault key from FILE; else from env ${VAULT_KEY_ENV} (the key is never accepted on the command line)`,
  ],
];

/** The vault key; throws UsageError when there is none or it cannot be read. */
export async function readVaultKey(io: CliIo, keyFile: string | undefined): Promise<string> {
  if (keyFile !== undefined) {
    let text: string;
    try {
      const info = await stat(keyFile);
      // Group or world access to the key is worth a warning, not a refusal (e.g. a Docker secret).
      if ((info.mode & 0o077) !== 0) {
        writeLine(io.stderr, `hik-guard: warning: ${keyFile} is readable by other users; chmod 600 it`);
      }
      text = await readFile(keyFile, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read --vault-key-file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const key = text.replace(/\r?\n$/, '');
    if (key === '') throw new UsageError(`--vault-key-file ${keyFile} is empty`);
    return key;
  }
  const key = io.env[VAULT_KEY_ENV];
  if (key === undefined || key === '') {
    throw new UsageError(`no vault key: set ${VAULT_KEY_ENV} or pass --vault-key-file FILE`);
  }
  return key;
}
