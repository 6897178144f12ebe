// A mail client for the browser tests: one SMTP conversation over a plain socket, as a sending
// server delivers to the listener (EHLO, MAIL, RCPT, DATA, QUIT), resolving with the 250's text
// ("queued as <conversation id>"). Every step waits at most 10 s.
import { Socket } from 'node:net';

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
