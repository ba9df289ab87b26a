/**
 * Home Assistant config entries and their flows, the way to hand an integration a new camera
 * password (docs/protocol/consumers.md §6): list a domain's entries (no data in the listing), run
 * a reconfigure flow (hikvision_next) or an options flow (generic), and find and submit the reauth
 * flow HA opened itself after a refused password (onvif). All need an administrator's token.
 *
 * A form's suggested values carry the entry's current settings, the old password among them:
 * they are used only to keep the fields the caller does not change, are never logged, returned
 * or put in an error, and the caller's `fill` overrides every credential field. Each submit makes
 * HA log in to the camera, so a step is submitted once and a refused one is aborted, not retried.
 */
import type { MessageBase } from 'home-assistant-js-websocket';
import {
  ConsumerNotUpdatableError,
  ConsumerRefusedError,
  ConsumerUnreachableError,
  HaRequestRejectedError,
} from '../errors';
import type { HaRestClient } from './ha-rest-client';

/** What the entry listing shows (never data or options). */
export interface HaConfigEntry {
  readonly entryId: string;
  readonly domain: string;
  readonly title: string;
  readonly state: string;
  readonly supportsReconfigure: boolean;
  readonly supportsOptions: boolean;
}

/** One field of a flow form: its name and what HA suggests or defaults it to. */
export interface HaFormField {
  readonly name: string;
  readonly required: boolean;
  /** The suggested value, else the default; may hold a current secret (see the module note). */
  readonly current: unknown;
}

export interface HaFlowForm {
  readonly stepId: string;
  readonly fields: readonly HaFormField[];
}

/** Builds a step's input from the form; return only what HA should receive. */
export type HaFormFiller = (form: HaFlowForm) => Record<string, unknown>;

export interface HaPendingFlow {
  readonly flowId: string;
  readonly handler: string;
  readonly stepId: string;
  readonly source: string;
  readonly entryId: string | null;
}

export interface HaConfigEntryFlowsOptions {
  readonly rest: Pick<HaRestClient, 'requestJson'>;
  /** Sends one WebSocket command (HaConnection.send). */
  readonly command: <T>(message: MessageBase) => Promise<T>;
  /** Names the consumer in errors (lib/consumers/consumer.ts). */
  readonly consumerId: string;
}

const BASE = '/api/config/config_entries';
/** generic's options flow has two steps (init, confirm_still); more means something unexpected. */
const MAX_STEPS = 4;
/**
 * Form errors that say HA could not reach the camera while checking the new settings (generic's
 * stream test, the ISAPI integrations' login), not that it refused them: an outage, tried again.
 * Names from the integrations' strings (docs/protocol/consumers.md).
 */
const UNREACHED_FORM_ERRORS: ReadonlySet<string> = new Set([
  'cannot_connect',
  'stream_no_route_to_host',
  'stream_io_error',
  'timeout',
]);

export class HaConfigEntryFlows {
  constructor(private readonly options: HaConfigEntryFlowsOptions) {}

  async listEntries(domain: string): Promise<HaConfigEntry[]> {
    const { status, body, text } = await this.options.rest.requestJson(
      'GET',
      `${BASE}/entry?domain=${encodeURIComponent(domain)}`,
    );
    if (status !== 200 || !Array.isArray(body)) throw new HaRequestRejectedError(status, text.slice(0, 200));
    return body.flatMap((item: unknown) => {
      if (typeof item !== 'object' || item === null) return [];
      const entry = item as Record<string, unknown>;
      if (typeof entry.entry_id !== 'string') return [];
      return [
        {
          entryId: entry.entry_id,
          domain: String(entry.domain),
          title: String(entry.title),
          state: String(entry.state),
          supportsReconfigure: entry.supports_reconfigure === true,
          supportsOptions: entry.supports_options === true,
        },
      ];
    });
  }

  /** Runs the entry's reconfigure flow to its end; resolves when HA says reconfigure_successful. */
  async reconfigure(domain: string, entryId: string, fill: HaFormFiller): Promise<void> {
    const started = await this.options.rest.requestJson('POST', `${BASE}/flow`, {
      handler: domain,
      entry_id: entryId,
    });
    if (started.status === 400 && /doesn't support step/.test(started.text)) {
      throw new ConsumerNotUpdatableError(
        this.options.consumerId,
        `the Home Assistant integration ${domain} cannot be reconfigured; update it in Home Assistant`,
      );
    }
    await this.drive(`${BASE}/flow`, started, fill, 'reconfigure_successful');
  }

  /** Runs the entry's options flow to its end (generic: init, then confirm_still). */
  async runOptionsFlow(entryId: string, fill: HaFormFiller): Promise<void> {
    const started = await this.options.rest.requestJson('POST', `${BASE}/options/flow`, { handler: entryId });
    await this.drive(`${BASE}/options/flow`, started, fill, null);
  }

