/**
 * Decides a device's answer to one request: authentication first where the endpoint needs it
 * (inactive devices answer 401 notActivated, free of charge), then the route. Unknown /ISAPI paths
 * are authenticated like known ones, as firmware guards the whole tree.
 */
import { STATUS, statusResponse } from './fixtures/response-status';
import { UNAUTHORIZED_HTML, userCheckUnauthorizedXml } from './fixtures/security';
import type { LockState } from './login-lock';
import { refusedForRights } from './rights-check';
import { findRoute } from './routes/route-table';
import type { SimDevice } from './sim-device';
import { HTML_CONTENT_TYPE, xmlResponse, type SimResponse } from './sim-response';

export interface IsapiRequest {
  method: string;
  url: string;
  path: string;
  body: Buffer;
  clientIp: string;
  /** The device's own address the request arrived on. */
  localAddress: string;
  authorization: string | undefined;
}

/** Servers whose bare 401 carries an HTML page rather than the userCheck XML. */
const HTML_401_SERVERS = new Set(['App-webs/', 'Webs']);

export async function respondTo(device: SimDevice, request: IsapiRequest): Promise<SimResponse> {
  const { path } = request;
  const match = findRoute(path);
  const needsAuth = match ? match.route.auth : path.startsWith('/ISAPI/');
  let user = null;
  if (needsAuth) {
    if (!device.state.activated) {
      const response = statusResponse(device.xmlStyle, path, STATUS.notActivated);
      return { ...response, headers: { 'WWW-Authenticate': device.authenticator.challenge() } };
    }
    const outcome = device.authenticator.authenticate(request);
    switch (outcome.kind) {
      case 'challenge':
        return unauthorized(device, path, outcome.lock, false);
      case 'stale':
        return unauthorized(device, path, null, true);
      case 'rejected':
        return xmlResponse(401, userCheckUnauthorizedXml(outcome.lock), {
          'WWW-Authenticate': device.authenticator.challenge(),
        });
      case 'bad-request':
        return statusResponse(device.xmlStyle, path, STATUS.badAuthorization);
      case 'authenticated':
        user = outcome.user;
    }
  }
  if (user && refusedForRights(user, device.state.accounts.rightsOf(user), request)) {
    return statusResponse(device.xmlStyle, path, STATUS.invalidOperation);
  }
  if (!match) return statusResponse(device.xmlStyle, path, STATUS.unknownPath);
  if (match.route.nvrOnly && device.profile.identity.deviceType !== 'NVR') {
    return statusResponse(device.xmlStyle, path, STATUS.notSupport);
  }
  const handler = match.route.handlers[request.method];
  if (!handler) return statusResponse(device.xmlStyle, path, STATUS.methodNotAllowed);
  return handler(device, { ...request, params: match.params, user });
}

/** The 401 for a request without (usable) credentials: a fresh challenge, no failed login. */
function unauthorized(device: SimDevice, path: string, lock: LockState | null, stale: boolean): SimResponse {
  const headers = { 'WWW-Authenticate': device.authenticator.challenge(stale) };
  const html =
    !lock && path !== '/ISAPI/Security/userCheck' && HTML_401_SERVERS.has(device.profile.quirks.serverHeader);
  if (html) return { status: 401, body: UNAUTHORIZED_HTML, contentType: HTML_CONTENT_TYPE, headers };
  return xmlResponse(401, userCheckUnauthorizedXml(lock ?? undefined), headers);
}
