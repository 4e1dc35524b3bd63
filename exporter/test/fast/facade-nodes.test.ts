/**
 * /infrastructure/nodes and /infrastructure/nodes/:id against stubbed Prometheus answers: the node
 * series joined by node id, the unified GPU series, the online averages (rule or raw) and, for one
 * node, what runs on it and its history.
 */
import { describe, expect, it } from 'vitest';
import { BY_DEPLOYMENT, BY_RESOURCE, M, eq, facade as q, matchers, type Selector } from '../../../queries/index.js';
import { nodeRoute } from '../../src/facade/routes/node.js';
import { nodesRoute } from '../../src/facade/routes/nodes.js';
import { STUB_NOW, contextOf, noAnswers, stubStore, type Answer } from './facade-stub.js';

const ORG_A = { kind: 'org', orgId: 'org-a' } as const;
const ORG = eq('org_id', 'org-a');
const N1 = '0000000000000000000000a1';
const N2 = '0000000000000000000000a2';
const GIB = 2 ** 30;
const T = STUB_NOW.getTime() / 1000;

const n1 = { org_id: 'org-a', node_id: N1 };
const n2 = { org_id: 'org-a', node_id: N2 };
const gpu0 = { ...n1, gpu: '0', uuid: 'GPU-aaaa', model: 'NVIDIA H100', source: 'dcgm' };

/** The node series loadNodes reads under selector `s`: n1 online with a dcgm GPU, n2 offline without one. */
function nodeSeries(s: Selector, both = true): Record<string, Answer> {
  const pick = (a: Answer) => (both ? a : a.filter(([labels]) => labels.node_id === N1));
  return {
    [q.series(M.nodeInfo, s)]: pick([
      [{ ...n1, node_name: 'gpu-1', roles: 'worker', cpu_model: 'EPYC' }, 1],
      [{ ...n2, node_name: 'ctl-1', roles: 'controller,storage', cpu_model: '' }, 1],
    ]),
    [q.stateNow(M.nodeAvailability, s)]: pick([
      [{ ...n1, availability: 'online' }, 1],
      [{ ...n2, availability: 'offline' }, 1],
    ]),
    [q.stateNow(M.nodeStatus, s)]: pick([
      [{ ...n1, status: 'healthy', class: 'up' }, 1],
      [{ ...n2, status: 'offline', class: 'down' }, 1],
    ]),
    [q.stateNow(M.nodeHeartbeatState, s)]: pick([
      [{ ...n1, state: 'fresh' }, 1],
      [{ ...n2, state: 'never' }, 1],
    ]),
    [q.series(M.nodeHeartbeat, s)]: pick([
      [n1, T - 30],
      [n2, T - 86_400],
    ]),
    [q.series(M.nodeCpuUsage, s)]: pick([[n1, 0.42]]),
    [q.series(M.nodeCpuCores, s)]: pick([[n1, 64]]),
    [q.series(M.nodeRamUsage, s)]: pick([[n1, 0.5]]),
    [q.series(M.nodeRamTotal, s)]: pick([
      [n1, 256 * GIB],
      [n2, 16 * GIB],
    ]),
    [q.series(M.nodeDiskTotal, s)]: pick([[n1, 1024 * GIB]]),
    [q.series(M.nodeUptime, s)]: pick([[n1, 3600]]),
    [q.totalsBy(M.resources, ['node_id', 'resource_type'], s)]: pick([
      [{ node_id: N1, resource_type: 'virtual-machine' }, 2],
      [{ node_id: N1, resource_type: 'inference-container' }, 1],
    ]),
    [q.entitiesBy(M.deploymentInfo, ['node_id'], s)]: pick([[{ node_id: N1 }, 1]]),
    [q.series(M.nodeImplausibleValue, s)]: pick([[{ ...n2, field: 'ramTotal' }, 1]]),
    [q.gpu('info', s)]: [[gpu0, 1]],
    [q.gpu('utilization', s)]: [[gpu0, 0.9]],
    [q.gpu('memoryTotal', s)]: [[gpu0, 80 * GIB]],
    [q.gpu('memoryUsed', s)]: [[gpu0, 20 * GIB]],
    [q.gpu('temperature', s)]: [[gpu0, 61]],
    [q.gpu('power', s)]: [[gpu0, 312.44]],
    [q.gpu('xidLast', s)]: [[gpu0, 0]],
    [q.gpu('rowRemapFailure', s)]: [[gpu0, 0]],
    ...noAnswers(q.gpu('uncorrectableRemappedRows', s), q.gpu('clockEventReasons', s)),
  };
}

