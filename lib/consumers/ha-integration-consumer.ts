/**
 * A Home Assistant integration entry that holds a camera's password, as a consumer
 * (docs/protocol/consumers.md §6): driven over the Home Assistant link with an administrator's
 * token through the entry's own flow, the only documented way to change its stored settings.
 * - generic: the options flow; the stream source's userinfo and the username/password fields get
 *   the new credential, every other option is kept; the still-image step is confirmed.
 * - hikvision_next: the reconfigure flow with its full form and the new credential.
 * - onvif: no flow can be started from outside; HA opens a reauth flow itself after its next
 *   refused login. Until it has, the update is "unreachable" and the stale-consumer retry
 *   submits it later, once.
 * The entry is found by domain and entry id (or title) from the listing, which carries no data;
 * each submit makes HA log in to the camera, so one update submits each step once.
 */
import {
  ConsumerNotUpdatableError,
  ConsumerRefusedError,
  ConsumerUnreachableError,
  HaRequestRejectedError,
} from '../errors';
import {
  formInput,
  type HaConfigEntry,
  type HaConfigEntryFlows,
  type HaFlowForm,
} from '../homeassistant/config-entry-flows';
import type { HaConnectionStatus } from '../homeassistant/ha-connection';
import {
  failedUpdate,
  type Consumer,
  type ConsumerAccount,
  type ConsumerCredential,
  type ConsumerKind,
  type ConsumerUpdateContext,
  type ConsumerUpdateResult,
} from './consumer';
import { sourceHasUserinfo, sourceMatchesHost, withCredential } from './stream-url';

export const HA_INTEGRATION_DOMAINS = ['generic', 'hikvision_next', 'onvif'] as const;
export type HaIntegrationDomain = (typeof HA_INTEGRATION_DOMAINS)[number];

const KIND_OF: Readonly<Record<HaIntegrationDomain, ConsumerKind>> = {
  generic: 'ha_generic',
  hikvision_next: 'ha_hikvision_next',
  onvif: 'ha_onvif',
};

/** What the consumer needs of the flows client (HaLink.configEntryFlows). */
export type HaIntegrationFlows = Pick<
  HaConfigEntryFlows,
  'listEntries' | 'runOptionsFlow' | 'reconfigure' | 'findReauthFlow' | 'submitReauth'
>;

/** What the consumer needs of the Home Assistant link (HaLink). */
export interface HaIntegrationLink {
  readonly status: HaConnectionStatus;
  configEntryFlows(consumerId: string): HaIntegrationFlows;
}

export interface HaIntegrationConsumerOptions {
  /** Stable id of the Home Assistant link's settings (the `hik-homeassistant` node's id). */
  readonly key: string;
  readonly domain: HaIntegrationDomain;
  /** The config entry's id, or its title as Home Assistant shows it. */
  readonly entry: string;
  /** The link now, or null while it is not running (it may start after the consumer). */
  readonly link: () => HaIntegrationLink | null;
  readonly account?: ConsumerAccount | undefined;
}

/** The consumer id for these settings (the vault records outstanding updates by it). */
export function haIntegrationConsumerId(key: string, domain: HaIntegrationDomain, entry: string): string {
  return `${KIND_OF[domain]}:${key}:${entry}`;
}

export class HaIntegrationConsumer implements Consumer {
  readonly kind: ConsumerKind;
  readonly id: string;
  readonly label: string;
  readonly account: ConsumerAccount;

  constructor(private readonly options: HaIntegrationConsumerOptions) {
    this.kind = KIND_OF[options.domain];
    this.id = haIntegrationConsumerId(options.key, options.domain, options.entry);
    this.label = `Home Assistant ${options.domain} entry "${options.entry}"`;
    this.account = options.account ?? 'admin';
  }

