/**
 * Emitted labels equal the catalog's: every series of every family in both golden expositions carries
 * exactly its definition's label names, and every catalog metric shows up in a golden file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG, type MetricDef } from '../../src/metrics/catalog.js';

const GOLDEN_FILES = ['metrics.txt', 'metrics-write-paths.txt'];

/**
 * Catalog metrics that no golden fleet emits, with the reason. Empty today: both fleets together cover
 * every metric. A metric only emitted on data the fleets lack would be listed here.
 */
const NOT_IN_GOLDEN: Readonly<Record<string, string>> = {};

interface Series {
  family: string;
  /** The sample name: the family's, or a histogram's `_bucket`, `_sum` or `_count`. */
  sample: string;
  labels: string[];
  value: string;
  line: string;
}

/** Label names in order; values may hold escaped quotes, commas and braces. */
function labelNames(text: string): string[] {
  return [...text.matchAll(/([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*"/g)].map((m) => m[1]!);
}

/** The series of a text-format exposition, each with the family its `# TYPE` line names. */
function parse(text: string): Series[] {
  const series: Series[] = [];
  let family = '';
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) family = type[1]!;
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    series.push({ family, sample: m[1]!, labels: labelNames(m[2] ?? ''), value: m[3]!, line });
  }
  return series;
}

const golden = GOLDEN_FILES.map((file) => ({
  file,
  series: parse(readFileSync(new URL(`../golden/${file}`, import.meta.url), 'utf8')),
}));
const byName = new Map<string, MetricDef>(CATALOG.map((m) => [m.name, m]));

/** The label names a series of `def` must carry, `le` included for histogram buckets. */
function expectedLabels(def: MetricDef, s: Series): readonly string[] {
  if (def.type === 'histogram' && s.sample === `${def.name}_bucket`) return [...def.labels, 'le'];
  return def.labels;
}

describe('catalog labels', () => {
  it('puts every state set label last, where the state-set writer expects it', () => {
    for (const def of CATALOG.filter((d) => d.semantics === 'stateset')) {
      expect(def.labels.at(-1), def.name).toBe(def.stateLabel ?? 'status');
      expect(def.states?.length, def.name).toBeGreaterThan(0);
    }
  });

  it('declares zero-series labels only as a prefix of the full labels', () => {
    for (const def of CATALOG.filter((d) => d.zeroSeriesLabels)) {
      expect(def.labels.slice(0, def.zeroSeriesLabels!.length), def.name).toEqual(def.zeroSeriesLabels);
    }
  });

  for (const { file, series } of golden) {
    it(`${file}: every family is in the catalog and every series has exactly its labels`, () => {
      expect(series.length).toBeGreaterThan(100);
      for (const s of series) {
        const def = byName.get(s.family);
        expect(def, `${file}: family ${s.family} is not in the catalog`).toBeDefined();
        const suffixes = def!.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
        expect(
          suffixes.map((x) => def!.name + x),
          s.line,
        ).toContain(s.sample);
        if (def!.zeroSeriesLabels && sameSet(s.labels, def!.zeroSeriesLabels)) {
          // The documented exception (aiwm_nodes): a zero series per value, without the other labels.
          expect(s.value, s.line).toBe('0');
          continue;
        }
        expect(s.labels, s.line).toEqual(expectedLabels(def!, s));
      }
    });
  }

  it('finds every catalog metric in a golden exposition, or says why not', () => {
    const seen = new Set(golden.flatMap(({ series }) => series.map((s) => s.family)));
    const missing = CATALOG.map((m) => m.name).filter((name) => !seen.has(name) && !(name in NOT_IN_GOLDEN));
    expect(missing).toEqual([]);
    // The list stays honest: a metric that now appears leaves it.
    expect(Object.keys(NOT_IN_GOLDEN).filter((name) => seen.has(name))).toEqual([]);
  });

  it('sees the aiwm_nodes zero series the catalog declares', () => {
    const zero = golden
      .flatMap(({ series }) => series)
      .filter((s) => s.family === 'aiwm_nodes' && sameSet(s.labels, ['org_id', 'availability']));
    expect(zero.length).toBeGreaterThan(0);
  });
});

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