/** n1 as both routes show it. */
const N1_ITEM = {
  _id: N1,
  name: 'gpu-1',
  role: ['worker'],
  status: 'online',
  statusClass: 'up',
  recordedStatus: 'healthy',
  heartbeat: 'fresh',
  websocketConnected: null,
  lastHeartbeat: '2026-01-15T11:59:30.000Z',
  hardware: {
    cpuModel: 'EPYC',
    cpuCores: 64,
    cpuUsage: 42,
    ramTotal: 256,
    ramUsage: 128,
    diskTotal: 1024,
    diskUsage: null,
    gpus: [
      {
        deviceId: 'GPU-aaaa',
        uuid: 'GPU-aaaa',
        index: '0',
        model: 'NVIDIA H100',
        memoryTotal: 80,
        memoryFree: 60,
        utilization: 90,
        temperature: 61,
        powerUsage: 312.4,
        source: 'dcgm',
        health: { lastXid: 0, rowRemapFailure: false, uncorrectableRemappedRows: null, clockEventReasons: null },
      },
    ],
  },
  uptime: 3600,
  implausibleValues: [],
};

describe('/infrastructure/nodes', () => {
  it('counts by availability and role, averages online nodes from the raw series and lists the nodes', async () => {
    const store = await stubStore({
      [q.rulesProbe()]: [],
      ...nodeSeries(ORG),
      [q.onlineCpu(ORG, false)]: [[{}, 0.42]],
      [q.onlineRam(ORG, false)]: [[{}, 0.5]],
      [q.onlineGpu(ORG, false)]: [[{}, 0.9]],
    });
    const body = await nodesRoute.handle(contextOf(store, ORG_A), {}, { page: 1, limit: 10, format: 'json' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.summary).toEqual({
      total: 2,
      online: 1,
      offline: 1,
      maintenance: 0,
      byRole: {
        controller: { total: 1, online: 0 },
        worker: { total: 1, online: 1 },
        proxy: { total: 0, online: 0 },
        storage: { total: 1, online: 0 },
      },
      resources: { cpuUtilization: 42, ramUtilization: 50, gpuUtilization: 90, diskUtilization: null },
    });
    // By name: ctl-1 first. A node that never heartbeated has no lastHeartbeat; no GPU series is null, not [].
    expect(body.nodes[1]).toEqual({ ...N1_ITEM, resources: { vms: 2, containers: 1, deployments: 1 } });
    expect(body.nodes[0]).toMatchObject({
      _id: N2,
      role: ['controller', 'storage'],
      status: 'offline',
      heartbeat: 'never',
      lastHeartbeat: null,
      hardware: { cpuModel: null, cpuUsage: null, ramTotal: 16, ramUsage: null, gpus: null },
      implausibleValues: ['ramTotal'],
    });
    expect(body.pagination).toEqual({ page: 1, limit: 10, total: 2 });
    expect(body.metadata.sources).toEqual(['prometheus:raw', 'dcgm-exporter']);
    expect(body.metadata.unavailable).toContainEqual({
      field: 'summary.resources.diskUtilization',
      reason: 'no disk usage in AIWM',
    });
  });

  it('filters by availability and reads the online averages from the rules where they run', async () => {
    const store = await stubStore({
      [q.rulesProbe()]: [[{}, 0]],
      ...nodeSeries(ORG),
      [q.onlineCpu(ORG, true)]: [[{}, 0.42]],
      [q.onlineRam(ORG, true)]: [[{}, 0.5]],
      ...noAnswers(q.onlineGpu(ORG, true), q.onlineGpu(ORG, false)),
    });
    const body = await nodesRoute.handle(
      contextOf(store, ORG_A),
      {},
      { page: 1, limit: 10, format: 'json', status: 'offline' },
    );
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.nodes.map((n) => n._id)).toEqual([N2]);
    expect(body.pagination.total).toBe(1);
    expect(body.summary.total).toBe(2); // the summary counts every node, the filter only the list
    expect(body.summary.resources).toEqual({
      cpuUtilization: 42,
      ramUtilization: 50,
      gpuUtilization: null,
      diskUtilization: null,
    });
    expect(body.metadata.sources[0]).toBe('prometheus:recording-rules');
  });
});

