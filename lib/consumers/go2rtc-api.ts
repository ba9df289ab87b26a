/**
 * go2rtc's HTTP API, the part that keeps a stream's camera password in step
 * (docs/protocol/consumers.md §4): `GET /api/streams` to find the streams whose source connects
 * to the camera, `PATCH` to hand running producers the new source (memory only, used at their
 * next reconnect) and `PUT` to replace and persist the stream's sources. Newer go2rtc masks
 * credentials in what it lists (`://***@`), so a password is never read back: sources are matched
 * by host and rebuilt with the credential given. Optional Basic auth (go2rtc skips it for
 * loopback clients unless `local_auth` is set).
 */
import { ConsumerNotUpdatableError, ConsumerRefusedError } from '../errors';
import { consumerRequest, refusalText, type ConsumerResponse } from './consumer-http';
import {
  sourceHasUserinfo,
  sourceMatchesHost,
  sourceUsesVariable,
  withCredential,
  type StreamCredential,
} from './stream-url';

export interface Go2rtcApiOptions {
  /** `http://127.0.0.1:1984` (with `api.base_path`, include it). */
  readonly baseUrl: string;
  /** Names this consumer in errors (lib/consumers/consumer.ts). */
  readonly consumerId: string;
  /** go2rtc's `api.username` / `api.password`, when set. */
  readonly apiUser?: { readonly username: string; readonly password: string } | undefined;
  readonly timeoutMs?: number;
}

export interface Go2rtcStream {
  readonly name: string;
  /** The producers' source URLs as listed (credentials possibly masked). */
  readonly sources: readonly string[];
}

export interface Go2rtcStreamUpdate {
  readonly name: string;
  /** false: go2rtc runs without a config file, so the change lasts until go2rtc restarts. */
  readonly persisted: boolean;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** go2rtc's answer to a PUT/DELETE when it has no config file; the memory change is already made. */
const NO_CONFIG_FILE = /config file disabled/i;

export class Go2rtcApi {
  constructor(private readonly options: Go2rtcApiOptions) {}

  async listStreams(): Promise<Go2rtcStream[]> {
    const response = await this.call('GET', []);
    this.expectOk(response, []);
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.text);
    } catch {
      throw this.refused('go2rtc answered the stream list with something that is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null) return [];
    return Object.entries(parsed as Record<string, unknown>).map(([name, stream]) => ({
      name,
      sources: producerUrls(stream),
    }));
  }

  /** The streams with at least one source connecting to `host` (the camera's address). */
  async streamsForHost(host: string): Promise<Go2rtcStream[]> {
    const streams = await this.listStreams();
    return streams.filter((stream) => stream.sources.some((source) => sourceMatchesHost(source, host)));
  }

  /** PUT: replaces the stream's sources (all of them, in order) and persists them when it can. */
  async replaceSources(
    name: string,
    sources: readonly string[],
    secrets: readonly string[],
  ): Promise<Go2rtcStreamUpdate> {
    const query: [string, string][] = [
      ['name', name],
      ...sources.map((src): [string, string] => ['src', src]),
    ];
    const response = await this.call('PUT', query);
    if (response.status === 400 && NO_CONFIG_FILE.test(response.text)) return { name, persisted: false };
    this.expectOk(response, secrets);
    return { name, persisted: true };
  }

  /** PATCH: running producers of the stream take this source at their next reconnect (memory only). */
  async patchSource(name: string, source: string, secrets: readonly string[]): Promise<void> {
    const response = await this.call('PATCH', [
      ['name', name],
      ['src', source],
    ]);
    this.expectOk(response, secrets);
  }

  /**
   * Gives every stream that connects to `host` the credential: PATCH first where the stream has a
   * single source (its live producers pick it up at their next reconnect), then PUT the full
   * source list (a new stream object, persisted). Refuses, before changing anything, a stream
   * whose credential comes from a variable, or that mixes in sources of other hosts whose
   * credentials go2rtc hides (a PUT would overwrite them with the mask).
   */
  async updateStreamsForHost(host: string, credential: StreamCredential): Promise<Go2rtcStreamUpdate[]> {
    const streams = await this.streamsForHost(host);
    const plans = streams.map((stream) => ({ stream, sources: this.rebuilt(stream, host, credential) }));
    const secrets = [credential.password];
    const updates: Go2rtcStreamUpdate[] = [];
    for (const { stream, sources } of plans) {
      const only = sources.length === 1 ? sources[0] : undefined;
      if (only !== undefined) await this.patchSource(stream.name, only, secrets);
      updates.push(await this.replaceSources(stream.name, sources, secrets));
    }
    return updates;
  }

  private rebuilt(stream: Go2rtcStream, host: string, credential: StreamCredential): string[] {
    return stream.sources.map((source) => {
      if (!sourceMatchesHost(source, host)) {
        if (sourceHasUserinfo(source) && /:\/\/[^/@]*\*\*\*[^/@]*@/.test(source)) {
          throw new ConsumerNotUpdatableError(
            this.options.consumerId,
            `go2rtc stream ${stream.name} also has sources of other devices whose passwords go2rtc hides; update it with your own flow`,
          );
        }
        return source;
      }
      if (sourceUsesVariable(source)) {
        throw new ConsumerNotUpdatableError(
          this.options.consumerId,
          `go2rtc stream ${stream.name} reads the camera password from a variable; update it with your own flow`,
        );
      }
      const replaced = withCredential(source, credential);
      if (replaced === null)
        throw this.refused(`go2rtc stream ${stream.name} has a source hik guard cannot read`);
      return replaced;
    });
  }

  private call(method: 'GET' | 'PUT' | 'PATCH', query: [string, string][]): Promise<ConsumerResponse> {
    const { apiUser } = this.options;
    return consumerRequest({
      consumerId: this.options.consumerId,
      baseUrl: this.options.baseUrl,
      method,
      path: '/api/streams',
      query,
      headers: apiUser
        ? {
            authorization: `Basic ${Buffer.from(`${apiUser.username}:${apiUser.password}`).toString('base64')}`,
          }
        : {},
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  private expectOk(response: ConsumerResponse, secrets: readonly string[]): void {
    if (response.status >= 200 && response.status < 300) return;
    if (response.status === 401) throw this.refused('go2rtc refused the API user name or password');
    const detail = refusalText(response.text, secrets);
    throw this.refused(`go2rtc answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
  }

  private refused(message: string): ConsumerRefusedError {
    return new ConsumerRefusedError(this.options.consumerId, message);
  }
}

/** `{"producers":[{"url":…}|{…,"url":…}],…}` → the URLs. */
function producerUrls(stream: unknown): string[] {
  if (typeof stream !== 'object' || stream === null || !('producers' in stream)) return [];
  const producers = stream.producers;
  if (!Array.isArray(producers)) return [];
  return producers.flatMap((producer: unknown) => {
    const url =
      typeof producer === 'object' && producer !== null ? (producer as { url?: unknown }).url : undefined;
    return typeof url === 'string' ? [url] : [];
  });
}
