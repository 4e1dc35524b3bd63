/**
 * Facade routes against stubbed Prometheus answers: the queries each route sends (built with
 * queries/, as the facade builds them) in, the JSON out. No Prometheus process, no MongoDB.
 * Covers how rule-backed figures are read: the rule where the store holds the rules' series, the
 * raw series where it does not or where a rule has no answer yet, and sum / count averages for a
 * caller who sees every org.
 */
import { describe, expect, it } from 'vitest';
import { M, eq, facade as q, monitoring } from '../../../queries/index.js';
import { entityMatcher } from '../../src/facade/scope.js';
import { overviewRoute } from '../../src/facade/routes/overview.js';
import { resourcesRoute } from '../../src/facade/routes/resources.js';
import { contextOf, stubStore, type Answer } from './facade-stub.js';

const ORG = eq('org_id', 'org-a');
const ALL_ORGS = 'org_id=~".+"';
const RULES_RUN: Answer = [[{}, 0]];

/** The queries /overview sends whatever the store, with their answers. */
function overviewCounts(s: string): Record<string, Answer> {
  return {
    [q.totalsBy(M.nodes, ['availability'], s)]: [
      [{ availability: 'online' }, 3],
      [{ availability: 'offline' }, 1],
    ],
    [q.totalsBy(M.models, ['status', 'model_type'], s)]: [[{ status: 'active', model_type: 'llm' }, 2]],
    [q.totalsBy(M.deployments, ['status'], s)]: [[{ status: 'running' }, 1]],
    [q.totalsBy(M.agents, ['status'], s)]: [[{ status: 'busy' }, 1]],
    [monitoring.exporterSourceUp()]: [[{}, 1]],
    [q.increaseOf(M.agentTaskFailures, s, '24h', false)]: [[{}, 5]],
    [q.histogramIncrease(M.agentLatency, 'sum', s, '24h')]: [[{}, 10]],
    [q.histogramIncrease(M.agentLatency, 'count', s, '24h')]: [[{}, 40]],
  };
}

/** The rule-backed figures of /overview in one form (rules or raw), with the same answers. */
function overviewFigures(s: string, rules: boolean): Record<string, Answer> {
  return {
    [q.onlineCpu(s, rules)]: [[{}, 0.5]],
    [q.onlineRam(s, rules)]: [[{}, 0.25]],
    [q.onlineGpu(s, rules)]: [[{}, 0.8]],
    [q.nodesByRole(s, rules)]: [
      [{ role: 'worker' }, 3],
      [{ role: 'controller' }, 1],
    ],
    [q.resourcesByStatusAndType(s, rules)]: [
      [{ status: 'running', resource_type: 'virtual-machine' }, 2],
      [{ status: 'error', resource_type: 'inference-container' }, 1],
    ],
    [q.executionsByStatus(s, rules)]: [[{ status: 'completed' }, 4]],
    [q.gpusBySource(s, rules)]: [
      [{ source: 'dcgm' }, 2],
      [{ source: 'aiwm' }, 1],
    ],
    [q.gpusActive(s, rules)]: [[{}, 2]],
    [q.increaseOf(M.deploymentRequests, s, '24h', rules)]: [[{}, 100]],
    [q.increaseOf(M.agentTasks, s, '24h', rules)]: [[{}, 50]],
  };
}

const ALERTS = [
  { labels: { alertname: 'AIWMModelFailed', severity: 'warning', org_id: 'org-a' }, state: 'firing' as const },
  { labels: { alertname: 'AIWMNodeDown', severity: 'critical', org_id: 'org-b' }, state: 'firing' as const },
];

/** What /overview answers from the tables above, whichever form its figures came in. */
const EXPECTED_FIGURES = {
  infrastructure: {
    nodes: {
      total: 4,
      online: 3,
      offline: 1,
      maintenance: 0,
      byRole: { controller: 1, worker: 3, proxy: 0, storage: 0 },
    },
    resources: {
      total: 3,
      running: 2,
      stopped: 0,
      deploying: 0,
      failed: 1,
      byType: { vm: 2, appContainer: 0, inferenceContainer: 1 },
    },
    hardware: {
      cpuUtilization: 50,
      ramUtilization: 25,
      gpuUtilization: 80,
      diskUtilization: null,
      gpusActive: 2,
      gpusTotal: 3,
    },
  },
  activity: {
    period: '24h',
    apiRequests: null,
    inferenceRequests: 100,
    agentTasks: 50,
    avgResponseTime: 250,
    successRate: 90,
  },
};

const overview = (ctx: ReturnType<typeof contextOf>) => overviewRoute.handle(ctx, {}, { period: '24h' });

