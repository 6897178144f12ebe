// A loopback relay between the console page and Switchboard, for the board benchmark. HTTP passes
// through as it is; on a WebSocket upgrade the relay connects on to the server and passes the
// page's bytes through unchanged, but reads the server's frames and drops its own `board` frames,
// so that `send` can put synthetic boards in their place. The page keeps a real socket: it pays
// what a board costs on one (Playwright's routeWebSocket would swap in a shim that hands every
// frame over by a DevTools evaluate, many times dearer for a 190 KB frame than the socket itself).
// The Host and Origin headers pass unchanged, so the server's same-site check sees the relay's
// page connect to the relay's host. No extensions are offered: frames are never compressed.
import http from 'node:http';
import net from 'node:net';

export class BoardRelay {
  private readonly pages = new Set<net.Socket>();
  private constructor(private readonly server: http.Server, readonly url: string) {}

  /** Listens on a free loopback port and relays to `target` (http://127.0.0.1:port). */
  static async start(target: string): Promise<BoardRelay> {
    const to = new URL(target);
    const port = Number(to.port);
    const server = http.createServer((req, res) => {
      const up = http.request({ host: to.hostname, port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = new BoardRelay(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    server.on('upgrade', (req: http.IncomingMessage, page: net.Socket, head: Buffer) => relay.upgrade(req, page, head, to.hostname, port));
    return relay;
  }

  /** Sends `text` as one text frame to every page socket; returns its length in bytes. */
  send(text: string): number {
    const frame = textFrame(text);
    for (const page of this.pages) page.write(frame);
    return frame.length;
  }

  async stop(): Promise<void> {
    for (const page of this.pages) page.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private upgrade(req: http.IncomingMessage, page: net.Socket, head: Buffer, host: string, port: number): void {
    const up = net.connect(port, host);
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() !== 'sec-websocket-extensions') lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) up.write(head);
    page.pipe(up);
    const frames = new FrameFilter((frame) => page.write(frame));
    let handshake: Buffer | null = Buffer.alloc(0);
    up.on('data', (chunk: Buffer) => {
      if (handshake === null) return frames.push(chunk);
      handshake = Buffer.concat([handshake, chunk]);
      const end = handshake.indexOf('\r\n\r\n');
      if (end < 0) return;
      page.write(handshake.subarray(0, end + 4));
      const rest = handshake.subarray(end + 4);
      handshake = null;
      this.pages.add(page);
      if (rest.length) frames.push(rest);
    });
    const close = () => {
      this.pages.delete(page);
      page.destroy();
      up.destroy();
    };
    up.on('close', close);
    up.on('error', close);
    page.on('close', close);
    page.on('error', close);
  }
}

/** Reads the server's frames (unmasked, RFC 6455 §5.2) and passes on every whole one but boards. */
class FrameFilter {
  private buffer: Buffer = Buffer.alloc(0);
  /** Inside a fragmented board message: its continuation frames are dropped too. */
  private dropping = false;
  constructor(private readonly out: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (this.buffer.length < 2) return;
      const fin = (this.buffer[0] & 0x80) !== 0;
      const opcode = this.buffer[0] & 0x0f;
      let length = this.buffer[1] & 0x7f;
      let start = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        start = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        start = 10;
      }
      if (this.buffer[1] & 0x80) start += 4; // a server never masks; skip a key all the same
      if (this.buffer.length < start + length) return;
      const frame = this.buffer.subarray(0, start + length);
      this.buffer = this.buffer.subarray(start + length);
      const board = opcode === 1 && frame.subarray(start, start + 8).toString() === '{"board"';
      const drop = board || (opcode === 0 && this.dropping);
      if (opcode === 1 || opcode === 0) this.dropping = drop && !fin;
      if (!drop) this.out(Buffer.from(frame));
    }
  }
}

/** One unmasked text frame (a server's). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    header[0] = 0x81;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}
