/**
 * /workload/models, /workload/deployments and /workload/deployments/:id/metrics against stubbed
 * Prometheus answers; the deployment's recent errors from a few documents in the in-process MongoDB
 * stand-in.
 */
import { describe, expect, it } from 'vitest';
import { M, eq, facade as q, matchers } from '../../../queries/index.js';
import { deploymentMetricsRoute } from '../../src/facade/routes/deployment.js';
import { deploymentsRoute } from '../../src/facade/routes/deployments.js';
import { modelsRoute } from '../../src/facade/routes/models.js';
import { hex, oid, useDatabase } from './collect.js';
import { STUB_NOW, contextOf, noAnswers, stubStore, type Answer } from './facade-stub.js';

const ORG_A = { kind: 'org', orgId: 'org-a' } as const;
const ORG = eq('org_id', 'org-a');
const GIB = 2 ** 30;
const T = STUB_NOW.getTime() / 1000;
const LIST = { page: 1, limit: 10, format: 'json' } as const;
const N1 = '0000000000000000000000a1';
const D1 = '0000000000000000000000d1';
const D2 = '0000000000000000000000d2';

describe('/workload/models', () => {
  it('counts models by status, type and deployment type, sums their size and counts their deployments', async () => {
    const m1 = { org_id: 'org-a', model_id: 'm1' };
    const m2 = { org_id: 'org-a', model_id: 'm2' };
    const store = await stubStore({
      [q.series(M.modelInfo, ORG)]: [
        [{ ...m1, model_name: 'llama', model_type: 'llm', deployment_type: 'self-hosted' }, 1],
        [{ ...m2, model_name: 'ada', model_type: 'embedding', deployment_type: 'api-based' }, 1],
      ],
      [q.stateNow(M.modelStatus, ORG)]: [
        [{ ...m1, status: 'active' }, 1],
        [{ ...m2, status: 'deploy-failed' }, 1],
      ],
      [q.series(M.modelSize, ORG)]: [[m1, 14 * GIB]],
      [q.entitiesBy(M.deploymentInfo, ['model_id'], ORG)]: [[{ model_id: 'm1' }, 2]],
    });
    const body = await modelsRoute.handle(contextOf(store, ORG_A), {}, LIST);
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.summary).toEqual({
      total: 2,
      active: 1,
      inactive: 0,
      downloading: 0,
      failed: 1,
      byType: { llm: 1, vision: 0, embedding: 1, voice: 0 },
      byDeploymentType: { selfHosted: 1, apiBased: 1 },
      storage: { totalSize: 14 },
    });
    expect(body.models).toEqual([
      {
        _id: 'm2',
        name: 'ada',
        type: 'embedding',
        deploymentType: 'api-based',
        status: 'deploy-failed',
        size: null,
        deployments: 0,
        lastUsed: null,
      },
      {
        _id: 'm1',
        name: 'llama',
        type: 'llm',
        deploymentType: 'self-hosted',
        status: 'active',
        size: 14,
        deployments: 2,
        lastUsed: null,
      },
    ]);
    expect(body.metadata.unavailable).toEqual([
      { field: 'models[].lastUsed', reason: 'AIWM records no per-model usage time' },
    ]);
  });
});

