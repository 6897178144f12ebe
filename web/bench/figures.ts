// The benchmark's figures: printed one a line beside their budget as they are measured, and added
// to e2e/artifacts/bench.jsonl (started afresh by global_setup.ts with the machine's load), for
// docs/BENCHMARKS.md. Nothing here fails on a figure over budget: budgets are measured, not asserted.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { artifactsDir } from '../e2e/support/switchboard';

export const resultsFile = path.join(artifactsDir, 'bench.jsonl');

export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  budget: string;
  within: boolean | null;
  note: string;
}

function keep(f: Figure): void {
  mkdirSync(artifactsDir, { recursive: true });
  appendFileSync(resultsFile, JSON.stringify(f) + '\n');
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

function show(value: number, unit: string): string {
  if (unit === 'KB') return `${value.toFixed(1)} KB`;
  if (unit === 'ms') return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
  return `${value} ${unit}`.trim();
}

/** Prints `name: value (budget …)` and keeps it. `limit`: the budget's number in `unit`, if any. */
export function figure(name: string, value: number, unit: string, limit: number | null, note = '', budgetWords = ''): void {
  const budget = budgetWords || (limit === null ? '' : `${show(limit, unit)}`);
  const within = limit === null ? null : value <= limit;
  keep({ name, value, unit, budget, within, note });
  const verdict = within === null ? '' : within ? '' : '  ** over budget **';
  console.log(`${name}: ${show(value, unit)}${budget ? ` (budget ${budget})` : ''}${note ? ` — ${note}` : ''}${verdict}`);
}

/** A figure that could not be measured, and why. */
export function notMeasured(name: string, budget: string, why: string): void {
  keep({ name, value: null, unit: '', budget, within: null, note: why });
  console.log(`${name}: not measured (budget ${budget}) — ${why}`);
}

export function line(text: string): void {
  console.log(text);
}
