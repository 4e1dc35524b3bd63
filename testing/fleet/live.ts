/**
 * Live mode: advances a generated fleet over time and writes the changes to MongoDB (heartbeats and
 * usage drift, new messages, executions starting and finishing, deployment counters). Used by the
 * demo, the compose seeder and the incremental-poll tests.
 */
import type { AnyBulkWriteOperation, Db, Document, ObjectId } from 'mongodb';
import { idOf, orgOf } from './context.js';
import { EXEC_STEPS, EXEC_TYPES, execTimeoutSeconds } from './executions.js';
import { IdGen, Rng, SEC, clamp, mix32, round } from './rng-ids.js';
import { FLEET_ENUMS, type Fleet } from './schema.js';

export interface AdvanceResult {
  now: Date;
  messages: Document[];
  executionsCreated: Document[];
  executionsFinished: Document[];
  heartbeats: number;
  /** Increments applied to running deployments' cumulative counters (extra to the documented shape). */
  deployments: Array<{ _id: ObjectId; requestCount: number; totalTokens: number; totalCost: number }>;
}

interface LiveNode {
  _id: ObjectId;
  cpuUsage: number;
  ramUsage: number;
  uptimeSeconds: number;
}
interface LiveConversation {
  doc: Document;
  price: number; // USD per token
}
interface LiveDeployment {
  _id: ObjectId;
  rate: number; // requests per second
  tokensPerRequest: number;
  pricePerToken: number;
}
interface RunningExecution {
  doc: Document;
  plannedEnd: number;
  fail: boolean;
}

/**
 * Advances a generated fleet over time and writes the changes to MongoDB. Holds its own copies of
 * the documents it changes; the Fleet object passed in is never mutated.
 */
export class LiveFleet {
  private readonly rng: Rng;
  private readonly ids: IdGen;
  private clock: number;
  private readonly nodes: LiveNode[] = [];
  private readonly conversations: LiveConversation[] = [];
  private readonly deploymentsLive: LiveDeployment[] = [];
  private running: RunningExecution[] = [];
  private readonly execNodeIds: Array<{ nodeId: string; orgId: string }> = [];
  private readonly orgIds: string[];
  private execSerial = 0;

  constructor(fleet: Fleet, options: { seed?: number } = {}) {
    const seed = options.seed ?? 1;
    this.rng = new Rng(mix32(seed >>> 0, 0x6c697665));
    this.ids = new IdGen(
      ((mix32(seed >>> 0, fleet.now.getTime() >>> 0) | 0x80000000) >>> 0).toString(16).padStart(8, '0'),
    );
    this.clock = fleet.now.getTime();
    this.orgIds = [...fleet.orgIds];
    const bad = new Set(fleet.malformed.map((m) => m._id.toHexString()));
    const ok = (d: Document): boolean => d.isDeleted !== true && !bad.has(idOf(d));
    const c = fleet.collections;

    for (const n of c.nodes) {
      if (!ok(n) || (n.status !== 'online' && n.status !== 'healthy')) continue;
      const id = idOf(n);
      if (id !== fleet.scenario.staleNodeId && id !== fleet.scenario.neverHeartbeatNodeId) {
        this.nodes.push({
          _id: n._id as ObjectId,
          cpuUsage: n.cpuUsage as number,
          ramUsage: n.ramUsage as number,
          uptimeSeconds: (n.uptimeSeconds as number) ?? 0,
        });
      }
      if (orgOf(n) !== '') this.execNodeIds.push({ nodeId: id, orgId: orgOf(n) });
    }
    const liveAgents = new Map<string, Document>();
    for (const a of c.agents) if (ok(a) && (a.status === 'active' || a.status === 'busy')) liveAgents.set(idOf(a), a);
    for (const conv of c.conversations) {
      if (!ok(conv) || conv.status !== 'active' || !liveAgents.has(conv.agentId as string)) continue;
      this.conversations.push({ doc: conv, price: this.rng.float(0.5, 10, 2) / 1e6 });
    }
    for (const d of c.deployments) {
      if (!ok(d) || d.status !== 'running') continue;
      this.deploymentsLive.push({
        _id: d._id as ObjectId,
        rate: this.rng.float(0.05, 2, 2),
        tokensPerRequest: this.rng.int(200, 1500),
        pricePerToken: (d.resourceId ? this.rng.float(0.1, 0.6, 2) : this.rng.float(2.5, 15, 2)) / 1e6,
      });
    }
    for (const e of c.executions) {
      if (!ok(e) || e.status !== 'running') continue;
      // an execution already past its timeoutAt stays stuck (the "stuck execution" case)
      const timeoutAt = (e.timeoutAt as Date | undefined)?.getTime();
      if (timeoutAt !== undefined && timeoutAt <= this.clock) continue;
      let plannedEnd = this.clock + this.rng.int(20, 15 * 60) * SEC;
      if (timeoutAt !== undefined) plannedEnd = Math.max(this.clock + SEC, Math.min(plannedEnd, timeoutAt - SEC));
      this.running.push({ doc: e, plannedEnd, fail: this.rng.chance(0.2) });
    }
  }

