/**
 * The read-only endpoints a security audit asks (docs/protocol/audit.md §3.1), answered from the
 * device's settings (sim/hardening.ts). A setting of `null` means the firmware lacks the endpoint:
 * 404 notSupport, as older firmware answers unknown paths. Only GET is served: the audit must
 * never write, and the request pipeline counts anyone who tries. ONVIF users and Network/Integrate
 * are served with the accounts (account-routes.ts).
 */
import { STATUS, statusResponse } from '../fixtures/response-status';
import {
  adminAccessesXml,
  ddnsXml,
  deviceCapXml,
  ezvizXml,
  illegalLoginLockXml,
  rtspCertificateXml,
  securityEmailJson,
  snmpXml,
  streamingChannelXml,
  switchXml,
  timeXml,
  upnpPortsXml,
  upnpXml,
  webCertificateXml,
} from '../fixtures/hardening';
import type { SimHardening } from '../hardening';
import type { SimDevice } from '../sim-device';
import { xmlResponse, type SimResponse } from '../sim-response';
import type { Route, RouteRequest } from './route';

type Answer = (device: SimDevice, h: SimHardening) => string | null;

/** A GET-only route whose answer is null when the firmware lacks it. */
function readOnly(pattern: RegExp, answer: Answer, contentType?: string): Route {
  return {
    pattern,
    auth: true,
    handlers: {
      GET: (device: SimDevice, request: RouteRequest): SimResponse => {
        const body = answer(device, device.profile.hardening);
        if (body === null) return statusResponse(device.xmlStyle, request.path, STATUS.unknownPath);
        const response = xmlResponse(200, body);
        return contentType ? { ...response, contentType } : response;
      },
    },
  };
}

const isRecorder = (device: SimDevice): boolean => device.profile.identity.deviceType === 'NVR';

/** `digest`, `digest/basic` or `basic`, as the device's authentication offer really is. */
function webAuth(device: SimDevice): string {
  const offer = device.profile.quirks.authOffer;
  return offer === 'digest' ? 'digest' : offer === 'basic-only' ? 'basic' : 'digest/basic';
}

export const hardeningRoutes: Route[] = [
  readOnly(/^\/ISAPI\/System\/capabilities$/, (d, h) => deviceCapXml(h, isRecorder(d), d.xmlStyle)),
  readOnly(/^\/ISAPI\/Security\/adminAccesses$/, (d, h) => adminAccessesXml(h, d.xmlStyle)),
  readOnly(/^\/ISAPI\/Security\/webCertificate$/, (d) => webCertificateXml(webAuth(d), d.xmlStyle)),
  readOnly(/^\/ISAPI\/Security\/RTSPCertificate$/, (d, h) =>
    isRecorder(d) && h.rtspAuth !== null ? rtspCertificateXml(h.rtspAuth, d.xmlStyle) : null,
  ),
  readOnly(/^\/ISAPI\/Streaming\/channels\/101$/, (d, h) =>
    streamingChannelXml(d.profile.identity, h.rtspAuth, d.xmlStyle),
  ),
  readOnly(/^\/ISAPI\/System\/Network\/UPnP$/, (d, h) =>
    h.upnp === null ? null : upnpXml(h, d.profile.identity, d.xmlStyle),
  ),
  readOnly(/^\/ISAPI\/System\/Network\/UPnP\/ports$/, (d, h) =>
    h.upnp === null ? null : upnpPortsXml(h, d.xmlStyle),
  ),
  readOnly(/^\/ISAPI\/System\/Network\/EZVIZ$/, (d, h) =>
    h.ezviz === null ? null : ezvizXml(h, d.xmlStyle),
  ),
  readOnly(/^\/ISAPI\/System\/Network\/DDNS$/, (d, h) => (h.ddns === null ? null : ddnsXml(h, d.xmlStyle))),
  readOnly(/^\/ISAPI\/System\/Network\/ssh$/, (d, h) =>
    h.ssh === null ? null : switchXml('SSH', h.ssh, d.xmlStyle),
  ),
  readOnly(/^\/ISAPI\/System\/Network\/telnetd$/, (d, h) =>
    h.telnet === null ? null : switchXml('Telnetd', h.telnet, d.xmlStyle),
  ),
  // The simulator's login lock is always on (sim/login-lock.ts), so this reports it on.
  readOnly(/^\/ISAPI\/Security\/illegalLoginLock$/, (d) => illegalLoginLockXml(d.profile.lock, d.xmlStyle)),
  readOnly(/^\/ISAPI\/System\/Network\/SNMP$/, (d, h) =>
    h.snmpV2c === null ? null : snmpXml(h, d.xmlStyle),
  ),
  readOnly(/^\/ISAPI\/System\/time$/, (d, h) =>
    h.timeMode === null ? null : timeXml(h.timeMode, d.profile.clock(), d.xmlStyle),
  ),
  readOnly(
    /^\/ISAPI\/Security\/email\/parameter$/,
    (_d, h) => (h.recoveryEmail === null ? null : securityEmailJson(h.recoveryEmail)),
    'application/json',
  ),
];
