import { ObjectId, type Collection } from 'mongodb';
import { z } from 'zod';
import { boundLabelValue } from '../metrics/exposition.js';
import {
  NOT_DELETED,
  baseFields,
  enumField,
  idString,
  labelId,
  labelValue,
  optionalDate,
  optionalNumber,
  readEach,
  type InvalidSink,
  lenient,
} from './common.js';

export const AGENT_STATUSES = ['active', 'inactive', 'busy', 'suspended'] as const;
export const AGENT_TYPES = ['managed', 'autonomous'] as const;

export const agentSchema = z.object({
  ...baseFields,
  name: labelValue(z.string(), 'name'),
  status: enumField(AGENT_STATUSES),
  // Label-only: a wrong type drops the field, not the agent.
  type: lenient(enumField(AGENT_TYPES).nullish(), 'type'),
  deploymentId: labelId('deploymentId').nullish(),
  nodeId: labelId('nodeId').nullish(),
  lastHeartbeatAt: optionalDate,
  lastConnectedAt: optionalDate,
  connectionCount: optionalNumber,
});

export type AgentRecord = z.output<typeof agentSchema>;

// `secret` and `settings` hold credentials: never projected.
const projection = {
  name: 1,
  status: 1,
  type: 1,
  deploymentId: 1,
  nodeId: 1,
  lastHeartbeatAt: 1,
  lastConnectedAt: 1,
  connectionCount: 1,
  'owner.orgId': 1,
};

export function readAgents(
  collection: Collection,
  report: InvalidSink,
  visit: (record: AgentRecord) => void,
): Promise<number> {
  return readEach(collection, NOT_DELETED, projection, agentSchema, [(a) => a.status, (a) => a.type], report, visit);
}

/** The deployment each agent is bound to, for attributing its messages (deleted agents included: their history counts). */
export async function readAgentBindings(
  collection: Collection,
  agentIds: readonly string[],
): Promise<Map<string, string | null>> {
  const ids = agentIds.filter((id) => ObjectId.isValid(id) && id.length === 24).map((id) => new ObjectId(id));
  const bindings = new Map<string, string | null>();
  if (ids.length === 0) return bindings;
  for await (const doc of collection.find({ _id: { $in: ids } }, { projection: { deploymentId: 1 } })) {
    const parsed = idString.safeParse(doc.deploymentId);
    // Cut as the agents' own deploymentId is: the same deployment, the same label value.
    bindings.set(
      (doc._id as ObjectId).toHexString(),
      parsed.success && parsed.data !== '' ? boundLabelValue(parsed.data) : null,
    );
  }
  return bindings;
}
