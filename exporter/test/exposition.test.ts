import { describe, expect, it } from 'vitest';
import {
  MAX_LABEL_VALUE_BYTES,
  TRUNCATION_MARK,
  boundLabelValue,
  escapeLabelValue,
  labelSchema,
  HistogramSeries,
  SampleFamily,
  familyHeader,
  formatValue,
  labelString,
  renderFamilies,
  renderHistogram,
  type FamilyMeta,
} from '../src/metrics/exposition.js';
import { SelfMetrics } from '../src/metrics/self.js';

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

describe('label value length', () => {
  const bytes = (text: string) => Buffer.byteLength(text);

  it(`keeps values up to ${MAX_LABEL_VALUE_BYTES} bytes as they are`, () => {
    for (const value of ['', 'gpu-01', 'x'.repeat(MAX_LABEL_VALUE_BYTES), 'é'.repeat(MAX_LABEL_VALUE_BYTES / 2)])
      expect(boundLabelValue(value)).toBe(value);
  });

  it('cuts longer values on a character boundary, marked and told apart by a hash', () => {
    const long = 'x'.repeat(MAX_LABEL_VALUE_BYTES + 1);
    const cut = boundLabelValue(long);
    expect(bytes(cut)).toBe(MAX_LABEL_VALUE_BYTES);
    expect(cut).toMatch(new RegExp(`^x+${TRUNCATION_MARK}[0-9a-f]{8}$`));
    expect(boundLabelValue(cut)).toBe(cut);
    // Same prefix, different tails: still two values.
    expect(boundLabelValue(long + 'a')).not.toBe(boundLabelValue(long + 'b'));
    // 4-byte characters (surrogate pairs in JavaScript) are never split.
    const emoji = boundLabelValue('🚀'.repeat(100));
    expect(bytes(emoji)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
    expect(emoji).toMatch(new RegExp(`^(🚀)+${TRUNCATION_MARK}[0-9a-f]{8}$`, 'u'));
    expect(emoji).not.toContain('\uFFFD');
  });

  it('bounds every label value the writer escapes, whatever its source', () => {
    const long = '"'.repeat(300);
    const escaped = escapeLabelValue(long);
    expect(escaped).toBe(escapeLabelValue(boundLabelValue(long)));
    expect(bytes(escaped.replace(/\\(.)/g, '$1'))).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
    const schema = labelSchema(['org_id', 'name'] as const);
    expect(schema.of('org-a', 'n'.repeat(1000))).toBe(`org_id="org-a",name="${boundLabelValue('n'.repeat(1000))}"`);
  });
});

describe('self-metrics of tenancy', () => {
  it('writes entities over limit per collection and per org, dropping orgs back within their share', async () => {
    const self = new SelfMetrics('test');
    self.setEntitiesOverLimit(
      'nodes',
      5,
      new Map([
        ['org-a', 3],
        ['org-b', 2],
      ]),
    );
    self.setEntitiesOverLimit('agents', 1, new Map([['org-a', 1]]));
    self.setEntitiesOverLimit('nodes', 4, new Map([['org-a', 4]]));
    const text = await self.render(false);
    const lines = text.split('\n').filter((l) => /^aiwm_exporter_(org_)?entities_over_limit\{/.test(l));
    expect(lines.sort()).toEqual([
      'aiwm_exporter_entities_over_limit{collection="agents"} 1',
      'aiwm_exporter_entities_over_limit{collection="nodes"} 4',
      'aiwm_exporter_org_entities_over_limit{collection="agents",org_id="org-a"} 1',
      'aiwm_exporter_org_entities_over_limit{collection="nodes",org_id="org-a"} 4',
    ]);
  });

  it('counts cut label values apart from malformed documents and fields', async () => {
    const self = new SelfMetrics('test');
    self.countInvalid('nodes', 'long_value', 'name', 2);
    self.countInvalid('nodes', 'bad_field', 'os', 1);
    self.countInvalid('nodes', 'wrong_type', 'status', 1);
    const text = await self.render(false);
    expect(text).toContain('aiwm_exporter_label_values_truncated_total{collection="nodes",field="name"} 2\n');
    expect(text).toContain('aiwm_exporter_invalid_fields_total{collection="nodes",field="os"} 1\n');
    expect(text).toContain('aiwm_exporter_invalid_documents_total{collection="nodes",reason="wrong_type"} 1\n');
    expect(text).not.toMatch(/reason="long_value"/);
  });
});
