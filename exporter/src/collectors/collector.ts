import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import { SampleFamily, labelString, type RenderedFamily } from '../metrics/exposition.js';
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

export function families<const K extends string>(defs: Record<K, MetricDef>): Record<K, SampleFamily> {
  const out = {} as Record<K, SampleFamily>;
  for (const key of Object.keys(defs) as K[]) out[key] = new SampleFamily(defs[key]);
  return out;
}

export function rendered(fams: Record<string, SampleFamily>): RenderedFamily[] {
  return Object.values(fams).map((f) => f.rendered());
}

const stateLabels = new Map<string, Map<readonly string[], readonly string[]>>();

/** Adds one series per state, 1 for the current one; `label` names the state (`status` by default). */
export function addStateSet(
  family: SampleFamily,
  labels: string,
  states: readonly string[],
  current: string,
  label = 'status',
): void {
  let byStates = stateLabels.get(label);
  if (!byStates) stateLabels.set(label, (byStates = new Map()));
  let extras = byStates.get(states);
  if (!extras) {
    extras = states.map((state) => `${label}="${state}"`);
    byStates.set(states, extras);
  }
  for (let i = 0; i < states.length; i++) family.add(labels, states[i] === current ? 1 : 0, extras[i]);
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
    for (const [labels, count] of [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      family.add(labels, count);
  }
}

/** Entities by org and status, with a zero series for every state of every org met (`aiwm_nodes`, `aiwm_agents`, ...). */
export class StatusCounts {
  private readonly tally = new Tally();
  private readonly orgs = new Set<string>();
  constructor(
    private readonly family: SampleFamily,
    private readonly states: readonly string[],
  ) {}

  add(org: string, status: string): void {
    this.orgs.add(org);
    this.tally.add(labelString(['org_id', 'status'], [org, status]));
  }

  write(): void {
    for (const org of this.orgs)
      for (const state of this.states) this.tally.touch(labelString(['org_id', 'status'], [org, state]));
    this.tally.writeTo(this.family);
  }
}

export const MIB = 1_048_576;
export const GIB = 1_073_741_824;

/** MAX_ENTITIES_PER_COLLECTION: entities past the cap still count in aggregates but get no series of their own. */
export class EntityCap {
  private seen = 0;
  constructor(
    private readonly ctx: CollectContext,
    private readonly collection: string,
  ) {}

  /** True while the entity just met may have per-entity series. */
  admit(): boolean {
    return ++this.seen <= this.ctx.config.maxEntitiesPerCollection;
  }

  /** Reports the poll's totals. */
  done(read: number): void {
    this.ctx.countRead(this.collection, read);
    this.ctx.overLimit(this.collection, Math.max(0, this.seen - this.ctx.config.maxEntitiesPerCollection));
  }
}
