// The reports tab: a period (presets or from/to), a split (queue, agent, team, channel, all), an
// interval (15 min, hour, day) and a figure; the chart of that figure per key over time, the
// same figures in a table, and a CSV link for the whole report (a plain link: the session cookie
// authenticates it). A busy server (two reports at once) is said plainly, with a retry.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { isApiError } from '../lib/errors';
import type { RestClient } from '../lib/rest';
import { errorWords } from '../staff/format';
import { buildChart, type By, figure, formatMetric, type Interval, keyWords, type KpiReport, kpiUrl, metric, metrics, type Preset, presetRange, suggestedInterval } from './kpi';
import { KpiChart, tickWords } from './kpi_chart';

const presets: { id: Preset; label: string }[] = [
  { id: 'today', label: 'Today (UTC)' },
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
];
const tableColumns = ['conversations', 'answered', 'serviceLevel', 'asaSeconds', 'handleSeconds', 'csat'];
const maxTableRows = 500;

export function KpiView({ rest }: { rest: RestClient }) {
  const [preset, setPreset] = useState<Preset | 'custom'>('24h');
  const [custom, setCustom] = useState(() => ({ from: localInput(Date.now() - 86_400_000), to: localInput(Date.now()) }));
  const [by, setBy] = useState<By>('queue');
  const [interval, setIntervalKind] = useState<Interval>('hour');
  const [metricId, setMetricId] = useState('conversations');
  const [report, setReport] = useState<KpiReport | null>(null);
  const [state, setState] = useState<{ loading: boolean; error: string }>({ loading: false, error: '' });
  const [run, setRun] = useState(0);

  const range = useMemo(() => {
    if (preset !== 'custom') return presetRange(preset, Date.now());
    return { from: new Date(custom.from).getTime() || 0, to: new Date(custom.to).getTime() || Date.now() };
  }, [preset, custom, run]);
  const query = { ...range, by, interval };

  useEffect(() => {
    let live = true;
    setState({ loading: true, error: '' });
    rest.get<KpiReport>(kpiUrl(query)).then(
      (r) => live && (setReport(r), setState({ loading: false, error: '' })),
      (e: unknown) => live && setState({ loading: false, error: reportError(e) }),
    );
    return () => void (live = false);
  }, [range.from, range.to, by, interval, run]);

  const m = metric(metricId);
  const chart = useMemo(() => (report ? buildChart(report, metricId) : null), [report, metricId]);
  return (
    <section class="kpi" aria-labelledby="kpi-heading">
      <h2 id="kpi-heading">Reports</h2>
      <form class="kpi-tools" onSubmit={(e) => (e.preventDefault(), setRun((n) => n + 1))}>
        <Pick id="kpi-period" label="Period" value={preset} onChange={(v) => {
          setPreset(v as Preset | 'custom');
          if (v !== 'custom') setIntervalKind(suggestedInterval(presetRange(v as Preset, Date.now()).from, Date.now()));
        }} options={[...presets.map((p) => [p.id, p.label] as [string, string]), ['custom', 'Custom…']]} />
        {preset === 'custom' && (
          <>
            <label for="kpi-from">From</label>
            <input id="kpi-from" type="datetime-local" class="staff-input" value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.currentTarget.value })} />
            <label for="kpi-to">To</label>
            <input id="kpi-to" type="datetime-local" class="staff-input" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.currentTarget.value })} />
          </>
        )}
        <Pick id="kpi-by" label="Split by" value={by} onChange={(v) => setBy(v as By)}
          options={[['queue', 'queue'], ['agent', 'agent'], ['team', 'team'], ['channel', 'channel'], ['all', 'everything together']]} />
        <Pick id="kpi-interval" label="Interval" value={interval} onChange={(v) => setIntervalKind(v as Interval)}
          options={[['15m', '15 minutes'], ['hour', 'hour'], ['day', 'day']]} />
        <Pick id="kpi-metric" label="Metric" value={metricId} onChange={setMetricId} options={metrics.map((x) => [x.id, x.label] as [string, string])} />
        <button type="submit" class="button small">Refresh</button>
        <a class="button small" href={kpiUrl(query, true)} download={`kpis-${by}-${interval}.csv`} data-testid="kpi-csv">Download CSV</a>
      </form>
      {state.loading && <p class="muted" role="status">Computing the report…</p>}
      {state.error && (
        <p class="form-error" role="alert">
          {state.error} <button type="button" class="link" onClick={() => setRun((n) => n + 1)}>Try again</button>
        </p>
      )}
      {chart && report && <KpiChart chart={chart} kind={m.kind} label={m.label} by={report.by} interval={report.interval} />}
      {report && <KpiTable report={report} metricId={metricId} />}
    </section>
  );
}

/** The figures of the chart and more, newest first: one row per interval and key. */
function KpiTable({ report, metricId }: { report: KpiReport; metricId: string }) {
  const m = metric(metricId);
  const rows = useMemo(() => [...report.rows].sort((a, b) => b.start - a.start || a.key.localeCompare(b.key)), [report]);
  if (rows.length === 0) return null;
  const others = tableColumns.filter((c) => c !== metricId);
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Report table">
      <table class="grid kpi-table" data-testid="kpi-table">
        <caption class="sr-only">{m.label} and other figures per {report.interval} and {report.by}</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">{report.by === 'all' ? 'Key' : report.by}</th>
            <th scope="col" class="hl">{m.label}</th>
            {others.map((c) => <th key={c} scope="col">{metric(c).label}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, maxTableRows).map((r) => (
            <tr key={`${r.start}/${r.key}`}>
              <th scope="row">{tickWords(r.start, report.interval, true)}</th>
              <td>{keyWords(r.key, report.by)}</td>
              <td class="num hl">{formatMetric(m.kind, figure(r, metricId))}</td>
              {others.map((c) => <td key={c} class="num">{formatMetric(metric(c).kind, figure(r, c))}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > maxTableRows && <p class="muted">The first {maxTableRows} of {rows.length} rows; the CSV has them all.</p>}
    </div>
  );
}

function Pick({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: [string, string][]; onChange: (v: string) => void }) {
  return (
    <>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </>
  );
}

function reportError(e: unknown): string {
  if (isApiError(e, 'busy')) return 'The server is computing other reports right now; try again in a few seconds.';
  if (isApiError(e, 'too_many')) return 'Too many conversations in this period: choose a shorter one.';
  if (isApiError(e, 'retry')) return 'The figures cannot be read right now (storage unavailable); try again shortly.';
  return errorWords(e);
}

/** A datetime-local input's value for a time. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
