// A real Switchboard for the browser tests and the benchmark: `switchboard serve` on a free
// loopback port (port 0, read back from its log line), with its embedded Redis in a fresh data
// folder, serving the pages from web/dist. Stopped with SIGTERM (it stops its Redis itself) and
// waited for; a process still running when the Node process exits gets SIGTERM then too.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** web/ */
export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const distDir = path.join(webDir, 'dist');
export const artifactsDir = path.join(webDir, 'e2e', 'artifacts');

/** The binary: $SWITCHBOARD_BIN, else ../build/app/switchboard relative to web/. */
export function switchboardBin(): string {
  return path.resolve(webDir, process.env.SWITCHBOARD_BIN || '../build/app/switchboard');
}

/** The config the test config starts from: $SWITCHBOARD_CONFIG, else ../config/switchboard.yaml. */
export function baseConfigPath(): string {
  return path.resolve(webDir, process.env.SWITCHBOARD_CONFIG || '../config/switchboard.yaml');
}

/** Scalar keys to set in a top-level section of the config, e.g. {server: {frames_per_second: 500}}. */
export type ConfigOverrides = Record<string, Record<string, string | number | boolean>>;

export interface ServerOptions {
  /** A name for the log file in e2e/artifacts/ (server-NAME.log). */
  name: string;
  overrides?: ConfigOverrides;
  /** Text replacements in the config, each of which must match exactly once: [pattern, replacement]. */
  edits?: Array<[RegExp, string]>;
  /** How long start-up may take (the embedded Redis, the router's lease). */
  startTimeoutMs?: number;
}

/** What every test server changes: pages from web/dist, a quick shutdown, no visitor-token throttling. */
const baseOverrides: ConfigOverrides = {
  server: { shutdown_grace_ms: 1000 },
  auth: { visitor_tokens_per_minute_per_address: 6000, visitor_token_burst: 1000 },
};

/**
 * Sets `key: value` in the top-level `section:` block: replaces the key's line at two spaces of
 * indentation, or adds it at the block's start. The section must exist.
 */
export function setKey(yaml: string, section: string, key: string, value: string | number | boolean): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l === `${section}:` || l.startsWith(`${section}: `) || l.startsWith(`${section}:#`));
  if (start < 0) throw new Error(`test config: no top-level section "${section}"`);
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || /^\s/.test(lines[end]) || lines[end].startsWith('#'))) end++;
  const rendered = typeof value === 'string' ? JSON.stringify(value) : String(value);
  for (let i = start + 1; i < end; i++) {
    if (new RegExp(`^  ${key}:`).test(lines[i])) {
      lines[i] = `  ${key}: ${rendered}`;
      return lines.join('\n');
    }
  }
  lines.splice(start + 1, 0, `  ${key}: ${rendered}`);
  return lines.join('\n');
}

/** Applies a replacement that must match exactly once (a config that changed shape fails loudly). */
export function editOnce(yaml: string, pattern: RegExp, replacement: string): string {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const count = [...yaml.matchAll(global)].length;
  if (count !== 1) throw new Error(`test config: ${pattern} matched ${count} times, not once`);
  return yaml.replace(pattern, replacement);
}

export function testConfig(options: ServerOptions): string {
  const base = baseConfigPath();
  if (!existsSync(base)) throw new Error(`no config at ${base}: set SWITCHBOARD_CONFIG`);
  let yaml = readFileSync(base, 'utf8');
  if (!/^dev_users:/m.test(yaml)) {
    throw new Error(`${base} has no dev_users (the sign-ins the tests use): set SWITCHBOARD_CONFIG to a config with them`);
  }
  yaml = setKey(yaml, 'server', 'web_root', distDir);
  for (const overrides of [baseOverrides, options.overrides ?? {}]) {
    for (const [section, keys] of Object.entries(overrides)) {
      for (const [key, value] of Object.entries(keys)) yaml = setKey(yaml, section, key, value);
    }
  }
  for (const [pattern, replacement] of options.edits ?? []) yaml = editOnce(yaml, pattern, replacement);
  return yaml;
}

