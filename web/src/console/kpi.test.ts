import { describe, expect, it } from 'vitest';
import { buildChart, figure, formatMetric, keyWords, kpiUrl, presetRange, suggestedInterval } from './kpi';

const H = 3_600_000;
const row = (key: string, start: number, fields: Record<string, number>) => ({ key, start, ...fields });

describe('kpiUrl', () => {
  it('asks for JSON, or CSV for the download link', () => {
    const q = { from: 1000, to: 2000, by: 'queue' as const, interval: 'hour' as const };
    expect(kpiUrl(q)).toBe('/v1/reports/kpis?from=1000&to=2000&by=queue&interval=hour');
    expect(kpiUrl(q, true)).toBe('/v1/reports/kpis?from=1000&to=2000&by=queue&interval=hour&format=csv');
  });
});

describe('buildChart', () => {
  const report = {
    from: 10 * H + 5,
    to: 14 * H,
    interval: 'hour' as const,
    rows: [
      row('general', 10 * H, { conversations: 4, answered: 4, serviceLevel: 0.5 }),
      row('general', 12 * H, { conversations: 2, answered: 2, serviceLevel: 1 }),
      row('billing', 11 * H, { conversations: 1, answered: 1, serviceLevel: 0 }),
      row('ignored', 20 * H, { conversations: 9, answered: 9, serviceLevel: 1 }),
    ],
  };
  it('has a point per interval of the period, aligned to the interval', () => {
    expect(buildChart(report, 'conversations').times).toEqual([10 * H, 11 * H, 12 * H, 13 * H]);
  });
  it('fills counts with 0 and ranks the keys by their total', () => {
    const c = buildChart(report, 'conversations');
    expect(c.series.map((s) => [s.key, s.values])).toEqual([
      ['general', [4, 0, 2, 0]],
      ['billing', [0, 1, 0, 0]],
    ]);
  });
  it('leaves gaps in rates and averages where nothing happened', () => {
    const c = buildChart(report, 'serviceLevel');
    expect(c.series.find((s) => s.key === 'general')!.values).toEqual([0.5, null, 1, null]);
    expect(c.series.find((s) => s.key === 'general')!.total).toBe(0.75);
  });
  it('keeps the chart to the biggest keys and says how many it left out', () => {
    const many = { ...report, rows: Array.from({ length: 12 }, (_, i) => row(`q${i}`, 10 * H, { conversations: i })) };
    const c = buildChart(many, 'conversations', 8);
    expect(c.series).toHaveLength(8);
    expect(c.series[0].key).toBe('q11');
    expect(c.hidden).toBe(4);
  });
});

describe('figure', () => {
  it('gives no figure for an average or rate over nothing, which the report gives as 0', () => {
    const r = row('ben', 0, { conversations: 1, answered: 1, abandoned: 0, resolved: 1, ratings: 0, csat: 0, satisfiedRate: 0, serviceLevel: 1, escalations: 0, escalationServiceLevel: 0, staffedSeconds: 0, occupancy: 0 });
    expect(figure(r, 'csat')).toBeNull();
    expect(figure(r, 'satisfiedRate')).toBeNull();
    expect(figure(r, 'escalationServiceLevel')).toBeNull();
    expect(figure(r, 'occupancy')).toBeNull();
    expect(figure(r, 'serviceLevel')).toBe(1);
    expect(figure(r, 'ratings')).toBe(0); // a count is a figure, 0 included
    expect(figure({ ...r, ratings: 2, csat: 3.5 }, 'csat')).toBe(3.5);
    expect(figure(row('q', 0, { conversations: 2, answered: 0, abandoned: 2, serviceLevel: 0 }), 'serviceLevel')).toBe(0);
    expect(figure(row('q', 0, { conversations: 1, answered: 0, abandoned: 0, serviceLevel: 0, asaSeconds: 0 }), 'serviceLevel')).toBeNull();
    expect(figure(row('q', 0, { conversations: 1, answered: 0, asaSeconds: 0 }), 'asaSeconds')).toBeNull();
  });
  it('leaves a gap in the chart where a key had a row but nothing to average', () => {
    const c = buildChart({ from: 0, to: 2 * H, interval: 'hour', rows: [
      row('ana', 0, { conversations: 1, ratings: 1, csat: 4 }),
      row('ana', H, { conversations: 1, ratings: 0, csat: 0 }),
    ] }, 'csat');
    expect(c.series[0].values).toEqual([4, null]);
  });
});

describe('words', () => {
  it('formats figures by kind', () => {
    expect(formatMetric('rate', 0.8333)).toBe('83.3 %');
    expect(formatMetric('seconds', 65)).toBe('1 min 5 s');
    expect(formatMetric('seconds', 2.5)).toBe('2.5 s');
    expect(formatMetric('score', 4.25)).toBe('4.3');
    expect(formatMetric('count', 17)).toBe('17');
    expect(formatMetric('rate', null)).toBe('–');
  });
  it('names the empty key by what it means', () => {
    expect(keyWords('', 'all')).toBe('All');
    expect(keyWords('', 'agent')).toBe('(not answered)');
    expect(keyWords('CHANNEL_WHATSAPP', 'channel')).toBe('whatsapp');
  });
  it('picks periods and intervals', () => {
    const now = 10 * 86_400_000 + 5 * H;
    expect(presetRange('today', now)).toEqual({ from: 10 * 86_400_000, to: now });
    expect(presetRange('7d', now).from).toBe(now - 7 * 86_400_000);
    expect(suggestedInterval(0, 86_400_000)).toBe('15m');
    expect(suggestedInterval(0, 7 * 86_400_000)).toBe('hour');
    expect(suggestedInterval(0, 30 * 86_400_000)).toBe('day');
  });
});

describe('the chart’s axis', async () => {
  const { niceMax, pathOf } = await import('./kpi_chart');
  it('rounds the top so counts get whole grid lines', () => {
    expect(niceMax(3, true)).toBe(4);
    expect(niceMax(17, true)).toBe(20);
    expect(niceMax(130, true)).toBe(200);
    expect(niceMax(0.83)).toBe(1);
    expect(niceMax(2.2)).toBe(2.5);
  });
  it('lifts the pen across gaps', () => {
    expect(pathOf([1, null, 2, 3], (i) => i, (v) => v)).toBe('M0.0,1.0M2.0,2.0L3.0,3.0');
  });
});
