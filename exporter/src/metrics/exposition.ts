/**
 * Prometheus text format 0.0.4 and OpenMetrics 1.0 writing.
 *
 * The exporter renders its entity metrics once per poll from these families, so the
 * scrape path only concatenates prepared buffers (see server.ts). Sample lines are the
 * same in both formats; only the metadata lines and the final `# EOF` differ.
 */
import { createHash } from 'node:crypto';

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface FamilyMeta {
  /** Full sample name; counters end in `_total`. */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Base unit named by the metric's suffix (seconds, bytes, ratio, celsius, watts, usd) or ''. */
  readonly unit: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/**
 * The longest label value the exporter writes, in UTF-8 bytes (what Prometheus's `label_value_length_limit`
 * counts). Room for any DNS name (253), so host-name joins never break on a real name.
 */
export const MAX_LABEL_VALUE_BYTES = 256;

/** Ends a cut label value, before 8 hex digits of the whole value's SHA-256. */
export const TRUNCATION_MARK = '…';

/**
 * `value` when it fits MAX_LABEL_VALUE_BYTES; else its longest prefix (whole code points) that leaves
 * room for TRUNCATION_MARK and 8 hex digits of the whole value's SHA-256. Deterministic and idempotent; two
 * long values with the same prefix still read differently (the hash), so cutting does not merge series.
 */
export function boundLabelValue(value: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (value.length * 3 <= MAX_LABEL_VALUE_BYTES || Buffer.byteLength(value) <= MAX_LABEL_VALUE_BYTES) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  const budget = MAX_LABEL_VALUE_BYTES - Buffer.byteLength(TRUNCATION_MARK) - hash.length;
  let kept = 0;
  let bytes = 0;
  for (const ch of value) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > budget) break;
    bytes += size;
    kept += ch.length;
  }
  return value.slice(0, kept) + TRUNCATION_MARK + hash;
}

/**
 * A label value as the text format writes it. Values longer than MAX_LABEL_VALUE_BYTES are cut here too
 * (the sources cut and count them first: this is the guarantee for every family, self-metrics included).
 */
export function escapeLabelValue(value: string): string {
  if (value.length * 3 > MAX_LABEL_VALUE_BYTES) value = boundLabelValue(value);
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** `a="x",b="y"` (no braces) from alternating names and values; values are escaped. */
export function labelString(names: readonly string[], values: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) {
    if (i > 0) parts.push(',');
    parts.push(names[i]!, '="', escapeLabelValue(values[i] ?? ''), '"');
  }
  // join() returns a flat string: label strings are reused by many samples, so keep them cheap to copy.
  return parts.join('');
}

// ---- Label strings typed by their label names ------------------------------------------------

declare const labelNames: unique symbol;

/** `'a,b,c'` for `['a', 'b', 'c']`: a label string's names as one literal type, readable in type errors. */
type Joined<N extends readonly string[]> = N extends readonly [infer H extends string, ...infer T extends string[]]
  ? T extends readonly []
    ? H
    : `${H},${Joined<T>}`
  : '';

/**
 * A prepared label string (`a="x",b="y"`, no braces) whose names are exactly `N`, in that order. A family
 * typed by a catalog tuple accepts only these, so a missing, extra or misspelt label is a type error.
 * Families with untyped names (`readonly string[]`) take plain strings.
 */
export type LabelString<N extends readonly string[]> = number extends N['length']
  ? string
  : string & { readonly [labelNames]: Joined<N> };

/** One value per name, in the names' order. */
export type LabelValues<N extends readonly string[]> = { readonly [I in keyof N]: string };

/** `N` without its last name (untyped names stay untyped). */
export type LabelsBefore<N extends readonly string[]> = number extends N['length']
  ? N
  : N extends readonly [...infer I extends string[], string]
    ? I
    : never;

/**
 * Builds the label strings of one tuple of names. The `name="` parts are prepared once per tuple (schemas
 * are shared through labelSchema), so a label string costs only its values.
 */
export class LabelSchema<N extends readonly string[]> {
  /** `name="` per label, with the separating comma for every label but the first. */
  private readonly heads: readonly string[];
  private readonly stateTails = new Map<readonly string[], readonly string[]>();

  constructor(readonly names: N) {
    this.heads = names.map((name, i) => (i === 0 ? '' : ',') + name + '="');
  }

  /** Every label, values in catalog order. */
  of(...values: LabelValues<N>): LabelString<N> {
    const parts: string[] = [];
    for (let i = 0; i < this.heads.length; i++) parts.push(this.heads[i]!, escapeLabelValue(values[i] ?? ''), '"');
    return parts.join('') as LabelString<N>;
  }