/** Waits for the child to exit, at most `ms`; true if it did. */
function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', done);
      resolve(false);
    }, ms);
    function done() {
      clearTimeout(timer);
      resolve(true);
    }
    child.once('exit', done);
  });
}

/** A process's children (Linux /proc), e.g. the embedded redis-server the server started. */
function childrenOf(pid: number | undefined): number[] {
  if (!pid) return [];
  const pids: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
      pids.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    // not Linux, or gone
  }
  return pids;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A worker torn down mid-test: SIGTERM lets the server stop its Redis too.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}

export class Switchboard {
  readonly name: string;
  readonly dir: string;
  readonly configPath: string;
  readonly logPath: string;
  port = 0;
  private child: ChildProcess | null = null;
  /** The server's own children (its embedded redis-server), stopped by us only if it was killed. */
  private grandchildren: number[] = [];
  private log = '';

  private constructor(name: string, dir: string) {
    this.name = name;
    this.dir = dir;
    this.configPath = path.join(dir, 'switchboard.yaml');
    this.logPath = path.join(artifactsDir, `server-${name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/v1/ws`;
  }

  /** Starts a server and resolves once it listens; on any failure nothing is left running. */
  static async start(options: ServerOptions): Promise<Switchboard> {
    const bin = switchboardBin();
    if (!existsSync(bin)) throw new Error(`no switchboard binary at ${bin}: set SWITCHBOARD_BIN`);
    if (!existsSync(path.join(distDir, 'index.html')) || !existsSync(path.join(distDir, 'widget.js'))) {
      throw new Error(`no pages in ${distDir}: run npm run build first`);
    }
    const server = new Switchboard(options.name, mkdtempSync(path.join(tmpdir(), 'sb-e2e-')));
    writeFileSync(server.configPath, testConfig(options));
    try {
      await server.spawn(bin, options.startTimeoutMs ?? 20_000);
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  private spawn(bin: string, timeoutMs: number): Promise<void> {
    installExitHook();
    // Mail on a free port too: the shipped config's 127.0.0.1:2525 is one per machine.
    const args = ['serve', '--config', this.configPath, '--listen', '127.0.0.1:0', '--smtp-listen', '127.0.0.1:0',
      '--data-dir', path.join(this.dir, 'data')];
    const child = spawn(bin, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`switchboard did not listen within ${timeoutMs} ms:\n${this.log}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.log += chunk.toString();
        const m = /switchboard listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.log);
        if (m && !this.port) {
          this.port = Number(m[1]);
          this.grandchildren = childrenOf(child.pid);
          clearTimeout(timer);
          resolve();
        }
      };
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', fail);
      child.once('exit', (code, signal) => {
        if (!this.port) fail(new Error(`switchboard exited (${code ?? signal}) before listening:\n${this.log}`));
      });
    });
  }

  /** The server's log so far. */
  get output(): string {
    return this.log;
  }

  /** The port its SMTP listener took (it says so just after the HTTP one); waits up to 10 s. */
  async smtpPort(): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const m = /smtp listening on 127\.0\.0\.1:(\d+)/.exec(this.log);
      if (m) return Number(m[1]);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no "smtp listening on" in the log:\n${this.log}`);
  }

  /** A development token signed with the config's key (`switchboard token`). */
  async token(role: 'agent' | 'lead' | 'admin', sub: string, teams: string[] = []): Promise<string> {
    const args = ['token', '--role', role, '--sub', sub, '--config', this.configPath];
    for (const t of teams) args.push('--team', t);
    const { stdout } = await run(switchboardBin(), args, { timeout: 10_000 });
    return stdout.trim().split('\n').pop()!.trim();
  }

  /** SIGTERM, wait for the exit (then SIGKILL as a last resort), keep the log and config, remove the data. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await exited(child, 15_000))) {
        child.kill('SIGKILL');
        await exited(child, 5_000);
        // Killed, it could not stop its Redis: do it (only the pids it had when it started).
        for (const pid of this.grandchildren) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // gone already
          }
        }
      }
    }
    this.child = null;
    mkdirSync(artifactsDir, { recursive: true });
    writeFileSync(this.logPath, this.log);
    if (existsSync(this.configPath)) copyFileSync(this.configPath, path.join(artifactsDir, `server-${this.name}.yaml`));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
