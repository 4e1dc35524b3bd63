/**
 * Per-entity rendering kept across polls (nodes, resources): each entity's sample lines are kept per
 * family, and each family's chunks are built per block of entities in `_id` order. A poll re-renders
 * only the entities whose document (or clock-dependent state) changed, and rebuilds only the blocks
 * whose lines of that family changed: an unchanged block returns the same Buffer object, which the
 * snapshot does not compress again. The text is exactly what rendering every entity in `_id` order
 * gives.
 */
import {
  formatValue,
  labelSchema,
  type FamilyMeta,
  type LabelSchema,
  type LabelString,
  type LabelsBefore,
  type RenderedFamily,
  type SeriesLabels,
} from '../metrics/exposition.js';
import type { MetricDef } from '../metrics/catalog.js';

/** One entity's sample lines of one family, gathered while it renders; take() hands them over. */
export class LineFamily<Meta extends FamilyMeta = FamilyMeta> {
  readonly labels: LabelSchema<Meta['labels']>;
  private readonly open: string;
  private readonly parts: string[] = [];
  private count = 0;

  constructor(readonly meta: Meta) {
    this.labels = labelSchema(meta.labels);
    this.open = meta.name + '{';
  }

  /** `labels` is a prepared label string of the family's label names (see LabelSchema). */
  add(labels: SeriesLabels<Meta>, value: number): void {
    if (labels === '') this.parts.push(this.meta.name, ' ', formatValue(value), '\n');
    else this.parts.push(this.open, labels, '} ', formatValue(value), '\n');
    this.count++;
  }

  /** One series per state, 1 for `current` (as SampleFamily.addStateSet). */
  addStateSet(prefix: LabelString<LabelsBefore<Meta['labels']>>, states: readonly string[], current: string): void {
    const tails = this.labels.tailsFor(states);
    for (let i = 0; i < states.length; i++)
      this.parts.push(this.open, prefix, tails[i]!, '} ', states[i] === current ? '1' : '0', '\n');
    this.count += states.length;
  }

  /** The lines added since the last take, as one flat string, and how many. */
  take(): { text: string; samples: number } {
    // join() makes one flat string: kept for many polls, a rope of the parts would cost far more.
    const out = { text: this.parts.length === 0 ? '' : this.parts.join(''), samples: this.count };
    this.parts.length = 0;
    this.count = 0;
    return out;
  }
}

/** The line families of a collector's per-entity definitions. */
export type LineFamilies<D extends Record<string, MetricDef>> = { [K in keyof D]: LineFamily<D[K]> };

export function lineFamilies<const D extends Record<string, MetricDef>>(defs: D): LineFamilies<D> {
  const out = {} as LineFamilies<D>;
  for (const key of Object.keys(defs) as Array<keyof D>) out[key] = new LineFamily(defs[key]);
  return out;
}

/** The rendered lines of one entity: per family, its text and sample count. */
export interface EntityLines {
  readonly texts: readonly string[];
  readonly samples: readonly number[];
}

/** Takes every family's lines (in `families` order) after an entity has rendered into them. */
export function takeLines(families: readonly LineFamily<MetricDef>[]): EntityLines {
  const texts: string[] = [];
  const samples: number[] = [];
  for (const f of families) {
    const { text, samples: n } = f.take();
    texts.push(text);
    samples.push(n);
  }
  return { texts, samples };
}

export interface Entry<T> {
  readonly id: string;
  /** The org that owns it (the entity cap shares by org). */
  org: string;
  lines: EntityLines;
  /** The collector's own state of the entity. */
  data: T;
  block: Block<T>;
}

const EMPTY = Buffer.alloc(0);

class Block<T> {
  entries: Entry<T>[] = [];
  /**
   * Per family: the block's chunk (EMPTY when it has no line), undefined while it must be built again;
   * while `patches` holds entries, the chunk still has their previous lines.
   */
  readonly chunks: Array<Buffer | undefined>;
  readonly samples: number[];
  /** Per family: each entry's bytes in the chunk, in entry order; undefined once entries came or went. */
  private readonly lengths: Array<Uint32Array | undefined>;
  /** Per family: the entries whose lines changed since the chunk was built. */
  private readonly patches: Array<Set<Entry<T>> | undefined>;

  constructor(families: number) {
    this.chunks = new Array<Buffer | undefined>(families).fill(undefined);
    this.samples = new Array<number>(families).fill(0);
    this.lengths = new Array<Uint32Array | undefined>(families).fill(undefined);
    this.patches = new Array<Set<Entry<T>> | undefined>(families).fill(undefined);
  }

  get last(): string {
    return this.entries[this.entries.length - 1]!.id;
  }

