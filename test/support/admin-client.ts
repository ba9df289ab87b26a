/**
 * The admin HTTP API of a Node-RED running with `adminAuth`: tokens per user (cached), and calls
 * that keep the answer text so a test can scan exactly what a client received.
 */
export interface AdminAnswer {
  status: number;
  text: string;
}

export class AdminClient {
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly base: string,
    private readonly loginPassword: string,
  ) {}

  async token(username: string): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const response = await fetch(`${this.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'node-red-admin',
        grant_type: 'password',
        scope: '',
        username,
        password: this.loginPassword,
      }),
    });
    if (response.status !== 200) throw new Error(`no admin token for ${username}: ${response.status}`);
    const token = ((await response.json()) as { access_token: string }).access_token;
    this.tokens.set(username, token);
    return token;
  }

  async call(
    user: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<AdminAnswer> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${await this.token(user)}`,
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, text: await response.text() };
  }
}