describe('/workload/deployments', () => {
  it('joins deployments to models, nodes and GPU roll-ups; latency is null with a reason without samples', async () => {
    const byDep = ['deployment_id'];
    const d1 = { org_id: 'org-a', deployment_id: D1 };
    const d2 = { org_id: 'org-a', deployment_id: D2 };
    const store = await stubStore({
      [q.rulesProbe()]: [],
      [q.series(M.deploymentInfo, ORG)]: [
        [{ ...d1, deployment_name: 'chat', model_id: 'm1', node_id: N1 }, 1],
        [{ ...d2, deployment_name: 'embed', model_id: 'm2', node_id: '' }, 1],
      ],
      [q.stateNow(M.deploymentStatus, ORG)]: [
        [{ ...d1, status: 'running' }, 1],
        [{ ...d2, status: 'error' }, 1],
      ],
      [q.series(M.modelInfo, ORG)]: [[{ model_id: 'm1', model_name: 'llama' }, 1]],
      [q.series(M.nodeInfo, ORG)]: [[{ node_id: N1, node_name: 'gpu-1' }, 1]],
      [q.histogramIncrease(M.deploymentLatency, 'sum', ORG, '24h', byDep)]: [[d1, 4]],
      [q.histogramIncrease(M.deploymentLatency, 'count', ORG, '24h', byDep)]: [[d1, 8]],
      [q.increaseOf(M.deploymentResponses, ORG, '24h', false, byDep)]: [
        [d1, 10],
        [d2, 5],
      ],
      [q.increaseOf(M.deploymentRequests, ORG, '24h', false, byDep)]: [
        [d1, 11.6],
        [d2, 5],
      ],
      [q.increaseOf(M.deploymentRequests, ORG, '24h', false)]: [[{}, 16.6]],
      [q.increaseWhere(M.deploymentResponses, eq('outcome', 'success'), ORG, '24h')]: [[{}, 12]],
      [q.increaseOf(M.deploymentTokens, ORG, '24h', false)]: [[{}, 4321]],
      [q.gpusOnDeploymentNodes(ORG)]: [[{}, 2]],
      [q.gpusBySource(ORG, false)]: [
        [{ source: 'dcgm' }, 2],
        [{ source: 'aiwm' }, 1],
      ],
      [q.gpuUtilizationOnDeploymentNodes(ORG)]: [[{}, 0.6]],
      [q.vramOnDeploymentNodes(ORG)]: [[{}, 30 * GIB]],
      [q.nodeGpuUtilization(ORG, false)]: [[{ node_id: N1 }, 0.6]],
      [q.nodeGpuMemoryUsed(ORG, false)]: [[{ node_id: N1 }, 30 * GIB]],
    });
    const body = await deploymentsRoute.handle(contextOf(store, ORG_A), {}, { ...LIST, period: '24h' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.summary).toEqual({
      total: 2,
      running: 1,
      stopped: 0,
      deploying: 0,
      failed: 1,
      usage: { period: '24h', totalRequests: 17, avgLatency: 500, successRate: 80, tokenUsage: 4321 },
      resources: { gpusInUse: 2, gpusTotal: 3, avgGpuUtilization: 60, totalVramUsed: 30 },
    });
    expect(body.deployments).toEqual([
      {
        _id: D1,
        name: 'chat',
        modelName: 'llama',
        status: 'running',
        nodeId: N1,
        nodeName: 'gpu-1',
        gpuUsage: 60,
        vramUsage: 30,
        requests24h: 12,
        avgLatency: 500,
        uptime: null,
      },
      {
        _id: D2,
        name: 'embed',
        modelName: null,
        status: 'error',
        nodeId: null,
        nodeName: null,
        gpuUsage: null,
        vramUsage: null,
        requests24h: 5,
        avgLatency: null,
        uptime: null,
      },
    ]);
    expect(body.metadata.sources).toEqual(['prometheus:raw', 'aiwm:gpuDevices', 'dcgm-exporter']);
    expect(body.metadata.unavailable.map((u) => u.field)).toEqual(['deployments[].uptime', 'deployments[].avgLatency']);
    expect(body.metadata.unavailable[1]!.reason).toMatch(/^null for 1 with responses but no latency sample \(0+d2\)/);
  });
});

describe('/workload/deployments/:id/metrics', () => {
  const mongo = useDatabase();
  const dep = matchers(ORG, eq('deployment_id', D1));
  const node = matchers(ORG, eq('node_id', N1));
  /** The deployment's info series: on node `nodeId`, or on none ('', an api-based model). */
  const info = (nodeId: string): Record<string, Answer> => ({
    [q.entityInfo(M.deploymentInfo, dep)]: [
      [{ org_id: 'org-a', deployment_id: D1, deployment_name: 'chat', node_id: nodeId }, 1],
    ],
  });
  const ago = (s: number) => new Date(STUB_NOW.getTime() - s * 1000);

  it("reads the rules, the node's GPU figures and history, and groups recent failed responses", async () => {
    await mongo.insert('agents', [{ _id: oid(1), deploymentId: D1, owner: { orgId: 'org-a' } }]);
    await mongo.insert('conversations', [{ _id: oid(2), agentId: hex(1), createdAt: ago(7200) }]);
    const reply = { conversationId: hex(2), role: 'assistant' };
    await mongo.insert('messages', [
      { ...reply, _id: oid(3), status: 'failed', error: 'upstream timeout', createdAt: ago(600) },
      { ...reply, _id: oid(4), type: 'error', error: 'upstream timeout', createdAt: ago(1200) },
      { ...reply, _id: oid(5), type: 'text', status: 'delivered', createdAt: ago(300) },
      { ...reply, _id: oid(6), status: 'failed', error: 'too old', createdAt: ago(2 * 86_400) },
    ]);
    const latency = M.deploymentLatency;
    const store = await stubStore(
      {
        ...info(N1),
        [q.rulesProbe()]: [[{}, 0]],
        [q.increaseOf(M.deploymentRequests, dep, '24h', true)]: [[{}, 100]],
        [q.increaseWhere(M.deploymentResponses, eq('outcome', 'success'), dep, '24h')]: [[{}, 90]],
        [q.increaseWhere(M.deploymentResponses, eq('outcome', 'failed'), dep, '24h')]: [[{}, 10]],
        [q.histogramIncrease(latency, 'sum', dep, '24h')]: [[{}, 25]],
        [q.histogramIncrease(latency, 'count', dep, '24h')]: [[{}, 100]],
        [q.latencyQuantile(0.5, latency, dep, '24h')]: [[{}, 0.2]],
        [q.latencyQuantile(0.95, latency, dep, '24h')]: [[{}, 0.6]],
        [q.latencyQuantile(0.99, latency, dep, '24h')]: [[{}, 0.9]],
        [q.rateOf(M.deploymentRequests, dep, '5m', true)]: [[{}, 0.0123]],
        [q.rateOf(M.deploymentTokens, dep, '5m', true)]: [[{}, 4.567]],
        [q.gpuUtilizationOf(node, true)]: [[{}, 0.55]],
        [q.gpuMemoryUsedOf(node, true)]: [[{}, 12 * GIB]],
        [q.gpuTemperatureOf(node)]: [[{}, 64]],
        [q.gpusBySource(node, false)]: [[{ source: 'dcgm' }, 2]],
      },
      [],
      {
        [q.increaseOf(M.deploymentRequests, dep, '3600s', false)]: [[{}, [[T, 4]]]],
        [q.meanPerStep(latency, dep, '3600s')]: [[{}, [[T, 0.25]]]],
        [q.rateOf(M.deploymentRequests, dep, '3600s', false)]: [[{}, [[T, 0.0011]]]],
        [q.gpuUtilizationOf(node, false)]: [[{}, [[T - 86_400, 0.5]]]],
        [q.gpuMemoryUsedOf(node, false)]: [[{}, [[T, 12 * GIB]]]],
        [q.gpuTemperatureOf(node)]: [[{}, [[T, 64]]]],
      },
    );
    const ctx = contextOf(store, ORG_A, STUB_NOW, mongo.db);
    const body = await deploymentMetricsRoute.handle(ctx, { id: D1 }, { period: '24h' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body).toMatchObject({ deploymentId: D1, name: 'chat', period: '24h', interval: '1h' });
    expect(body.timestamps).toHaveLength(25);
    const { requests, latency: l, throughput, gpu, errors } = body.metrics;
    expect(requests).toMatchObject({ total: 100, successful: 90, failed: 10 });
    expect(requests.history.at(-1)).toBe(4);
    expect(l).toMatchObject({ avg: 250, p50: 200, p95: 600, p99: 900 });
    expect(l.history.at(-1)).toBe(250);
    expect(throughput).toMatchObject({ requestsPerSecond: 0.012, tokensPerSecond: 4.57 });
    expect(gpu).toMatchObject({ utilization: 55, vramUsage: 12, temperature: 64 });
    expect([gpu.history.utilization[0], gpu.history.vramUsage.at(-1), gpu.history.temperature.at(-1)]).toEqual([
      50, 12, 64,
    ]);
    // Two failed responses with one error text in the period; the older one is out of it.
    expect(errors).toEqual([
      { timestamp: '2026-01-15T11:50:00.000Z', type: 'failed', message: 'upstream timeout', count: 2 },
    ]);
    expect(body.metadata.sources.slice(0, 2)).toEqual(['prometheus:recording-rules', 'dcgm-exporter']);
    expect(body.metadata.unavailable).toEqual([]);
  });

  it('has no GPU figures for an api-based deployment, and a null latency with a reason without samples', async () => {
    const latency = M.deploymentLatency;
    const NO_POINTS = Array<null>(13).fill(null);
    const store = await stubStore(
      {
        ...info(''),
        [q.rulesProbe()]: [],
        [q.increaseOf(M.deploymentRequests, dep, '1h', false)]: [[{}, 3]],
        [q.increaseWhere(M.deploymentResponses, eq('outcome', 'success'), dep, '1h')]: [[{}, 3]],
        ...noAnswers(
          q.increaseWhere(M.deploymentResponses, eq('outcome', 'failed'), dep, '1h'),
          q.histogramIncrease(latency, 'sum', dep, '1h'),
          q.histogramIncrease(latency, 'count', dep, '1h'),
          q.latencyQuantile(0.5, latency, dep, '1h'),
          q.latencyQuantile(0.95, latency, dep, '1h'),
          q.latencyQuantile(0.99, latency, dep, '1h'),
          q.rateOf(M.deploymentRequests, dep, '5m', false),
          q.rateOf(M.deploymentTokens, dep, '5m', false),
        ),
      },
      [],
      {
        [q.increaseOf(M.deploymentRequests, dep, '300s', false)]: [],
        [q.meanPerStep(latency, dep, '300s')]: [],
        [q.rateOf(M.deploymentRequests, dep, '300s', false)]: [],
      },
    );
    // No agent is bound to the deployment in MongoDB: no errors.
    const ctx = contextOf(store, ORG_A, STUB_NOW, mongo.db);
    const body = await deploymentMetricsRoute.handle(ctx, { id: D1 }, { period: '1h' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.metrics.requests).toMatchObject({ total: 3, successful: 3, failed: null });
    expect(body.metrics.latency).toMatchObject({ avg: null, p50: null });
    expect(body.metrics.gpu).toEqual({
      utilization: null,
      vramUsage: null,
      temperature: null,
      // No node: no history either, one null per point of the period.
      history: { utilization: NO_POINTS, vramUsage: NO_POINTS, temperature: NO_POINTS },
    });
    expect(body.metrics.errors).toEqual([]);
    expect(body.metadata.sources[0]).toBe('prometheus:raw');
    expect(body.metadata.unavailable).toEqual([
      { field: 'metrics.gpu', reason: 'the deployment has no node in AIWM (api-based model)' },
      expect.objectContaining({
        field: 'metrics.latency',
        reason: expect.stringMatching(/^3 responses without a latency sample/),
      }),
    ]);
  });
});
