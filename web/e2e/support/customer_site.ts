// A customer's own site on a loopback port of its own (another origin than the Switchboard's),
// embedding the widget with a plain <script src="<switchboard>/widget.js">, as a real shop does.
// It answers its page and nothing else (404), and keeps every path asked of it: whatever the
// widget wrongly asks of the site instead of its Switchboard (a relative URL) shows there.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class CustomerSite {
  /** Every path requested of the site, in order. */
  readonly requests: string[] = [];
  private server: Server | null = null;
  private port = 0;

  private constructor(private readonly switchboardUrl: string) {}

  static async start(switchboardUrl: string): Promise<CustomerSite> {
    const site = new CustomerSite(switchboardUrl);
    const server = createServer((req, res) => {
      const path = req.url ?? '';
      site.requests.push(path);
      if (path !== '/') {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not here');
        return;
      }
      const page = site.page();
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(page)) });
      res.end(page);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    site.server = server;
    site.port = (server.address() as AddressInfo).port;
    return site;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private page(): string {
    return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Larch &amp; Pine · a customer's site</title>
    <link rel="icon" href="data:,"></head>
  <body style="font-family: Georgia, serif; background: #f6f1e7; margin: 0">
    <header style="padding: 1.2rem 2rem; background: #fff"><strong>Larch &amp; Pine</strong></header>
    <main style="padding: 2rem"><h1>Garden furniture, made to last</h1><p>Questions about sizes? Ask us in the chat.</p></main>
    <script src="${this.switchboardUrl}/widget.js" data-topic="general" data-title="Chat with us" data-prechat="name,email" defer></script>
  </body>
</html>`;
  }
}