  /**
   * An entity comes or goes: the chunks of the families in which `lines` has text change with it, and
   * no chunk can be patched any more (entry positions moved).
   */
  touch(lines: EntityLines): void {
    for (let f = 0; f < this.chunks.length; f++) {
      // A chunk waiting for patches is out of date too, and can no longer be patched.
      if (lines.texts[f] !== '' || this.patches[f]) this.chunks[f] = undefined;
      this.lengths[f] = undefined;
      this.patches[f] = undefined;
    }
  }

  /** `entry` (of this block) is about to get `lines`. */
  change(entry: Entry<T>, lines: EntityLines): void {
    for (let f = 0; f < this.chunks.length; f++) {
      if (lines.texts[f] === entry.lines.texts[f]) continue;
      if (this.chunks[f] === undefined || this.lengths[f] === undefined) {
        this.chunks[f] = undefined;
        continue;
      }
      (this.patches[f] ??= new Set()).add(entry);
      this.samples[f]! += lines.samples[f]! - entry.lines.samples[f]!;
    }
  }

  chunk(f: number): Buffer {
    const chunk = this.chunks[f];
    if (chunk === undefined) return this.build(f);
    const changed = this.patches[f];
    return changed ? this.patch(f, chunk, changed) : chunk;
  }

  /** Writes every entry's lines of family `f`. */
  private build(f: number): Buffer {
    const n = this.entries.length;
    const lengths = new Uint32Array(n);
    let size = 0;
    let samples = 0;
    for (let i = 0; i < n; i++) {
      const lines = this.entries[i]!.lines;
      const text = lines.texts[f]!;
      if (text !== '') size += lengths[i] = Buffer.byteLength(text);
      samples += lines.samples[f]!;
    }
    const chunk = size === 0 ? EMPTY : Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < n; i++) if (lengths[i]! > 0) at += chunk.write(this.entries[i]!.lines.texts[f]!, at);
    this.chunks[f] = chunk;
    this.samples[f] = samples;
    this.lengths[f] = lengths;
    this.patches[f] = undefined;
    return chunk;
  }

  /** A new chunk of family `f`: the changed entries' lines written, everything else copied from `old`. */
  private patch(f: number, old: Buffer, changed: ReadonlySet<Entry<T>>): Buffer {
    const n = this.entries.length;
    const before = this.lengths[f]!;
    const lengths = new Uint32Array(n);
    let size = 0;
    for (let i = 0; i < n; i++) {
      const entry = this.entries[i]!;
      lengths[i] = changed.has(entry) ? Buffer.byteLength(entry.lines.texts[f]!) : before[i]!;
      size += lengths[i]!;
    }
    const chunk = size === 0 ? EMPTY : Buffer.allocUnsafe(size);
    let at = 0;
    let from = 0;
    /** Start (in `old`) of the run of unchanged bytes not copied yet. */
    let run = 0;
    for (let i = 0; i < n; i++) {
      const entry = this.entries[i]!;
      if (changed.has(entry)) {
        at += old.copy(chunk, at, run, from);
        if (lengths[i]! > 0) at += chunk.write(entry.lines.texts[f]!, at);
        from += before[i]!;
        run = from;
      } else from += before[i]!;
    }
    old.copy(chunk, at, run, from);
    this.chunks[f] = chunk;
    this.lengths[f] = lengths;
    this.patches[f] = undefined;
    return chunk;
  }
}

/** Ids compare as strings: 24 lowercase hex digits sort as the ObjectIds do. */
const before = (a: string, b: string): boolean => a < b;

/**
 * Entities in `_id` order, in blocks of `blockSize` to `2 * blockSize` entities (new ids at the end,
 * the usual case with ObjectIds, fill a block before the next one starts).
 */
export class EntityStore<T> {
  private readonly byId = new Map<string, Entry<T>>();
  private blocks: Block<T>[] = [];
  private readonly orgs = new Map<string, number>();

