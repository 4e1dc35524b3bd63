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
import type { StateReadOptions } from '../source/state.js';
import type { CollectContext } from './collector.js';

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

/**
 * The rendered lines of one entity: per family, its text and sample count. A text left undefined keeps
 * the lines the entity had (the collector saw that their inputs did not change); a new entity has every text.
 */
export interface EntityLines {
  readonly texts: ReadonlyArray<string | undefined>;
  readonly samples: readonly number[];
}

/**
 * Takes every family's lines (in `families` order) after an entity has rendered into them; the families
 * that `kept` marks were not rendered, and keep the entity's previous lines.
 */
export function takeLines(families: readonly LineFamily<MetricDef>[], kept?: readonly boolean[]): EntityLines {
  const texts: Array<string | undefined> = [];
  const samples: number[] = [];
  for (let f = 0; f < families.length; f++) {
    const { text, samples: n } = families[f]!.take();
    texts.push(kept?.[f] ? undefined : text);
    samples.push(n);
  }
  return { texts, samples };
}

/** Per family f of an entry's layout: [3f] its samples, [3f + 1] and [3f + 2] where its bytes lie in the block's chunk. */
const SAMPLES = 0;
const OFFSET = 1;
const LENGTH = 2;

export interface Entry<T> {
  readonly id: string;
  /** The org that owns it (the entity cap shares by org). */
  org: string;
  /** The collector's own state of the entity. */
  data: T;
  block: Block<T>;
  /**
   * Per family: sample count, and offset and length of its lines in the block's current chunk. Only the
   * chunks hold the lines' text, as bytes: kept as strings as well, they would double the memory.
   */
  readonly layout: Uint32Array;
}

const EMPTY = Buffer.alloc(0);
/** Room to encode a text for comparison with the bytes a chunk holds (grown when too small). */
let scratch = Buffer.allocUnsafe(64 * 1024);

class Block<T> {
  entries: Entry<T>[] = [];
  /** Per family: the chunk built last (EMPTY before the first build); the entries' layouts point into it. */
  readonly chunks: Buffer[];
  /** Per family: the chunk must be built again (lines changed, or entities with lines came or went). */
  readonly dirty: boolean[];
  /** Per family: new lines of entries, not yet in the chunk. */
  readonly pending: Array<Map<Entry<T>, string> | undefined>;
  readonly samples: number[];

  constructor(families: number, chunks?: readonly Buffer[]) {
    this.chunks = chunks ? [...chunks] : new Array<Buffer>(families).fill(EMPTY);
    this.dirty = new Array<boolean>(families).fill(chunks !== undefined);
    this.pending = new Array<Map<Entry<T>, string> | undefined>(families).fill(undefined);
    this.samples = new Array<number>(families).fill(0);
  }

  get last(): string {
    return this.entries[this.entries.length - 1]!.id;
  }

  /** `entry` (of this block) gets `lines`: the families whose text differs wait for the next build. */
  update(entry: Entry<T>, lines: EntityLines): void {
    for (let f = 0; f < this.chunks.length; f++) {
      const text = lines.texts[f];
      if (text === undefined || this.holds(entry, f, text)) continue;
      (this.pending[f] ??= new Map()).set(entry, text);
      entry.layout[3 * f + SAMPLES] = lines.samples[f]!;
      this.dirty[f] = true;
    }
  }

  /** A new entity, already placed in `entries`. */
  added(entry: Entry<T>, lines: EntityLines): void {
    for (let f = 0; f < this.chunks.length; f++) {
      const text = lines.texts[f] ?? '';
      entry.layout[3 * f + SAMPLES] = lines.samples[f]!;
      if (text === '') continue;
      (this.pending[f] ??= new Map()).set(entry, text);
      this.dirty[f] = true;
    }
  }

  /** An entity taken out of `entries`. */
  removed(entry: Entry<T>): void {
    for (let f = 0; f < this.chunks.length; f++) {
      if (this.pending[f]?.delete(entry) || entry.layout[3 * f + LENGTH]! > 0) this.dirty[f] = true;
    }
  }

  /** Whether the entity's lines of family `f` (pending or in the chunk) are `text`. */
  private holds(entry: Entry<T>, f: number, text: string): boolean {
    const waiting = this.pending[f]?.get(entry);
    if (waiting !== undefined) return waiting === text;
    const length = entry.layout[3 * f + LENGTH]!;
    if (length === 0 || text.length > length) return length === text.length;
    if (Buffer.byteLength(text) !== length) return false;
    if (scratch.length < length) scratch = Buffer.allocUnsafe(length * 2);
    scratch.write(text, 0);
    const at = entry.layout[3 * f + OFFSET]!;
    return this.chunks[f]!.compare(scratch, 0, length, at, at + length) === 0;
  }

  chunk(f: number): Buffer {
    return this.dirty[f] ? this.build(f) : this.chunks[f]!;
  }

