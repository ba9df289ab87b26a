/**
 * A test client that sees everything on a broker: it subscribes to `#` with MQTT 5's
 * retain-as-published, so each message shows whether its publisher retained it, and keeps the
 * broker's retained state as it evolves (an empty retained message deletes). `retainedNow` asks a
 * fresh connection what the broker holds, ending when a marker it publishes itself comes back
 * (the broker sends the retained messages of a subscription before it handles the next publish).
 * Also publishes like Home Assistant does (birth message, button presses).
 */
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { waitFor } from '../lib/homeassistant/support';

export interface SeenMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

export class MqttObserver {
  readonly messages: SeenMessage[] = [];
  readonly retained = new Map<string, string>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const message = { topic, payload: payload.toString(), retain: packet.retain };
      this.messages.push(message);
      if (!message.retain) return;
      if (message.payload === '') this.retained.delete(topic);
      else this.retained.set(topic, message.payload);
    });
  }

  static async connect(
    url: string,
    auth: { username?: string; password?: string } = {},
  ): Promise<MqttObserver> {
    const client = await connectAsync(url, {
      ...auth,
      clientId: `observer_${randomBytes(4).toString('hex')}`,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    const observer = new MqttObserver(client);
    await client.subscribeAsync('#', { qos: 1, rap: true });
    return observer;
  }

  /** What the broker holds as retained now, asked on a connection of its own. */
  static async retainedNow(
    url: string,
    auth: { username?: string; password?: string } = {},
  ): Promise<Map<string, string>> {
    const client = await connectAsync(url, {
      ...auth,
      clientId: `snapshot_${randomBytes(4).toString('hex')}`,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    const marker = `test/marker/${randomBytes(6).toString('hex')}`;
    const held = new Map<string, string>();
    try {
      const done = new Promise<void>((resolve) => {
        client.on('message', (topic, payload, packet) => {
          if (topic === marker) resolve();
          else if (packet.retain) held.set(topic, payload.toString());
        });
      });
      await client.subscribeAsync('#', { qos: 1 });
      await client.publishAsync(marker, 'end', { qos: 1, retain: false });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no marker back')), 5000))),
      ]);
      clearTimeout(timer);
      return held;
    } finally {
      await client.endAsync();
    }
  }

  /** Publishes as Home Assistant would (not retained unless asked). */
  async publish(topic: string, payload: string, retain = false): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  /** Messages received on `topic` so far (in order). */
  on(topic: string): SeenMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  /** Waits until `check` holds; `what` names it in the failure. */
  async until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
    await waitFor(what, check, timeoutMs);
  }

  /** The retained JSON on `topic`, parsed, or undefined. */
  json(topic: string): Record<string, unknown> | undefined {
    const text = this.retained.get(topic);
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
