// WhatsApp's Cloud API media endpoints on a loopback port, for the server's media fetch (an
// account's `api_url` points here): `GET /v21.0/{media id}` answers the medium's JSON
// ({"url", "mime_type", "sha256", "file_size", "id", "messaging_product"}), and `GET` of that url
// answers the bytes; both only with "Authorization: Bearer <token>" (else Meta's 401, code 190).
// An unknown id is Meta's 400 "(#100) … does not exist". A medium can be held (its bytes not
// answered) until the test releases it, so that the desk's "Fetching…" can be seen for sure.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Medium {
  bytes: Buffer;
  mimeType: string;
  held: Promise<void> | null;
  release: () => void;
}

export class FakeGraph {
  /** Every request: path and Authorization header, in order. */
  readonly requests: Array<{ path: string; authorization: string }> = [];
  private readonly media = new Map<string, Medium>();
  private server: Server | null = null;
  private port = 0;

  constructor(readonly token: string) {}

  static async start(token: string): Promise<FakeGraph> {
    const graph = new FakeGraph(token);
    const server = createServer((req, res) => void graph.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    graph.server = server;
    graph.port = (server.address() as AddressInfo).port;
    return graph;
  }

  /** The account's api_url. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/v21.0`;
  }

  /** A medium under `id`; `held`: its bytes wait for `release(id)`. */
  add(id: string, bytes: Buffer, mimeType: string, { held = false } = {}): void {
    let release = () => {};
    const gate = held ? new Promise<void>((resolve) => (release = resolve)) : null;
    this.media.set(id, { bytes, mimeType, held: gate, release });
  }

  release(id: string): void {
    this.media.get(id)?.release();
  }

  async stop(): Promise<void> {
    for (const m of this.media.values()) m.release();
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '';
    const authorization = req.headers.authorization ?? '';
    this.requests.push({ path, authorization });
    if (req.method !== 'GET') return answer(res, 405, { error: { message: 'Unsupported method', code: 100 } });
    if (authorization !== `Bearer ${this.token}`) {
      return answer(res, 401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
    }
    const bytesOf = /^\/media\/([\w.-]+)$/.exec(path);
    if (bytesOf) {
      const m = this.media.get(bytesOf[1]);
      if (!m) return answer(res, 404, { error: { message: 'not found', code: 100 } });
      await m.held;
      res.writeHead(200, { 'Content-Type': m.mimeType, 'Content-Length': String(m.bytes.length) });
      res.end(m.bytes);
      return;
    }
    const info = /^\/v21\.0\/([\w.-]+)$/.exec(path);
    const m = info ? this.media.get(info[1]) : undefined;
    if (!info || !m) {
      return answer(res, 400, { error: { message: `(#100) Object with ID '${info?.[1] ?? path}' does not exist`, type: 'GraphMethodException', code: 100 } });
    }
    answer(res, 200, {
      messaging_product: 'whatsapp',
      url: `http://127.0.0.1:${this.port}/media/${info[1]}`,
      mime_type: m.mimeType,
      sha256: createHash('sha256').update(m.bytes).digest('hex'),
      file_size: m.bytes.length,
      id: info[1],
    });
  }
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(data.length) });
  res.end(data);
}
