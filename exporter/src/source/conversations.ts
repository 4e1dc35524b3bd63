import { ObjectId, type Collection } from 'mongodb';
import { z } from 'zod';
import { boundLabelValue } from '../metrics/exposition.js';
import { NOT_DELETED, baseFields, idString, labelId, type InvalidSink } from './common.js';
import { idLowerBound, readValidIncrement, type Increment, type Watermark } from './incremental.js';

export const conversationSchema = z.object({
  ...baseFields,
  agentId: labelId('agentId'),
  createdAt: z.date(),
});

export type ConversationRecord = z.output<typeof conversationSchema>;

const projection = { agentId: 1, createdAt: 1, 'owner.orgId': 1 };

/** New conversations since the watermark (counted once each). */
export async function readNewConversations(
  collection: Collection,
  watermark: Watermark,
  upper: Date,
  limit: number,
  report: InvalidSink,
): Promise<Increment & { records: ConversationRecord[] }> {
  const filter = { ...NOT_DELETED, ...idLowerBound(watermark) };
  return readValidIncrement(
    { collection, timeField: 'createdAt', filter, projection, watermark, upper, limit },
    conversationSchema,
    [],
    report,
  );
}

/** conversationId -> agentId for the given conversations, by primary key. */
export async function readConversationAgents(
  collection: Collection,
  conversationIds: readonly string[],
): Promise<Map<string, string>> {
  const ids = conversationIds.filter((id) => id.length === 24 && ObjectId.isValid(id)).map((id) => new ObjectId(id));
  const agents = new Map<string, string>();
  if (ids.length === 0) return agents;
  for await (const doc of collection.find({ _id: { $in: ids } }, { projection: { agentId: 1 } })) {
    const agent = idString.safeParse(doc.agentId);
    // Cut as readNewConversations cuts it: one agent, one key and one label value.
    if (agent.success) agents.set((doc._id as ObjectId).toHexString(), boundLabelValue(agent.data));
  }
  return agents;
}
