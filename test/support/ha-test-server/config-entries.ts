/**
 * Config entries and their flows in the Home Assistant test server, written from
 * docs/protocol/consumers.md §6 and docs/protocol/homeassistant.md (core's config_entries.py,
 * components/config/config_entries.py, data_entry_flow.py):
 * - entries keep `data`/`options`; the listing (`GET /api/config/config_entries/entry?domain=`)
 *   shows `supports_reconfigure`/`supports_options` and never the data;
 * - `POST …/flow {handler, entry_id}` starts a reconfigure flow (400 with the UnknownStep text
 *   where the handler has none); `POST …/options/flow {handler: entry_id}` an options flow;
 *   `POST …/flow/<id>` (or `…/options/flow/<id>`) submits a step; `GET` shows it, `DELETE` aborts;
 * - reauth flows are opened by HA itself when an integration's stored password is refused; WS
 *   `config_entries/flow/progress` lists them, `config_entries/flow/subscribe` streams them.
 * Modelled integrations: `generic` (options flow init → confirm_still; the stream test logs in),
 * `hikvision_next` (reconfigure and reauth, step `user`, full schema, the device serial must be
 * the entry's unique_id; reauth after two refused logins), `onvif` (reauth only, step
 * `reauth_confirm`; reauth after one refused login, then it stops). Each entry holding a camera
 * password is a stream consumer (test/support/stream-consumer) from HA's own address on the
 * stream worker's cadence (+10 s per failed retry; `streamStepMs` shrinks it), so a stale entry
 * costs the camera failed logins; a successful flow reloads the entry with the new password.
 * A flow validates by logging in to the camera (ISAPI for hikvision_next and onvif — the
 * simulator speaks no ONVIF SOAP — and RTSP for generic's stream test), as the real ones do.
 */
import { randomUUID } from 'node:crypto';
import { readDeviceInfo } from '../../../sim/nvr-camera-login';
import { rtspLogin } from '../rtsp-login';
import { StreamConsumer } from '../stream-consumer';

export type ModelledDomain = 'generic' | 'hikvision_next' | 'onvif';

export interface ConfigEntryInit {
  readonly domain: ModelledDomain;
  readonly title: string;
  readonly unique_id?: string;
  readonly data?: Record<string, unknown>;
  readonly options?: Record<string, unknown>;
  /**
   * Test wiring: where the camera serves RTSP and ISAPI (hikvision_next/onvif build their stream
   * URL from the host in `data`; the real ones ask the device).
   */
  readonly camera?: { readonly rtspPort: number; readonly isapiPort: number; readonly path?: string };
}

interface Entry {
  readonly entry_id: string;
  readonly domain: ModelledDomain;
  readonly title: string;
  readonly unique_id: string | null;
  data: Record<string, unknown>;
  options: Record<string, unknown>;
  state: 'loaded' | 'setup_error' | 'not_loaded';
  reason: string | null;
  readonly camera: ConfigEntryInit['camera'];
  consumer: StreamConsumer | null;
}

type FlowSource = 'reconfigure' | 'reauth' | 'user';

interface Flow {
  readonly flow_id: string;
  readonly handler: string;
  readonly kind: 'config' | 'options';
  readonly entry: Entry;
  readonly source: FlowSource | 'options';
  step_id: string;
  errors: Record<string, string>;
  /** Values entered in earlier steps of the same flow (generic's init before confirm_still). */
  pending: Record<string, unknown>;
}

export interface SchemaField {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'select';
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly description?: { readonly suggested_value: unknown };
  readonly default?: unknown;
}

export type FlowReply = { status: number; body: unknown };

const HANDLER_CLASS: Record<ModelledDomain, string> = {
  generic: 'GenericIPCamConfigFlow',
  hikvision_next: 'HikvisionFlowHandler',
  onvif: 'OnvifFlowHandler',
};

/** Refused logins after which an integration opens a reauth flow and stops (null: never). */
const REAUTH_AFTER: Record<ModelledDomain, number | null> = { generic: null, hikvision_next: 2, onvif: 1 };

