/**
 * The shared context every piece of the generator works on: the PRNG and id generator (one stream
 * for the whole fleet, so the pieces must run in the order generateFleet calls them), the resolved
 * options, the collections being filled, and what earlier pieces made for later ones to reference.
 * Also the BaseSchema helpers every collection uses (owner, soft delete, legacy documents).
 */
import type { Document, ObjectId } from 'mongodb';
import type { NodeInfo } from './nodes.js';
import { DAY, HOUR, IdGen, MIN, Rng, mix32 } from './rng-ids.js';
import {
  COLLECTIONS,
  DEFAULT_NOW,
  type CollectionName,
  type FleetOptions,
  type FleetScenario,
  type MalformedDoc,
} from './schema.js';

/** FleetOptions with every default applied. */
export interface FleetCounts {
  orgs: number;
  nodes: number;
  gpusPerNode: number;
  resourcesPerNode: number;
  models: number;
  deployments: number;
  agents: number;
  conversationsPerAgent: number;
  messagesPerConversation: number;
  executions: number;
  malformed: boolean;
  scenarios: boolean;
}

/** The valid, non-deleted documents each piece made, and the pools later pieces pick from. */
export interface Made {
  nodes: NodeInfo[];
  liveNodeDocs: Document[];
  gpuNodeDocs: Document[];
  onlineNodeDocs: Document[];
  models: Document[];
  selfHostedModels: Document[];
  apiModels: Document[];
  resources: Document[];
  inferenceResources: Document[];
  deployments: Document[];
  agents: Document[];
  conversations: Document[];
  executions: Document[];
}

/** Sequences that carry on across pieces: the malformed documents continue them. */
export interface Serials {
  node: number;
  nodeNames: Map<string, number>;
  resource: number;
  conversation: number;
  /** The first GPU virtual machines cover both GPU modes (MIG, then passthrough) before chance decides. */
  seenMig: boolean;
  seenPassthrough: boolean;
}

export interface FleetContext {
  readonly rng: Rng;
  readonly ids: IdGen;
  readonly now: number;
  readonly nowDate: Date;
  readonly counts: FleetCounts;
  readonly orgIds: string[];
  readonly users: Map<string, string[]>;
  readonly collections: Record<CollectionName, Document[]>;
  readonly scenario: FleetScenario;
  readonly malformed: MalformedDoc[];
  readonly made: Made;
  readonly serial: Serials;
}

export interface BaseOpts {
  orgId: string;
  createdAt: number;
  updatedAt: number;
  deleted?: boolean; // soft-deleted
  noIsDeleted?: boolean; // omit the isDeleted field entirely
  metadata?: Document;
}

export function resolveCounts(options: FleetOptions): FleetCounts {
  return {
    orgs: Math.max(1, options.orgs ?? 3),
    nodes: options.nodes ?? 12,
    gpusPerNode: options.gpusPerNode ?? 2,
    resourcesPerNode: options.resourcesPerNode ?? 3,
    models: options.models ?? 12,
    deployments: options.deployments ?? 8,
    agents: options.agents ?? 6,
    conversationsPerAgent: options.conversationsPerAgent ?? 4,
    messagesPerConversation: options.messagesPerConversation ?? 10,
    executions: options.executions ?? 40,
    malformed: options.malformed ?? true,
    scenarios: options.scenarios ?? true,
  };
}

/** The context with its organisations and their users: the first ids the fleet draws. */
export function createContext(options: FleetOptions): FleetContext {
  const seed = options.seed ?? 1;
  const nowDate = new Date((options.now ?? new Date(DEFAULT_NOW)).getTime());
  const now = nowDate.getTime();
  const counts = resolveCounts(options);
  if (counts.scenarios && counts.nodes < 5) throw new RangeError('scenarios need at least 5 nodes');

  const rng = new Rng(mix32(seed >>> 0, 0x666c6565));
  // top bit clear: LiveFleet ids use tags with the top bit set, so the two never collide
  const tag = (mix32(seed >>> 0, 0x69647367) & 0x7fffffff).toString(16).padStart(8, '0');
  const ctx: FleetContext = {
    rng,
    ids: new IdGen(tag),
    now,
    nowDate,
    counts,
    orgIds: [],
    users: new Map(),
    collections: Object.fromEntries(COLLECTIONS.map((name) => [name, []])) as unknown as Record<
      CollectionName,
      Document[]
    >,
    scenario: {
      hotGpuNodeId: '',
      staleNodeId: '',
      healthyNodeId: '',
      noGpuDataNodeId: '',
      offlineNodeId: '',
      dcgmH100NodeId: '',
      dcgmA100NodeId: '',
      neverHeartbeatNodeId: '',
      gbUnitsNodeId: '',
    },
    malformed: [],
    made: {
      nodes: [],
      liveNodeDocs: [],
      gpuNodeDocs: [],
      onlineNodeDocs: [],
      models: [],
      selfHostedModels: [],
      apiModels: [],
      resources: [],
      inferenceResources: [],
      deployments: [],
      agents: [],
      conversations: [],
      executions: [],
    },
    serial: { node: 0, nodeNames: new Map(), resource: 0, conversation: 0, seenMig: false, seenPassthrough: false },
  };
  addOrgs(ctx);
  return ctx;
}

