import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import { SampleFamily, type RenderedFamily } from '../metrics/exposition.js';
import type { MetricDef } from '../metrics/catalog.js';
import type { InvalidSink } from '../source/common.js';

export interface CollectContext {
  db: Db;
  config: Config;
  /** The poll's reference time. */
  now: Date;
  report: InvalidSink;
  /** Documents read from a collection this poll. */
  countRead(collection: string, documents: number): void;
  /** Entities beyond MAX_ENTITIES_PER_COLLECTION that got no per-entity series this poll. */
  overLimit(collection: string, entities: number): void;
}

/** One independent part of a poll; a failure drops only this collector's series. */
export interface Collector {
  readonly name: string;
  readonly families: readonly MetricDef[];
  collect(ctx: CollectContext): Promise<RenderedFamily[]>;
  /** For event collectors: how far each event collection has been counted. */
  watermarks?(): Record<string, Date>;
}

/** Lets scrapes through while a large poll builds its samples. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Longest stretch of synchronous work between yields. */
const SLICE_MS = 8;

export function families<const K extends string>(defs: Record<K, MetricDef>): Record<K, SampleFamily> {
  const out = {} as Record<K, SampleFamily>;
  for (const key of Object.keys(defs) as K[]) out[key] = new SampleFamily(defs[key]);
  return out;
}

export function rendered(fams: Record<string, SampleFamily>): RenderedFamily[] {
  return Object.values(fams).map((f) => f.rendered());
}

/** Adds one series per state, 1 for the current one. */
export function addStateSet(family: SampleFamily, labels: string, states: readonly string[], current: string): void {
  for (const state of states) family.add(labels, state === current ? 1 : 0, `status="${state}"`);
}

/** Counts by key, remembering each key's label string. */
export class Tally {
  private readonly counts = new Map<string, number>();
  add(labels: string, by = 1): void {
    this.counts.set(labels, (this.counts.get(labels) ?? 0) + by);
  }
  /** Makes sure a series exists (zero when nothing was counted). */
  touch(labels: string): void {
    if (!this.counts.has(labels)) this.counts.set(labels, 0);
  }
  writeTo(family: SampleFamily): void {
    for (const [labels, count] of [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) family.add(labels, count);
  }
}

export const MIB = 1_048_576;
export const GIB = 1_073_741_824;

/** Visits at most MAX_ENTITIES_PER_COLLECTION records, yielding to the event loop as it goes. */
export async function forEachCapped<T>(ctx: CollectContext, collection: string, records: readonly T[], visit: (record: T) => void): Promise<void> {
  const limit = ctx.config.maxEntitiesPerCollection;
  ctx.overLimit(collection, Math.max(0, records.length - limit));
  const n = Math.min(records.length, limit);
  let sliceStart = performance.now();
  for (let i = 0; i < n; i++) {
    if (i % 32 === 31 && performance.now() - sliceStart > SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
    visit(records[i]!);
  }
}
