/**
 * Which requests a non-administrator may make. Every account may identify the device, check its
 * own login and change its own password; everything else the simulator serves over ISAPI is a
 * setting, so it needs the `parameterConfig` right (a viewer, with live view and playback only,
 * is refused with 403 Invalid Operation, as for other missing rights).
 */
import type { SimRemoteRights } from './device-accounts';
import type { SimUser } from './device-state';

const OPEN_TO_EVERY_ACCOUNT = new Set([
  'GET /ISAPI/System/deviceInfo',
  'GET /ISAPI/System/status',
  'GET /ISAPI/Security/userCheck',
  'GET /ISAPI/Security/capabilities',
]);

export function refusedForRights(
  user: SimUser,
  rights: SimRemoteRights,
  request: { method: string; path: string },
): boolean {
  if (user.userLevel === 'Administrator' || rights.parameterConfig) return false;
  if (OPEN_TO_EVERY_ACCOUNT.has(`${request.method} ${request.path}`)) return false;
  // Its own password: the users route checks the id against the caller.
  if (request.method === 'PUT' && /^\/ISAPI\/Security\/users(\/\d+)?$/.test(request.path)) return false;
  return true;
}
