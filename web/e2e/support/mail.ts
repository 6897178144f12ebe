// Mail for the browser tests. `sendMail`, a client: one SMTP conversation over a plain socket, as
// a sending server delivers to the listener (EHLO, MAIL, RCPT, DATA, QUIT), resolving with the
// 250's text ("queued as <conversation id>"); every step waits at most 10 s. `MailSink`, a server:
// the company's mail relay the server sends through, which keeps what it takes for the test to
// read (`headerOf`, `bodyOf`).
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';

export async function sendMail(port: number, from: string, to: string, message: string): Promise<string> {
  const socket = new Socket();
  let buffer = '';
  const waiters: ((line: string) => void)[] = [];
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    for (let eol = buffer.indexOf('\r\n'); eol >= 0; eol = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      if (line[3] !== '-') waiters.shift()?.(line);
    }
  });
  const reply = (want: string) => new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${want} reply within 10 s`)), 10_000);
    waiters.push((line) => {
      clearTimeout(timer);
      if (line.startsWith(want)) resolve(line);
      else reject(new Error(`expected ${want}, got: ${line}`));
    });
  });
  try {
    const greeting = reply('220');
    await new Promise<void>((resolve, reject) => socket.connect(port, '127.0.0.1', resolve).once('error', reject));
    await greeting;
    for (const [command, want] of [['EHLO test.example', '250'], [`MAIL FROM:<${from}>`, '250'], [`RCPT TO:<${to}>`, '250'], ['DATA', '354']]) {
      const answer = reply(want);
      socket.write(`${command}\r\n`);
      await answer;
    }
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    const stored = reply('250');
    socket.write(`${body}\r\n.\r\n`);
    const line = await stored;
    socket.write('QUIT\r\n');
    return line;
  } finally {
    socket.end();
  }
}

/** One message a `MailSink` took: its envelope and the text after DATA (dots unstuffed, CRLF kept). */
export interface SunkMail {
  /** The EHLO (or HELO) name the sender gave. */
  helo: string;
  from: string;
  to: string[];
  data: string;
}

/**
 * A mail relay for the browser tests: an SMTP server on 127.0.0.1 (port 0) that takes every
 * message and keeps it with its envelope — 220, EHLO/HELO 250, MAIL and RCPT 250, DATA 354 until
 * CRLF.CRLF then 250, RSET and NOOP 250, QUIT 221; anything else 502, DATA without MAIL and RCPT
 * 503. No TLS, no AUTH (the server's relay config says `tls: none` and no username). A connection
 * silent for 30 s, or a message over 10 MB, is closed; `close()` ends every connection.
 */
export class MailSink {
  readonly taken: SunkMail[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<MailSink> {
    let sink: MailSink | null = null;
    const server = createServer((socket) => sink?.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    sink = new MailSink(server, (server.address() as AddressInfo).port);
    return sink;
  }

  /** The first message taken (or to come) that `match` accepts; fails after `timeoutMs`. */
  async next(match: (m: SunkMail) => boolean, timeoutMs = 10_000): Promise<SunkMail> {
    const found = () => this.taken.find(match);
    const now = found();
    if (now) return now;
    return new Promise<SunkMail>((resolve, reject) => {
      const check = () => {
        const m = found();
        if (!m) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no such mail within ${timeoutMs} ms; taken: ${JSON.stringify(this.taken.map((m) => ({ from: m.from, to: m.to })))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setTimeout(30_000, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    let helo = '';
    let from: string | null = null;
    let to: string[] = [];
    let data: string[] | null = null; // the message's lines while in DATA
    let size = 0;
    let buffer = '';
    const say = (line: string) => socket.write(`${line}\r\n`);
    const reset = () => {
      from = null;
      to = [];
    };
    const line = (text: string) => {
      if (data) {
        if (text === '.') {
          this.taken.push({ helo, from: from ?? '', to, data: data.map((l) => `${l}\r\n`).join('') });
          data = null;
          reset();
          say(`250 2.0.0 Ok: queued as ${this.taken.length}`);
          for (const w of [...this.waiters]) w();
          return;
        }
        size += text.length + 2;
        if (size > 10 * 1024 * 1024) {
          say('552 5.3.4 Message too big');
          socket.end();
          return;
        }
        data.push(text.startsWith('.') ? text.slice(1) : text);
        return;
      }
      const [verb = '', ...rest] = text.split(' ');
      const arg = rest.join(' ');
      const path = () => /<([^>]*)>/.exec(arg)?.[1] ?? '';
      switch (verb.toUpperCase()) {
        case 'EHLO':
          helo = arg;
          reset();
          say('250-sink.test Hello');
          return say('250 8BITMIME');
        case 'HELO':
          helo = arg;
          reset();
          return say('250 sink.test');
        case 'MAIL':
          if (!/^FROM:/i.test(arg)) return say('501 5.5.4 Syntax: MAIL FROM:<address>');
          reset();
          from = path();
          return say('250 2.1.0 Ok');
        case 'RCPT':
          if (from === null) return say('503 5.5.1 MAIL first');
          if (!/^TO:/i.test(arg)) return say('501 5.5.4 Syntax: RCPT TO:<address>');
          to.push(path());
          return say('250 2.1.5 Ok');
        case 'DATA':
          if (from === null || to.length === 0) return say('503 5.5.1 MAIL and RCPT first');
          data = [];
          size = 0;
          return say('354 End data with <CR><LF>.<CR><LF>');
        case 'RSET':
          reset();
          return say('250 2.0.0 Ok');
        case 'NOOP':
          return say('250 2.0.0 Ok');
        case 'QUIT':
          say('221 2.0.0 Bye');
          socket.end();
          return;
        default:
          return say('502 5.5.2 Command not recognised');
      }
    };
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1'); // bytes kept as they came; the tests read ASCII
      for (let eol = buffer.indexOf('\r\n'); eol >= 0; eol = buffer.indexOf('\r\n')) {
        const text = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        line(text);
      }
      if (buffer.length > 64 * 1024) socket.destroy(); // no line is that long
    });
    say('220 sink.test ESMTP test relay');
  }
}

/** A header of a message (its first occurrence, unfolded), or "". */
export function headerOf(data: string, name: string): string {
  const head = data.split('\r\n\r\n', 1)[0];
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const want = name.toLowerCase();
  for (const line of unfolded.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === want) return line.slice(colon + 1).trim();
  }
  return '';
}

/** The body of a single-part message as its reader sees it (quoted-printable and base64 decoded). */
export function bodyOf(data: string): string {
  const start = data.indexOf('\r\n\r\n');
  const raw = start < 0 ? '' : data.slice(start + 4);
  const encoding = headerOf(data, 'Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'base64') return Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return raw;
  const bytes = raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