export interface ConfigEntriesOptions {
  /** HA's own loopback address: its logins at the camera come from here. */
  readonly clientAddress: string;
  /** The stream worker's back-off step (core: 10 s); also its cadence while streaming. */
  readonly streamStepMs: number;
}

type FlowListener = (change: { type: 'added' | 'removed'; flow_id: string; flow?: object }) => void;

export class ConfigEntries {
  private readonly entries = new Map<string, Entry>();
  private readonly flows = new Map<string, Flow>();
  private readonly flowListeners = new Set<FlowListener>();

  constructor(private readonly options: ConfigEntriesOptions) {}

  /** Adds and sets up an entry (its stream consumer starts); returns the entry_id. */
  add(init: ConfigEntryInit): string {
    const entry: Entry = {
      entry_id: randomUUID().replace(/-/g, '').toUpperCase().slice(0, 26),
      domain: init.domain,
      title: init.title,
      unique_id: init.unique_id ?? null,
      data: { ...init.data },
      options: { ...init.options },
      state: 'not_loaded',
      reason: null,
      camera: init.camera,
      consumer: null,
    };
    this.entries.set(entry.entry_id, entry);
    this.setUp(entry);
    return entry.entry_id;
  }

  /** Test view of an entry, data included (the API never shows it). */
  inspect(entryId: string): {
    data: Record<string, unknown>;
    options: Record<string, unknown>;
    state: string;
  } {
    const entry = this.mustGet(entryId);
    return { data: entry.data, options: entry.options, state: entry.state };
  }

  /** The entry's stream consumer, for tallies (null while not loaded). */
  consumerOf(entryId: string): StreamConsumer | null {
    return this.mustGet(entryId).consumer;
  }

  /** HA stops: every integration stops streaming, flows in progress are lost (entries are stored). */
  async stop(): Promise<void> {
    for (const flow of [...this.flows.values()]) this.endFlow(flow);
    await Promise.all(
      [...this.entries.values()].map((entry) => {
        const consumer = entry.consumer;
        entry.consumer = null;
        entry.state = 'not_loaded';
        return consumer?.stop() ?? Promise.resolve();
      }),
    );
  }

  /** HA starts: every stored entry is set up again (a still refused password opens reauth again). */
  setUpAll(): void {
    for (const entry of this.entries.values()) this.setUp(entry);
  }

  onFlowChange(listener: FlowListener): () => void {
    this.flowListeners.add(listener);
    return () => this.flowListeners.delete(listener);
  }

  /** Flows of any kind and source still open (for tests: a client left none behind). */
  openFlowCount(): number {
    return this.flows.size;
  }

  /** WS config_entries/flow/progress: flows whose source is not user or reconfigure. */
  progress(): object[] {
    return [...this.flows.values()]
      .filter((flow) => flow.kind === 'config' && flow.source !== 'user' && flow.source !== 'reconfigure')
      .map((flow) => this.progressView(flow));
  }

  listEntries(domain: string | null): object[] {
    return [...this.entries.values()]
      .filter((entry) => domain === null || entry.domain === domain)
      .map((entry) => ({
        entry_id: entry.entry_id,
        domain: entry.domain,
        title: entry.title,
        source: 'user',
        state: entry.state,
        supports_options: entry.domain !== 'hikvision_next',
        supports_remove_device: false,
        supports_unload: true,
        supports_reconfigure: entry.domain === 'hikvision_next',
        supported_subentry_types: {},
        pref_disable_new_entities: false,
        pref_disable_polling: false,
        disabled_by: null,
        reason: entry.reason,
        error_reason_translation_key: null,
        error_reason_translation_placeholders: null,
        num_subentries: 0,
      }));
  }

  reload(entryId: string): FlowReply {
    const entry = this.entries.get(entryId);
    if (!entry) return { status: 404, body: { message: 'Invalid entry specified' } };
    this.setUp(entry);
    return { status: 200, body: { require_restart: false } };
  }