  constructor(
    private readonly families: number,
    private readonly blockSize = 256,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Entry<T> | undefined {
    return this.byId.get(id);
  }

  ids(): Iterable<string> {
    return this.byId.keys();
  }

  /** How many entities each org has. */
  sizes(): ReadonlyMap<string, number> {
    return this.orgs;
  }

  private count(org: string, by: number): void {
    const n = (this.orgs.get(org) ?? 0) + by;
    if (n === 0) this.orgs.delete(org);
    else this.orgs.set(org, n);
  }

  /** Every entity, in `_id` order. */
  *entries(): Generator<Entry<T>> {
    for (const block of this.blocks) yield* block.entries;
  }

  /** Calls `visit` for every entity, in `_id` order (cheaper than entries()). */
  forEach(visit: (entry: Entry<T>) => void): void {
    for (const block of this.blocks) for (const entry of block.entries) visit(entry);
  }

  /** Adds or replaces an entity; the chunks of the families whose lines changed are rebuilt. */
  set(id: string, org: string, lines: EntityLines, data: T): void {
    const entry = this.byId.get(id);
    if (entry) {
      entry.block.change(entry, lines);
      if (entry.org !== org) {
        this.count(entry.org, -1);
        this.count(org, 1);
        entry.org = org;
      }
      entry.lines = lines;
      entry.data = data;
      return;
    }
    const block = this.blockFor(id);
    const added: Entry<T> = { id, org, lines, data, block };
    this.byId.set(id, added);
    this.count(org, 1);
    block.touch(lines);
    const entries = block.entries;
    if (entries.length === 0 || before(entries[entries.length - 1]!.id, id)) entries.push(added);
    else entries.splice(this.indexIn(entries, id), 0, added);
    if (entries.length > 2 * this.blockSize) this.split(block);
  }

  delete(id: string): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    this.byId.delete(id);
    this.count(entry.org, -1);
    const block = entry.block;
    block.touch(entry.lines);
    block.entries.splice(this.indexIn(block.entries, id), 1);
    if (block.entries.length === 0) this.blocks.splice(this.blocks.indexOf(block), 1);
    return true;
  }

  /** Family `f` of every entity, as one chunk per block (unchanged blocks keep their Buffer). */
  rendered(meta: FamilyMeta, f: number): RenderedFamily {
    const chunks: Buffer[] = [];
    let samples = 0;
    for (const block of this.blocks) {
      const chunk = block.chunk(f);
      if (chunk.length > 0) chunks.push(chunk);
      samples += block.samples[f]!;
    }
    return { meta, chunks, samples };
  }

  /** The block an id goes in: the first whose last id is not before it, else the last (a new one when full). */
  private blockFor(id: string): Block<T> {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.blocks[mid]!.last, id)) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.blocks.length) return this.blocks[lo]!;
    const last = this.blocks[this.blocks.length - 1];
    if (last && last.entries.length < this.blockSize) return last;
    const block = new Block<T>(this.families);
    this.blocks.push(block);
    return block;
  }

  /** Index of the first entry whose id is not before `id`. */
  private indexIn(entries: readonly Entry<T>[], id: string): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(entries[mid]!.id, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private split(block: Block<T>): void {
    const half = block.entries.length >>> 1;
    const parts = [block.entries.slice(0, half), block.entries.slice(half)].map((entries) => {
      const b = new Block<T>(this.families);
      b.entries = entries;
      for (const e of entries) e.block = b;
      return b;
    });
    this.blocks.splice(this.blocks.indexOf(block), 1, ...parts);
  }
}

/**
 * Family `f` of some entities (those the entity cap admits), built afresh: one chunk per `blockSize`
 * entities, nothing kept.
 */
export function renderedOf<T>(
  meta: FamilyMeta,
  entries: readonly Entry<T>[],
  f: number,
  blockSize = 256,
): RenderedFamily {
  const chunks: Buffer[] = [];
  let samples = 0;
  for (let from = 0; from < entries.length; from += blockSize) {
    const texts: string[] = [];
    for (const e of entries.slice(from, from + blockSize)) {
      texts.push(e.lines.texts[f]!);
      samples += e.lines.samples[f]!;
    }
    const text = texts.join('');
    if (text !== '') chunks.push(Buffer.from(text));
  }
  return { meta, chunks, samples };
}

/**
 * A small family rebuilt every poll (counts): the previous Buffers are returned when the new text is the
 * same, so an unchanged family is not compressed again.
 */
export class StableFamily {
  private last: RenderedFamily | undefined;

  of(next: RenderedFamily): RenderedFamily {
    const last = this.last;
    if (last && last.samples === next.samples && sameBytes(last.chunks, next.chunks)) return last;
    this.last = next;
    return next;
  }
}

function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!a[i]!.equals(b[i]!)) return false;
  return true;
}

/**
 * One poll of an incremental collector. A failure makes the next poll a full read, and drops the
 * lines of an entity whose rendering stopped part-way, so they cannot start the next entity's.
 */
export async function pollOrReset<T>(
  reader: { invalidate(): void },
  lines: ReadonlyArray<{ take(): unknown }>,
  poll: () => Promise<T>,
): Promise<T> {
  try {
    return await poll();
  } catch (error) {
    reader.invalidate();
    for (const family of lines) family.take();
    throw error;
  }
}
