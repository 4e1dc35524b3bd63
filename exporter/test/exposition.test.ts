import { describe, expect, it } from 'vitest';
import {
  HistogramSeries,
  SampleFamily,
  familyHeader,
  formatValue,
  labelString,
  renderFamilies,
  renderHistogram,
  type FamilyMeta,
} from '../src/metrics/exposition.js';

const counter: FamilyMeta = {
  name: 'aiwm_x_requests_total',
  type: 'counter',
  help: 'Requests.\nSecond "line" \\ here',
  unit: '',
  labels: ['a'],
};
const histogram: FamilyMeta = {
  name: 'aiwm_x_latency_seconds',
  type: 'histogram',
  help: 'Latency.',
  unit: 'seconds',
  labels: ['a'],
  buckets: [0.1, 1],
};

describe('exposition writer', () => {
  it('escapes label values and help text as the formats require', () => {
    expect(labelString(['a', 'b'], ['quote " back \\ nl \n', 'plain'])).toBe(
      'a="quote \\" back \\\\ nl \\n",b="plain"',
    );
    expect(familyHeader(counter, false)).toBe(
      '# HELP aiwm_x_requests_total Requests.\\nSecond "line" \\\\ here\n# TYPE aiwm_x_requests_total counter\n',
    );
    // OpenMetrics names the counter family without _total and escapes quotes in HELP.
    expect(familyHeader(counter, true)).toBe(
      '# TYPE aiwm_x_requests counter\n# HELP aiwm_x_requests Requests.\\nSecond \\"line\\" \\\\ here\n',
    );
    expect(familyHeader(histogram, true)).toBe(
      '# TYPE aiwm_x_latency_seconds histogram\n# UNIT aiwm_x_latency_seconds seconds\n# HELP aiwm_x_latency_seconds Latency.\n',
    );
  });

  it('formats special values', () => {
    expect([
      formatValue(1.5),
      formatValue(NaN),
      formatValue(Infinity),
      formatValue(-Infinity),
      formatValue(1e21),
    ]).toEqual(['1.5', 'NaN', '+Inf', '-Inf', '1e+21']);
  });

  it('renders cumulative histogram buckets', () => {
    const s = new HistogramSeries('a="1"', [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) s.observe(v);
    expect(Buffer.concat(renderHistogram(histogram, [s]).chunks).toString()).toBe(
      [
        'aiwm_x_latency_seconds_bucket{a="1",le="0.1"} 2',
        'aiwm_x_latency_seconds_bucket{a="1",le="1"} 3',
        'aiwm_x_latency_seconds_bucket{a="1",le="+Inf"} 4',
        'aiwm_x_latency_seconds_sum{a="1"} 3.65',
        'aiwm_x_latency_seconds_count{a="1"} 4',
        '',
      ].join('\n'),
    );
  });

  it('keeps large families in bounded chunks with exact sample counts', () => {
    const big = new SampleFamily(counter);
    for (let i = 0; i < 5000; i++) big.add(`a="${i}"`, i);
    const r = big.rendered();
    expect(r.samples).toBe(5000);
    expect(r.chunks.length).toBeGreaterThan(1);
    for (const chunk of r.chunks) expect(chunk.length).toBeLessThan(70_000);
    expect(Buffer.concat(r.chunks).toString().split('\n')).toHaveLength(5001);
  });

  it('skips families without samples', () => {
    const empty = new SampleFamily(counter);
    const full = new SampleFamily(counter);
    full.add('a="x"', 3, 'b="y"');
    expect(renderFamilies([empty.rendered()], false)).toBe('');
    expect(renderFamilies([full.rendered()], false)).toContain('aiwm_x_requests_total{a="x",b="y"} 3\n');
  });
});
