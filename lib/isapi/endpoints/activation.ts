/**
 * Activation of a factory-reset (inactive) device. No login is involved: the password travels
 * AES-encrypted under a key the device sends RSA-encrypted to a key pair made for this exchange,
 * so it is safe over plain HTTP.
 */
import { ProtocolError } from '../../errors';
import { escapeXml } from '../../xml/xml';
import {
  decryptActivationChallenge,
  encryptActivationPassword,
  generateActivationKeyPair,
} from '../activation-crypto';
import type { IsapiClient } from '../isapi-client';

export async function activateDevice(client: IsapiClient, password: string): Promise<void> {
  const keyPair = generateActivationKeyPair();
  const challenge = await client.requestXml('POST', '/ISAPI/Security/challenge', {
    auth: false,
    body: `<?xml version="1.0" encoding="UTF-8"?><PublicKey><key>${keyPair.publicKeyBase64}</key></PublicKey>`,
  });
  const encryptedKey = challenge.textAt('key');
  if (!encryptedKey) throw new ProtocolError('the activation challenge answer has no key');
  const randomKey = decryptActivationChallenge(encryptedKey, keyPair.privateKey);
  const encryptedPassword = encryptActivationPassword(password, randomKey);
  await client.request('PUT', '/ISAPI/System/activate', {
    auth: false,
    body: `<?xml version="1.0" encoding="UTF-8"?><ActivateInfo><password>${escapeXml(encryptedPassword)}</password></ActivateInfo>`,
  });
}
