import type { Collection, Db } from 'mongodb';
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
import { countByOrg, type InvalidSink } from '../source/common.js';
import type { LineFamily } from './entities.js';

export interface CollectContext {
  db: Db;
  config: Config;
  /** The poll's reference time. */
  now: Date;
  report: InvalidSink;
  /** Documents read from a collection this poll. */
  countRead(collection: string, documents: number): void;
  /**
   * Entities that got no per-entity series this poll (EntityCap): all of the collection's, and per org
   * (only orgs with some).
   */
  overLimit(collection: string, entities: number, byOrg: ReadonlyMap<string, number>): void;
}

/** One independent part of a poll; a failure drops only this collector's series. */
export interface Collector {
  readonly name: string;
  readonly families: readonly MetricDef[];
  collect(ctx: CollectContext): Promise<RenderedFamily[]>;
  /** For event collectors: how far each event collection has been counted. */
  watermarks?(): Record<string, Date>;
  /**
   * MongoDB was unreachable at a poll, so this collector was not run: incremental readers read
   * everything at their next poll (nodes, resources).
   */
  sourceLost?(): void;
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
  family: SampleFamily<D> | LineFamily<D>,
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

/**
 * How many entities of each org may have series of their own when a collection holds more than the cap
 * of all orgs together: max-min fair shares (water-filling). Each org's demand is its size, at most
 * `perOrg`; orgs that want less than an equal part of what is left get all they want, and the others
 * split the rest equally (the remainder one each, in org order). `otherwise` is the share of an org the
 * counts did not know (created since).
 */
export function fairShares(
  sizes: ReadonlyMap<string, number>,
  perOrg: number,
  total: number,
): { shares: Map<string, number>; otherwise: number } {
  const demands = [...sizes]
    .map(([org, size]) => [org, Math.min(size, perOrg)] as const)
    .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1));
  const shares = new Map<string, number>();
  let room = total;
  for (let i = 0; i < demands.length; i++) {
    const left = demands.length - i;
    const equal = Math.floor(room / left);
    if (demands[i]![1] <= equal) {
      shares.set(demands[i]![0], demands[i]![1]);
      room -= demands[i]![1];
      continue;
    }
    // Every org from here wants more than an equal part: each gets one.
    let remainder = room - equal * left;
    for (const [org] of demands.slice(i).sort(([a], [b]) => (a < b ? -1 : 1)))
      shares.set(org, equal + (remainder-- > 0 ? 1 : 0));
    return { shares, otherwise: equal };
  }
  return { shares, otherwise: Math.min(perOrg, room) };
}

/**
 * The cardinality cap of one entity collection, shared fairly between orgs. An org's entities get
 * per-entity series up to MAX_ENTITIES_PER_ORG, and all orgs together up to MAX_ENTITIES_PER_COLLECTION;
 * when a collection holds more than that, each org gets its fair share (fairShares) instead of the first
 * documents in `_id` order taking it all, so one org's flood never pushes another org's entities out.
 * Entities past their share still count in aggregates (`aiwm_nodes`, ...) but get no series of their own.
 */
export class EntityCap {
  private readonly admitted = new Map<string, number>();
  private readonly leftOut = new Map<string, number>();
  private admittedTotal = 0;

  private constructor(
    private readonly ctx: CollectContext,
    private readonly collection: string,
    private readonly fair: { shares: Map<string, number>; otherwise: number } | undefined,
  ) {}

  /**
   * The cap for this poll's read of `collection`. Counting each org's documents costs an aggregation, so
   * it runs only when the collection may hold more than MAX_ENTITIES_PER_COLLECTION (its estimated size,
   * soft-deleted documents included, is above it).
   */
  static async open(ctx: CollectContext, collection: Collection): Promise<EntityCap> {
    const { maxEntitiesPerCollection: total, maxEntitiesPerOrg: perOrg } = ctx.config;
    const fair =
      (await collection.estimatedDocumentCount()) > total
        ? fairShares(await countByOrg(collection), perOrg, total)
        : undefined;
    return new EntityCap(ctx, collection.collectionName, fair);
  }

  /**
   * Whether the cap can leave any of these entities (counts per org) without series of their own: the
   * collection may be over MAX_ENTITIES_PER_COLLECTION, or an org is over MAX_ENTITIES_PER_ORG. When it
   * cannot, admit() would admit every one of them.
   */
  mayBind(sizes: ReadonlyMap<string, number>): boolean {
    const { maxEntitiesPerCollection: total, maxEntitiesPerOrg: perOrg } = this.ctx.config;
    if (this.fair) return true;
    let all = 0;
    for (const n of sizes.values()) {
      if (n > perOrg) return true;
      all += n;
    }
    return all > total;
  }

  /** True while the entity just met, of `org`, may have per-entity series. */
  admit(org: string): boolean {
    const { maxEntitiesPerCollection: total, maxEntitiesPerOrg: perOrg } = this.ctx.config;
    const mine = this.admitted.get(org) ?? 0;
    const share = this.fair ? (this.fair.shares.get(org) ?? this.fair.otherwise) : perOrg;
    if (mine < share && this.admittedTotal < total) {
      this.admitted.set(org, mine + 1);
      this.admittedTotal++;
      return true;
    }
    this.leftOut.set(org, (this.leftOut.get(org) ?? 0) + 1);
    return false;
  }

  /** Reports the poll's totals. */
  done(read: number): void {
    this.ctx.countRead(this.collection, read);
    let leftOut = 0;
    for (const n of this.leftOut.values()) leftOut += n;
    this.ctx.overLimit(this.collection, leftOut, this.leftOut);
  }
}
