/**
 * Accounts beside the password change (docs/protocol/isapi.md §2.1, §5; consumers.md §2, §3):
 * adding and deleting users (32 at most; some firmware does not name the new id), per-user rights
 * (UserPermission, also on the legacy path users/<id>/userPermission), the ONVIF user list with
 * its own passwords, and Network/Integrate's ONVIF switch. Firmware without ONVIF user management
 * answers 404 notSupport there and leaves `<ONVIF>` out of Integrate. Only administrators change
 * any of it (invalidOperation otherwise, as for users).
 */
import {
  MAX_USERS,
  ONVIF_USER_TYPES,
  REMOTE_RIGHTS,
  type OnvifUserType,
  type SimRemoteRights,
} from '../device-accounts';
import type { UserLevel } from '../device-profile';
import {
  createdStatusXml,
  integrateXml,
  onvifUserListXml,
  onvifUserXml,
  userPermissionListXml,
  userPermissionXml,
} from '../fixtures/accounts';
import { STATUS, statusResponse, type StatusSpec } from '../fixtures/response-status';
import { passwordRejection } from '../password-rules';
import type { SimDevice } from '../sim-device';
import { xmlResponse, type SimResponse } from '../sim-response';
import type { SimXmlElement } from '../sim-xml';
import { callerOf, readXmlBody, type Route, type RouteRequest } from './route';

const USER_LEVELS: readonly UserLevel[] = ['Administrator', 'Operator', 'Viewer'];

export const accountRoutes: Route[] = [
  {
    pattern: /^\/ISAPI\/Security\/UserPermission$/,
    auth: true,
    handlers: {
      GET: (device) =>
        xmlResponse(
          200,
          userPermissionListXml(
            device.state.users.map((user) => ({ user, rights: device.state.accounts.rightsOf(user) })),
            device.xmlStyle,
          ),
        ),
    },
  },
  {
    pattern: /^\/ISAPI\/Security\/UserPermission\/(\d+)$/,
    auth: true,
    handlers: { GET: getPermission, PUT: putPermission },
  },
  {
    // The legacy path of the same document (consumers.md §3).
    pattern: /^\/ISAPI\/Security\/users\/(\d+)\/userPermission$/,
    auth: true,
    handlers: { GET: getPermission, PUT: putPermission },
  },
  {
    pattern: /^\/ISAPI\/Security\/ONVIF\/users$/,
    auth: true,
    handlers: {
      GET: (device, request) =>
        onvifManaged(device, request) ??
        xmlResponse(200, onvifUserListXml(device.state.accounts.onvifUsers, device.xmlStyle)),
      POST: (device, request) => onvifManaged(device, request) ?? addOnvifUser(device, request),
    },
  },
  {
    pattern: /^\/ISAPI\/Security\/ONVIF\/users\/(\d+)$/,
    auth: true,
    handlers: {
      GET: (device, request) => {
        const refusal = onvifManaged(device, request);
        if (refusal) return refusal;
        const user = device.state.accounts.onvifUserById(Number(request.params[0]));
        if (!user) return reply(device, request, STATUS.invalidOperation);
        return xmlResponse(200, onvifUserXml(user, device.xmlStyle));
      },
      PUT: (device, request) => onvifManaged(device, request) ?? putOnvifUser(device, request),
      DELETE: (device, request) => {
        const refusal = onvifManaged(device, request) ?? adminOnly(device, request);
        if (refusal) return refusal;
        const removed = device.state.accounts.removeOnvifUser(Number(request.params[0]));
        return reply(device, request, removed ? STATUS.ok : STATUS.invalidOperation);
      },
    },
  },
  {
    pattern: /^\/ISAPI\/System\/Network\/Integrate$/,
    auth: true,
    handlers: {
      GET: (device) =>
        xmlResponse(
          200,
          integrateXml(
            {
              supported: device.profile.quirks.onvifUserManagement,
              enabled: device.state.accounts.onvifEnabled,
            },
            device.xmlStyle,
          ),
        ),
      PUT: putIntegrate,
    },
  },
];

function reply(device: SimDevice, request: RouteRequest, spec: StatusSpec): SimResponse {
  return statusResponse(device.xmlStyle, request.path, spec);
}

function adminOnly(device: SimDevice, request: RouteRequest): SimResponse | null {
  return callerOf(request).userLevel === 'Administrator'
    ? null
    : reply(device, request, STATUS.invalidOperation);
}

function onvifManaged(device: SimDevice, request: RouteRequest): SimResponse | null {
  return device.profile.quirks.onvifUserManagement ? null : reply(device, request, STATUS.unknownPath);
}

/** POST /ISAPI/Security/users: `<User><userName/><password/><userLevel/></User>`. */
export function addUser(device: SimDevice, request: RouteRequest): SimResponse {
  const refusal = adminOnly(device, request);
  if (refusal) return refusal;
  const parsed = readXmlBody(device, request, ['User']);
  if ('response' in parsed) return parsed.response;
  const body = parsed.root;
  const userName = body.textAt('userName');
  const password = body.textAt('password');
  const level = body.textAt('userLevel') ?? 'Operator';
  if (!userName || !password || !USER_LEVELS.includes(level as UserLevel)) {
    return reply(device, request, STATUS.badXmlContent);
  }
  if (
    device.state.users.length >= MAX_USERS ||
    device.state.userByName(userName) ||
    passwordRejection(userName, password) !== null
  ) {
    return reply(device, request, STATUS.invalidOperation);
  }
  const user = device.state.addUser({ userName, password, userLevel: level as UserLevel });
  const id = device.profile.quirks.echoNewUserId ? user.id : null;
  return xmlResponse(200, createdStatusXml(device.xmlStyle, request.path, id));
}

