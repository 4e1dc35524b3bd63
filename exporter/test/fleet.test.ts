import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSON, MongoClient, ObjectId } from 'mongodb';
import type { Collection, Db, Document } from 'mongodb';
import { COLLECTIONS, FLEET_ENUMS, LiveFleet, generateFleet, loadFleet } from '../../testing/fleet/index.js';
import type { CollectionName, Fleet, MalformedDoc } from '../../testing/fleet/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

// ------------------------------------------------------------------ helpers

/** The document's shape defect: a kept `bad_field` document has a field of the wrong type. */
const asShape = (reason: MalformedDoc['reason']) => (reason === 'bad_field' ? 'wrong_type' : reason);

function malformedIds(fleet: Fleet): Set<string> {
  return new Set(fleet.malformed.map((m) => m._id.toHexString()));
}

/** valid (not malformed), non-deleted documents */
function live(fleet: Fleet, name: CollectionName): Document[] {
  const bad = malformedIds(fleet);
  return fleet.collections[name].filter((d) => d.isDeleted !== true && !bad.has((d._id as ObjectId).toHexString()));
}

function byId(docs: Document[]): Map<string, Document> {
  return new Map(docs.map((d) => [(d._id as ObjectId).toHexString(), d]));
}

function serialize(fleet: Fleet): string {
  const parts: string[] = [];
  for (const name of COLLECTIONS)
    for (const d of fleet.collections[name]) parts.push(Buffer.from(BSON.serialize(d)).toString('hex'));
  parts.push(
    Buffer.from(BSON.serialize({ m: fleet.malformed, s: fleet.scenario, o: fleet.orgIds, n: fleet.now })).toString(
      'hex',
    ),
  );
  return parts.join('|');
}

/** Values found at a FLEET_ENUMS path like 'nodes.gpuDevices[].status' (collection prefix removed). */
function valuesAt(doc: Document, path: string): unknown[] {
  let current: unknown[] = [doc];
  for (const seg of path.split('.')) {
    const isArray = seg.endsWith('[]');
    const key = isArray ? seg.slice(0, -2) : seg;
    const next: unknown[] = [];
    for (const c of current) {
      if (c === null || typeof c !== 'object') continue;
      const v = (c as Document)[key];
      if (v === undefined) continue;
      if (isArray && Array.isArray(v)) next.push(...v);
      else next.push(v);
    }
    current = next;
  }
  return current;
}

type Kind = 'string' | 'number' | 'date' | 'boolean';
/** Required fields, as a careful exporter treats them. */
const REQUIRED: Record<CollectionName, string[]> = {
  nodes: ['name'],
  resources: ['name', 'resourceType', 'status'],
  models: ['name', 'type', 'deploymentType', 'status'],
  deployments: ['name', 'status'],
  agents: ['name', 'status'],
  executions: ['category', 'status'],
  conversations: ['agentId'],
  messages: ['conversationId', 'role', 'createdAt'],
};
/** Fields an exporter reads, with their types (checked when present). */
const TYPED: Record<CollectionName, Record<string, Kind>> = {
  nodes: {
    name: 'string',
    status: 'string',
    cpuUsage: 'number',
    ramUsage: 'number',
    cpuCores: 'number',
    ramTotal: 'number',
    ramFree: 'number',
    diskTotal: 'number',
    uptimeSeconds: 'number',
    lastHeartbeat: 'date',
    websocketConnected: 'boolean',
    hostname: 'string',
  },
  resources: { name: 'string', resourceType: 'string', status: 'string' },
  models: {
    name: 'string',
    type: 'string',
    deploymentType: 'string',
    status: 'string',
    fileSize: 'number',
    framework: 'string',
  },
  deployments: {
    name: 'string',
    status: 'string',
    modelId: 'string',
    nodeId: 'string',
    resourceId: 'string',
    requestCount: 'number',
    totalTokens: 'number',
    totalCost: 'number',
  },
  agents: {
    name: 'string',
    status: 'string',
    type: 'string',
    deploymentId: 'string',
    nodeId: 'string',
    lastHeartbeatAt: 'date',
    lastConnectedAt: 'date',
    connectionCount: 'number',
  },
  executions: {
    category: 'string',
    status: 'string',
    type: 'string',
    nodeId: 'string',
    progress: 'number',
    retryCount: 'number',
    maxRetries: 'number',
    startedAt: 'date',
    completedAt: 'date',
    timeoutAt: 'date',
  },
  conversations: {
    agentId: 'string',
    status: 'string',
    totalTokens: 'number',
    totalMessages: 'number',
    totalCost: 'number',
  },
  messages: {
    conversationId: 'string',
    role: 'string',
    type: 'string',
    status: 'string',
    latency: 'number',
    createdAt: 'date',
  },
};
const ENUM_FIELDS = Object.entries(FLEET_ENUMS)
  .map(([key, values]) => ({
    collection: key.slice(0, key.indexOf('.')) as CollectionName,
    path: key.slice(key.indexOf('.') + 1),
    values: values as readonly string[],
  }))
  .filter((e) => !e.path.includes('['));

