/** Security endpoints: credential check, capabilities (password and lock limits), users. */
import { ProtocolError } from '../../errors';
import { escapeXml, parseXmlBoolean, parseXmlInt, type XmlElement } from '../../xml/xml';
import type { IsapiClient } from '../isapi-client';
import type { Credential } from '../login-guard';

export interface UserCheckResult {
  activated: boolean | null;
  defaultPassword: boolean | null;
  riskPassword: boolean | null;
}

/**
 * Verifies a credential (the client's own, or `credential`) with one authenticated request.
 * A rejection throws AuthFailedError or DeviceLockedError and is remembered by the guard.
 */
export async function checkUser(client: IsapiClient, credential?: Credential): Promise<UserCheckResult> {
  const root = await client.requestXml('GET', `/ISAPI/Security/userCheck?timeStamp=${Date.now()}`, {
    credential,
  });
  return {
    activated: root.boolAt('isActivated'),
    defaultPassword: root.boolAt('isDefaultPassword'),
    riskPassword: root.boolAt('isRiskPassword'),
  };
}

export interface Range {
  min: number | null;
  max: number | null;
}

export interface SecurityCapabilities {
  securityVersions: number[];
  passwordLength: Range;
  /** Failed logins before the lock, and the lock duration in the device's own unit. */
  illegalLoginAttempts: Range & { default: number | null };
  illegalLoginLockTime: Range & { default: number | null };
  supportsUserCheck: boolean | null;
  rsaKeyLengths: number[];
  /** `isSupportONVIFUserManagement`: the device keeps ONVIF users (null: not reported). */
  supportsOnvifUsers: boolean | null;
}

export async function getSecurityCapabilities(client: IsapiClient): Promise<SecurityCapabilities> {
  const root = await client.requestXml('GET', '/ISAPI/Security/capabilities');
  const passwordLimit = root.find('LoginPasswordLenLimit');
  return {
    securityVersions: numberList(root.find('securityVersion')?.attributes.opt),
    passwordLength: { min: attrInt(passwordLimit, 'min'), max: attrInt(passwordLimit, 'max') },
    illegalLoginAttempts: rangeWithDefault(root.find('maxIllegalLoginTimes')),
    illegalLoginLockTime: rangeWithDefault(root.find('maxIllegalLoginLockTime')),
    supportsUserCheck: parseXmlBoolean(root.find('isSupportUserCheck')?.text),
    rsaKeyLengths: numberList(root.find('RSAKeyLength')?.attributes.opt),
    supportsOnvifUsers: parseXmlBoolean(root.find('isSupportONVIFUserManagement')?.text),
  };
}

function attrInt(el: XmlElement | undefined, attr: string): number | null {
  return parseXmlInt(el?.attributes[attr]);
}

function rangeWithDefault(el: XmlElement | undefined): Range & { default: number | null } {
  return {
    min: attrInt(el, 'min'),
    max: attrInt(el, 'max'),
    default: attrInt(el, 'def') ?? parseXmlInt(el?.text),
  };
}

function numberList(opt: string | undefined): number[] {
  return (opt ?? '')
    .split(',')
    .map((v) => parseXmlInt(v))
    .filter((v): v is number => v !== null);
}

/** `Administrator`, `Operator` or `Viewer` on the devices seen so far; kept open for OEM firmware. */
export type UserLevel = string;

export interface DeviceUser {
  id: number;
  userName: string;
  userLevel: UserLevel | null;
}

export async function listUsers(client: IsapiClient): Promise<DeviceUser[]> {
  const root = await client.requestXml('GET', '/ISAPI/Security/users');
  return root.childrenNamed('User').map(readUser);
}

export async function getUser(client: IsapiClient, id: number): Promise<DeviceUser> {
  return readUser(await client.requestXml('GET', `/ISAPI/Security/users/${id}`));
}

function readUser(el: XmlElement): DeviceUser {
  const id = el.intAt('id');
  const userName = el.textAt('userName');
  if (id === null || !userName) throw new ProtocolError('a User entry lacks id or userName');
  return { id, userName, userLevel: el.textAt('userLevel') || null };
}

export interface PasswordChange {
  user: DeviceUser;
  newPassword: string;
  /** The logged-in administrator's current password; newer firmware requires it. */
  loginPassword: string;
}

/**
 * Sets a user's password. Success means the device answered statusCode 1; from then on the old
 * password no longer works. Any other status throws and the change must be treated as refused.
 */
export async function putUserPassword(client: IsapiClient, change: PasswordChange): Promise<void> {
  const { user } = change;
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<User><id>${user.id}</id><userName>${escapeXml(user.userName)}</userName>` +
    `<password>${escapeXml(change.newPassword)}</password>` +
    (user.userLevel ? `<userLevel>${escapeXml(user.userLevel)}</userLevel>` : '') +
    `<loginPassword>${escapeXml(change.loginPassword)}</loginPassword></User>`;
  await client.request('PUT', `/ISAPI/Security/users/${user.id}`, { body });
}