  /**
   * A label string that starts with `prefix` (the leading labels, e.g. an entity's org and id built
   * once and shared by its families) followed by the values of the last one to three labels. Fixed
   * parameters rather than a rest array: this runs per sample.
   */
  after(prefix: LabelString<LabelsBefore<N>>, a: string): LabelString<N>;
  after(prefix: LabelString<LabelsBefore<LabelsBefore<N>>>, a: string, b: string): LabelString<N>;
  after(
    prefix: LabelString<LabelsBefore<LabelsBefore<LabelsBefore<N>>>>,
    a: string,
    b: string,
    c: string,
  ): LabelString<N>;
  after(prefix: string, a: string, b?: string, c?: string): string {
    const from = this.heads.length - (c !== undefined ? 3 : b !== undefined ? 2 : 1);
    // heads[0] has no comma, and the prefix is '' exactly when it holds no label: no separator to fix up.
    let out = prefix + this.heads[from]! + escapeLabelValue(a) + '"';
    if (b !== undefined) out += this.heads[from + 1]! + escapeLabelValue(b) + '"';
    if (c !== undefined) out += this.heads[from + 2]! + escapeLabelValue(c) + '"';
    return out;
  }

  /**
   * The labels before the last one, from `prefix` and the value of the label just before the last: the
   * prefix of a state set that carries another label before its state (aiwm_node_status's raw `status`).
   */
  beforeLast(prefix: LabelString<LabelsBefore<LabelsBefore<N>>>, a: string): LabelString<LabelsBefore<N>> {
    return (prefix + this.heads[this.heads.length - 2]! + escapeLabelValue(a) + '"') as LabelString<LabelsBefore<N>>;
  }

  /** `,last="state"` for each state: the suffixes of a state set whose state is the last label, kept per states array. */
  tailsFor(states: readonly string[]): readonly string[] {
    let tails = this.stateTails.get(states);
    if (!tails) {
      const head = this.heads[this.heads.length - 1]!;
      tails = states.map((state) => head + escapeLabelValue(state) + '"');
      this.stateTails.set(states, tails);
    }
    return tails;
  }
}

const schemas = new WeakMap<readonly string[], LabelSchema<readonly string[]>>();

/** The schema of a names array, shared by every family and poll that uses the same (catalog) array. */
export function labelSchema<const N extends readonly string[]>(names: N): LabelSchema<N> {
  let schema = schemas.get(names);
  if (!schema) schemas.set(names, (schema = new LabelSchema<readonly string[]>(names)));
  return schema as LabelSchema<N>;
}

/**
 * What a family's series may carry: its full label set, or the `zeroSeriesLabels` its definition
 * declares for the zero series it writes so every value of a label exists.
 */
export type SeriesLabels<Meta extends FamilyMeta> =
  | LabelString<Meta['labels']>
  | (Meta extends { readonly zeroSeriesLabels: infer Z extends readonly string[] } ? LabelString<Z> : never);

/** Raw extra label fragments are for untyped families only (tests, self-metrics). */
type RawExtra<N extends readonly string[]> = number extends N['length'] ? string : never;

export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

function joinLabels(labels: string, extra: string): string {
  if (labels === '') return extra;
  if (extra === '') return labels;
  return labels + ',' + extra;
}

/** Header lines of one family in the given format. */
export function familyHeader(meta: FamilyMeta, openMetrics: boolean): string {
  if (!openMetrics) {
    const help = meta.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    return `# HELP ${meta.name} ${help}\n# TYPE ${meta.name} ${meta.type}\n`;
  }
  const base = meta.type === 'counter' ? meta.name.replace(/_total$/, '') : meta.name;
  const help = meta.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  let out = `# TYPE ${base} ${meta.type}\n`;
  // OpenMetrics requires the family name to end with the unit it declares.
  if (meta.unit !== '' && base.endsWith('_' + meta.unit)) out += `# UNIT ${base} ${meta.unit}\n`;
  return out + `# HELP ${base} ${help}\n`;
}

/**
 * Collects exposition text as a list of Buffers of about 64 KiB: large expositions never become
 * one giant string (costly to flatten, copy and collect) and can be written out piece by piece.
 */
export class ChunkWriter {
  private static readonly SIZE = 65_536;
  private buffer = Buffer.allocUnsafe(ChunkWriter.SIZE);
  private offset = 0;
  private readonly chunks: Buffer[] = [];
  samples = 0;

