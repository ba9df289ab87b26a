/** Every password a vault file holds (current, pending, previous; named accounts too), read with its key. */
import { CredentialVault } from '../../../lib/vault/credential-vault';
import type { Secret } from './secret-scanner';

export async function vaultSecrets(file: string, key: string): Promise<Secret[]> {
  const vault = await CredentialVault.open(file, key, { readOnly: true });
  try {
    return vault.list().flatMap((record) => [
      { label: `vault ${record.serial} current`, value: record.password },
      ...(record.pending
        ? [{ label: `vault ${record.serial} pending`, value: record.pending.password }]
        : []),
      ...record.previous.map((p, i) => ({
        label: `vault ${record.serial} previous[${i}]`,
        value: p.password,
      })),
      ...Object.entries(record.accounts).flatMap(([name, account]) => [
        ...(account.password ? [{ label: `vault ${record.serial} ${name}`, value: account.password }] : []),
        ...(account.pending
          ? [{ label: `vault ${record.serial} ${name} pending`, value: account.pending.password }]
          : []),
        ...account.previous.map((p, i) => ({
          label: `vault ${record.serial} ${name} previous[${i}]`,
          value: p.password,
        })),
      ]),
    ]);
  } finally {
    await vault.close();
  }
}