describe('/infrastructure/nodes/:id', () => {
  const node = matchers(ORG, eq('node_id', N1));
  /** The 13 points of the default 1h period at 5m: the history answers hold the first and last. */
  const ends = (first: number, last: number): Array<[number, number]> => [
    [T - 3600, first],
    [T, last],
  ];

  it('shows what runs on the node, its GPU figures from the node rules, and its history', async () => {
    const store = await stubStore(
      {
        [q.entityInfo(M.nodeInfo, node)]: [[n1, 1]],
        [q.rulesProbe()]: [[{}, 0]],
        ...nodeSeries(node, false),
        [q.series(M.resourceInfo, node)]: [
          [{ ...n1, resource_id: 'r1', resource_name: 'vm-1', resource_type: 'virtual-machine' }, 1],
          [{ ...n1, resource_id: 'r2', resource_name: 'llm-box', resource_type: 'inference-container' }, 1],
        ],
        [q.stateOnNode(M.resourceStatus, M.resourceInfo, BY_RESOURCE, ORG, node)]: [
          [{ resource_id: 'r1', status: 'running' }, 1],
          [{ resource_id: 'r9', status: 'failed' }, 1],
        ],
        [q.series(M.deploymentInfo, node)]: [[{ ...n1, deployment_id: 'd1', deployment_name: 'chat' }, 1]],
        [q.stateOnNode(M.deploymentStatus, M.deploymentInfo, BY_DEPLOYMENT, ORG, node)]: [
          [{ deployment_id: 'd1', status: 'running' }, 1],
        ],
        [q.gpuUtilizationOf(node, true)]: [[{}, 0.75]],
        [q.gpuMemoryUsedOf(node, true)]: [[{}, 20 * GIB]],
      },
      [],
      {
        [q.average(M.nodeCpuUsage, node)]: [[{}, ends(0.4, 0.42)]],
        [q.ramUsedBytes(node)]: [[{}, ends(100 * GIB, 128 * GIB)]],
        [q.gpuUtilizationOf(node, false)]: [[{}, ends(0.7, 0.9)]],
      },
    );
    const body = await nodeRoute.handle(contextOf(store, ORG_A), { id: N1 }, { period: '1h' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body).toMatchObject({ ...N1_ITEM, services: null });
    expect(body.resources).toEqual({
      vms: [{ _id: 'r1', name: 'vm-1', status: 'running', cpuUsage: null, ramUsage: null }],
      containers: [{ _id: 'r2', name: 'llm-box', status: 'unknown', cpuUsage: null, ramUsage: null }],
      deployments: [{ _id: 'd1', name: 'chat', status: 'running', gpuUsage: 75, vramUsage: 20 }],
    });
    const m = body.metrics;
    expect(m).toMatchObject({ period: '1h', interval: '5m', requestedInterval: '5m', networkIn: null });
    expect(m.timestamps).toHaveLength(13);
    expect(m.timestamps[0]).toBe('2026-01-15T11:00:00.000Z');
    expect([m.cpuHistory[0], m.cpuHistory[12], m.ramHistory[0], m.ramHistory[12]]).toEqual([40, 42, 100, 128]);
    expect([m.gpuHistory[0], m.gpuHistory[1], m.gpuHistory[12]]).toEqual([70, null, 90]);
    expect(body.metadata.sources).toEqual(['prometheus:recording-rules', 'dcgm-exporter']);
    expect(body.metadata.unavailable.map((u) => u.field)).toContain('metrics.networkIn, networkOut');
  });

  it("is 404 for another org's node, like an unknown id: the org is in the query, asked before any other", async () => {
    // The store holds N1 for org-b only: the org-a query has no answer.
    const store = await stubStore(noAnswers(q.entityInfo(M.nodeInfo, node)));
    await expect(nodeRoute.handle(contextOf(store, ORG_A), { id: N1 }, { period: '1h' })).rejects.toMatchObject({
      status: 404,
      message: 'node not found',
    });
    expect(store.asked).toEqual([q.entityInfo(M.nodeInfo, node)]);
    expect(store.asked[0]).toContain('org_id="org-a"');
  });
});
