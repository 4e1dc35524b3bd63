/**
 * Assistant messages ("responses", "tasks") of agents and deployments: an agent's recent tasks and a
 * deployment's recent failed responses. "Failed" is the exporter's definition, the one behind
 * aiwm_agent_task_failures_total and aiwm_deployment_responses_total{outcome="failed"}
 * (collectors/activity.ts): status failed, type error, or a non-empty error.
 */
import type { Document } from 'mongodb';
import { NOT_DELETED } from '../../source/common.js';
import { FAILED_RESPONSE_FILTER, isFailedResponse } from '../../source/messages.js';
import type { FacadeContext } from '../route.js';
import { bounded, collectionOf, hexOf, orgFilter } from './common.js';

// A failed response is defined once, in source/messages.ts, for the exporter's counters and these reads.
const FAILED_RESPONSE: Document = FAILED_RESPONSE_FILTER;

/** The newest assistant messages of the given conversations. */
function responsesOf(ctx: FacadeContext, conversations: Document[], extra: Document, limit: number) {
  return collectionOf(ctx, 'messages')
    .find(
      { ...NOT_DELETED, conversationId: { $in: conversations.map(hexOf) }, role: 'assistant', ...extra },
      {
        projection: { type: 1, status: 1, latency: 1, createdAt: 1, error: 1 },
        sort: { createdAt: -1 },
        limit,
        ...bounded(ctx),
      },
    )
    .toArray();
}

/** The newest live conversations matching `filter` (an agent, or the agents of a deployment). */
function conversationsOf(ctx: FacadeContext, filter: Document, limit: number) {
  return collectionOf(ctx, 'conversations')
    .find({ ...NOT_DELETED, ...filter }, { projection: { _id: 1 }, sort: { createdAt: -1 }, limit, ...bounded(ctx) })
    .toArray();
}

export interface RecentTask {
  taskId: string;
  type: string;
  status: 'failed' | 'completed';
  duration: number | null;
  timestamp: string;
}

/** An agent's last 10 tasks (assistant messages) over its last 50 conversations. */
export async function recentTasks(ctx: FacadeContext, agentId: string): Promise<RecentTask[]> {
  const conversations = await conversationsOf(ctx, { agentId, ...orgFilter(ctx.scope) }, 50);
  if (conversations.length === 0) return [];
  const messages = await responsesOf(ctx, conversations, {}, 10);
  return messages.map((m) => ({
    taskId: hexOf(m),
    type: typeof m.type === 'string' ? m.type : 'text',
    status: isFailedResponse(m) ? 'failed' : 'completed',
    duration: typeof m.latency === 'number' ? m.latency : null,
    timestamp: m.createdAt instanceof Date ? m.createdAt.toISOString() : '',
  }));
}

export interface ErrorGroup {
  timestamp: string;
  type: string;
  message: string;
  count: number;
}

/**
 * A deployment's last 20 failed responses since `since`, grouped by error text: from the agents
 * bound to it (deleted ones included, as the exporter counts their history) and their last 500
 * conversations.
 */
export async function recentErrors(ctx: FacadeContext, deploymentId: string, since: Date): Promise<ErrorGroup[]> {
  const agents = await collectionOf(ctx, 'agents')
    .find({ deploymentId, ...orgFilter(ctx.scope) }, { projection: { _id: 1 }, limit: 200, ...bounded(ctx) })
    .toArray();
  if (agents.length === 0) return [];
  const conversations = await conversationsOf(ctx, { agentId: { $in: agents.map(hexOf) } }, 500);
  if (conversations.length === 0) return [];
  const failed = await responsesOf(ctx, conversations, { createdAt: { $gte: since }, ...FAILED_RESPONSE }, 20);
  const groups = new Map<string, ErrorGroup>();
  for (const m of failed) {
    const message =
      typeof m.error === 'string' && m.error !== '' ? m.error : 'failed response without an error message';
    const group = groups.get(message);
    if (group) group.count++;
    else
      groups.set(message, {
        timestamp: (m.createdAt as Date).toISOString(),
        type: m.type === 'error' ? 'error' : 'failed',
        message,
        count: 1,
      });
  }
  return [...groups.values()];
}
