/**
 * Agent activity: conversations (spread over the last 48 hours) and their messages, played from a
 * script of exchanges (user text, assistant text, thinking, tool call and result, errors). The first
 * conversation covers every message role, type and status; the second ends with an in-flight message.
 */
import type { Document } from 'mongodb';
import {
  deletedCount,
  idOf,
  isLegacy,
  lacksIsDeleted,
  orgOf,
  withBase,
  type BaseOpts,
  type FleetContext,
} from './context.js';
import { HOUR, MIN, SEC, round } from './rng-ids.js';

type Step = 'system' | 'user' | 'text' | 'thinking' | 'tool' | 'error' | 'sending';

export function makeMessage(
  ctx: FleetContext,
  conv: Document,
  at: number,
  role: string,
  type: string,
  status: string,
  fields: Document,
  extra: Partial<BaseOpts> = {},
): Document {
  const doc: Document = {
    _id: ctx.ids.next(at),
    conversationId: idOf(conv),
    participantId: role === 'user' ? ((conv.owner as Document).userId ?? 'anonymous') : conv.agentId,
    role,
    content: fields.content ?? '',
    type,
    status,
  };
  for (const [k, v] of Object.entries(fields)) if (k !== 'content') doc[k] = v;
  return withBase(ctx, doc, { orgId: orgOf(conv), createdAt: at, updatedAt: at, ...extra });
}