  /** Flows HA opened itself (reauth, discovery), from `config_entries/flow/progress`. */
  async pendingFlows(): Promise<HaPendingFlow[]> {
    const flows = await this.options.command<unknown>({ type: 'config_entries/flow/progress' });
    if (!Array.isArray(flows)) return [];
    return flows.flatMap((item: unknown) => {
      if (typeof item !== 'object' || item === null) return [];
      const flow = item as { flow_id?: unknown; handler?: unknown; step_id?: unknown; context?: unknown };
      const context = (typeof flow.context === 'object' && flow.context !== null ? flow.context : {}) as {
        source?: unknown;
        entry_id?: unknown;
      };
      if (typeof flow.flow_id !== 'string') return [];
      return [
        {
          flowId: flow.flow_id,
          handler: String(flow.handler),
          stepId: String(flow.step_id),
          source: String(context.source),
          entryId: typeof context.entry_id === 'string' ? context.entry_id : null,
        },
      ];
    });
  }

  /** The reauth flow HA opened for this entry, or null. */
  async findReauthFlow(entryId: string): Promise<HaPendingFlow | null> {
    const flows = await this.pendingFlows();
    return flows.find((flow) => flow.source === 'reauth' && flow.entryId === entryId) ?? null;
  }

  /** Submits a pending reauth flow (its current form), once; resolves on reauth_successful. */
  async submitReauth(flow: HaPendingFlow, fill: HaFormFiller): Promise<void> {
    const current = await this.options.rest.requestJson(
      'GET',
      `${BASE}/flow/${encodeURIComponent(flow.flowId)}`,
    );
    await this.drive(`${BASE}/flow`, current, fill, 'reauth_successful');
  }

  /**
   * Submits forms until the flow ends. Success: the expected abort reason, or (options flows)
   * create_entry. A form coming back with errors is aborted and refused: HA already logged in
   * to the camera once for it.
   */
  private async drive(
    base: string,
    first: { status: number; body: unknown; text: string },
    fill: HaFormFiller,
    successReason: string | null,
  ): Promise<void> {
    let reply = first;
    for (let step = 0; step < MAX_STEPS; step++) {
      if (reply.status !== 200)
        throw this.refused(`Home Assistant answered HTTP ${reply.status}: ${messageOf(reply.text)}`);
      const result = (reply.body ?? {}) as Record<string, unknown>;
      const flowId = typeof result.flow_id === 'string' ? result.flow_id : null;
      if (result.type === 'abort') {
        if (successReason !== null && result.reason === successReason) return;
        throw this.refused(`Home Assistant ended the flow: ${String(result.reason)}`);
      }
      if (result.type === 'create_entry' && successReason === null) return;
      if (result.type !== 'form' || flowId === null)
        throw this.refused('Home Assistant answered the flow unexpectedly');
      const errors = Object.values((result.errors ?? {}) as Record<string, unknown>).map(String);
      if (step > 0 && errors.length > 0) {
        await this.options.rest.requestJson('DELETE', `${base}/${encodeURIComponent(flowId)}`);
        const said = errors.join(', ');
        if (errors.every((error) => UNREACHED_FORM_ERRORS.has(error))) {
          throw new ConsumerUnreachableError(
            this.options.consumerId,
            `Home Assistant could not reach the camera to check the new settings (${said})`,
          );
        }
        throw this.refused(`Home Assistant refused the new settings (${said})`);
      }
      const form: HaFlowForm = { stepId: String(result.step_id), fields: fieldsOf(result.data_schema) };
      reply = await this.options.rest.requestJson(
        'POST',
        `${base}/${encodeURIComponent(flowId)}`,
        fill(form),
      );
    }
    throw this.refused('the Home Assistant flow did not end');
  }

  private refused(message: string): ConsumerRefusedError {
    return new ConsumerRefusedError(this.options.consumerId, message);
  }
}

/**
 * The input for a form: every field's current value (suggested or default) unless `values` sets
 * it; fields with neither are left out.
 */
export function formInput(
  form: HaFlowForm,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of form.fields) {
    const value = field.name in values ? values[field.name] : field.current;
    if (value !== undefined && value !== null) input[field.name] = value;
  }
  return input;
}

function fieldsOf(schema: unknown): HaFormField[] {
  if (!Array.isArray(schema)) return [];
  return schema.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const field = item as { name?: unknown; required?: unknown; description?: unknown; default?: unknown };
    if (typeof field.name !== 'string') return [];
    const suggested = (field.description as { suggested_value?: unknown } | undefined)?.suggested_value;
    return [{ name: field.name, required: field.required === true, current: suggested ?? field.default }];
  });
}

/** HA's `{"message": …}` (never a value we sent: HA names keys, not values). */
function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 160);
  } catch {
    // plain text
  }
  return text.slice(0, 160);
}
