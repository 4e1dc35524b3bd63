import { KEY_LABELS, M } from '../metrics/catalog.js';
import {
  HistogramSeries,
  SampleFamily,
  labelSchema,
  renderHistogram,
  type LabelString,
  type RenderedFamily,
} from '../metrics/exposition.js';
import type { Config } from '../config.js';
import { readAgentBindings } from '../source/agents.js';
import { orgOf } from '../source/common.js';
import { readConversationAgents, readNewConversations, type ConversationRecord } from '../source/conversations.js';
import { readNewMessages, type MessageRecord, isFailedResponse } from '../source/messages.js';
import type { CollectContext, Collector } from './collector.js';
import { EventStream } from './events.js';

/** Agent of messages whose conversation AIWM no longer has. */
export const UNKNOWN_AGENT = 'unknown';
/** Remembered conversation -> agent pairs; old entries are re-read on demand. */
const CONVERSATION_CACHE_LIMIT = 200_000;

const AGENT_LABELS = labelSchema(KEY_LABELS.agent);
const DEPLOYMENT_LABELS = labelSchema(KEY_LABELS.deployment);

interface AgentActivity {
  labels: LabelString<typeof KEY_LABELS.agent>;
  tasks: number;
  failures: number;
  latency: HistogramSeries<typeof KEY_LABELS.agent>;
  promptTokens: number;
  completionTokens: number;
  messagesByRole: Map<string, number>;
  toolSuccess: number;
  toolFailed: number;
  conversations: number;
  /** createdAt (ms) of the newest assistant message counted; 0 when none yet. */
  lastTask: number;
}

interface DeploymentActivity {
  labels: LabelString<typeof KEY_LABELS.deployment>;
  success: number;
  failed: number;
  latency: HistogramSeries<typeof KEY_LABELS.deployment>;
}

/**
 * Agent and deployment activity from the conversations and messages event streams. Counts live in
 * memory and only grow: each message and conversation is applied exactly once, behind a watermark.
 */
export class ActivityCollector implements Collector {
  readonly name = 'activity';
  readonly families = [
    M.agentTasks,
    M.agentLastTask,
    M.agentTaskFailures,
    M.agentLatency,
    M.agentTokens,
    M.agentMessages,
    M.agentToolCalls,
    M.agentConversations,
    M.deploymentLatency,
    M.deploymentResponses,
  ];
  private readonly agents = new Map<string, AgentActivity>();
  private readonly deployments = new Map<string, DeploymentActivity>();
  private readonly conversationAgent = new Map<string, string>();
  private readonly conversationStream: EventStream<ConversationRecord>;
  private readonly messageStream: EventStream<MessageRecord>;

  constructor(
    private readonly config: Config,
    startedAt: Date,
  ) {
    this.conversationStream = new EventStream(
      config,
      startedAt,
      (ctx, wm, upper, limit) =>
        readNewConversations(ctx.db.collection(config.collections.conversations), wm, upper, limit, ctx.report),
      (records) => {
        for (const c of records) {
          this.remember(c._id.toHexString(), c.agentId);
          this.agent(orgOf(c), c.agentId).conversations++;
        }
      },
    );
    this.messageStream = new EventStream(
      config,
      startedAt,
      (ctx, wm, upper, limit) =>
        readNewMessages(ctx.db.collection(config.collections.messages), wm, upper, limit, ctx.report),
      (records, ctx) => this.applyMessages(records, ctx),
    );
  }

  watermarks(): Record<string, Date> {
    return {
      [this.config.collections.conversations]: this.conversationStream.watermark.time,
      [this.config.collections.messages]: this.messageStream.watermark.time,
    };
  }

  /** Agent -> deployment bindings, re-read each poll for the agents that poll meets. */
  private bindings = new Map<string, string | null>();

  async collect(ctx: CollectContext): Promise<RenderedFamily[]> {
    this.bindings = new Map();
    await this.conversationStream.catchUp(ctx, ctx.config.collections.conversations);
    await this.messageStream.catchUp(ctx, ctx.config.collections.messages);
    return this.render();
  }

  private remember(conversationId: string, agentId: string): void {
    if (this.conversationAgent.size >= CONVERSATION_CACHE_LIMIT) {
      const oldest = this.conversationAgent.keys().next().value;
      if (oldest !== undefined) this.conversationAgent.delete(oldest);
    }
    this.conversationAgent.set(conversationId, agentId);
  }

  private agent(org: string, agentId: string): AgentActivity {
    const key = `${org}\u0000${agentId}`;
    let a = this.agents.get(key);
    if (!a) {
      const labels = AGENT_LABELS.of(org, agentId);
      a = {
        labels,
        tasks: 0,
        failures: 0,
        latency: new HistogramSeries(labels, M.agentLatency.buckets!),
        promptTokens: 0,
        completionTokens: 0,
        messagesByRole: new Map(),
        toolSuccess: 0,
        toolFailed: 0,
        conversations: 0,
        lastTask: 0,
      };
      this.agents.set(key, a);
    }
    return a;
  }