describe('/overview', () => {
  it('reads the recording rules where the store holds them, and says so', async () => {
    const store = await stubStore(
      { [q.rulesProbe()]: RULES_RUN, ...overviewCounts(ORG), ...overviewFigures(ORG, true) },
      ALERTS,
    );
    const body = await overview(contextOf(store, { kind: 'org', orgId: 'org-a' }));
    expect(store.unexpected).toEqual([]);
    expect(body).toMatchObject(EXPECTED_FIGURES);
    expect(body.health).toMatchObject({ systemHealth: 95, alerts: { critical: 0, warning: 1, info: 0 } });
    expect(body.metadata.sources).toEqual([
      'prometheus:recording-rules',
      'aiwm:gpuDevices',
      'dcgm-exporter',
      'prometheus:/api/v1/alerts',
    ]);
    // The online averages came from the per-org rules, not from per-node series.
    expect(store.asked).toContain(q.onlineCpu(ORG, true));
    expect(store.asked).not.toContain(q.onlineCpu(ORG, false));
  });

  it('reads the raw series where the store holds no rule series (no rule evaluator)', async () => {
    const store = await stubStore({
      [q.rulesProbe()]: [],
      ...overviewCounts(ORG),
      ...overviewFigures(ORG, false),
    });
    const body = await overview(contextOf(store, { kind: 'org', orgId: 'org-a' }));
    expect(store.unexpected).toEqual([]);
    expect(body).toMatchObject(EXPECTED_FIGURES);
    expect(body.metadata.sources[0]).toBe('prometheus:raw');
    expect(store.asked.filter((x) => x === q.rulesProbe())).toHaveLength(1);
  });

  it('falls back to the raw series for a figure whose rule has no answer yet', async () => {
    const figures = overviewFigures(ORG, true);
    figures[q.onlineGpu(ORG, true)] = [];
    const store = await stubStore({
      [q.rulesProbe()]: RULES_RUN,
      ...overviewCounts(ORG),
      ...figures,
      [q.onlineGpu(ORG, false)]: [[{}, 0.8]],
    });
    const body = await overview(contextOf(store, { kind: 'org', orgId: 'org-a' }));
    expect(store.unexpected).toEqual([]);
    expect(body.infrastructure.hardware.gpuUtilization).toBe(80);
    expect(store.asked).toEqual(expect.arrayContaining([q.onlineGpu(ORG, true), q.onlineGpu(ORG, false)]));
  });

  it('reads the per-org sum and count rules for a caller who sees every org: sum / count, not an average of averages', async () => {
    const store = await stubStore({
      [q.rulesProbe()]: RULES_RUN,
      ...overviewCounts(ALL_ORGS),
      ...overviewFigures(ALL_ORGS, true),
    });
    const body = await overview(contextOf(store, { kind: 'all' }));
    expect(store.unexpected).toEqual([]);
    expect(body).toMatchObject(EXPECTED_FIGURES);
    expect(q.onlineCpu(ALL_ORGS, true)).toMatch(/^sum\(.*:sum_online.*\) \/ sum\(.*:count_online.*\)$/);
    expect(store.asked).toContain(q.onlineCpu(ALL_ORGS, true));
    expect(store.asked).not.toContain(q.onlineCpu(ALL_ORGS, false));
    expect(store.asked).toContain(q.nodesByRole(ALL_ORGS, true));
    expect(store.asked).toContain(q.gpusBySource(ALL_ORGS, true));
  });
});

describe('/infrastructure/resources', () => {
  it('joins info, state and allocations by resource; sums what holding resources allocate', async () => {
    const vm = {
      org_id: 'org-a',
      resource_id: 'r1',
      resource_name: 'vm-1',
      resource_type: 'virtual-machine',
      node_id: 'n1',
    };
    const box = {
      org_id: 'org-a',
      resource_id: 'r2',
      resource_name: 'box',
      resource_type: 'application-container',
      node_id: '',
    };
    const store = await stubStore({
      [q.series(M.resourceInfo, ORG)]: [
        [vm, 1],
        [box, 1],
      ],
      [q.stateNow(M.resourceStatus, ORG)]: [
        [{ resource_id: 'r1', status: 'running' }, 1],
        [{ resource_id: 'r2', status: 'stopped' }, 1],
      ],
      [q.series(M.resourceVcpus, ORG)]: [
        [{ resource_id: 'r1' }, 4],
        [{ resource_id: 'r2' }, 2],
      ],
      [q.series(M.resourceMemory, ORG)]: [[{ resource_id: 'r1' }, 8 * 2 ** 30]],
      [q.series(M.resourceDisk, ORG)]: [],
      [q.totalsBy(M.resourceGpus, ['resource_id'], ORG)]: [[{ resource_id: 'r1' }, 1]],
      [q.heldGpusByMode(ORG)]: [[{ mode: 'passthrough' }, 1]],
    });
    const body = await resourcesRoute.handle(
      contextOf(store, { kind: 'org', orgId: 'org-a' }),
      {},
      {
        page: 1,
        limit: 10,
        format: 'json',
      },
    );
    expect(store.unexpected).toEqual([]);
    expect(body.resources).toEqual([
      {
        _id: 'r2',
        name: 'box',
        resourceType: 'application-container',
        status: 'stopped',
        nodeId: null,
        allocation: { vcpus: 2, ramGB: null, diskGB: null, gpus: 0 },
      },
      {
        _id: 'r1',
        name: 'vm-1',
        resourceType: 'virtual-machine',
        status: 'running',
        nodeId: 'n1',
        allocation: { vcpus: 4, ramGB: 8, diskGB: null, gpus: 1 },
      },
    ]);
    expect(body.summary).toMatchObject({
      total: 2,
      byType: { vm: 1, appContainer: 1, inferenceContainer: 0 },
      allocation: { vcpus: 4, ramGB: 8, diskGB: 0, gpus: { total: 1, passthrough: 1, mig: 0, container: 0 } },
    });
    expect(body.pagination).toEqual({ page: 1, limit: 10, total: 2 });
  });

  it('escapes the org and entity of a selector', () => {
    const scope = { kind: 'org', orgId: 'a"b' } as const;
    expect(entityMatcher(scope, 'resource_id', 'r\\1')).toBe('org_id="a\\"b", resource_id="r\\\\1"');
  });
});
