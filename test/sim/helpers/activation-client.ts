/**
 * The client half of Hikvision activation (docs/protocol/isapi.md §3.2), written in the test with node:crypto:
 * RSA-1024 key pair, challenge decrypted with RSA_NO_PADDING and the PKCS#1 v1.5 padding stripped
 * by hand (Node ≥ 20 refuses PKCS#1 private decryption), password wrapped with AES-128-ECB.
 */
import { constants, createCipheriv, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { send, tagText, type Reply, type Target } from './http';

export function makeActivationKeyPair(): { privateKey: KeyObject; publicKeyXml: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicExponent: 65537,
  });
  const n = publicKey.export({ format: 'jwk' }).n!;
  const hex = Buffer.from(n, 'base64url').toString('hex');
  const key = Buffer.from(hex, 'latin1').toString('base64');
  return {
    privateKey,
    publicKeyXml: `<?xml version='1.0' encoding='UTF-8'?><PublicKey><key>${key}</key></PublicKey>`,
  };
}

export function decryptChallengeKey(privateKey: KeyObject, keyBase64: string): string {
  const cipher = Buffer.from(Buffer.from(keyBase64, 'base64').toString('latin1'), 'hex');
  const block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, cipher);
  if (block[0] !== 0 || block[1] !== 2) throw new Error('not a PKCS#1 v1.5 type 2 block');
  return block.subarray(block.indexOf(0, 2) + 1).toString('latin1');
}

export function encryptActivationPassword(randomKey: string, password: string): string {
  const padded = Buffer.alloc(Math.ceil(password.length / 16) * 16);
  padded.write(password, 'latin1');
  const cipher = createCipheriv('aes-128-ecb', Buffer.from(randomKey, 'hex'), null);
  cipher.setAutoPadding(false);
  const plain = Buffer.concat([Buffer.from(randomKey.slice(0, 16), 'latin1'), padded]);
  const hex = Buffer.concat([cipher.update(plain), cipher.final()]).toString('hex');
  return Buffer.from(hex, 'latin1').toString('base64');
}

/** POST challenge, then PUT activate; returns the activate reply. */
export async function activate(target: Target, password: string): Promise<Reply> {
  const { privateKey, publicKeyXml } = makeActivationKeyPair();
  const challenge = await send(target, '/ISAPI/Security/challenge', { method: 'POST', body: publicKeyXml });
  const randomKey = decryptChallengeKey(privateKey, tagText(challenge.body, 'key')!);
  return putActivation(target, encryptActivationPassword(randomKey, password));
}

export function putActivation(target: Target, encryptedPassword: string): Promise<Reply> {
  const body = `<?xml version="1.0" encoding="UTF-8"?><ActivateInfo><password>${encryptedPassword}</password></ActivateInfo>`;
  return send(target, '/ISAPI/System/activate', { method: 'PUT', body });
}
