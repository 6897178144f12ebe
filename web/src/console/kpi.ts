// The KPI report (GET /v1/reports/kpis, docs/LEADS.md "Your figures"): its columns, the URL of a
// request (JSON for the chart and table, CSV for the download link), the period presets, and the
// chart's series — one per key, a value per interval, counts of empty intervals as 0 and averages
// and rates as gaps (no conversations: no figure; nor where a row has none to average over, e.g.
// CSAT without ratings, which the report gives as 0). Plain functions.

export type By = 'all' | 'queue' | 'agent' | 'team' | 'channel';
export type Interval = '15m' | 'hour' | 'day';

export interface KpiRow {
  key: string;
  start: number;
  [metric: string]: number | string;
}

export interface KpiReport {
  from: number;
  to: number;
  by: By;
  interval: Interval;
  rows: KpiRow[];
}

export type MetricKind = 'count' | 'rate' | 'seconds' | 'score';

export interface Metric {
  id: string;
  label: string;
  kind: MetricKind;
}

/** The report's figures (its columns after key and start), as a lead reads them. */
export const metrics: readonly Metric[] = [
  { id: 'conversations', label: 'Conversations', kind: 'count' },
  { id: 'answered', label: 'Answered', kind: 'count' },
  { id: 'abandoned', label: 'Abandoned', kind: 'count' },
  { id: 'resolved', label: 'Resolved', kind: 'count' },
  { id: 'transferred', label: 'Transferred', kind: 'count' },
  { id: 'escalations', label: 'Escalations', kind: 'count' },
  { id: 'ratings', label: 'Ratings', kind: 'count' },
  { id: 'serviceLevel', label: 'Service level', kind: 'rate' },
  { id: 'asaSeconds', label: 'Speed of answer', kind: 'seconds' },
  { id: 'firstResponseSeconds', label: 'First response', kind: 'seconds' },
  { id: 'handleSeconds', label: 'Handle time', kind: 'seconds' },
  { id: 'resolutionRate', label: 'Resolution rate', kind: 'rate' },
  { id: 'fcrRate', label: 'First-contact resolution', kind: 'rate' },
  { id: 'transferRate', label: 'Transfer rate', kind: 'rate' },
  { id: 'abandonRate', label: 'Abandon rate', kind: 'rate' },
  { id: 'csat', label: 'CSAT (1–5)', kind: 'score' },
  { id: 'satisfiedRate', label: 'Satisfied (4–5)', kind: 'rate' },
  { id: 'escalationsAnswered', label: 'Escalations answered', kind: 'count' },
  { id: 'escalationAsaSeconds', label: 'Escalation speed of answer', kind: 'seconds' },
  { id: 'escalationServiceLevel', label: 'Escalation service level', kind: 'rate' },
  { id: 'occupancy', label: 'Occupancy', kind: 'rate' },
  { id: 'handlingSeconds', label: 'Handling time (total)', kind: 'seconds' },
  { id: 'staffedSeconds', label: 'Staffed time (total)', kind: 'seconds' },
];

export function metric(id: string): Metric {
  return metrics.find((m) => m.id === id) ?? metrics[0];
}

/**
 * The figures that are averages or rates over some of a row's conversations, and the count they
 * are over: where that count is 0 the report gives 0 (docs/LEADS.md: "csat … 0 when none") but
 * there is no figure — a CSAT of 0 or a service level of 0 % would read as the worst result.
 */
const over: Record<string, (n: (id: string) => number) => boolean> = {
  serviceLevel: (n) => n('answered') + n('abandoned') > 0,
  asaSeconds: (n) => n('answered') > 0,
  firstResponseSeconds: (n) => n('answered') > 0,
  handleSeconds: (n) => n('answered') > 0 && n('resolved') > 0,
  resolutionRate: (n) => n('conversations') > 0,
  fcrRate: (n) => n('answered') > 0 && n('resolved') > 0,
  transferRate: (n) => n('answered') > 0,
  abandonRate: (n) => n('conversations') > 0,
  csat: (n) => n('ratings') > 0,
  satisfiedRate: (n) => n('ratings') > 0,
  escalationAsaSeconds: (n) => n('escalationsAnswered') > 0,
  escalationServiceLevel: (n) => n('escalations') > 0,
  occupancy: (n) => n('staffedSeconds') > 0,
};