  /** POST /api/config/config_entries/flow */
  startConfigFlow(body: Record<string, unknown>): FlowReply {
    const handler = body.handler;
    if (typeof handler !== 'string' || !(handler in HANDLER_CLASS)) {
      return { status: 404, body: { message: 'Invalid handler specified' } };
    }
    const domain = handler as ModelledDomain;
    const entryId = body.entry_id;
    if (typeof entryId !== 'string') {
      return unknownStep(domain, 'user');
    }
    const entry = this.entries.get(entryId);
    if (!entry || entry.domain !== domain)
      return { status: 404, body: { message: 'Invalid entry specified' } };
    if (domain !== 'hikvision_next') return unknownStep(domain, 'reconfigure');
    return { status: 200, body: this.formView(this.newFlow('config', entry, 'reconfigure', 'user')) };
  }

  /** POST /api/config/config_entries/options/flow */
  startOptionsFlow(body: Record<string, unknown>): FlowReply {
    const entry = typeof body.handler === 'string' ? this.entries.get(body.handler) : undefined;
    if (!entry) return { status: 404, body: { message: 'Invalid handler specified' } };
    if (entry.domain !== 'generic')
      return {
        status: 400,
        body: { message: `Handler ${HANDLER_CLASS[entry.domain]} doesn't support step init` },
      };
    return { status: 200, body: this.formView(this.newFlow('options', entry, 'options', 'init')) };
  }

  showFlow(kind: 'config' | 'options', flowId: string): FlowReply {
    const flow = this.flows.get(flowId);
    if (flow?.kind !== kind) return { status: 404, body: { message: 'Invalid flow specified' } };
    return { status: 200, body: this.formView(flow) };
  }

  abortFlow(kind: 'config' | 'options', flowId: string): FlowReply {
    const flow = this.flows.get(flowId);
    if (flow?.kind !== kind) return { status: 404, body: { message: 'Invalid flow specified' } };
    this.endFlow(flow);
    return { status: 200, body: { message: 'Flow aborted' } };
  }