  get now(): Date {
    return new Date(this.clock);
  }

  async advance(db: Db, seconds: number): Promise<AdvanceResult> {
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError('seconds must be a positive number');
    const rng = this.rng;
    const from = this.clock;
    const windowMs = Math.max(1, Math.round(seconds * 1000));
    const to = from + windowMs;
    const inWindow = (offsetMax: number): number =>
      from + 1 + rng.int(0, Math.max(0, Math.min(offsetMax, windowMs - 1)));

    // --- heartbeats
    const nodeOps: AnyBulkWriteOperation<Document>[] = [];
    for (const n of this.nodes) {
      const hb = Math.max(from + 1, to - rng.int(0, Math.min(5000, windowMs - 1)));
      n.cpuUsage = round(clamp(n.cpuUsage + rng.float(-5, 5), 0, 100), 1);
      n.ramUsage = round(clamp(n.ramUsage + rng.float(-3, 3), 0, 100), 1);
      n.uptimeSeconds += Math.round(seconds);
      nodeOps.push({
        updateOne: {
          filter: { _id: n._id },
          update: {
            $set: {
              lastHeartbeat: new Date(hb),
              lastSeenAt: new Date(hb),
              cpuUsage: n.cpuUsage,
              ramUsage: n.ramUsage,
              uptimeSeconds: n.uptimeSeconds,
              updatedAt: new Date(hb),
            },
          },
        },
      });
    }

    // --- messages: user + assistant pairs
    const messages: Document[] = [];
    const convDelta = new Map<
      string,
      { conv: Document; messages: number; tokens: number; cost: number; last: number }
    >();
    if (this.conversations.length > 0 && windowMs >= 2) {
      const pairs = Math.min(1000, Math.max(1, Math.round(seconds / 15)));
      for (let p = 0; p < pairs; p++) {
        const lc = rng.pick(this.conversations);
        const conv = lc.doc;
        const latency = Math.min(
          Math.round(Math.exp(rng.float(Math.log(250), Math.log(30000), 4))),
          Math.max(1, Math.floor(windowMs / 2)),
        );
        const userAt = inWindow(windowMs - 1 - latency);
        const asstAt = Math.min(to, userAt + latency);
        const orgId = orgOf(conv);
        const ownerDoc: Document = orgId === '' ? { orgId: '' } : { ...(conv.owner as Document) };
        const mk = (at: number, role: string, type: string, status: string, extra: Document): Document => ({
          _id: this.ids.next(at),
          conversationId: idOf(conv),
          participantId: role === 'user' ? ((conv.owner as Document).userId ?? 'anonymous') : conv.agentId,
          role,
          content: role === 'user' ? 'New question' : extra.error ? '' : 'Answer',
          type,
          status,
          ...extra,
          owner: ownerDoc,
          isDeleted: false,
          createdAt: new Date(at),
          updatedAt: new Date(at),
          deletedAt: null,
          metadata: { live: true },
        });
        const user = mk(userAt, 'user', 'text', 'delivered', {});
        const failed = rng.chance(0.1);
        let asst: Document;
        let tokens = 0;
        if (failed) {
          asst = mk(asstAt, 'assistant', 'error', 'failed', { latency, error: 'upstream timeout' });
        } else {
          const promptTokens = rng.int(50, 4000);
          const completionTokens = rng.int(10, 1500);
          tokens = promptTokens + completionTokens;
          asst = mk(asstAt, 'assistant', 'text', 'delivered', {
            latency,
            usage: { promptTokens, completionTokens, totalTokens: tokens },
          });
        }
        messages.push(user, asst);
        const key = idOf(conv);
        const delta = convDelta.get(key) ?? { conv, messages: 0, tokens: 0, cost: 0, last: from };
        delta.messages += 2;
        delta.tokens += tokens;
        delta.cost += tokens * lc.price;
        delta.last = Math.max(delta.last, asstAt);
        convDelta.set(key, delta);
      }
    }

    // --- executions: finish due ones (pre-existing running ones only), then create new ones
    const executionsFinished: Document[] = [];
    const stillRunning: RunningExecution[] = [];
    for (const r of this.running) {
      if (r.plannedEnd > to) {
        stillRunning.push(r);
        continue;
      }
      const end = Math.max(from + 1, Math.min(to, r.plannedEnd));
      executionsFinished.push(this.finish(r, end));
    }
    const executionsCreated: Document[] = [];
    const nNew = this.execNodeIds.length > 0 ? Math.min(200, Math.max(1, Math.round(seconds / 120))) : 0;
    for (let k = 0; k < nNew; k++) {
      const doc = this.newExecution(inWindow(windowMs - 1));
      executionsCreated.push(doc);
      stillRunning.push({
        doc,
        plannedEnd: (doc.startedAt as Date).getTime() + rng.int(30, 20 * 60) * SEC,
        fail: rng.chance(0.2),
      });
    }
    this.running = stillRunning;

    // --- deployments' cumulative counters
    const deploymentDeltas: AdvanceResult['deployments'] = [];
    for (const d of this.deploymentsLive) {
      const requestCount = Math.round(d.rate * seconds);
      if (requestCount === 0) continue;
      const totalTokens = requestCount * d.tokensPerRequest;
      const totalCost = round(totalTokens * d.pricePerToken, 4);
      deploymentDeltas.push({ _id: d._id, requestCount, totalTokens, totalCost });
    }

    // --- writes
    if (nodeOps.length > 0) await db.collection('nodes').bulkWrite(nodeOps, { ordered: false });
    if (messages.length > 0) await db.collection('messages').insertMany(messages, { ordered: false });
    if (convDelta.size > 0) {
      await db.collection('conversations').bulkWrite(
        [...convDelta.values()].map((c) => ({
          updateOne: {
            filter: { _id: c.conv._id as ObjectId },
            update: {
              $inc: { totalMessages: c.messages, totalTokens: c.tokens, totalCost: round(c.cost, 6) },
              $set: { updatedAt: new Date(c.last) },
            },
          },
        })),
        { ordered: false },
      );
    }
    if (executionsCreated.length > 0)
      await db.collection('executions').insertMany(executionsCreated, { ordered: false });
    if (executionsFinished.length > 0) {
      await db.collection('executions').bulkWrite(
        executionsFinished.map((e) => ({ replaceOne: { filter: { _id: e._id as ObjectId }, replacement: e } })),
        { ordered: false },
      );
    }
    if (deploymentDeltas.length > 0) {
      await db.collection('deployments').bulkWrite(
        deploymentDeltas.map((d) => ({
          updateOne: {
            filter: { _id: d._id },
            update: {
              $inc: { requestCount: d.requestCount, totalTokens: d.totalTokens, totalCost: d.totalCost },
              $set: { lastHealthCheck: new Date(to), updatedAt: new Date(to) },
            },
          },
        })),
        { ordered: false },
      );
    }

    this.clock = to;
    return {
      now: new Date(to),
      messages,
      executionsCreated,
      executionsFinished,
      heartbeats: nodeOps.length,
      deployments: deploymentDeltas,
    };
  }