export function usageFor(ctx: FleetContext): Document {
  const { rng } = ctx;
  const promptTokens = rng.int(50, 4000);
  const completionTokens = rng.int(10, 1500);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

function latencyMs(ctx: FleetContext): number {
  return Math.round(Math.exp(ctx.rng.float(Math.log(250), Math.log(30000), 4)));
}

/** Message "scripts": conversation 0 covers every role/type/status, conversation 1 ends with an in-flight user message. */
function scriptFor(ctx: FleetContext, ci: number, count: number): Step[] {
  const { rng } = ctx;
  const steps: Step[] = [];
  if (ci === 0) steps.push('system', 'user', 'thinking', 'user', 'tool', 'user', 'error');
  else if (ci % 3 === 0) steps.push('system');
  while (steps.length < count + 4) {
    steps.push('user');
    steps.push(
      rng.weighted([
        ['text', 55],
        ['thinking', 15],
        ['tool', 20],
        ['error', 10],
      ] as const),
    );
  }
  return steps;
}

/** The ci-th conversation of an agent; its messages are returned apart (none when soft-deleted). */
export function makeConversation(
  ctx: FleetContext,
  agent: Document,
  ci: number,
  orgId: string,
  extra: Partial<BaseOpts> = {},
): { conv: Document; messages: Document[] } {
  const { rng, now } = ctx;
  const msgPerConv = ctx.counts.messagesPerConversation;
  // spread over the last 48 h; gaps between exchanges shrink for very long conversations
  const gapScale = Math.min(1, (47 * HOUR) / (Math.max(1, msgPerConv) * 6 * MIN));
  const span = Math.max(1, msgPerConv) * 6 * MIN * gapScale;
  const lo = Math.min(Math.round(span + 5 * MIN), 48 * HOUR - MIN);
  const start = now - rng.int(lo, 48 * HOUR - MIN);
  const conv: Document = {
    _id: ctx.ids.next(start),
    title: rng.pick([
      'GPU quota question',
      'Deploy Llama on H200',
      'Billing export',
      'Agent setup',
      'Incident follow-up',
      'RAG pipeline tuning',
    ]),
    description: '',
    agentId: idOf(agent),
    conversationType: 'chat',
    status:
      ci === 0 || ci === 1
        ? 'active'
        : rng.weighted([
            ['active', 70],
            ['archived', 20],
            ['closed', 10],
          ] as const),
  };
  withBase(ctx, conv, { orgId, createdAt: start, updatedAt: start, ...extra });
  if (extra.deleted) {
    conv.totalTokens = 0;
    conv.totalMessages = 0;
    conv.totalCost = 0;
    return { conv, messages: [] };
  }
  const { msgs, tokens, cost } = writeMessages(ctx, conv, ci, start, gapScale);
  const last = msgs.reduce((mx, m) => Math.max(mx, (m.createdAt as Date).getTime()), start);
  conv.totalTokens = tokens;
  conv.totalMessages = msgs.length;
  conv.totalCost = round(cost, 6);
  conv.updatedAt = new Date(Math.min(now, last));
  return { conv, messages: msgs };
}

/** Plays the conversation's script from `start`, up to messagesPerConversation messages. */
function writeMessages(
  ctx: FleetContext,
  conv: Document,
  ci: number,
  start: number,
  gapScale: number,
): { msgs: Document[]; tokens: number; cost: number } {
  const { rng, now } = ctx;
  const msgPerConv = ctx.counts.messagesPerConversation;
  const price = rng.float(0.5, 10, 2) / 1e6;
  let t = start;
  let tokens = 0;
  let cost = 0;
  const msgs: Document[] = [];
  const script = scriptFor(ctx, ci, msgPerConv);
  // conversation 1 keeps its last slot for an in-flight user message
  const cap = ci === 1 ? msgPerConv - 1 : msgPerConv;
  const push = (m: Document): void => {
    if (msgs.length >= cap) return;
    msgs.push(m);
    const used = (m.usage as Document | undefined)?.totalTokens as number | undefined;
    if (used !== undefined) {
      tokens += used;
      cost += used * price;
    }
  };
  for (let s = 0; s < script.length && msgs.length < cap; s++) {
    const step = script[s] as Step;
    if (step === 'system') {
      push(makeMessage(ctx, conv, t, 'system', 'system', 'delivered', { content: 'You are a helpful AIWM agent.' }));
      t += rng.int(1, 5) * SEC;
    } else if (step === 'user') {
      t += Math.max(1, Math.round(rng.int(5, 240) * SEC * gapScale));
      push(
        makeMessage(ctx, conv, t, 'user', 'text', rng.chance(0.2) ? 'sent' : 'delivered', {
          content: 'How do I scale my deployment?',
        }),
      );
    } else if (step === 'text' || step === 'thinking' || step === 'error') {
      const latency = latencyMs(ctx);
      if (step === 'thinking') {
        push(
          makeMessage(ctx, conv, t + Math.floor(latency / 3), 'assistant', 'thinking', 'delivered', {
            content: 'Reasoning about the request...',
            thinking: { content: 'plan', visible: false, duration: Math.floor(latency / 3) },
          }),
        );
      }
      t += latency;
      if (step === 'error') {
        push(
          makeMessage(ctx, conv, t, 'assistant', 'error', 'failed', {
            content: '',
            latency,
            error: rng.pick([
              'upstream timeout after 30000 ms',
              'deployment unavailable (503)',
              'context length exceeded',
            ]),
          }),
        );
      } else {
        const usage = usageFor(ctx);
        push(
          makeMessage(ctx, conv, t, 'assistant', 'text', 'delivered', {
            content: 'Here is what you can do...',
            latency,
            usage,
          }),
        );
      }
    } else if (step === 'tool') {
      const latency = latencyMs(ctx);
      t += latency;
      const usage = usageFor(ctx);
      const callId = `call_${rng.hex(16)}`;
      const toolName = rng.pick(['get_node_status', 'list_deployments', 'search_docs', 'run_sql']);
      push(
        makeMessage(ctx, conv, t, 'assistant', 'tool_call', 'sent', {
          content: '',
          latency,
          usage,
          toolCalls: [{ id: callId, type: 'function', function: { name: toolName, arguments: '{}' } }],
        }),
      );
      // the tool result lands in the same millisecond as the call: an _id tie-break case
      const success = rng.chance(0.85);
      const toolResult: Document = {
        toolCallId: callId,
        toolName,
        result: success ? { ok: true } : { ok: false },
        success,
        executionTime: rng.int(5, 4000),
      };
      if (!success) toolResult.error = 'tool raised an exception';
      push(
        makeMessage(ctx, conv, t, 'tool', 'tool_result', 'delivered', {
          content: success ? 'ok' : 'error',
          name: toolName,
          toolResults: [toolResult],
        }),
      );
      const latency2 = latencyMs(ctx);
      t += latency2;
      const usage2 = usageFor(ctx);
      push(
        makeMessage(ctx, conv, t, 'assistant', 'text', 'delivered', {
          content: 'Done.',
          latency: latency2,
          usage: usage2,
        }),
      );
    }
  }
  if (ci === 1 && msgPerConv > 0) {
    msgs.push(
      makeMessage(ctx, conv, now - rng.int(2, 20) * SEC, 'user', 'text', 'sending', {
        content: 'Are you still there?',
      }),
    );
  }
  return { msgs, tokens, cost };
}

/** The activity piece: conversationsPerAgent per agent and their messages, then soft-deleted ones. */
export function addActivity(ctx: FleetContext): void {
  const { rng, now, collections, made, serial } = ctx;
  const agents = made.agents;
  const convPerAgent = ctx.counts.conversationsPerAgent;
  const liveMessages: Document[] = [];
  const totalConv = agents.length * convPerAgent;
  for (const agent of agents) {
    for (let c = 0; c < convPerAgent; c++) {
      const ci = serial.conversation++;
      const orgId = isLegacy(ci, totalConv) ? '' : orgOf(agent);
      const { conv, messages } = makeConversation(ctx, agent, ci, orgId, { noIsDeleted: lacksIsDeleted(ci) });
      liveMessages.push(...messages);
      made.conversations.push(conv);
      collections.conversations.push(conv);
    }
  }
  // messages: a few without isDeleted, a few soft-deleted (extra, inside live conversations)
  liveMessages.forEach((m, i) => {
    if (lacksIsDeleted(i) && i % 2 === 0) delete m.isDeleted;
  });
  for (const m of liveMessages) collections.messages.push(m);
  for (let d = 0; d < deletedCount(totalConv) && agents.length > 0; d++) {
    const agent = agents[d % agents.length] as Document;
    const orgId = orgOf(agent) || (ctx.orgIds[0] as string);
    collections.conversations.push(makeConversation(ctx, agent, serial.conversation++, orgId, { deleted: true }).conv);
  }
  const conversations = made.conversations;
  for (let d = 0; d < deletedCount(liveMessages.length) && conversations.length > 0; d++) {
    const conv = conversations[(d * 7) % conversations.length] as Document;
    const at = now - rng.int(1, 47) * HOUR;
    collections.messages.push(
      makeMessage(ctx, conv, at, 'user', 'text', 'delivered', { content: '(deleted)' }, { deleted: true }),
    );
  }
}
