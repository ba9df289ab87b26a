/**
 * The REST side of a Home Assistant link (undici): `POST /api/states/<entity_id>`. HA answers 401
 * for a bad or non-admin token and counts it as a failed login, so a 401 is fatal for the caller;
 * 503 means HA is stopping. Bodies are read with a cap and never logged.
 */
import type { Dispatcher } from 'undici';
import {
  HaAuthInvalidError,
  HaRequestRejectedError,
  HaStoppingError,
  HaTimeoutError,
  HaUnreachableError,
  HikError,
} from '../errors';
import { undici } from '../heavy-dependencies';
import type { EntityAttributes } from './device-entity';

export interface HaRestClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly dispatcher: Dispatcher;
  readonly requestTimeoutMs: number;
}

const MAX_BODY_BYTES = 64 * 1024;

async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return text;
}

/** HA's JSON error bodies are `{"message": "…"}`; aiohttp's are `401: Unauthorized` text. */
function messageOf(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
      return JSON.stringify(parsed.message).slice(0, 200);
    }
  } catch {
    // not JSON: use the text itself below
  }
  return text.slice(0, 200);
}

function transportError(err: unknown, timeoutMs: number): HikError {
  const undiciErrors = undici().errors;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new HaTimeoutError('response', timeoutMs);
  }
  if (err instanceof undiciErrors.ConnectTimeoutError) return new HaTimeoutError('handshake', timeoutMs);
  const reason = err instanceof Error ? err.message : String(err);
  return new HaUnreachableError(`cannot reach Home Assistant: ${reason}`);
}

export class HaRestClient {
  constructor(private readonly options: HaRestClientOptions) {}

  /** Creates or replaces a state; resolves with HA's answer (201 created, 200 updated). */
  async postState(
    entityId: string,
    state: string,
    attributes: EntityAttributes,
  ): Promise<'created' | 'updated'> {
    const status = await this.send('POST', `/api/states/${encodeURIComponent(entityId)}`, {
      state,
      attributes,
    });
    return status === 201 ? 'created' : 'updated';
  }

  /**
   * One JSON request; answers every status but 401/403 (fatal: a refused or non-admin token) and
   * 503 (stopping), which throw. The caller judges 4xx bodies such as a flow's 400.
   */
  async requestJson(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    payload?: object,
  ): Promise<{ status: number; body: unknown; text: string }> {
    const { baseUrl, token, dispatcher, requestTimeoutMs } = this.options;
    let response: Dispatcher.ResponseData;
    try {
      response = await undici().request(`${baseUrl}${path}`, {
        method,
        dispatcher,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      });
    } catch (err: unknown) {
      throw transportError(err, requestTimeoutMs);
    }
    const text = await readCapped(response.body).catch((err: unknown) => {
      throw transportError(err, requestTimeoutMs);
    });
    const status = response.statusCode;
    if (status === 401 || status === 403)
      throw new HaAuthInvalidError('Home Assistant refused the token (HTTP 401)');
    if (status === 503) throw new HaStoppingError();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // aiohttp's plain-text errors: keep the text only
    }
    return { status, body, text };
  }

  private async send(method: 'POST', path: string, payload: object): Promise<number> {
    const { status, text } = await this.requestJson(method, path, payload);
    if (status === 200 || status === 201) return status;
    throw new HaRequestRejectedError(status, messageOf(text));
  }
}
