/**
 * The editor's view of a running Node-RED: a WebSocket client on `/comms`, authenticated with an
 * admin token like the editor, keeping every message the runtime publishes (debug messages, node
 * status, notifications, plugin events) with the raw frame text it came in.
 */
import WebSocket from 'ws';

export interface CommsMessage {
  topic: string;
  data: unknown;
  /** The JSON text of this one message as it crossed the socket. */
  raw: string;
}

export class CommsRecorder {
  readonly messages: CommsMessage[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (frame: Buffer) => {
      const parsed: unknown = JSON.parse(frame.toString('utf8'));
      for (const entry of Array.isArray(parsed) ? parsed : [parsed]) {
        const { topic, data } = entry as { topic?: unknown; data?: unknown };
        if (typeof topic === 'string') this.messages.push({ topic, data, raw: JSON.stringify(entry) });
      }
    });
  }

  /** Connects to `<base>/comms` and waits for `{auth: "ok"}`; fails after `timeoutMs`. */
  static async connect(base: string, token: string, timeoutMs = 10_000): Promise<CommsRecorder> {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/comms`);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no comms auth answer in time')), timeoutMs);
        socket.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        socket.once('open', () => socket.send(JSON.stringify({ auth: token })));
        socket.once('message', (frame: Buffer) => {
          clearTimeout(timer);
          const answer = JSON.parse(frame.toString('utf8')) as { auth?: string };
          if (answer.auth === 'ok') resolve();
          else reject(new Error(`comms refused the token: ${frame.toString('utf8')}`));
        });
      });
    } catch (err) {
      socket.terminate();
      throw err;
    }
    return new CommsRecorder(socket);
  }

  of(topic: string | RegExp): CommsMessage[] {
    return this.messages.filter((m) => (typeof topic === 'string' ? m.topic === topic : topic.test(m.topic)));
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, 2_000);
      this.socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      this.socket.close();
    });
  }
}