  /** POST …/flow/<id>: one step's user_input. */
  async submit(kind: 'config' | 'options', flowId: string, input: unknown): Promise<FlowReply> {
    const flow = this.flows.get(flowId);
    if (flow?.kind !== kind) return { status: 404, body: { message: 'Invalid flow specified' } };
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { status: 400, body: { message: 'User input malformed: expected a dictionary' } };
    }
    const values = input as Record<string, unknown>;
    for (const field of this.schema(flow)) {
      if (field.required && values[field.name] === undefined) {
        return {
          status: 400,
          body: { message: `User input malformed: required key not provided @ data['${field.name}']` },
        };
      }
    }
    if (flow.entry.domain === 'generic') return this.genericStep(flow, values);
    return this.credentialStep(flow, values);
  }

  private async genericStep(flow: Flow, values: Record<string, unknown>): Promise<FlowReply> {
    if (flow.step_id === 'init') {
      const url = streamUrlOf({ ...flow.entry.options, ...values });
      const result =
        url === null ? 'protocol-error' : await rtspLogin(url, { localAddress: this.options.clientAddress });
      if (result !== 'ok') {
        flow.errors = {
          stream_source: result === 'refused' ? 'stream_unauthorised' : 'stream_no_route_to_host',
        };
        return { status: 200, body: this.formView(flow) };
      }
      flow.pending = values;
      flow.errors = {};
      flow.step_id = 'confirm_still';
      return { status: 200, body: this.formView(flow) };
    }
    if (values.confirmed_ok !== true) {
      flow.step_id = 'init';
      return { status: 200, body: this.formView(flow) };
    }
    flow.entry.options = { ...flow.entry.options, ...flow.pending };
    this.endFlow(flow);
    this.setUp(flow.entry);
    return {
      status: 200,
      body: {
        type: 'create_entry',
        flow_id: flow.flow_id,
        handler: flow.handler,
        title: '',
        description: null,
        description_placeholders: null,
      },
    };
  }

  private async credentialStep(flow: Flow, values: Record<string, unknown>): Promise<FlowReply> {
    const entry = flow.entry;
    const data = { ...entry.data, ...values };
    const { result, deviceInfo } = await readDeviceInfo({
      host: hostOf(data.host),
      port: entry.camera?.isapiPort ?? 80,
      https: false,
      userName: text(data.username),
      password: text(data.password),
      localAddress: this.options.clientAddress,
      timeoutMs: 3000,
    });
    if (result !== 'online') {
      flow.errors = { base: result === 'unreachable' ? 'cannot_connect' : 'invalid_auth' };
      return { status: 200, body: this.formView(flow) };
    }
    const serial = /<serialNumber>([^<]*)</.exec(deviceInfo ?? '')?.[1] ?? null;
    if (entry.domain === 'hikvision_next' && serial !== entry.unique_id) {
      this.endFlow(flow);
      return { status: 200, body: abortView(flow, 'unique_id_mismatch') };
    }
    entry.data = data;
    this.endFlow(flow);
    // Best knowledge: once the entry works again, a reauth flow opened meanwhile is not left asking.
    for (const other of [...this.flows.values()])
      if (other.entry === entry && other.source === 'reauth') this.endFlow(other);
    this.setUp(entry);
    return {
      status: 200,
      body: abortView(flow, flow.source === 'reauth' ? 'reauth_successful' : 'reconfigure_successful'),
    };
  }

  private setUp(entry: Entry): void {
    void entry.consumer?.stop();
    entry.consumer = null;
    entry.state = 'loaded';
    entry.reason = null;
    const url = entry.domain === 'generic' ? streamUrlOf(entry.options) : this.deviceStreamUrl(entry);
    if (url === null) return;
    const step = this.options.streamStepMs;
    const consumer = new StreamConsumer({
      url,
      localAddress: this.options.clientAddress,
      everyMs: step,
      nextDelayMs: (tally) => (tally.last === 'ok' ? step : step * Math.max(1, tally.consecutiveRefusals)),
    });
    const limit = REAUTH_AFTER[entry.domain];
    consumer.onAttempt((_, tally) => {
      if (limit === null || tally.consecutiveRefusals < limit || entry.consumer !== consumer) return;
      // ConfigEntryAuthFailed: the entry stops and HA asks the user (here: anyone) to reauthenticate.
      void consumer.stop();
      entry.consumer = null;
      entry.state = 'setup_error';
      entry.reason = 'invalid_auth';
      if (![...this.flows.values()].some((f) => f.entry === entry && f.source === 'reauth')) {
        this.newFlow('config', entry, 'reauth', entry.domain === 'onvif' ? 'reauth_confirm' : 'user');
      }
    });
    entry.consumer = consumer.start();
  }

  private deviceStreamUrl(entry: Entry): string | null {
    if (!entry.camera) return null;
    const user = encodeURIComponent(text(entry.data.username));
    const password = encodeURIComponent(text(entry.data.password));
    const path = entry.camera.path ?? '/Streaming/Channels/101';
    return `rtsp://${user}:${password}@${hostOf(entry.data.host)}:${entry.camera.rtspPort}${path}`;
  }

  private newFlow(kind: 'config' | 'options', entry: Entry, source: Flow['source'], stepId: string): Flow {
    const flow: Flow = {
      flow_id: randomUUID().replace(/-/g, '').toUpperCase().slice(0, 26),
      handler: kind === 'options' ? entry.entry_id : entry.domain,
      kind,
      entry,
      source,
      step_id: stepId,
      errors: {},
      pending: {},
    };
    this.flows.set(flow.flow_id, flow);
    if (source === 'reauth')
      this.emit({ type: 'added', flow_id: flow.flow_id, flow: this.progressView(flow) });
    return flow;
  }

  private endFlow(flow: Flow): void {
    if (!this.flows.delete(flow.flow_id)) return;
    if (flow.source === 'reauth') this.emit({ type: 'removed', flow_id: flow.flow_id });
  }

  private emit(change: Parameters<FlowListener>[0]): void {
    for (const listener of this.flowListeners) listener(change);
  }

  private progressView(flow: Flow): object {
    return {
      flow_id: flow.flow_id,
      handler: flow.handler,
      step_id: flow.step_id,
      context: {
        source: flow.source,
        entry_id: flow.entry.entry_id,
        unique_id: flow.entry.unique_id,
        title_placeholders: { name: flow.entry.title },
      },
    };
  }

  private formView(flow: Flow): object {
    return {
      type: 'form',
      flow_id: flow.flow_id,
      handler: flow.handler,
      step_id: flow.step_id,
      data_schema: this.schema(flow),
      errors: flow.errors,
      description_placeholders: null,
      last_step: null,
      preview: null,
    };
  }

  /** voluptuous_serialize's shape; suggested values are the entry's current settings. */
  private schema(flow: Flow): SchemaField[] {
    const { entry } = flow;
    const suggested = (value: unknown) => ({ description: { suggested_value: value } });
    if (entry.domain === 'generic') {
      if (flow.step_id === 'confirm_still')
        return [{ name: 'confirmed_ok', type: 'boolean', required: true, default: false }];
      const o = entry.options;
      return [
        { name: 'still_image_url', type: 'string', optional: true, ...suggested(o.still_image_url) },
        { name: 'stream_source', type: 'string', optional: true, ...suggested(o.stream_source) },
        { name: 'authentication', type: 'select', optional: true, ...suggested(o.authentication ?? 'basic') },
        { name: 'username', type: 'string', optional: true, ...suggested(o.username) },
        { name: 'password', type: 'string', optional: true, ...suggested(o.password) },
        { name: 'verify_ssl', type: 'boolean', required: true, default: o.verify_ssl ?? true },
      ];
    }
    const d = entry.data;
    if (flow.step_id === 'reauth_confirm') {
      return [
        { name: 'username', type: 'string', required: true, ...suggested(d.username) },
        { name: 'password', type: 'string', required: true },
      ];
    }
    return [
      { name: 'host', type: 'string', required: true, ...suggested(d.host) },
      { name: 'username', type: 'string', required: true, ...suggested(d.username) },
      { name: 'password', type: 'string', required: true, ...suggested(d.password) },
      { name: 'verify_ssl', type: 'boolean', required: true, default: d.verify_ssl ?? false },
      { name: 'set_alarm_server', type: 'boolean', required: true, default: d.set_alarm_server ?? false },
      { name: 'alarm_server_host', type: 'string', optional: true, ...suggested(d.alarm_server_host) },
    ];
  }

  private mustGet(entryId: string): Entry {
    const entry = this.entries.get(entryId);
    if (!entry) throw new Error(`no config entry ${entryId}`);
    return entry;
  }
}

function unknownStep(domain: ModelledDomain, step: string): FlowReply {
  return { status: 400, body: { message: `Handler ${HANDLER_CLASS[domain]} doesn't support step ${step}` } };
}

function abortView(flow: Flow, reason: string): object {
  return {
    type: 'abort',
    flow_id: flow.flow_id,
    handler: flow.handler,
    reason,
    description_placeholders: null,
  };
}

/** `http://192.0.2.64` or `192.0.2.64` → `192.0.2.64`. */
function hostOf(value: unknown): string {
  const host = text(value);
  return /^https?:\/\//.test(host) ? new URL(host).hostname : host;
}

/** A form value as text ('' for anything but a string). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** generic: the stream_source, with username/password put into an rtsp URL that has none. */
function streamUrlOf(options: Record<string, unknown>): string | null {
  const source = options.stream_source;
  if (typeof source !== 'string' || !source.startsWith('rtsp://')) return null;
  const url = new URL(source);
  if (!url.username && typeof options.username === 'string' && typeof options.password === 'string') {
    url.username = encodeURIComponent(options.username);
    url.password = encodeURIComponent(options.password);
  }
  return url.toString();
}
