import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import {
  SampleFamily,
  type FamilyMeta,
  type LabelString,
  type LabelsBefore,
  type RenderedFamily,
  type SeriesLabels,
} from '../metrics/exposition.js';
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

/** The sample families of a collector's definitions, each typed by its catalog labels. */
export type Families<D extends Record<string, MetricDef>> = { [K in keyof D]: SampleFamily<D[K]> };

export function families<const D extends Record<string, MetricDef>>(defs: D): Families<D> {
  const out = {} as Families<D>;
  for (const key of Object.keys(defs) as Array<keyof D>) out[key] = new SampleFamily(defs[key]);
  return out;
}

export function rendered(fams: Record<string, SampleFamily<MetricDef>>): RenderedFamily[] {
  return Object.values(fams).map((f) => f.rendered());
}

/** A catalog state set: its states and its state label (the last one) come from the definition. */
type StateSetDef = MetricDef & { readonly states: readonly string[] };

/** Adds one series per state of the family's catalog definition, 1 for the current one. */
export function addStateSet<D extends StateSetDef>(
  family: SampleFamily<D>,
  prefix: LabelString<LabelsBefore<D['labels']>>,
  current: string,
): void {
  family.addStateSet(prefix, family.meta.states, current);
}

/** Counts by series of one family, written sorted by label string. */
export class Tally<Meta extends FamilyMeta> {
  private readonly counts = new Map<SeriesLabels<Meta>, number>();
  constructor(private readonly family: SampleFamily<Meta>) {}

  add(labels: SeriesLabels<Meta>, by = 1): void {
    this.counts.set(labels, (this.counts.get(labels) ?? 0) + by);
  }
  /** Makes sure a series exists (zero when nothing was counted). */
  touch(labels: SeriesLabels<Meta>): void {
    if (!this.counts.has(labels)) this.counts.set(labels, 0);
  }
  write(): void {
    for (const [labels, count] of [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      this.family.add(labels, count);
  }
}

/** A family of entities by org and status (`aiwm_agents`, `aiwm_deployments`). */
type StatusCountDef = Omit<MetricDef, 'labels'> & { readonly labels: readonly ['org_id', 'status'] };

/** Entities by org and status, with a zero series for every state of every org met (`aiwm_agents`, ...). */
export class StatusCounts {
  private readonly tally: Tally<StatusCountDef>;
  private readonly orgs = new Set<string>();
  constructor(
    private readonly family: SampleFamily<StatusCountDef>,
    private readonly states: readonly string[],
  ) {
    this.tally = new Tally(family);
  }

  add(org: string, status: string): void {
    this.orgs.add(org);
    this.tally.add(this.family.labels.of(org, status));
  }

  write(): void {
    for (const org of this.orgs) for (const state of this.states) this.tally.touch(this.family.labels.of(org, state));
    this.tally.write();
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