  private finish(r: RunningExecution, end: number): Document {
    const old = r.doc;
    const steps = ((old.steps as Document[] | undefined) ?? []).map((s) => ({ ...s }));
    const failAt = r.fail
      ? Math.max(
          0,
          steps.findIndex((s) => s.status === 'running' || s.status === 'pending'),
        )
      : -1;
    steps.forEach((s, i) => {
      if (s.status === 'completed' || s.status === 'skipped') return;
      if (failAt >= 0 && i > failAt) {
        s.status = 'skipped';
        return;
      }
      s.startedAt ??= new Date(end);
      s.completedAt = new Date(end);
      if (i === failAt) {
        s.status = 'failed';
        s.error = { code: 'STEP_FAILED', message: `${String(s.name)} failed` };
      } else {
        s.status = 'completed';
        s.progress = 100;
      }
    });
    const doc: Document = { ...old, steps, completedAt: new Date(end), updatedAt: new Date(end) };
    if (failAt >= 0) {
      doc.status = 'failed';
      const err: Document = {
        code: 'STEP_FAILED',
        message: `${String(steps[failAt]?.name ?? 'step')} failed`,
        stepIndex: failAt,
      };
      if (old.nodeId) err.nodeId = old.nodeId;
      doc.error = err;
    } else {
      doc.status = 'completed';
      doc.progress = 100;
    }
    return doc;
  }

  private newExecution(at: number): Document {
    const rng = this.rng;
    const category = rng.pick(FLEET_ENUMS['executions.category']);
    const type = rng.pick(EXEC_TYPES[category] ?? ['cleanup']);
    const names = EXEC_STEPS[type] ?? ['Run'];
    const { nodeId, orgId } = rng.pick(this.execNodeIds);
    const timeoutSeconds = execTimeoutSeconds(category);
    const steps: Document[] = names.map((name, index) => {
      const s: Document = {
        index,
        name,
        status: index === 0 ? 'running' : 'pending',
        progress: index === 0 ? rng.int(0, 50) : 0,
        dependsOn: index > 0 ? [index - 1] : [],
        optional: false,
        nodeId,
      };
      if (index === 0) s.startedAt = new Date(at);
      return s;
    });
    this.execSerial++;
    return {
      _id: this.ids.next(at),
      executionId: rng.uuid(),
      name: `${type} live-${this.execSerial}`,
      description: `${category} workflow`,
      category,
      type,
      status: 'running',
      progress: Math.round(((steps[0]?.progress as number) ?? 0) / names.length),
      childExecutionIds: [],
      steps,
      nodeId,
      involvedNodeIds: [nodeId],
      startedAt: new Date(at),
      timeoutSeconds,
      timeoutAt: new Date(at + timeoutSeconds * 1000),
      retryCount: 0,
      maxRetries: 3,
      retryAttempts: [],
      sentMessageIds: [],
      receivedMessageIds: [],
      owner: { orgId },
      isDeleted: false,
      createdAt: new Date(at),
      updatedAt: new Date(at),
      deletedAt: null,
      metadata: { live: true },
    };
  }
}
