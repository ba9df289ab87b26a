/**
 * Adding and removing device users and setting their rights (docs/protocol/users-and-onvif.md):
 * POST /ISAPI/Security/users, DELETE /ISAPI/Security/users/<id>, and UserPermission on its
 * current path or, where firmware lacks it, the legacy users/<id>/userPermission.
 */
import { NotSupportedError } from '../../errors';
import { escapeXml } from '../../xml/xml';
import type { IsapiClient } from '../isapi-client';
import type { UserLevel } from './security';

export interface NewUser {
  userName: string;
  password: string;
  userLevel: UserLevel;
}

/**
 * Creates a user. Returns the id the device named in its answer, or null: some firmware does
 * not say, and the caller finds the user in the list by name.
 */
export async function addUser(client: IsapiClient, user: NewUser): Promise<number | null> {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<User><userName>${escapeXml(user.userName)}</userName>` +
    `<password>${escapeXml(user.password)}</password>` +
    `<userLevel>${escapeXml(user.userLevel)}</userLevel></User>`;
  const reply = await client.request('POST', '/ISAPI/Security/users', { body });
  return reply.xml?.intAt('id') ?? null;
}

export async function deleteUser(client: IsapiClient, id: number): Promise<void> {
  await client.request('DELETE', `/ISAPI/Security/users/${id}`);
}

/** Remote rights hik guard sets; rights left out of a change keep their value on the device. */
export interface RemoteRights {
  preview: boolean;
  playBack: boolean;
  ptzControl: boolean;
  record: boolean;
  parameterConfig: boolean;
}

/** Live view and playback, nothing else: what a stream consumer needs (consumers.md §3). */
export const STREAMING_RIGHTS: RemoteRights = {
  preview: true,
  playBack: true,
  ptzControl: false,
  record: false,
  parameterConfig: false,
};

export interface UserPermission {
  userId: number;
  userType: string | null;
  remote: Partial<RemoteRights>;
}

const RIGHT_NAMES: readonly (keyof RemoteRights)[] = [
  'preview',
  'playBack',
  'ptzControl',
  'record',
  'parameterConfig',
];

export async function getUserPermission(client: IsapiClient, userId: number): Promise<UserPermission> {
  const root = await withLegacyPath((path) => client.requestXml('GET', path), userId);
  const remote: Partial<RemoteRights> = {};
  for (const right of RIGHT_NAMES) {
    const value = root.boolAt('remotePermission', right);
    if (value !== null) remote[right] = value;
  }
  return { userId, userType: root.textAt('userType') || null, remote };
}

export async function putUserPermission(
  client: IsapiClient,
  userId: number,
  change: { userType: 'viewer' | 'operator'; remote: RemoteRights },
): Promise<void> {
  const rights = RIGHT_NAMES.map((r) => `<${r}>${change.remote[r] ? 'true' : 'false'}</${r}>`).join('');
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<UserPermission><id>${userId}</id><userID>${userId}</userID><userType>${change.userType}</userType>` +
    `<remotePermission>${rights}</remotePermission></UserPermission>`;
  await withLegacyPath((path) => client.request('PUT', path, { body }), userId);
}

/** The current path first; on "not supported" the legacy one (consumers.md §3). */
async function withLegacyPath<T>(send: (path: string) => Promise<T>, userId: number): Promise<T> {
  try {
    return await send(`/ISAPI/Security/UserPermission/${userId}`);
  } catch (err) {
    if (!(err instanceof NotSupportedError)) throw err;
    return send(`/ISAPI/Security/users/${userId}/userPermission`);
  }
}