  /** Writes the pending lines of family `f` and copies every other entry's from the previous chunk. */
  private build(f: number): Buffer {
    const old = this.chunks[f]!;
    const pending = this.pending[f];
    const o = 3 * f;
    let size = 0;
    let samples = 0;
    for (const entry of this.entries) {
      const text = pending?.get(entry);
      size += text === undefined ? entry.layout[o + LENGTH]! : Buffer.byteLength(text);
      samples += entry.layout[o + SAMPLES]!;
    }
    const chunk = size === 0 ? EMPTY : Buffer.allocUnsafe(size);
    let at = 0;
    // Unchanged neighbours lie side by side in the old chunk: copied as one run.
    let runFrom = 0;
    let runTo = 0;
    let runAt = 0;
    for (const entry of this.entries) {
      const layout = entry.layout;
      const text = pending?.get(entry);
      if (text === undefined) {
        const from = layout[o + OFFSET]!;
        const length = layout[o + LENGTH]!;
        if (length > 0) {
          if (from !== runTo || runFrom === runTo) {
            old.copy(chunk, runAt, runFrom, runTo);
            runFrom = runTo = from;
            runAt = at;
          }
          runTo += length;
        }
        layout[o + OFFSET] = at;
        at += length;
      } else {
        old.copy(chunk, runAt, runFrom, runTo);
        runFrom = runTo = 0;
        const length = text === '' ? 0 : chunk.write(text, at);
        layout[o + OFFSET] = at;
        layout[o + LENGTH] = length;
        at += length;
      }
    }
    old.copy(chunk, runAt, runFrom, runTo);
    this.chunks[f] = chunk;
    this.samples[f] = samples;
    this.dirty[f] = false;
    this.pending[f] = undefined;
    return chunk;
  }

  /** The lines of family `f` of one entry of this block. */
  bytesOf(entry: Entry<T>, f: number): Buffer {
    const chunk = this.chunk(f);
    const at = entry.layout[3 * f + OFFSET]!;
    return chunk.subarray(at, at + entry.layout[3 * f + LENGTH]!);
  }

  /** Half of this block's entries, in a new block that builds from this one's chunks. */
  part(entries: Entry<T>[]): Block<T> {
    const block = new Block<T>(this.chunks.length, this.chunks);
    block.entries = entries;
    for (let f = 0; f < this.chunks.length; f++) {
      const pending = this.pending[f];
      if (pending) block.pending[f] = new Map(entries.filter((e) => pending.has(e)).map((e) => [e, pending.get(e)!]));
    }
    for (const e of entries) e.block = block;
    return block;
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
      entry.block.update(entry, lines);
      if (entry.org !== org) {
        this.count(entry.org, -1);
        this.count(org, 1);
        entry.org = org;
      }
      entry.data = data;
      return;
    }
    const block = this.blockFor(id);
    const added: Entry<T> = { id, org, data, block, layout: new Uint32Array(3 * this.families) };
    this.byId.set(id, added);
    this.count(org, 1);
    const entries = block.entries;
    if (entries.length === 0 || before(entries[entries.length - 1]!.id, id)) entries.push(added);
    else entries.splice(this.indexIn(entries, id), 0, added);
    block.added(added, lines);
    if (entries.length > 2 * this.blockSize) this.split(block);
  }

  delete(id: string): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    this.byId.delete(id);
    this.count(entry.org, -1);
    const block = entry.block;
    block.entries.splice(this.indexIn(block.entries, id), 1);
    block.removed(entry);
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

  /**
   * The entities that have series of their own when the entity cap may bind (in `_id` order, as
   * `cap.admit` takes them); undefined when it cannot, and every entity has.
   */
  admittedBy(cap: {
    mayBind(sizes: ReadonlyMap<string, number>): boolean;
    admit(org: string): boolean;
  }): Entry<T>[] | undefined {
    return cap.mayBind(this.orgs) ? [...this.entries()].filter((e) => cap.admit(e.org)) : undefined;
  }

  /** Family `f` of every entity, or of the `admitted` ones only (renderedOf) while the entity cap binds. */
  family(meta: FamilyMeta, f: number, admitted: readonly Entry<T>[] | undefined): RenderedFamily {
    return admitted ? this.renderedOf(meta, f, admitted) : this.rendered(meta, f);
  }

  /**
   * Family `f` of some of the entities (those the entity cap admits, in `_id` order), copied afresh into
   * one chunk per `blockSize` entities: nothing is kept.
   */
  renderedOf(meta: FamilyMeta, f: number, admitted: readonly Entry<T>[]): RenderedFamily {
    const chunks: Buffer[] = [];
    let samples = 0;
    for (let from = 0; from < admitted.length; from += this.blockSize) {
      const parts = admitted.slice(from, from + this.blockSize).map((e) => e.block.bytesOf(e, f));
      for (const e of admitted.slice(from, from + this.blockSize)) samples += e.layout[3 * f + SAMPLES]!;
      const chunk = Buffer.concat(parts);
      if (chunk.length > 0) chunks.push(chunk);
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
    const parts = [block.part(block.entries.slice(0, half)), block.part(block.entries.slice(half))];
    this.blocks.splice(this.blocks.indexOf(block), 1, ...parts);
  }
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

/** How an incremental collector's reader reads this poll (state.ts). */
export function stateReadOptions(ctx: CollectContext): StateReadOptions {
  return {
    now: ctx.now,
    report: ctx.report,
    slackMs: ctx.config.updatedAtSlackMs,
    resyncMs: ctx.config.fullResyncIntervalMs,
  };
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
