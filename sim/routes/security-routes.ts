/**
 * /ISAPI/Security: userCheck, capabilities and user accounts. A password change follows real
 * firmware: rules of docs/protocol/isapi.md §2.5, `<loginPassword>` on newer firmware, only an Administrator
 * changes other accounts, and the old password stops working at once.
 */
import type { UserLevel } from '../device-profile';
import { STATUS, statusResponse, type StatusSpec } from '../fixtures/response-status';
import { securityCapXml, userCheckOkXml, userListXml, userXml } from '../fixtures/security';
import { passwordLevel, passwordRejection } from '../password-rules';
import type { SimDevice } from '../sim-device';
import { xmlResponse, type SimResponse } from '../sim-response';
import type { SimXmlElement } from '../sim-xml';
import { addUser, deleteUser } from './account-routes';
import { callerOf, readXmlBody, type Route, type RouteRequest } from './route';

/** The factory password of pre-2015 firmware; userCheck flags it as the default password. */
const OLD_DEFAULT_PASSWORD = '12345';
const USER_LEVELS: readonly UserLevel[] = ['Administrator', 'Operator', 'Viewer'];

export const securityRoutes: Route[] = [
  {
    pattern: /^\/ISAPI\/Security\/userCheck$/,
    auth: true,
    handlers: {
      GET: (device, request) => {
        const user = callerOf(request);
        const password = user.password ?? '';
        const body = userCheckOkXml(
          {
            isDefaultPassword: password === OLD_DEFAULT_PASSWORD,
            isRiskPassword: passwordLevel(user.userName, password) === 0,
            isActivated: device.state.activated,
          },
          device.xmlStyle,
        );
        return xmlResponse(200, body);
      },
    },
  },
  {
    pattern: /^\/ISAPI\/Security\/capabilities$/,
    auth: true,
    handlers: {
      GET: (device) => {
        const { lock, quirks } = device.profile;
        const input = {
          ...lock,
          authOffer: quirks.authOffer,
          digestAlgorithm: quirks.digestAlgorithm,
          onvifUserManagement: quirks.onvifUserManagement,
        };
        return xmlResponse(200, securityCapXml(input, device.xmlStyle));
      },
    },
  },
  {
    pattern: /^\/ISAPI\/Security\/users$/,
    auth: true,
    handlers: {
      GET: (device) => xmlResponse(200, userListXml(device.state.users, device.xmlStyle)),
      // Some devices accept the <User> PUT on the collection, id taken from the body (docs/protocol/isapi.md §2.1).
      PUT: (device, request) => putUser(device, request, null),
      POST: addUser,
    },
  },
  {
    pattern: /^\/ISAPI\/Security\/users\/(\d+)$/,
    auth: true,
    handlers: {
      GET: (device, request) => {
        const user = device.state.userById(Number(request.params[0]));
        if (!user) return statusResponse(device.xmlStyle, request.path, STATUS.invalidOperation);
        return xmlResponse(200, userXml(user, device.xmlStyle));
      },
      PUT: (device, request) => putUser(device, request, Number(request.params[0])),
      DELETE: deleteUser,
    },
  },
];

/**
 * No weak-password sub-code is known (docs/protocol/isapi.md §2.3, §9), so refused passwords, missing rights and
 * a wrong `<loginPassword>` all answer statusCode 4 Invalid Operation / invalidOperation; a missing
 * required element answers statusCode 6 Invalid XML Content / badXmlContent.
 */
function putUser(device: SimDevice, request: RouteRequest, pathId: number | null): SimResponse {
  const parsed = readXmlBody(device, request, ['User']);
  if ('response' in parsed) return parsed.response;
  const body = parsed.root;
  const reply = (spec: StatusSpec): SimResponse => statusResponse(device.xmlStyle, request.path, spec);

  const bodyId = body.intAt('id');
  const id = pathId ?? bodyId;
  if (id === null || (bodyId !== null && bodyId !== id)) return reply(STATUS.badXmlContent);
  const target = device.state.userById(id);
  const caller = callerOf(request);
  if (!target) return reply(STATUS.invalidOperation);
  if (caller.userLevel !== 'Administrator' && caller.id !== target.id) return reply(STATUS.invalidOperation);

  const change = readChange(body);
  if (change === 'bad') return reply(STATUS.badXmlContent);
  // Renaming is not simulated; the built-in admin stays an Administrator; only admins grant levels.
  if (change.userName !== null && change.userName !== target.userName) return reply(STATUS.invalidOperation);
  if (change.userLevel !== null && change.userLevel !== target.userLevel) {
    if (target.id === 1 || caller.userLevel !== 'Administrator') return reply(STATUS.invalidOperation);
  }
  if (device.profile.quirks.requireLoginPassword) {
    if (change.loginPassword === null) return reply(STATUS.badXmlContent);
    if (change.loginPassword !== caller.password) return reply(STATUS.invalidOperation);
  }
  if (change.password !== null && passwordRejection(target.userName, change.password) !== null) {
    return reply(STATUS.invalidOperation);
  }

  if (change.userLevel !== null) target.userLevel = change.userLevel;
  if (change.password !== null) {
    target.password = change.password;
    device.counters.passwordChanges += 1;
    device.passwordChanged(target.userName);
  }
  return reply(STATUS.ok);
}

interface UserChange {
  userName: string | null;
  password: string | null;
  userLevel: UserLevel | null;
  loginPassword: string | null;
}

function readChange(body: SimXmlElement): UserChange | 'bad' {
  const level = body.textAt('userLevel');
  if (level !== null && !USER_LEVELS.includes(level as UserLevel)) return 'bad';
  return {
    userName: body.textAt('userName'),
    password: body.textAt('password'),
    userLevel: level as UserLevel | null,
    loginPassword: body.textAt('loginPassword'),
  };
}