/** Organisations created about two years ago, three users each. */
function addOrgs(ctx: FleetContext): void {
  for (let o = 0; o < ctx.counts.orgs; o++) {
    const orgId = ctx.ids.next(ctx.now - (700 - o) * DAY).toHexString();
    ctx.orgIds.push(orgId);
    const users: string[] = [];
    for (let u = 0; u < 3; u++) users.push(ctx.ids.next(ctx.now - (650 - o) * DAY + u * HOUR).toHexString());
    ctx.users.set(orgId, users);
  }
}

function owner(ctx: FleetContext, orgId: string): Document {
  if (orgId === '') return { orgId: '' };
  const users = ctx.users.get(orgId);
  return users && users.length > 0 ? { orgId, userId: ctx.rng.pick(users) } : { orgId };
}

/** Appends the BaseSchema fields. Soft-deleted docs get isDeleted: true and deletedAt. */
export function withBase(ctx: FleetContext, doc: Document, o: BaseOpts): Document {
  doc.owner = owner(ctx, o.orgId);
  let updatedAt = o.updatedAt;
  if (o.deleted) {
    const deletedAt = Math.min(ctx.now - MIN, Math.max(o.createdAt + HOUR, ctx.now - ctx.rng.int(1, 20) * DAY));
    updatedAt = Math.max(deletedAt, o.createdAt);
    doc.isDeleted = true;
    doc.createdAt = new Date(o.createdAt);
    doc.updatedAt = new Date(updatedAt);
    doc.deletedAt = new Date(deletedAt);
  } else {
    if (!o.noIsDeleted) doc.isDeleted = false;
    doc.createdAt = new Date(o.createdAt);
    doc.updatedAt = new Date(Math.max(updatedAt, o.createdAt));
    doc.deletedAt = null;
  }
  doc.metadata = o.metadata ?? {};
  return doc;
}

/** Soft-deleted documents added on top of `n` valid ones. */
export function deletedCount(n: number): number {
  return n > 0 ? Math.min(20, 1 + Math.floor(n / 50)) : 0;
}
/** '' orgId ("old documents"): the last doc of each collection and one in every 250. */
export function isLegacy(i: number, n: number): boolean {
  return (n >= 3 && i === n - 1) || i % 250 === 125;
}
/** Docs written before isDeleted existed: the field is missing (= not deleted). */
export function lacksIsDeleted(i: number): boolean {
  return i % 9 === 4;
}
/** The org of the i-th of n documents: round-robin over the orgs, '' for legacy documents. */
export function orgAt(ctx: FleetContext, i: number, n: number): string {
  return isLegacy(i, n) ? '' : (ctx.orgIds[i % ctx.counts.orgs] as string);
}
/** The org of the i-th soft-deleted document (never legacy). */
export function deletedOrg(ctx: FleetContext, d: number): string {
  return ctx.orgIds[d % ctx.counts.orgs] as string;
}

export function orgOf(doc: Document): string {
  return (doc.owner as { orgId: string }).orgId;
}

export function idOf(doc: Document): string {
  return (doc._id as ObjectId).toHexString();
}

/** Pick from `items`, preferring those in `orgId` (and matching `filter`), falling back progressively. */
export function pickPreferred<T extends Document>(
  rng: Rng,
  items: readonly T[],
  orgId: string,
  filter?: (d: T) => boolean,
): T | undefined {
  const tiers: Array<(d: T) => boolean> = [
    (d) => orgOf(d) === orgId && (!filter || filter(d)),
    (d) => !filter || filter(d),
    () => true,
  ];
  for (const t of tiers) {
    const c = items.filter(t);
    if (c.length > 0) return rng.pick(c);
  }
  return undefined;
}
