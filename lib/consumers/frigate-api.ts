/**
 * Frigate's HTTP API (0.17), the part that keeps a camera's input paths in step
 * (docs/protocol/consumers.md §5): `GET /api/config` to find the inputs whose path connects to the
 * camera (Frigate masks their credentials, so no password is read back), `PUT /api/config/set`
 * with query-string key paths (`cameras.<cam>.ffmpeg.inputs.<i>.path`) to save the new paths,
 * and `POST /api/restart`, without which Frigate 0.17 keeps using the old paths (`GET /api/stats`
 * says since when it runs: `service.uptime`). A config whose
 * camera paths take a `{FRIGATE_*}` variable (seen in `GET /api/config/raw`; `/api/config` shows
 * them substituted) is never written: saving would put the password in place of the variable. On the internal
 * port (5000) no login is needed; on the authenticated port (8971) the client logs in once with
 * `POST /api/login` (rate limited, so a refusal is never retried here) and sends the JWT as Bearer.
 */
import { ConsumerNotUpdatableError, ConsumerRefusedError } from '../errors';
import { consumerRequest, refusalText, type ConsumerRequest, type ConsumerResponse } from './consumer-http';
import { sourceMatchesHost, withCredential, type StreamCredential } from './stream-url';

export interface FrigateApiOptions {
  /** `http://frigate:5000` (internal, no auth) or `https://frigate:8971` (with `login`). */
  readonly baseUrl: string;
  readonly consumerId: string;
  /** A Frigate admin user for the authenticated port. */
  readonly login?: { readonly user: string; readonly password: string } | undefined;
  /** Accept Frigate's self-signed certificate on 8971. */
  readonly allowSelfSigned?: boolean;
  readonly timeoutMs?: number;
}

