/** /ISAPI/System: deviceInfo (the universal auth probe), status (uptime) and reboot. */
import { deviceInfoXml, deviceStatusXml } from '../fixtures/device-info';
import { STATUS, statusResponse } from '../fixtures/response-status';
import { xmlResponse } from '../sim-response';
import type { Route } from './route';

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
];
