// The console's Reports tab read off the page (its table, chart and CSV) and checked against the
// report the server gives for the same request (GET /v1/reports/kpis): console.spec.ts's reports
// test uses these.
import { expect, type Page, type Response } from '@playwright/test';
import { staffFetch } from './staff_rest';

/** The report's columns, in order (docs/LEADS.md "The columns"): JSON members and the CSV header. */
const kpiColumns = ['key', 'start', 'conversations', 'answered', 'abandoned', 'resolved', 'transferred', 'escalations', 'ratings',
  'serviceLevel', 'asaSeconds', 'firstResponseSeconds', 'handleSeconds', 'resolutionRate', 'fcrRate', 'transferRate', 'abandonRate',
  'csat', 'satisfiedRate', 'escalationsAnswered', 'escalationAsaSeconds', 'escalationServiceLevel', 'occupancy', 'handlingSeconds', 'staffedSeconds'];

type KpiRow = Record<string, number | string>;
export interface KpiReport { from: number; to: number; by: string; interval: string; rows: KpiRow[] }
type Kind = 'count' | 'rate' | 'seconds' | 'score';

/** The table's columns as the page labels them, and what they are. */
const tableLabels: Record<string, [string, Kind]> = {
  Conversations: ['conversations', 'count'],
  Answered: ['answered', 'count'],
  'Service level': ['serviceLevel', 'rate'],
  'Speed of answer': ['asaSeconds', 'seconds'],
  'Handle time': ['handleSeconds', 'seconds'],
  'CSAT (1–5)': ['csat', 'score'],
};

/**
 * A figure of a row as a lead should read it: null ("–") where the report says there is none —
 * an average or rate over nothing (docs/LEADS.md: "csat … 0 when none"; a service level of no
 * answered or abandoned conversation; a speed of answer of none answered).
 */
function shownFigure(row: KpiRow, id: string): number | null {
  const n = (k: string) => Number(row[k] ?? 0);
  const over: Record<string, boolean> = {
    serviceLevel: n('answered') + n('abandoned') > 0,
    asaSeconds: n('answered') > 0,
    handleSeconds: n('answered') > 0 && n('resolved') > 0,
    csat: n('ratings') > 0,
  };
  return id in over && !over[id] ? null : n(id);
}

/** Reads back a figure as the page shows it ("83.3 %", "1 min 5 s", "4.5", "17", "–"). */
function readFigure(kind: Kind, text: string): number | null {
  const t = text.trim();
  if (t === '–') return null;
  const parsers: Record<Kind, () => number> = {
    count: () => Number(t),
    score: () => Number(t),
    rate: () => Number(/^(-?[\d.]+) %$/.exec(t)?.[1] ?? NaN) / 100,
    seconds: () => {
      let m = /^([\d.]+) s$/.exec(t);
      if (m) return Number(m[1]);
      m = /^(\d+) min (\d+) s$/.exec(t);
      if (m) return Number(m[1]) * 60 + Number(m[2]);
      m = /^(\d+) h (\d+) min$/.exec(t);
      return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 : NaN;
    },
  };
  return parsers[kind]();
}

/** How far a shown figure may be from the report's (the page rounds as a lead reads it). */
function slack(kind: Kind, v: number): number {
  if (kind === 'count') return 0.005;
  if (kind === 'rate') return 0.0005 + 1e-9;
  if (kind === 'score') return 0.05 + 1e-9;
  return v < 60 ? 0.05 + 1e-9 : v < 3600 ? 0.5 + 1e-9 : 60;
}

function expectShown(what: string, kind: Kind, text: string, expected: number | null): void {
  const shown = readFigure(kind, text);
  if (expected === null) {
    expect(text.trim(), what).toBe('–');
    return;
  }
  expect(shown, `${what}: "${text}"`).not.toBeNull();
  expect(Math.abs((shown as number) - expected), `${what}: shown "${text}", the report has ${expected}`).toBeLessThanOrEqual(slack(kind, expected));
}

function keyWords(key: string, by: string): string {
  if (key) return key.startsWith('CHANNEL_') ? key.slice(8).toLowerCase() : key;
  return by === 'all' ? 'All' : by === 'agent' ? '(not answered)' : '(none)';
}

/** CSV as the server writes it (no quoted commas in our keys; quotes are taken off). */
function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trim().split(/\r?\n/).map((l) => l.split(',').map((c) => c.replace(/^"(.*)"$/, '$1')));
  return { header: lines[0], rows: lines.slice(1) };
}