  private deployment(org: string, deploymentId: string): DeploymentActivity {
    const key = `${org}\u0000${deploymentId}`;
    let d = this.deployments.get(key);
    if (!d) {
      const labels = DEPLOYMENT_LABELS.of(org, deploymentId);
      d = { labels, success: 0, failed: 0, latency: new HistogramSeries(labels, M.deploymentLatency.buckets!) };
      this.deployments.set(key, d);
    }
    return d;
  }

  /** Resolves every lookup first, then counts synchronously: a failed lookup leaves nothing half-counted. */
  private async applyMessages(records: MessageRecord[], ctx: CollectContext): Promise<void> {
    const unknownConversations = [
      ...new Set(records.map((m) => m.conversationId).filter((id) => !this.conversationAgent.has(id))),
    ];
    if (unknownConversations.length > 0) {
      const found = await readConversationAgents(
        ctx.db.collection(ctx.config.collections.conversations),
        unknownConversations,
      );
      for (const [conversation, agent] of found) this.remember(conversation, agent);
    }
    const agentIds = new Set<string>();
    for (const m of records) {
      const agent = this.conversationAgent.get(m.conversationId);
      if (agent !== undefined && !this.bindings.has(agent)) agentIds.add(agent);
    }
    if (agentIds.size > 0) {
      const found = await readAgentBindings(ctx.db.collection(ctx.config.collections.agents), [...agentIds]);
      for (const id of agentIds) this.bindings.set(id, found.get(id) ?? null);
    }
    for (const m of records) {
      const org = orgOf(m);
      const agentId = this.conversationAgent.get(m.conversationId) ?? UNKNOWN_AGENT;
      const a = this.agent(org, agentId);
      a.messagesByRole.set(m.role, (a.messagesByRole.get(m.role) ?? 0) + 1);
      a.promptTokens += m.usage?.promptTokens ?? 0;
      a.completionTokens += m.usage?.completionTokens ?? 0;
      for (const tool of m.toolResults ?? []) {
        if (tool.success === true) a.toolSuccess++;
        else if (tool.success === false) a.toolFailed++;
      }
      if (m.role !== 'assistant') continue;
      const failed = isFailedResponse(m);
      a.tasks++;
      if (failed) a.failures++;
      a.lastTask = Math.max(a.lastTask, m.createdAt.getTime());
      const seconds = m.latency != null && m.latency >= 0 ? m.latency / 1000 : undefined;
      if (seconds !== undefined) a.latency.observe(seconds);
      const deploymentId = this.bindings.get(agentId);
      if (!deploymentId) continue;
      const d = this.deployment(org, deploymentId);
      if (failed) d.failed++;
      else d.success++;
      if (seconds !== undefined) d.latency.observe(seconds);
    }
  }

  private render(): RenderedFamily[] {
    const tasks = new SampleFamily(M.agentTasks);
    const lastTask = new SampleFamily(M.agentLastTask);
    const failures = new SampleFamily(M.agentTaskFailures);
    const tokens = new SampleFamily(M.agentTokens);
    const messages = new SampleFamily(M.agentMessages);
    const tools = new SampleFamily(M.agentToolCalls);
    const conversations = new SampleFamily(M.agentConversations);
    const responses = new SampleFamily(M.deploymentResponses);
    const agents = [...this.agents.values()].sort((x, y) => (x.labels < y.labels ? -1 : 1));
    const deployments = [...this.deployments.values()].sort((x, y) => (x.labels < y.labels ? -1 : 1));
    for (const a of agents) {
      tasks.add(a.labels, a.tasks);
      if (a.lastTask > 0) lastTask.add(a.labels, a.lastTask / 1000);
      failures.add(a.labels, a.failures);
      tokens.add(tokens.labels.after(a.labels, 'prompt'), a.promptTokens);
      tokens.add(tokens.labels.after(a.labels, 'completion'), a.completionTokens);
      for (const [role, count] of [...a.messagesByRole].sort())
        messages.add(messages.labels.after(a.labels, role), count);
      tools.add(tools.labels.after(a.labels, 'success'), a.toolSuccess);
      tools.add(tools.labels.after(a.labels, 'failed'), a.toolFailed);
      conversations.add(a.labels, a.conversations);
    }
    for (const d of deployments) {
      responses.add(responses.labels.after(d.labels, 'success'), d.success);
      responses.add(responses.labels.after(d.labels, 'failed'), d.failed);
    }
    return [
      tasks.rendered(),
      lastTask.rendered(),
      failures.rendered(),
      renderHistogram(
        M.agentLatency,
        agents.map((a) => a.latency),
      ),
      ...[tokens, messages, tools, conversations].map((f) => f.rendered()),
      renderHistogram(
        M.deploymentLatency,
        deployments.map((d) => d.latency),
      ),
      responses.rendered(),
    ];
  }
}
