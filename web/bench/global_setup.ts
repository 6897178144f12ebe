// Starts the benchmark's results file afresh, with when and on what load it ran.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { artifactsDir } from '../e2e/support/switchboard';
import { resultsFile } from './figures';

export default function globalSetup(): void {
  mkdirSync(artifactsDir, { recursive: true });
  const header = { at: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model ?? '', loadavg: loadavg() };
  writeFileSync(resultsFile, JSON.stringify(header) + '\n');
  console.log(`bench on ${header.cpus} × ${header.cpu}, load average ${header.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
}