const intervalMs: Record<string, number> = { '15m': 15 * 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * The Reports tab for one split and interval, against the report the server gives for the very
 * parameters the page asked with: the table (every row and shown figure), the chart (its keys,
 * and each key's figure at the last interval when pointed at), and the CSV the link downloads.
 */
export async function checkReport(lead: Page, response: Promise<Response>, by: string, interval: string): Promise<KpiReport> {
  const asked = new URL((await response).url());
  expect(asked.pathname).toBe('/v1/reports/kpis');
  expect(asked.searchParams.get('by')).toBe(by);
  expect(asked.searchParams.get('interval')).toBe(interval);
  expect(asked.searchParams.get('format')).toBeNull();
  const from = Number(asked.searchParams.get('from'));
  const to = Number(asked.searchParams.get('to'));
  expect(to - from).toBe(86_400_000); // the default period: the last 24 hours
  expect(Math.abs(to - Date.now())).toBeLessThan(10 * 60_000);
  const got = await staffFetch<KpiReport>(lead, 'GET', `${asked.pathname}${asked.search}`);
  expect(got.status, got.text).toBe(200);
  const report = got.body;
  expect(report.rows.length).toBeGreaterThan(0);
  for (const row of report.rows) expect(Object.keys(row)).toEqual(kpiColumns);

  // The table: newest first, then by key; every shown figure the report's.
  const table = lead.getByTestId('kpi-table');
  const expectedRows = [...report.rows].sort((a, b) => Number(b.start) - Number(a.start) || String(a.key).localeCompare(String(b.key)));
  await expect(table.locator('tbody tr')).toHaveCount(expectedRows.length);
  const headers = await table.locator('thead th').allTextContents(); // innerText is upper-cased by the CSS
  expect(headers[1].toLowerCase()).toBe(by);
  const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent ?? '')));
  const when = await lead.evaluate(({ starts, interval }) => {
    const hm = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    const dm = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
    return starts.map((t) => (interval === 'day' ? dm.format(new Date(t)) : `${dm.format(new Date(t))} ${hm.format(new Date(t))}`));
  }, { starts: expectedRows.map((r) => Number(r.start)), interval });
  const tableRows: KpiRow[] = [];
  expectedRows.forEach((row, i) => {
    const line = cells[i];
    const where = `${by}/${interval} table row ${i + 1} (${row.key} at ${new Date(Number(row.start)).toISOString()})`;
    expect(line[0], `${where}: from`).toBe(when[i]);
    expect(line[1], `${where}: key`).toBe(keyWords(String(row.key), by));
    for (let c = 2; c < headers.length; c += 1) {
      const [id, kind] = tableLabels[headers[c]] ?? [];
      expect(id, `${where}: an unknown column "${headers[c]}"`).toBeDefined();
      expectShown(`${where}: ${headers[c]}`, kind, line[c], shownFigure(row, id));
    }
    tableRows.push(row);
  });

  // The chart: a line per key (the 8 biggest by conversations), named in the legend; pointing at
  // its right end gives each key's conversations in the last interval.
  const step = intervalMs[interval];
  const first = Math.floor(from / step) * step;
  const last = first + Math.floor((to - 1 - first) / step) * step;
  const totals = new Map<string, number>();
  for (const r of report.rows) totals.set(String(r.key), (totals.get(String(r.key)) ?? 0) + Number(r.conversations));
  const keys = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 8).map(([k]) => k);
  const chart = lead.getByTestId('kpi-chart');
  await expect(chart).toHaveAccessibleName(`Chart: Conversations by ${by}, per ${interval} (the table below has the numbers)`);
  const legend = lead.locator('.kpi-chart .legend > li');
  await lead.mouse.move(0, 0);
  await expect(legend).toHaveText(keys.map((k) => keyWords(k, by)));
  const box = (await chart.boundingBox())!;
  await lead.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
  const atLast = keys.map((k) => {
    const row = report.rows.find((r) => r.key === k && Number(r.start) === last);
    return `${keyWords(k, by)} ${row ? Number(row.conversations) : 0}`;
  });
  await expect(legend).toHaveText(atLast);
  await lead.mouse.move(0, 0);

  // The CSV: the same columns, one line per row of the report and of the table.
  const link = lead.getByRole('link', { name: 'Download CSV' });
  const [download] = await Promise.all([lead.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(`kpis-${by}-${interval}.csv`);
  const csvUrl = new URL(download.url());
  expect(csvUrl.searchParams.get('format')).toBe('csv');
  for (const p of ['from', 'to', 'by', 'interval']) expect(csvUrl.searchParams.get(p), `the CSV's ${p}`).toBe(asked.searchParams.get(p));
  const { readFile } = await import('node:fs/promises');
  const csv = parseCsv(await readFile((await download.path())!, 'utf8'));
  expect(csv.header).toEqual(kpiColumns);
  expect(csv.rows).toHaveLength(report.rows.length);
  const csvRows = csv.rows.map((cells) => Object.fromEntries(kpiColumns.map((c, i) => [c, c === 'key' ? cells[i] : Number(cells[i])])) as KpiRow);
  report.rows.forEach((row, i) => {
    for (const c of kpiColumns) {
      if (c === 'key') expect(csvRows[i].key, `CSV row ${i + 1} key`).toBe(row.key);
      else expect(Math.abs(Number(csvRows[i][c]) - Number(row[c])), `CSV row ${i + 1} ${c}: ${csvRows[i][c]} vs ${row[c]}`).toBeLessThan(1e-9 + Math.abs(Number(row[c])) * 1e-3);
    }
  });
  // … and the table's rows are the CSV's, figure for figure.
  tableRows.forEach((row, i) => {
    const inCsv = csvRows.find((r) => r.key === row.key && Number(r.start) === Number(row.start));
    expect(inCsv, `table row ${i + 1} in the CSV`).toBeDefined();
    for (let c = 2; c < headers.length; c += 1) {
      const [id, kind] = tableLabels[headers[c]];
      expectShown(`${by}/${interval} table row ${i + 1} against the CSV: ${headers[c]}`, kind, cells[i][c], shownFigure(inCsv!, id));
    }
  });
  return report;
}
