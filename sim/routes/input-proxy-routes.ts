/**
 * NVR channels (docs/protocol/isapi.md §5.1). GET never returns the stored password; PUT replaces only the
 * fields given; /status logs in to each camera with the stored credential (see nvr-camera-login).
 */
import {
  channelListXml,
  channelStatusListXml,
  channelXml,
  type ChannelStatus,
} from '../fixtures/input-proxy';
import { STATUS, statusResponse, type StatusSpec } from '../fixtures/response-status';
import { loginToCamera, type CameraLoginResult } from '../nvr-camera-login';
import { xmlResponse } from '../sim-response';
import { readXmlBody, type Route } from './route';

const CHANNEL_LOGIN_TIMEOUT_MS = 3000;

/** `connect` is recorded; the failure values are best knowledge, not captures. */
const DETECT_RESULT: Record<CameraLoginResult, string> = {
  online: 'connect',
  'auth-failed': 'userNameOrPasswordError',
  locked: 'userLocked',
  unreachable: 'netUnreachable',
};

export const inputProxyRoutes: Route[] = [
  {
    pattern: /^\/ISAPI\/ContentMgmt\/InputProxy\/channels$/,
    auth: true,
    nvrOnly: true,
    handlers: {
      GET: (device) => xmlResponse(200, channelListXml(device.state.channels, device.xmlStyle)),
    },
  },
  {
    pattern: /^\/ISAPI\/ContentMgmt\/InputProxy\/channels\/status$/,
    auth: true,
    nvrOnly: true,
    handlers: {
      GET: async (device, request) => {
        const statuses = await Promise.all(
          device.state.channels.map(async (channel): Promise<ChannelStatus> => {
            const result = await loginToCamera({
              host: channel.ipAddress,
              port: channel.managePortNo,
              https: channel.https,
              userName: channel.userName,
              password: channel.password,
              localAddress: request.localAddress,
              timeoutMs: CHANNEL_LOGIN_TIMEOUT_MS,
            });
            return { channel, online: result === 'online', detectResult: DETECT_RESULT[result] };
          }),
        );
        return xmlResponse(200, channelStatusListXml(statuses, device.xmlStyle));
      },
    },
  },
  {
    pattern: /^\/ISAPI\/ContentMgmt\/InputProxy\/channels\/(\d+)$/,
    auth: true,
    nvrOnly: true,
    handlers: {
      GET: (device, request) => {
        const channel = device.state.channelById(Number(request.params[0]));
        if (!channel) return statusResponse(device.xmlStyle, request.path, STATUS.invalidOperation);
        return xmlResponse(200, channelXml(channel, device.xmlStyle));
      },
      PUT: (device, request) => {
        const reply = (spec: StatusSpec) => statusResponse(device.xmlStyle, request.path, spec);
        const channel = device.state.channelById(Number(request.params[0]));
        if (!channel) return reply(STATUS.invalidOperation);
        const parsed = readXmlBody(device, request, ['InputProxyChannel']);
        if ('response' in parsed) return parsed.response;
        const body = parsed.root;
        const bodyId = body.intAt('id');
        if (bodyId !== null && bodyId !== channel.id) return reply(STATUS.badXmlContent);
        const source = body.child('sourceInputPortDescriptor');
        const text = (name: string): string | null => source?.textAt(name) ?? null;
        const port = source?.child('managePortNo') ? source.intAt('managePortNo') : undefined;
        const input = source?.child('srcInputPort') ? source.intAt('srcInputPort') : undefined;
        const ipAddress = text('ipAddress');
        if (
          port === null ||
          (port !== undefined && (port < 1 || port > 65535)) ||
          input === null ||
          ipAddress === ''
        ) {
          return reply(STATUS.badXmlContent);
        }
        // Validated first, applied together: a rejected PUT changes nothing.
        channel.name = body.textAt('name') ?? channel.name;
        channel.ipAddress = ipAddress ?? channel.ipAddress;
        channel.managePortNo = port ?? channel.managePortNo;
        channel.srcInputPort = input ?? channel.srcInputPort;
        channel.userName = text('userName') ?? channel.userName;
        channel.password = text('password') ?? channel.password;
        channel.streamType = text('streamType') ?? channel.streamType;
        return reply(STATUS.ok);
      },
    },
  },
];
