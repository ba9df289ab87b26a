/** The recorder consumer as the crash suite's processes see it: their own guard, fast channel polls. */
import { RecorderChannelConsumer } from '../../../../lib/consumers/recorder-channel-consumer';
import { LoginGuard } from '../../../../lib/isapi/login-guard';
import type { CredentialVault } from '../../../../lib/vault/credential-vault';

export function recorderConsumer(vault: CredentialVault, serial: string): RecorderChannelConsumer {
  return new RecorderChannelConsumer({
    vault,
    recorder: { serial },
    guard: new LoginGuard(),
    pollMs: 20,
    onlineTimeoutMs: 2_000,
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
  });
}