/** One camera input whose path connects to the device; `path` as Frigate shows it (masked). */
export interface FrigateInputRef {
  readonly camera: string;
  readonly index: number;
  readonly path: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A `path:` (YAML) or `"path":` (JSON) entry whose value contains `{FRIGATE_…}`. */
const VARIABLE_PATH = /["']?path["']?\s*:[^\n]*\{FRIGATE_[A-Za-z0-9_]+\}/;

export class FrigateApi {
  private token: string | null = null;

  constructor(private readonly options: FrigateApiOptions) {}

  /** The camera inputs (of any Frigate camera) whose path connects to `host`. */
  async inputsForHost(host: string): Promise<FrigateInputRef[]> {
    const response = await this.call({ method: 'GET', path: '/api/config' }, []);
    let config: unknown;
    try {
      config = JSON.parse(response.text);
    } catch {
      throw this.refused('Frigate answered its config with something that is not JSON');
    }
    const cameras = (config as { cameras?: unknown } | null)?.cameras;
    if (typeof cameras !== 'object' || cameras === null) return [];
    const refs: FrigateInputRef[] = [];
    for (const [camera, settings] of Object.entries(cameras as Record<string, unknown>)) {
      const inputs = (settings as { ffmpeg?: { inputs?: unknown } } | null)?.ffmpeg?.inputs;
      if (!Array.isArray(inputs)) continue;
      inputs.forEach((input: unknown, index) => {
        const path = (input as { path?: unknown } | null)?.path;
        if (typeof path === 'string' && sourceMatchesHost(path, host)) refs.push({ camera, index, path });
      });
    }
    return refs;
  }

  /**
   * Saves the credential into every input that connects to `host` (one config/set; Frigate
   * validates and rolls back as a whole) and returns them. Takes effect at the next restart.
   */
  async updateInputsForHost(host: string, credential: StreamCredential): Promise<FrigateInputRef[]> {
    const refs = await this.inputsForHost(host);
    if (refs.length === 0) return [];
    await this.refuseVariablePaths();
    const query = refs.map((ref): [string, string] => {
      const path = withCredential(ref.path, credential);
      if (path === null)
        throw this.refused(`Frigate camera ${ref.camera} has an input path hik guard cannot read`);
      return [`cameras.${ref.camera}.ffmpeg.inputs.${ref.index}.path`, path];
    });
    const response = await this.call({ method: 'PUT', path: '/api/config/set', query }, [
      credential.password,
    ]);
    const saved = (JSON.parse(response.text) as { success?: unknown }).success;
    if (saved !== true) throw this.refused('Frigate did not confirm the saved config');
    return refs;
  }

  /**
   * Throws when a camera path in the config file takes a `{FRIGATE_*}` variable: which path holds
   * which variable cannot be told apart in the substituted view, so any such path keeps hik guard
   * from writing (the owner updates the variable). The raw text may hold passwords: only searched.
   */
  private async refuseVariablePaths(): Promise<void> {
    const response = await this.call({ method: 'GET', path: '/api/config/raw' }, []);
    if (VARIABLE_PATH.test(response.text)) {
      throw new ConsumerNotUpdatableError(
        this.options.consumerId,
        'Frigate takes camera passwords from {FRIGATE_…} variables: hik guard leaves them alone; set the variable to the new password and restart Frigate',
      );
    }
  }

  /**
   * When Frigate last (re)started, from `GET /api/stats` (`service.uptime`, seconds), or null
   * when it does not say.
   */
  async startedAt(): Promise<number | null> {
    const response = await this.call({ method: 'GET', path: '/api/stats' }, []);
    try {
      const uptime = (JSON.parse(response.text) as { service?: { uptime?: unknown } }).service?.uptime;
      return typeof uptime === 'number' && Number.isFinite(uptime) ? Date.now() - uptime * 1000 : null;
    } catch {
      return null;
    }
  }

  /** Restarts Frigate so its ffmpeg processes use the saved paths (recording pauses meanwhile). */
  async restart(): Promise<void> {
    await this.call({ method: 'POST', path: '/api/restart' }, []);
  }

  private async call(
    request: Pick<ConsumerRequest, 'method' | 'path' | 'query'>,
    secrets: readonly string[],
  ): Promise<ConsumerResponse> {
    let response = await this.send(request, await this.bearer());
    if (response.status === 401 && this.options.login && this.token !== null) {
      // The token expired: one fresh login, then give up (logins are rate limited).
      this.token = null;
      response = await this.send(request, await this.bearer());
    }
    if (response.status >= 200 && response.status < 300) return response;
    if (response.status === 401 || response.status === 403) {
      throw this.refused('Frigate refused hik guard: it needs an admin user (or the internal port 5000)');
    }
    throw this.refused(`Frigate answered HTTP ${response.status}: ${messageOf(response.text, secrets)}`);
  }

  private send(
    request: Pick<ConsumerRequest, 'method' | 'path' | 'query'>,
    token: string | null,
  ): Promise<ConsumerResponse> {
    return consumerRequest({
      ...request,
      consumerId: this.options.consumerId,
      baseUrl: this.options.baseUrl,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      allowSelfSigned: this.options.allowSelfSigned ?? false,
    });
  }

  private async bearer(): Promise<string | null> {
    const login = this.options.login;
    if (!login || this.token !== null) return this.token;
    const response = await consumerRequest({
      consumerId: this.options.consumerId,
      baseUrl: this.options.baseUrl,
      method: 'POST',
      path: '/api/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: login.user, password: login.password }),
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      allowSelfSigned: this.options.allowSelfSigned ?? false,
    });
    if (response.status === 429)
      throw this.refused('Frigate is refusing logins for now (too many failed ones)');
    const cookie = response.setCookie.map((c) => /^frigate_token=([^;]+)/.exec(c)?.[1]).find(Boolean);
    if (response.status !== 200 || !cookie) throw this.refused('Frigate refused the user name or password');
    this.token = cookie;
    return cookie;
  }

  private refused(message: string): ConsumerRefusedError {
    return new ConsumerRefusedError(this.options.consumerId, message);
  }
}

/** Frigate's `{"message": …}`, masked and short. */
function messageOf(text: string, secrets: readonly string[]): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return refusalText(message, secrets);
  } catch {
    // not JSON: the text itself
  }
  return refusalText(text, secrets);
}