function kindOk(v: unknown, kind: Kind): boolean {
  if (kind === 'date') return v instanceof Date;
  return typeof v === kind && (kind !== 'number' || Number.isFinite(v));
}

/** What a careful exporter would decide about a document. */
function classify(name: CollectionName, doc: Document): 'ok' | MalformedDoc['reason'] {
  for (const f of REQUIRED[name]) if (doc[f] === undefined || doc[f] === null) return 'missing_field';
  for (const [f, kind] of Object.entries(TYPED[name]))
    if (doc[f] !== undefined && doc[f] !== null && !kindOk(doc[f], kind)) return 'wrong_type';
  for (const e of ENUM_FIELDS)
    if (e.collection === name && doc[e.path] !== undefined && !e.values.includes(doc[e.path] as string))
      return 'unknown_enum';
  return 'ok';
}

// ------------------------------------------------------------------ tests

describe('generateFleet', () => {
  const fleet = generateFleet();

  it('is deterministic: same options give byte-identical documents, another seed differs', () => {
    const a = generateFleet({ seed: 7 });
    const b = generateFleet({ seed: 7 });
    expect(b).toEqual(a);
    expect(serialize(b)).toBe(serialize(a));
    expect(serialize(generateFleet())).toBe(serialize(fleet));
    const c = generateFleet({ seed: 8 });
    expect(serialize(c)).not.toBe(serialize(a));
    expect(c.collections.nodes.map((d) => d._id.toHexString())).not.toEqual(
      a.collections.nodes.map((d) => d._id.toHexString()),
    );
    // no wall clock: every timestamp derives from `now`
    const later = generateFleet({ now: new Date(NOW.getTime() + HOUR) });
    expect(later.collections.nodes[0]?.lastHeartbeat.getTime()).toBe(
      (fleet.collections.nodes[0]?.lastHeartbeat as Date).getTime() + HOUR,
    );
  });

  it('uses the documented defaults', () => {
    expect(fleet.now).toEqual(NOW);
    expect(fleet.orgIds).toHaveLength(3);
    for (const o of fleet.orgIds) expect(o).toMatch(/^[0-9a-f]{24}$/);
    const counts = Object.fromEntries(COLLECTIONS.map((c) => [c, live(fleet, c).length]));
    expect(counts).toEqual({
      nodes: 12,
      resources: 36,
      models: 12,
      deployments: 8,
      agents: 6,
      executions: 40,
      conversations: 24,
      messages: 240,
    });
  });

  it('builds ObjectIds from createdAt seconds, unique across the fleet, and BaseSchema fields on every doc', () => {
    const seen = new Set<string>();
    for (const name of COLLECTIONS) {
      for (const d of fleet.collections[name]) {
        expect(d._id).toBeInstanceOf(ObjectId);
        const hex = (d._id as ObjectId).toHexString();
        expect(seen.has(hex)).toBe(false);
        seen.add(hex);
        if (d.createdAt instanceof Date) {
          expect((d._id as ObjectId).getTimestamp().getTime()).toBe(Math.floor(d.createdAt.getTime() / 1000) * 1000);
          expect(d.createdAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
          expect(d.updatedAt).toBeInstanceOf(Date);
          expect(d.updatedAt.getTime()).toBeGreaterThanOrEqual(d.createdAt.getTime());
        }
        expect(typeof d.owner.orgId).toBe('string');
        expect(d.owner.orgId === '' || fleet.orgIds.includes(d.owner.orgId)).toBe(true);
        expect('deletedAt' in d).toBe(true);
        expect(typeof d.metadata).toBe('object');
      }
    }
  });

  it('covers every enum value of the contract among valid, non-deleted docs, and uses no others', () => {
    for (const [key, values] of Object.entries(FLEET_ENUMS)) {
      const name = key.slice(0, key.indexOf('.')) as CollectionName;
      const path = key.slice(key.indexOf('.') + 1);
      const found = new Set(live(fleet, name).flatMap((d) => valuesAt(d, path)));
      for (const v of values) expect(found.has(v), `${key} = ${v}`).toBe(true);
      for (const v of found)
        expect((values as readonly unknown[]).includes(v), `${key} has unexpected ${String(v)}`).toBe(true);
    }
    // a node with several roles
    expect(live(fleet, 'nodes').some((n) => n.role.length > 1)).toBe(true);
  });

  it('creates the scenario nodes', () => {
    const nodes = byId(fleet.collections.nodes);
    const s = fleet.scenario;
    const { dcgmH100NodeId, dcgmA100NodeId, neverHeartbeatNodeId, gbUnitsNodeId, ...schemaShape } = s;
    for (const id of Object.values(schemaShape)) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(Object.values(schemaShape)).size).toBe(5);
    // The write-path scenarios exist only with writePaths: true.
    expect([dcgmH100NodeId, dcgmA100NodeId, neverHeartbeatNodeId, gbUnitsNodeId]).toEqual(['', '', '', '']);

    const hot = nodes.get(s.hotGpuNodeId) as Document;
    expect(hot.status).toBe('online');
    expect(NOW.getTime() - hot.lastHeartbeat.getTime()).toBeLessThan(MIN);
    const temps = (hot.gpuDevices as Document[]).map((g) => g.temperature);
    expect(temps).toContain(92);
    expect(temps).toContain(83);

    const stale = nodes.get(s.staleNodeId) as Document;
    expect(stale.status).toBe('online');
    expect(stale.lastHeartbeat.getTime()).toBe(NOW.getTime() - 10 * MIN);

    const healthy = nodes.get(s.healthyNodeId) as Document;
    expect(healthy.status).toBe('online');
    expect(NOW.getTime() - healthy.lastHeartbeat.getTime()).toBeLessThan(MIN);
    expect(healthy.gpuDevices.length).toBeGreaterThan(0);
    for (const g of healthy.gpuDevices as Document[]) {
      expect(g).toMatchObject({
        model: 'NVIDIA H200',
        memoryTotal: 143771,
        memoryFree: 143156,
        temperature: 35,
        utilization: 0,
        memoryUsed: 0,
        powerDraw: 125.66,
        powerLimit: 700,
        status: 'idle',
      });
    }

    const noGpu = nodes.get(s.noGpuDataNodeId) as Document;
    expect(noGpu.status).toBe('online');
    expect('gpuDevices' in noGpu).toBe(false);

    expect((nodes.get(s.offlineNodeId) as Document).status).toBe('offline');

    // other GPU shapes: empty arrays, A100/L40S cards, telemetry present on some entries only
    const liveNodes = live(fleet, 'nodes');
    expect(liveNodes.some((n) => Array.isArray(n.gpuDevices) && n.gpuDevices.length === 0)).toBe(true);
    const gpus = liveNodes.flatMap((n) => (n.gpuDevices ?? []) as Document[]);
    expect(gpus.some((g) => g.model === 'NVIDIA A100-SXM4-80GB' && g.memoryTotal === 81920)).toBe(true);
    expect(gpus.some((g) => g.model === 'NVIDIA L40S' && g.memoryTotal === 46068)).toBe(true);
    expect(gpus.some((g) => 'powerDraw' in g)).toBe(true);
    expect(gpus.some((g) => !('powerDraw' in g) && !('status' in g))).toBe(true);
    for (const g of gpus) {
      expect(g.memoryFree).toBeLessThanOrEqual(g.memoryTotal);
      expect(g.utilization).toBeGreaterThanOrEqual(0);
      expect(g.utilization).toBeLessThanOrEqual(100);
    }
    for (const n of liveNodes) {
      expect(n.cpuUsage).toBeGreaterThanOrEqual(0);
      expect(n.cpuUsage).toBeLessThanOrEqual(100);
      expect(n.ramUsage).toBeLessThanOrEqual(100);
      expect(n.ramTotal).toBeGreaterThan(1000); // MB
    }
    expect(liveNodes.map((n) => n.name)).toContain('worker-gpu-01');
  });

  it('scenarios: false leaves the scenario ids empty', () => {
    const f = generateFleet({ scenarios: false, malformed: false });
    expect(Object.values(f.scenario)).toEqual(Array(9).fill(''));
    expect(f.malformed).toEqual([]);
    expect(live(f, 'nodes')).toHaveLength(12);
  });

  it('has soft-deleted docs, docs without isDeleted and docs with an empty orgId in every collection', () => {
    for (const name of COLLECTIONS) {
      const docs = fleet.collections[name];
      const deleted = docs.filter((d) => d.isDeleted === true);
      expect(deleted.length, name).toBeGreaterThan(0);
      for (const d of deleted) expect(d.deletedAt, name).toBeInstanceOf(Date);
      for (const d of docs.filter((x) => x.isDeleted !== true)) expect(d.deletedAt, name).toBeNull();
      expect(
        live(fleet, name).some((d) => !('isDeleted' in d)),
        name,
      ).toBe(true);
      expect(
        live(fleet, name).some((d) => d.owner.orgId === ''),
        name,
      ).toBe(true);
    }
  });

  it('lists exactly the malformed docs, each with the right reason', () => {
    expect(fleet.malformed.length).toBeGreaterThanOrEqual(COLLECTIONS.length * 2);
    const bad = malformedIds(fleet);
    expect(bad.size).toBe(fleet.malformed.length);
    for (const m of fleet.malformed) {
      const matches = fleet.collections[m.collection].filter((d) => (d._id as ObjectId).equals(m._id));
      expect(matches, m.description).toHaveLength(1);
      const doc = matches[0] as Document;
      expect(doc.isDeleted).toBe(false);
      expect(fleet.orgIds).toContain(doc.owner.orgId);
      expect(classify(m.collection, doc), m.description).toBe(asShape(m.reason));
      expect(m.skipped).toBe(m.reason !== 'unknown_enum' && m.reason !== 'bad_field');
    }
    // every other document is well-formed
    for (const name of COLLECTIONS) {
      for (const d of fleet.collections[name]) {
        if (bad.has((d._id as ObjectId).toHexString())) continue;
        expect(classify(name, d), `${name} ${String(d._id)}`).toBe('ok');
      }
    }
    const reasons = new Set(fleet.malformed.map((m) => `${m.collection}:${m.reason}`));
    for (const r of [
      'nodes:missing_field',
      'nodes:bad_field',
      'models:unknown_enum',
      'deployments:wrong_type',
      'messages:wrong_type',
      'messages:missing_field',
      'executions:unknown_enum',
    ]) {
      expect(reasons.has(r), r).toBe(true);
    }
    expect(fleet.collections.messages.some((d) => d.latency === 'fast')).toBe(true);
    expect(fleet.collections.executions.some((d) => d.status === 'zombie')).toBe(true);
  });

  it('keeps references consistent', () => {
    const nodeIds = new Set(fleet.collections.nodes.map((d) => d._id.toHexString()));
    const modelIds = new Set(fleet.collections.models.map((d) => d._id.toHexString()));
    const resourceIds = new Set(fleet.collections.resources.map((d) => d._id.toHexString()));
    const deploymentIds = new Set(fleet.collections.deployments.map((d) => d._id.toHexString()));
    const agentIds = new Set(fleet.collections.agents.map((d) => d._id.toHexString()));
    const convIds = new Set(fleet.collections.conversations.map((d) => d._id.toHexString()));
    for (const r of live(fleet, 'resources')) expect(nodeIds.has((r.nodeId as ObjectId).toHexString())).toBe(true);
    for (const m of live(fleet, 'models'))
      if (m.nodeId) expect(nodeIds.has((m.nodeId as ObjectId).toHexString())).toBe(true);
    for (const d of live(fleet, 'deployments')) {
      expect(modelIds.has(d.modelId)).toBe(true);
      if (d.nodeId !== undefined) expect(nodeIds.has(d.nodeId)).toBe(true);
      if (d.resourceId !== undefined) expect(resourceIds.has(d.resourceId)).toBe(true);
    }
    expect(live(fleet, 'deployments').some((d) => d.resourceId === undefined)).toBe(true); // api-based
    for (const a of live(fleet, 'agents')) {
      expect(deploymentIds.has(a.deploymentId)).toBe(true);
      expect(nodeIds.has(a.nodeId)).toBe(true);
    }
    for (const c of live(fleet, 'conversations')) expect(agentIds.has(c.agentId)).toBe(true);
    for (const m of live(fleet, 'messages')) expect(convIds.has(m.conversationId)).toBe(true);
    for (const e of live(fleet, 'executions')) expect(nodeIds.has(e.nodeId)).toBe(true);
  });

  it('models, resources, deployments and agents carry the documented fields (and secrets to be ignored)', () => {
    const models = live(fleet, 'models');
    for (const m of models.filter((x) => x.deploymentType === 'self-hosted')) {
      expect(Number.isInteger(m.fileSize)).toBe(true);
      expect(m.fileSize).toBeGreaterThan(1e9);
    }
    for (const m of models.filter((x) => x.deploymentType === 'api-based')) {
      expect(typeof m.provider).toBe('string');
      expect(m.apiConfig.apiKey).toMatch(/^sk-SECRET-/);
    }
    const resources = live(fleet, 'resources');
    const vms = resources.filter((r) => r.resourceType === 'virtual-machine');
    for (const vm of vms)
      expect(vm.config).toMatchObject({
        vcpus: expect.any(Number),
        ramMB: expect.any(Number),
        diskGB: expect.any(Number),
        gpuConfig: { enabled: expect.any(Boolean) },
      });
    const modes = new Set(
      vms
        .map((v) => v.config.gpuConfig)
        .filter((g) => g.enabled)
        .map((g) => g.mode),
    );
    expect([...modes].sort()).toEqual(['mig', 'passthrough']);
    for (const c of resources.filter((r) => r.resourceType === 'inference-container')) {
      expect(c.config).toMatchObject({
        cpuCores: expect.any(Number),
        ramLimit: expect.any(Number),
        gpuDeviceIds: expect.any(Array),
      });
    }
    expect(
      resources.some((r) => r.resourceType === 'inference-container' && typeof r.config.gpuMemoryLimit === 'number'),
    ).toBe(true);
    expect(resources.some((r) => r.runtime && Array.isArray(r.runtime.allocatedGPU))).toBe(true);
    for (const d of live(fleet, 'deployments')) {
      expect(d.requestCount).toBeGreaterThanOrEqual(0);
      expect(d.totalTokens).toBeGreaterThanOrEqual(d.requestCount);
      expect(d.totalCost).toBeGreaterThanOrEqual(0);
    }
    for (const a of live(fleet, 'agents')) {
      expect(a.secret).toMatch(/^agent-secret-/);
      expect(typeof a.settings.token).toBe('string');
      expect(a.lastHeartbeatAt).toBeInstanceOf(Date);
      expect(typeof a.connectionCount).toBe('number');
    }
  });

  it('executions: durations, an overdue running one, retries, failures and parent/child links', () => {
    const execs = live(fleet, 'executions');
    for (const e of execs)
      expect(e.executionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(execs.map((e) => e.executionId)).size).toBe(execs.length);
    const finished = execs.filter((e) => e.completedAt instanceof Date);
    expect(new Set(finished.map((e) => e.status))).toEqual(new Set(['completed', 'failed', 'cancelled', 'timeout']));
    for (const e of finished) {
      const d = e.completedAt.getTime() - e.startedAt.getTime();
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(HOUR);
    }
    expect(execs.some((e) => e.status === 'running' && e.timeoutAt.getTime() < NOW.getTime())).toBe(true);
    expect(execs.some((e) => e.retryCount > 0)).toBe(true);
    for (const e of execs.filter((x) => x.status === 'failed'))
      expect(e.error).toMatchObject({
        code: expect.any(String),
        message: expect.any(String),
        stepIndex: expect.any(Number),
      });
    for (const e of execs.filter((x) => x.status === 'completed')) expect(e.progress).toBe(100);
    const parents = execs.filter((e) => e.childExecutionIds.length > 0);
    expect(parents.length).toBeGreaterThan(0);
    const byExecId = new Map(execs.map((e) => [e.executionId, e]));
    for (const p of parents)
      for (const c of p.childExecutionIds) expect(byExecId.get(c)?.parentExecutionId).toBe(p.executionId);
  });

  it('messages: last 48 h, latency on assistant replies, usage, tool results, failures and createdAt ties', () => {
    const msgs = live(fleet, 'messages');
    for (const m of msgs) {
      expect(m.createdAt.getTime()).toBeGreaterThan(NOW.getTime() - 48 * HOUR);
      expect(m.createdAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
      if (m.role === 'assistant' && m.type !== 'thinking') expect(typeof m.latency).toBe('number');
      if (m.role === 'user') expect(m.latency).toBeUndefined();
    }
    expect(msgs.some((m) => m.usage && m.usage.totalTokens === m.usage.promptTokens + m.usage.completionTokens)).toBe(
      true,
    );
    expect(msgs.some((m) => Array.isArray(m.toolResults) && typeof m.toolResults[0]?.executionTime === 'number')).toBe(
      true,
    );
    for (const m of msgs.filter((x) => x.status === 'failed')) expect(typeof m.error).toBe('string');
    const times = new Map<number, number>();
    for (const m of msgs) times.set(m.createdAt.getTime(), (times.get(m.createdAt.getTime()) ?? 0) + 1);
    expect([...times.values()].some((n) => n > 1)).toBe(true);
    // conversation totals agree with their messages
    const byConv = new Map<string, Document[]>();
    for (const m of fleet.collections.messages.filter(
      (x) => x.isDeleted !== true && !malformedIds(fleet).has(x._id.toHexString()),
    )) {
      byConv.set(m.conversationId, [...(byConv.get(m.conversationId) ?? []), m]);
    }
    for (const c of live(fleet, 'conversations')) {
      const ms = byConv.get(c._id.toHexString()) ?? [];
      expect(c.totalMessages).toBe(ms.length);
      expect(c.totalTokens).toBe(ms.reduce((s, m) => s + (m.usage?.totalTokens ?? 0), 0));
    }
  });

  it('other seeds keep every guarantee (enum coverage, well-formedness, scenario, unique ids)', () => {
    for (let seed = 2; seed <= 12; seed++) {
      const f = generateFleet({ seed });
      for (const [key, values] of Object.entries(FLEET_ENUMS)) {
        const name = key.slice(0, key.indexOf('.')) as CollectionName;
        const found = new Set(live(f, name).flatMap((d) => valuesAt(d, key.slice(key.indexOf('.') + 1))));
        for (const v of values) expect(found.has(v), `seed ${seed}: ${key} = ${v}`).toBe(true);
      }
      const bad = malformedIds(f);
      const ids = new Set<string>();
      for (const name of COLLECTIONS) {
        for (const d of f.collections[name]) {
          const hex = (d._id as ObjectId).toHexString();
          ids.add(hex);
          const reason = f.malformed.find((m) => m._id.toHexString() === hex)?.reason;
          const expected = reason ? asShape(reason) : 'ok';
          expect(classify(name, d), `seed ${seed}: ${name} ${hex}`).toBe(bad.has(hex) ? expected : 'ok');
        }
      }
      expect(ids.size).toBe(COLLECTIONS.reduce((s, c) => s + f.collections[c].length, 0));
      const hot = f.collections.nodes.find((n) => n._id.toHexString() === f.scenario.hotGpuNodeId);
      expect(hot?.gpuDevices.map((g: Document) => g.temperature).slice(0, 2)).toEqual([92, 83]);
    }
  });

  it('scales: 10k nodes x 8 GPUs in a couple of seconds', () => {
    const t0 = performance.now();
    const big = generateFleet({ nodes: 10_000, gpusPerNode: 8 });
    const ms = performance.now() - t0;
    expect(live(big, 'nodes')).toHaveLength(10_000);
    expect(live(big, 'resources')).toHaveLength(30_000);
    const gpus = live(big, 'nodes').reduce((s, n) => s + ((n.gpuDevices as Document[] | undefined)?.length ?? 0), 0);
    expect(gpus).toBeGreaterThan(40_000);
    expect(ms).toBeLessThan(10_000);
  });
});

// ------------------------------------------------------------------ live mode

/** A recording stand-in for Db: enough for LiveFleet.advance, no server needed. */
function recordingDb(): { db: Db; calls: Array<{ collection: string; op: string; arg: unknown }> } {
  const calls: Array<{ collection: string; op: string; arg: unknown }> = [];
  const db = {
    collection(name: string) {
      return {
        insertMany: async (docs: Document[]) => {
          calls.push({ collection: name, op: 'insertMany', arg: docs });
          return { acknowledged: true, insertedCount: docs.length };
        },
        bulkWrite: async (ops: Document[]) => {
          calls.push({ collection: name, op: 'bulkWrite', arg: ops });
          return { ok: 1 };
        },
      } as unknown as Collection;
    },
  } as unknown as Db;
  return { db, calls };
}

describe('generateFleet({ writePaths: true }): documents as AIWM writes them', () => {
  const fleet = generateFleet({ now: NOW, writePaths: true });
  const nodes = live(fleet, 'nodes');
  const node = (id: string) => nodes.find((n) => (n._id as ObjectId).toHexString() === id)!;

  it("stores the agent's statuses, os objects and no websocketConnected", () => {
    const statuses = new Set(nodes.map((n) => n.status));
    for (const s of ['healthy', 'online', 'offline', 'pending', 'installing', 'maintenance'])
      expect(statuses, s).toContain(s);
    for (const n of nodes) {
      expect(n).not.toHaveProperty('websocketConnected');
      expect(n.os).toMatchObject({ platform: 'linux', distro: expect.any(String), version: expect.any(String) });
    }
  });

  it('has the write-path scenario nodes', () => {
    const s = fleet.scenario;
    expect(node(s.dcgmH100NodeId).hostname).toBe('GPU-NODE-01');
    expect(node(s.dcgmH100NodeId).gpuDevices).toHaveLength(8);
    expect(s.hotGpuNodeId).toBe(s.dcgmH100NodeId);
    // It runs the busiest deployment, and takes that deployment's (real) org.
    const onIt = live(fleet, 'deployments').filter((d) => d.nodeId === s.dcgmH100NodeId);
    expect(onIt).toHaveLength(1);
    expect(node(s.dcgmH100NodeId).owner.orgId).toBe(onIt[0]!.owner.orgId);
    expect(fleet.orgIds).toContain(onIt[0]!.owner.orgId);
    expect(node(s.dcgmA100NodeId)).toMatchObject({ hostname: 'gpu-node-02.cluster.local.', gpuDevices: [] });
    const never = node(s.neverHeartbeatNodeId);
    expect(never.lastHeartbeat).toEqual(never.createdAt);
    expect(never).not.toHaveProperty('lastSeenAt');
    expect(node(s.gbUnitsNodeId)).toMatchObject({ ramTotal: 512, diskTotal: 3725 });
  });

  it('keeps GPU inventory on few nodes and never persists GPU telemetry', () => {
    const gpus = nodes.flatMap((n) => (n.gpuDevices as Document[] | undefined) ?? []);
    expect(gpus.length).toBeGreaterThan(0);
    for (const g of gpus)
      for (const field of ['memoryUsed', 'powerDraw', 'powerLimit', 'status']) expect(g).not.toHaveProperty(field);
    expect(nodes.filter((n) => Array.isArray(n.gpuDevices) && n.gpuDevices.length === 0).length).toBeGreaterThan(3);
  });

  it('leaves latency out of some responses and stores step errors as objects', () => {
    const assistant = live(fleet, 'messages').filter((m) => m.role === 'assistant');
    expect(assistant.some((m) => m.latency === undefined)).toBe(true);
    expect(assistant.some((m) => typeof m.latency === 'number')).toBe(true);
    const errors = live(fleet, 'executions').flatMap((e) =>
      (e.steps as Document[]).map((st) => st.error).filter(Boolean),
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });
});

describe('LiveFleet (no server)', () => {
  it('is deterministic and keeps the generated fleet untouched', async () => {
    const fleet = generateFleet();
    const before = serialize(fleet);
    const a = new LiveFleet(fleet, { seed: 3 });
    const b = new LiveFleet(fleet, { seed: 3 });
    const ra = await a.advance(recordingDb().db, 300);
    const rb = await b.advance(recordingDb().db, 300);
    expect(Buffer.from(BSON.serialize(rb)).equals(Buffer.from(BSON.serialize(ra)))).toBe(true);
    expect(serialize(fleet)).toBe(before);
    expect(a.now).toEqual(new Date(NOW.getTime() + 300_000));
    const c = await new LiveFleet(fleet, { seed: 4 }).advance(recordingDb().db, 300);
    expect(Buffer.from(BSON.serialize(c)).equals(Buffer.from(BSON.serialize(ra)))).toBe(false);
  });

  it('returns what it writes', async () => {
    const fleet = generateFleet();
    const lf = new LiveFleet(fleet);
    const { db, calls } = recordingDb();
    const r = await lf.advance(db, 600);
    const inserted = (coll: string): Document[] =>
      calls.filter((c) => c.collection === coll && c.op === 'insertMany').flatMap((c) => c.arg as Document[]);
    expect(inserted('messages')).toEqual(r.messages);
    expect(inserted('executions')).toEqual(r.executionsCreated);
    const nodeOps = calls.filter((c) => c.collection === 'nodes').flatMap((c) => c.arg as Document[]);
    expect(nodeOps).toHaveLength(r.heartbeats);
    const touched = nodeOps.map((o) => (o.updateOne.filter._id as ObjectId).toHexString());
    expect(touched).not.toContain(fleet.scenario.staleNodeId);
    expect(touched).not.toContain(fleet.scenario.offlineNodeId);
    expect(touched).toContain(fleet.scenario.hotGpuNodeId);
  });
});

interface DbHandle {
  db: Db;
  close(): Promise<void>;
}

async function openDb(): Promise<DbHandle | null> {
  let uri = process.env.TEST_MONGODB_URI;
  let stopStandIn: (() => Promise<void>) | undefined;
  if (!uri) {
    // the in-process stand-in is written by another engineer; import it lazily so this file runs without it
    const path = '../../testing/mongo-standin.js';
    let mod: { startMongoStandIn?: () => Promise<{ uri: string; close(): Promise<void> }> };
    try {
      mod = (await import(path)) as typeof mod;
    } catch {
      return null;
    }
    if (typeof mod.startMongoStandIn !== 'function') return null;
    const standIn = await mod.startMongoStandIn();
    uri = standIn.uri;
    stopStandIn = () => standIn.close();
  }
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db = client.db(`fleet_test_${process.pid}_${Date.now().toString(36)}`);
  return {
    db,
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
      if (stopStandIn) await stopStandIn();
    },
  };
}

describe('LiveFleet against MongoDB (TEST_MONGODB_URI or the in-process stand-in)', () => {
  let handle: DbHandle | null = null;
  beforeAll(async () => {
    handle = await openDb();
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('advance() writes exactly what it returns', async (ctx) => {
    if (!handle) {
      ctx.skip('no TEST_MONGODB_URI and testing/mongo-standin.ts not available');
      return;
    }
    const db = handle.db;
    const fleet = generateFleet();
    await loadFleet(db, fleet);
    for (const name of COLLECTIONS)
      expect(await db.collection(name).countDocuments({}), name).toBe(fleet.collections[name].length);

    const lf = new LiveFleet(fleet, { seed: 5 });
    const start = fleet.now.getTime();
    const depsBefore = byId(await db.collection('deployments').find({}).toArray());
    const r = await lf.advance(db, 600);
    const end = start + 600_000;
    expect(r.now.getTime()).toBe(end);
    expect(lf.now.getTime()).toBe(end);

    // messages: appended, inside the window, user + assistant pairs, a few failed over time
    expect(r.messages.length).toBeGreaterThan(0);
    expect(r.messages.length % 2).toBe(0);
    expect(await db.collection('messages').countDocuments({})).toBe(
      fleet.collections.messages.length + r.messages.length,
    );
    for (const m of r.messages) {
      expect(m.createdAt.getTime()).toBeGreaterThan(start);
      expect(m.createdAt.getTime()).toBeLessThanOrEqual(end);
      if (m.role === 'assistant') expect(typeof m.latency).toBe('number');
    }
    expect(await db.collection('messages').countDocuments({ createdAt: { $gt: fleet.now } })).toBe(r.messages.length);

    // heartbeats: every online node except the stale scenario node
    const onlineLive = live(fleet, 'nodes').filter(
      (n) => n.status === 'online' && n._id.toHexString() !== fleet.scenario.staleNodeId,
    );
    expect(r.heartbeats).toBe(onlineLive.length);
    expect(await db.collection('nodes').countDocuments({ lastHeartbeat: { $gt: fleet.now } })).toBe(r.heartbeats);
    const stale = await db.collection('nodes').findOne({ _id: new ObjectId(fleet.scenario.staleNodeId) });
    expect(stale?.lastHeartbeat.getTime()).toBe(start - 10 * MIN);

    // executions
    expect(r.executionsCreated.length).toBeGreaterThan(0);
    expect(await db.collection('executions').countDocuments({})).toBe(
      fleet.collections.executions.length + r.executionsCreated.length,
    );
    for (const e of r.executionsCreated) {
      const stored = await db.collection('executions').findOne({ _id: e._id });
      expect(stored?.status).toBe('running');
      expect(stored?.startedAt.getTime()).toBeGreaterThan(start);
    }
    for (const e of r.executionsFinished) {
      const stored = await db.collection('executions').findOne({ _id: e._id });
      expect(['completed', 'failed']).toContain(stored?.status);
      expect(stored?.completedAt.getTime()).toBeGreaterThan(start);
      expect(stored?.completedAt.getTime()).toBeLessThanOrEqual(end);
      if (stored?.status === 'completed') expect(stored.progress).toBe(100);
    }
    const runningBefore = live(fleet, 'executions').filter((e) => e.status === 'running').length;
    expect(await db.collection('executions').countDocuments({ status: 'running', isDeleted: { $ne: true } })).toBe(
      runningBefore - r.executionsFinished.length + r.executionsCreated.length,
    );

    // deployments' counters grew by the returned deltas
    expect(r.deployments.length).toBeGreaterThan(0);
    for (const d of r.deployments) {
      const was = depsBefore.get(d._id.toHexString()) as Document;
      const now = await db.collection('deployments').findOne({ _id: d._id });
      expect(now?.requestCount).toBe(was.requestCount + d.requestCount);
      expect(now?.totalTokens).toBe(was.totalTokens + d.totalTokens);
      expect(now?.totalCost).toBeCloseTo(was.totalCost + d.totalCost, 6);
    }

    // a second step continues from the new clock
    const r2 = await lf.advance(db, 60);
    expect(r2.now.getTime()).toBe(end + 60_000);
    for (const m of r2.messages) expect(m.createdAt.getTime()).toBeGreaterThan(end);
    expect(await db.collection('messages').countDocuments({})).toBe(
      fleet.collections.messages.length + r.messages.length + r2.messages.length,
    );
  });
});
