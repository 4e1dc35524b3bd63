/**
 * Prometheus text format 0.0.4 and OpenMetrics 1.0 writing.
 *
 * The exporter renders its entity metrics once per poll from these families, so the
 * scrape path only concatenates prepared buffers (see server.ts). Sample lines are the
 * same in both formats; only the metadata lines and the final `# EOF` differ.
 */

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

export function escapeLabelValue(value: string): string {
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
export class SampleFamily {
  private readonly out = new ChunkWriter();
  constructor(readonly meta: FamilyMeta) {}

  /** `labels` is a prepared label string (see labelString); `extra` more labels, e.g. `status="online"`. */
  add(labels: string, value: number, extra = ''): void {
    const all = joinLabels(labels, extra);
    this.out.write(
      all === ''
        ? this.meta.name + ' ' + formatValue(value) + '\n'
        : this.meta.name + '{' + all + '} ' + formatValue(value) + '\n',
    );
    this.out.samples++;
  }

  rendered(): RenderedFamily {
    return { meta: this.meta, chunks: this.out.finish(), samples: this.out.samples };
  }
}

/** Cumulative histogram state for one label set; buckets are upper bounds without +Inf. */
export class HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly labels: string,
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

export function renderHistogram(meta: FamilyMeta, series: Iterable<HistogramSeries>): RenderedFamily {
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
