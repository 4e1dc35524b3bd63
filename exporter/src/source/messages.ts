import type { Collection } from 'mongodb';
import { z } from 'zod';
import { NOT_DELETED, baseFields, enumField, optionalNumber, optionalString, type InvalidSink } from './common.js';
import { idLowerBound, readValidIncrement, type Increment, type Watermark } from './incremental.js';

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export const MESSAGE_TYPES = ['text', 'thinking', 'tool_call', 'tool_result', 'error', 'system'] as const;
export const MESSAGE_STATUSES = ['sending', 'sent', 'delivered', 'failed'] as const;

export const messageSchema = z.object({
  ...baseFields,
  conversationId: z.string(),
  role: enumField(MESSAGE_ROLES),
  type: enumField(MESSAGE_TYPES).nullish(),
  status: enumField(MESSAGE_STATUSES).nullish(),
  latency: optionalNumber,
  usage: z
    .object({ promptTokens: optionalNumber, completionTokens: optionalNumber, totalTokens: optionalNumber })
    .nullish(),
  toolResults: z.array(z.object({ success: z.boolean().nullish() })).nullish(),
  error: optionalString,
  createdAt: z.date(),
});

export type MessageRecord = z.output<typeof messageSchema>;

/**
 * A failed response (assistant message): status failed, type error, or a non-empty error. The one
 * definition behind aiwm_agent_task_failures_total, aiwm_deployment_responses_total{outcome="failed"}
 * and the facade's recent errors, as a predicate and as the equivalent MongoDB filter.
 */
export function isFailedResponse(
  m: Pick<MessageRecord, 'status' | 'type' | 'error'> | Record<string, unknown>,
): boolean {
  return m.status === 'failed' || m.type === 'error' || (typeof m.error === 'string' && m.error !== '');
}

export const FAILED_RESPONSE_FILTER = {
  $or: [{ status: 'failed' }, { type: 'error' }, { error: { $type: 'string', $ne: '' } }],
};

// Message content, tool arguments and results are never read: only what the metrics need.
const projection = {
  conversationId: 1,
  role: 1,
  type: 1,
  status: 1,
  latency: 1,
  usage: 1,
  'toolResults.success': 1,
  error: 1,
  createdAt: 1,
  'owner.orgId': 1,
};

export async function readNewMessages(
  collection: Collection,
  watermark: Watermark,
  upper: Date,
  limit: number,
  report: InvalidSink,
): Promise<Increment & { records: MessageRecord[] }> {
  const filter = { ...NOT_DELETED, ...idLowerBound(watermark) };
  return readValidIncrement(
    { collection, timeField: 'createdAt', filter, projection, watermark, upper, limit },
    messageSchema,
    [(m) => m.role, (m) => m.type, (m) => m.status],
    report,
  );
}
