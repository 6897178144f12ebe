// A line chart of one KPI over time, one line per key, drawn as plain SVG (no chart library: a
// few hundred points at most, and the bundle stays small). Gaps where a figure does not exist;
// pointing at the chart reads out every key's value at that interval. The table beside it has
// the same figures for screen readers and copying.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Chart, formatMetric, type Interval, keyWords, type By, type MetricKind } from './kpi';

export const palette = ['#2f4bd6', '#c2410c', '#15803d', '#9333ea', '#0e7490', '#be185d', '#4d7c0f', '#475569'];

const H = 280;
const left = 64;
const right = 14;
const top = 12;
const bottom = 30;

export interface KpiChartProps {
  chart: Chart;
  kind: MetricKind;
  label: string;
  by: By;
  interval: Interval;
}

export function KpiChart({ chart, kind, label, by, interval }: KpiChartProps) {
  const [hover, setHover] = useState<number | null>(null);
  const box = useRef<HTMLElement>(null);
  const W = useWidth(box, 820);
  const n = chart.times.length;
  if (n === 0 || chart.series.length === 0) return <p class="muted">No conversations in this period.</p>;
  const max = niceMax(Math.max(kind === 'rate' ? 1 : 0, ...chart.series.flatMap((s) => s.values.map((v) => v ?? 0))), kind === 'count');
  const x = (i: number) => left + (n === 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (n - 1));
  const y = (v: number) => top + (1 - v / max) * (H - top - bottom);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const xTicks = pickTicks(n, 6);
  const onMove = (e: MouseEvent) => {
    const svg = e.currentTarget as SVGSVGElement;
    const r = svg.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * W;
    setHover(Math.max(0, Math.min(n - 1, Math.round(((px - left) / (W - left - right)) * (n - 1)))));
  };
  return (
    <figure class="kpi-chart" ref={box}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Chart: ${label} by ${by}, per ${interval} (the table below has the numbers)`}
        onMouseMove={onMove} onMouseLeave={() => setHover(null)} data-testid="kpi-chart">
        {yTicks.map((v) => (
          <g key={v}>
            <line x1={left} x2={W - right} y1={y(v)} y2={y(v)} class="grid-line" />
            <text x={left - 6} y={y(v) + 4} text-anchor="end" class="axis">{formatMetric(kind, v)}</text>
          </g>
        ))}
        {xTicks.map((i) => (
          <text key={i} x={x(i)} y={H - 8} text-anchor="middle" class="axis">{tickWords(chart.times[i], interval)}</text>
        ))}
        {chart.series.map((s, k) => (
          <g key={s.key} stroke={palette[k % palette.length]} fill={palette[k % palette.length]}>
            <path d={pathOf(s.values, x, y)} fill="none" stroke-width={2} />
            {s.values.map((v, i) => (v !== null && (n < 60 || isolated(s.values, i)) ? <circle key={i} cx={x(i)} cy={y(v)} r={2.5} /> : null))}
          </g>
        ))}
        {hover !== null && <line x1={x(hover)} x2={x(hover)} y1={top} y2={H - bottom} class="hover-line" />}
      </svg>
      <figcaption>
        <ul class="legend">
          {chart.series.map((s, k) => (
            <li key={s.key}>
              <span class="swatch" style={{ background: palette[k % palette.length] }} aria-hidden="true" />
              {keyWords(s.key, by)}
              {hover !== null && <strong> {formatMetric(kind, s.values[hover])}</strong>}
            </li>
          ))}
          {chart.hidden > 0 && <li class="muted">+{chart.hidden} more in the table</li>}
        </ul>
        {hover !== null && <p class="muted kpi-at">{tickWords(chart.times[hover], interval, true)}</p>}
      </figcaption>
    </figure>
  );
}

/** The element's inner width in px, followed as it changes (the chart draws at 1:1, text stays 11 px). */
function useWidth(box: { current: HTMLElement | null }, fallback: number): number {
  const [w, setW] = useState(fallback);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(([e]) => e.contentRect.width > 0 && setW(Math.round(e.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return w;
}

/** An SVG path through the points, lifting the pen across gaps. */
export function pathOf(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

function isolated(values: (number | null)[], i: number): boolean {
  return (i === 0 || values[i - 1] === null) && (i === values.length - 1 || values[i + 1] === null);
}

/** A round top for the y axis; for counts one whose quarters (the grid lines) are whole numbers. */
export function niceMax(v: number, whole = false): number {
  if (v <= 0) return whole ? 4 : 1;
  if (whole && v <= 40) return Math.ceil(v / 4) * 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of whole ? [1, 2, 4, 10] : [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function pickTicks(n: number, want: number): number[] {
  if (n <= want) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil((n - 1) / (want - 1));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

const hm = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dm = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export function tickWords(t: number, interval: Interval, long = false): string {
  const d = new Date(t);
  if (interval === 'day') return dm.format(d);
  return long || d.getHours() + d.getMinutes() === 0 ? `${dm.format(d)} ${hm.format(d)}` : hm.format(d);
}
