/**
 * Agents: the first ones cover every status and type. An agent uses a running deployment of its org
 * when there is one and runs on that deployment's node (or on an online node otherwise).
 */
import type { Document } from 'mongodb';
import {
  deletedCount,
  deletedOrg,
  idOf,
  lacksIsDeleted,
  orgAt,
  pickPreferred,
  withBase,
  type BaseOpts,
  type FleetContext,
} from './context.js';
import { DAY, HOUR, SEC, pad2 } from './rng-ids.js';
import { FLEET_ENUMS } from './schema.js';

const AGENT_STATUSES = FLEET_ENUMS['agents.status'];
const AGENT_TYPES = FLEET_ENUMS['agents.type'];

export function makeAgent(
  ctx: FleetContext,
  i: number,
  forcedStatus: string | undefined,
  forcedType: string | undefined,
  orgId: string,
  extra: Partial<BaseOpts> = {},
): Document {
  const { rng, now } = ctx;
  const { deployments, liveNodeDocs, onlineNodeDocs } = ctx.made;
  const status =
    forcedStatus ??
    rng.weighted([
      ['active', 55],
      ['busy', 20],
      ['inactive', 20],
      ['suspended', 5],
    ] as const);
  const type = forcedType ?? rng.pick(AGENT_TYPES);
  const dep = pickPreferred(rng, deployments, orgId, (d) => d.status === 'running');
  const createdAt = now - rng.int(3, 120) * DAY - rng.int(0, DAY - 1);
  const live = status === 'active' || status === 'busy';
  const lastHeartbeatAt = live ? now - rng.int(1, 20) * SEC - rng.int(0, 999) : now - rng.int(2, 240) * HOUR;
  const nodeId =
    (dep?.nodeId as string | undefined) ??
    (
      pickPreferred(rng, onlineNodeDocs.length > 0 ? onlineNodeDocs : liveNodeDocs, orgId) ?? liveNodeDocs[0]
    )?._id?.toHexString();
  const doc: Document = {
    _id: ctx.ids.next(createdAt),
    name: `${rng.pick(['support', 'research', 'ops', 'sales', 'coder', 'triage'])}-agent-${pad2(i + 1)}`,
    description: 'AIWM agent',
    status,
    type,
  };
  if (dep) doc.deploymentId = idOf(dep);
  if (nodeId) doc.nodeId = nodeId;
  doc.instructionId = ctx.ids.next(createdAt).toHexString();
  doc.tags = [rng.pick(['internal', 'customer', 'beta'])];
  doc.lastHeartbeatAt = new Date(lastHeartbeatAt);
  doc.lastConnectedAt = new Date(lastHeartbeatAt - rng.int(1, 72) * HOUR);
  doc.connectionCount = rng.int(1, 500);
  doc.secret = `agent-secret-${rng.hex(32)}`;
  doc.settings = {
    token: `agt-token-${rng.hex(40)}`,
    temperature: rng.float(0, 1, 1),
    maxTokens: rng.pick([1024, 2048, 4096]),
  };
  return withBase(ctx, doc, { orgId, createdAt, updatedAt: Math.max(createdAt, lastHeartbeatAt), ...extra });
}

/** The agents piece, then soft-deleted (inactive) agents. */
export function addAgents(ctx: FleetContext): void {
  const { collections, made } = ctx;
  const nAgents = ctx.counts.agents;
  for (let i = 0; i < nAgents; i++) {
    const doc = makeAgent(ctx, i, AGENT_STATUSES[i], AGENT_TYPES[i], orgAt(ctx, i, nAgents), {
      noIsDeleted: lacksIsDeleted(i),
    });
    made.agents.push(doc);
    collections.agents.push(doc);
  }
  for (let d = 0; d < deletedCount(nAgents); d++) {
    collections.agents.push(makeAgent(ctx, nAgents + d, 'inactive', undefined, deletedOrg(ctx, d), { deleted: true }));
  }
}
