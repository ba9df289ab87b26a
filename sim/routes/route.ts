/** The shape of an ISAPI route and what its handler receives. */
import type { SimUser } from '../device-state';
import { STATUS, statusResponse } from '../fixtures/response-status';
import type { SimDevice } from '../sim-device';
import type { SimResponse } from '../sim-response';
import { parseSimXml, type SimXmlElement } from '../sim-xml';

export interface RouteRequest {
  method: string;
  url: string;
  /** url without its query. */
  path: string;
  /** Capture groups of the route pattern (ids). */
  params: string[];
  body: Buffer;
  clientIp: string;
  /** The device's own address the request arrived on (an NVR logs in to cameras from it). */
  localAddress: string;
  /** The authenticated account; null on routes without authentication. */
  user: SimUser | null;
}

/** The caller of an authenticated route (the pipeline guarantees one). */
export function callerOf(request: RouteRequest): SimUser {
  if (!request.user) throw new Error(`${request.path} is served without authentication`);
  return request.user;
}

export type RouteHandler = (device: SimDevice, request: RouteRequest) => SimResponse | Promise<SimResponse>;

export interface Route {
  /** Anchored pattern of the path. */
  pattern: RegExp;
  /** false for the few endpoints real devices answer without authentication. */
  auth: boolean;
  /** Recorder endpoints; a camera answers 403 notSupport. */
  nvrOnly?: boolean;
  handlers: Partial<Record<string, RouteHandler>>;
}

/**
 * The request body as XML with the expected root, or the error response a device gives:
 * 400 statusCode 5 for malformed XML, 400 statusCode 6 for the wrong document.
 */
export function readXmlBody(
  device: SimDevice,
  request: RouteRequest,
  rootNames: readonly string[],
): { root: SimXmlElement } | { response: SimResponse } {
  let root: SimXmlElement;
  try {
    root = parseSimXml(request.body);
  } catch {
    return { response: statusResponse(device.xmlStyle, request.path, STATUS.badXmlFormat) };
  }
  if (!rootNames.includes(root.name)) {
    return { response: statusResponse(device.xmlStyle, request.path, STATUS.badXmlContent) };
  }
  return { root };
}