/** A row's figure as a lead reads it: null (no figure) for an average or rate over nothing. */
export function figure(row: KpiRow, metricId: string): number | null {
  const n = (id: string) => Number(row[id] ?? 0) || 0;
  const v = Number(row[metricId]);
  if (!Number.isFinite(v)) return null;
  const has = over[metricId];
  return has && !has(n) ? null : v;
}

const intervalMsTable: Record<Interval, number> = { '15m': 15 * 60_000, hour: 3_600_000, day: 86_400_000 };

export function intervalMs(interval: Interval): number {
  return intervalMsTable[interval];
}

export interface ReportQuery {
  from: number;
  to: number;
  by: By;
  interval: Interval;
}

/** The report's URL; `csv` for the download (the session cookie authenticates a plain link). */
export function kpiUrl(q: ReportQuery, csv = false): string {
  const p = new URLSearchParams({ from: String(q.from), to: String(q.to), by: q.by, interval: q.interval });
  if (csv) p.set('format', 'csv');
  return `/v1/reports/kpis?${p.toString()}`;
}

export type Preset = 'today' | '24h' | '7d' | '30d';

/** A period ending now; "today" starts at midnight UTC (the board's day and the reports' intervals). */
export function presetRange(preset: Preset, nowMs: number): { from: number; to: number } {
  const day = 86_400_000;
  switch (preset) {
    case 'today':
      return { from: Math.floor(nowMs / day) * day, to: nowMs };
    case '24h':
      return { from: nowMs - day, to: nowMs };
    case '7d':
      return { from: nowMs - 7 * day, to: nowMs };
    case '30d':
      return { from: nowMs - 30 * day, to: nowMs };
  }
}

/** The interval that keeps a period readable: 15 min up to two days, hours up to two weeks. */
export function suggestedInterval(from: number, to: number): Interval {
  const span = to - from;
  if (span <= 2 * 86_400_000) return '15m';
  if (span <= 14 * 86_400_000) return 'hour';
  return 'day';
}

export interface Series {
  key: string;
  values: (number | null)[];
  /** Sum (counts) or mean (the rest) over the period, for ranking and the legend. */
  total: number;
}

export interface Chart {
  times: number[];
  series: Series[];
  /** Keys left out to keep the chart readable (the table has them all). */
  hidden: number;
}

const maxPoints = 3000;

/**
 * One series per key over every interval of [from, to): counts are 0 where a key had no row;
 * other figures are null there (a gap, not a zero). At most `maxSeries` series, the biggest first.
 */
export function buildChart(report: Pick<KpiReport, 'from' | 'to' | 'interval' | 'rows'>, metricId: string, maxSeries = 8): Chart {
  const step = intervalMs(report.interval);
  const first = Math.floor(report.from / step) * step;
  const times: number[] = [];
  for (let t = first; t < report.to && times.length < maxPoints; t += step) times.push(t);
  const index = new Map(times.map((t, i) => [t, i]));
  const kind = metric(metricId).kind;
  const byKey = new Map<string, (number | null)[]>();
  for (const row of report.rows) {
    const i = index.get(Number(row.start));
    if (i === undefined) continue;
    let values = byKey.get(row.key);
    if (!values) byKey.set(row.key, (values = times.map(() => (kind === 'count' ? 0 : null))));
    values[i] = figure(row, metricId);
  }
  const series = [...byKey].map(([key, values]) => ({ key, values, total: summary(values, kind) }));
  series.sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  return { times, series: series.slice(0, maxSeries), hidden: Math.max(0, series.length - maxSeries) };
}

function summary(values: (number | null)[], kind: MetricKind): number {
  const present = values.filter((v): v is number => v !== null);
  const sum = present.reduce((a, b) => a + b, 0);
  if (kind === 'count') return sum;
  return present.length ? sum / present.length : 0;
}

/** A figure as a lead reads it: "83 %", "1 min 5 s", "4.2", "17". */
export function formatMetric(kind: MetricKind, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (kind) {
    case 'rate':
      return `${Math.round(v * 1000) / 10} %`;
    case 'seconds':
      return secondsWords(v);
    case 'score':
      return v.toFixed(1);
    case 'count':
      return String(Math.round(v * 100) / 100);
  }
}

function secondsWords(s: number): string {
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A key as a lead reads it: "" is "everyone" (by=all) or "nobody took it" (by=agent). */
export function keyWords(key: string, by: By): string {
  if (key) return key.startsWith('CHANNEL_') ? key.slice(8).toLowerCase() : key;
  return by === 'all' ? 'All' : by === 'agent' ? '(not answered)' : '(none)';
}
