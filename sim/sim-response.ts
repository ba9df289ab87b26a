/**
 * What a route hands back to the request pipeline: status, body and extra headers. The pipeline
 * adds the headers every response of the device carries (Server, X-Frame-Options, …).
 */

export const XML_CONTENT_TYPE = 'application/xml; charset="UTF-8"';
export const HTML_CONTENT_TYPE = 'text/html';

export interface SimResponse {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string | string[]>;
  /** Runs once the response has been written (the reboot route goes down only then). */
  afterSend?: () => void;
}

export function xmlResponse(
  status: number,
  body: string,
  headers?: Record<string, string | string[]>,
): SimResponse {
  return { status, body, contentType: XML_CONTENT_TYPE, headers };
}