/** DELETE /ISAPI/Security/users/<id>; the built-in admin cannot be deleted. */
export function deleteUser(device: SimDevice, request: RouteRequest): SimResponse {
  const refusal = adminOnly(device, request);
  if (refusal) return refusal;
  const removed = device.state.removeUser(Number(request.params[0]));
  return reply(device, request, removed ? STATUS.ok : STATUS.invalidOperation);
}

function getPermission(device: SimDevice, request: RouteRequest): SimResponse {
  const user = device.state.userById(Number(request.params[0]));
  if (!user) return reply(device, request, STATUS.invalidOperation);
  return xmlResponse(200, userPermissionXml(user, device.state.accounts.rightsOf(user), device.xmlStyle));
}

/** Rights named in `<remotePermission>` change; the ones left out keep their value. */
function putPermission(device: SimDevice, request: RouteRequest): SimResponse {
  const refusal = adminOnly(device, request);
  if (refusal) return refusal;
  const parsed = readXmlBody(device, request, ['UserPermission']);
  if ('response' in parsed) return parsed.response;
  const user = device.state.userById(Number(request.params[0]));
  if (!user || user.userLevel === 'Administrator') return reply(device, request, STATUS.invalidOperation);
  const remote = parsed.root.child('remotePermission');
  if (!remote) return reply(device, request, STATUS.badXmlContent);
  const rights: SimRemoteRights = device.state.accounts.rightsOf(user);
  for (const right of REMOTE_RIGHTS) {
    const value = remote.textAt(right);
    if (value === null) continue;
    if (value !== 'true' && value !== 'false') return reply(device, request, STATUS.badXmlContent);
    rights[right] = value === 'true';
  }
  device.state.accounts.setRights(user.id, rights);
  return reply(device, request, STATUS.ok);
}

function readOnvifType(body: SimXmlElement): OnvifUserType | 'bad' | null {
  const type = body.textAt('userType');
  if (type === null) return null;
  return ONVIF_USER_TYPES.includes(type as OnvifUserType) ? (type as OnvifUserType) : 'bad';
}

function addOnvifUser(device: SimDevice, request: RouteRequest): SimResponse {
  const refusal = adminOnly(device, request);
  if (refusal) return refusal;
  const parsed = readXmlBody(device, request, ['User']);
  if ('response' in parsed) return parsed.response;
  const userName = parsed.root.textAt('userName');
  const password = parsed.root.textAt('password');
  const userType = readOnvifType(parsed.root);
  if (!userName || !password || userType === 'bad') return reply(device, request, STATUS.badXmlContent);
  const { accounts } = device.state;
  if (
    accounts.onvifUsers.length >= MAX_USERS ||
    accounts.onvifUserByName(userName) ||
    passwordRejection(userName, password) !== null
  ) {
    return reply(device, request, STATUS.invalidOperation);
  }
  const user = accounts.addOnvifUser({ userName, password, userType: userType ?? 'mediaUser' });
  return xmlResponse(200, createdStatusXml(device.xmlStyle, request.path, user.id));
}

/** `<User><id/><userName/><password/><userType/></User>`; a new name must be free. */
function putOnvifUser(device: SimDevice, request: RouteRequest): SimResponse {
  const refusal = adminOnly(device, request);
  if (refusal) return refusal;
  const parsed = readXmlBody(device, request, ['User']);
  if ('response' in parsed) return parsed.response;
  const id = Number(request.params[0]);
  const bodyId = parsed.root.intAt('id');
  if (bodyId !== null && bodyId !== id) return reply(device, request, STATUS.badXmlContent);
  const { accounts } = device.state;
  const user = accounts.onvifUserById(id);
  if (!user) return reply(device, request, STATUS.invalidOperation);
  const userName = parsed.root.textAt('userName') ?? user.userName;
  const password = parsed.root.textAt('password');
  const userType = readOnvifType(parsed.root);
  if (userType === 'bad') return reply(device, request, STATUS.badXmlContent);
  const other = accounts.onvifUserByName(userName);
  if (other && other.id !== id) return reply(device, request, STATUS.invalidOperation);
  if (password !== null && passwordRejection(userName, password) !== null) {
    return reply(device, request, STATUS.invalidOperation);
  }
  user.userName = userName;
  if (password !== null) user.password = password;
  if (userType !== null) user.userType = userType;
  return reply(device, request, STATUS.ok);
}

/** Only the ONVIF switch is simulated; the rest of the document is accepted as sent. */
function putIntegrate(device: SimDevice, request: RouteRequest): SimResponse {
  const refusal = adminOnly(device, request);
  if (refusal) return refusal;
  const parsed = readXmlBody(device, request, ['Integrate']);
  if ('response' in parsed) return parsed.response;
  const enable = parsed.root.textAt('ONVIF', 'enable');
  if (enable !== null) {
    if (!device.profile.quirks.onvifUserManagement) return reply(device, request, STATUS.notSupport);
    if (enable !== 'true' && enable !== 'false') return reply(device, request, STATUS.badXmlContent);
    device.state.accounts.onvifEnabled = enable === 'true';
  }
  return reply(device, request, STATUS.ok);
}