  async update(
    credential: ConsumerCredential,
    context: ConsumerUpdateContext,
  ): Promise<ConsumerUpdateResult> {
    try {
      const flows = this.flowsNow();
      const entry = await this.findEntry(flows);
      if (this.options.domain === 'generic') await this.updateGeneric(flows, entry, credential, context);
      else if (this.options.domain === 'hikvision_next')
        await flows.reconfigure('hikvision_next', entry.entryId, (form) =>
          formInput(form, { ...credential }),
        );
      else await this.submitOnvifReauth(flows, entry, credential);
      return { status: 'updated', outOfDate: [] };
    } catch (err) {
      return this.failure(err);
    }
  }

  /**
   * The flows client, only over a connected link: a request with a token HA refused (or a
   * non-admin one) would count as a failed login at Home Assistant.
   */
  private flowsNow(): HaIntegrationFlows {
    const link = this.options.link();
    const status = link?.status;
    if (link && status?.kind === 'connected') return link.configEntryFlows(this.id);
    if (status?.kind === 'auth_failed') {
      throw new ConsumerNotUpdatableError(
        this.id,
        `${this.label} cannot be updated: ${status.error.message}`,
      );
    }
    throw new ConsumerUnreachableError(this.id, `${this.label}: the Home Assistant link is not connected`);
  }

  private async findEntry(flows: HaIntegrationFlows): Promise<HaConfigEntry> {
    const { domain, entry } = this.options;
    const entries = await flows.listEntries(domain);
    const byId = entries.find((candidate) => candidate.entryId === entry);
    if (byId) return byId;
    const byTitle = entries.filter(
      (candidate) => candidate.title.trim().toLowerCase() === entry.trim().toLowerCase(),
    );
    const [only] = byTitle;
    if (only && byTitle.length === 1) return only;
    throw new ConsumerRefusedError(
      this.id,
      byTitle.length === 0
        ? `Home Assistant has no ${domain} entry with the id or title "${entry}"`
        : `Home Assistant has several ${domain} entries titled "${entry}"; use the entry id instead`,
    );
  }

  private async updateGeneric(
    flows: HaIntegrationFlows,
    entry: HaConfigEntry,
    credential: ConsumerCredential,
    context: ConsumerUpdateContext,
  ): Promise<void> {
    await flows.runOptionsFlow(entry.entryId, (form) => {
      if (form.stepId !== 'init') return confirmStill(form);
      const source = form.fields.find((field) => field.name === 'stream_source')?.current;
      const values: Record<string, unknown> = {
        username: credential.username,
        password: credential.password,
      };
      if (typeof source === 'string' && sourceHasUserinfo(source)) {
        // Never hand this camera's password to a stream on another device.
        if (!sourceMatchesHost(source, context.device.host)) {
          throw new ConsumerRefusedError(
            this.id,
            `${this.label} streams from another address than ${context.device.host}; update it in Home Assistant`,
          );
        }
        values.stream_source = withCredential(source, credential);
      }
      return formInput(form, values);
    });
  }

  private async submitOnvifReauth(
    flows: HaIntegrationFlows,
    entry: HaConfigEntry,
    credential: ConsumerCredential,
  ): Promise<void> {
    const flow = await flows.findReauthFlow(entry.entryId);
    if (flow === null) {
      throw new ConsumerUnreachableError(
        this.id,
        `${this.label} has not asked for the new password yet; it is handed over once Home Assistant asks`,
      );
    }
    await flows.submitReauth(flow, (form) => formInput(form, { ...credential }));
  }

  private failure(err: unknown): ConsumerUpdateResult {
    if (err instanceof HaRequestRejectedError && (err.httpStatus === 401 || err.httpStatus === 403)) {
      const error = new ConsumerNotUpdatableError(
        this.id,
        `${this.label} needs a Home Assistant administrator's token on the link`,
        { cause: err },
      );
      return { status: 'refused', error, outOfDate: [] };
    }
    return failedUpdate(this, err);
  }
}

/** generic's second step asks one yes/no question about the still image; its name comes from the form. */
function confirmStill(form: HaFlowForm): Record<string, unknown> {
  const [only] = form.fields;
  return only && form.fields.length === 1 ? { [only.name]: true } : { confirmed_ok: true };
}