  /** Encodes straight into the current chunk (no intermediate strings to flatten and collect). */
  write(text: string): void {
    // Worst case 3 bytes per UTF-16 unit.
    if (this.offset + text.length * 3 > ChunkWriter.SIZE) {
      this.flush();
      if (text.length * 3 > ChunkWriter.SIZE) {
        this.chunks.push(Buffer.from(text));
        return;
      }
    }
    this.offset += this.buffer.write(text, this.offset, 'utf8');
  }

  private flush(): void {
    if (this.offset === 0) return;
    this.chunks.push(this.buffer.subarray(0, this.offset));
    this.buffer = Buffer.allocUnsafe(ChunkWriter.SIZE);
    this.offset = 0;
  }

  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }
}

/** Accumulates the sample lines of one gauge or counter family. */
export class SampleFamily<Meta extends FamilyMeta = FamilyMeta> {
  private readonly out = new ChunkWriter();
  /** Builds this family's label strings. */
  readonly labels: LabelSchema<Meta['labels']>;
  constructor(readonly meta: Meta) {
    this.labels = labelSchema(meta.labels);
  }

  /**
   * `labels` is a prepared label string of the family's label names (see LabelSchema); an untyped family
   * may add raw `extra` labels, e.g. `status="online"`.
   */
  add(labels: SeriesLabels<Meta>, value: number, extra: RawExtra<Meta['labels']> | '' = ''): void {
    this.line(joinLabels(labels, extra), value);
  }

  /**
   * One series per state, 1 for `current`: the state is the family's last label (its catalog `stateLabel`).
   * `states` should be a long-lived array (the catalog's): its label suffixes are prepared once per array.
   */
  addStateSet(prefix: LabelString<LabelsBefore<Meta['labels']>>, states: readonly string[], current: string): void {
    const tails = this.labels.tailsFor(states);
    for (let i = 0; i < states.length; i++) this.line(prefix + tails[i]!, states[i] === current ? 1 : 0);
  }

  private line(labels: string, value: number): void {
    this.out.write(
      labels === ''
        ? this.meta.name + ' ' + formatValue(value) + '\n'
        : this.meta.name + '{' + labels + '} ' + formatValue(value) + '\n',
    );
    this.out.samples++;
  }

  rendered(): RenderedFamily {
    return { meta: this.meta, chunks: this.out.finish(), samples: this.out.samples };
  }
}

/** Cumulative histogram state for one label set; buckets are upper bounds without +Inf. */
export class HistogramSeries<N extends readonly string[] = readonly string[]> {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly labels: LabelString<N>,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    // Buckets are stored non-cumulatively and summed when rendering.
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    if (i < this.bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export function renderHistogram<Meta extends FamilyMeta>(
  meta: Meta,
  series: Iterable<HistogramSeries<Meta['labels']>>,
): RenderedFamily {
  const out = new ChunkWriter();
  for (const s of series) {
    let cumulative = 0;
    let text = '';
    for (let i = 0; i < s.bounds.length; i++) {
      cumulative += s.counts[i]!;
      text += `${meta.name}_bucket{${joinLabels(s.labels, `le="${formatValue(s.bounds[i]!)}"`)}} ${cumulative}\n`;
    }
    const braces = s.labels === '' ? '' : `{${s.labels}}`;
    text += `${meta.name}_bucket{${joinLabels(s.labels, 'le="+Inf"')}} ${s.count}\n`;
    text += `${meta.name}_sum${braces} ${formatValue(s.sum)}\n`;
    text += `${meta.name}_count${braces} ${s.count}\n`;
    out.write(text);
    out.samples += s.bounds.length + 3;
  }
  return { meta, chunks: out.finish(), samples: out.samples };
}

/** A rendered family: metadata plus its sample lines, ready for either format. */
export interface RenderedFamily {
  readonly meta: FamilyMeta;
  readonly chunks: readonly Buffer[];
  readonly samples: number;
}

/** The parts of an exposition in one format: each family's header followed by its sample chunks. */
export function expositionParts(families: Iterable<RenderedFamily>, openMetrics: boolean): Buffer[] {
  const parts: Buffer[] = [];
  for (const f of families) {
    if (f.samples === 0) continue;
    parts.push(Buffer.from(familyHeader(f.meta, openMetrics)), ...f.chunks);
  }
  return parts;
}

export function renderFamilies(families: Iterable<RenderedFamily>, openMetrics: boolean): string {
  return Buffer.concat(expositionParts(families, openMetrics)).toString();
}
