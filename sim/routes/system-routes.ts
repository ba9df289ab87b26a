/**
 * /ISAPI/System: deviceInfo (the universal auth probe), status (uptime), reboot and factoryReset.
 */
import { deviceInfoXml, deviceStatusXml } from '../fixtures/device-info';
import { STATUS, statusResponse } from '../fixtures/response-status';
import type { SimDevice } from '../sim-device';
import { xmlResponse, type SimResponse } from '../sim-response';
import { callerOf, type Route, type RouteRequest } from './route';

export const systemRoutes: Route[] = [
  {
    pattern: /^\/ISAPI\/System\/deviceInfo$/,
    auth: true,
    handlers: {
      GET: (device) => xmlResponse(200, deviceInfoXml(device.profile.identity, device.xmlStyle)),
    },
  },
  {
    pattern: /^\/ISAPI\/System\/status$/,
    auth: true,
    handlers: {
      GET: (device) =>
        xmlResponse(200, deviceStatusXml(device.profile.clock(), device.state.bootTime, device.xmlStyle)),
    },
  },
  {
    pattern: /^\/ISAPI\/System\/reboot$/,
    auth: true,
    handlers: {
      // OK first, then down: the device goes away only once the answer is on the wire.
      PUT: (device, request) => ({
        ...statusResponse(device.xmlStyle, request.path, STATUS.ok),
        afterSend: () => device.rebootInBackground(),
      }),
    },
  },
  {
    pattern: /^\/ISAPI\/System\/factoryReset$/,
    auth: true,
    handlers: { PUT: factoryReset },
  },
];

/**
 * `PUT /ISAPI/System/factoryReset?mode=full|basic` (docs/protocol/isapi.md §5): `full` comes back inactive like
 * the reset button, `basic` restores the settings but keeps activation, users and passwords. Both
 * answer OK first and go down once the answer is on the wire. That `full` leaves the device
 * inactive is the reference's best knowledge, not a capture. Administrators only, as for users.
 */
function factoryReset(device: SimDevice, request: RouteRequest): SimResponse {
  if (callerOf(request).userLevel !== 'Administrator') {
    return statusResponse(device.xmlStyle, request.path, STATUS.invalidOperation);
  }
  const mode = new URLSearchParams(request.url.slice(request.path.length)).get('mode');
  if (mode !== 'full' && mode !== 'basic') {
    return statusResponse(device.xmlStyle, request.path, STATUS.badParameters);
  }
  const reset = mode === 'full' ? () => device.factoryReset() : () => device.basicRestore();
  return {
    ...statusResponse(device.xmlStyle, request.path, STATUS.ok),
    afterSend: () => void reset().catch((err: unknown) => device.reportInternalError(err)),
  };
}
