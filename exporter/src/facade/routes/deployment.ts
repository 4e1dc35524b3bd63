/** GET /workload/deployments/:id/metrics (seed 3.3): one deployment's metrics over time. */
import { z } from 'zod';
import { M, eq, facade as q } from '../../../../queries/index.js';
import { objectId, rangeOf, seriesQuery, type Range } from '../params.js';
import { alignTo, scalar } from '../prometheus.js';
import { recentErrors } from '../records/responses.js';
import {
  allOf,
  defineRoute,
  gapsOf,
  latencyOf,
  metadataSchema,
  nullableNumber,
  ownedEntity,
  pct,
  round,
  seriesEcho,
  toGB,
  type FacadeContext,
} from '../route.js';
import { readingOf, ruleOrRaw, type Reading } from '../rules.js';
import { entityMatcher } from '../scope.js';
import { sourcesOf } from '../series.js';

/** One deployment's totals over the period and history over the range. */
async function deploymentMetricSeries(ctx: FacadeContext, id: string, w: string, range: Range, reading: Reading) {
  const d = entityMatcher(ctx.scope, 'deployment_id', id);
  const get = (expr: string) => ctx.prom.query(expr).then(scalar);
  const history = (expr: string) => ctx.prom.queryRange(expr, range.start, range.end, range.step);
  const step = `${range.step}s`;
  const figure = (build: (rules: boolean) => string) => ruleOrRaw(ctx, reading, build).then(scalar);
  const outcome = (o: string) => get(q.increaseWhere(M.deploymentResponses, eq('outcome', o), d, w));
  const latency = M.deploymentLatency;
  return allOf({
    total: figure((rules) => q.increaseOf(M.deploymentRequests, d, w, rules)),
    ok: outcome('success'),
    failed: outcome('failed'),
    latencySum: get(q.histogramIncrease(latency, 'sum', d, w)),
    latencyCount: get(q.histogramIncrease(latency, 'count', d, w)),
    p50: get(q.latencyQuantile(0.5, latency, d, w)),
    p95: get(q.latencyQuantile(0.95, latency, d, w)),
    p99: get(q.latencyQuantile(0.99, latency, d, w)),
    // 5-minute rates: the per-deployment rules where rules run.
    rps: figure((rules) => q.rateOf(M.deploymentRequests, d, '5m', rules)),
    tps: figure((rules) => q.rateOf(M.deploymentTokens, d, '5m', rules)),
    requestsH: history(q.increaseOf(M.deploymentRequests, d, step, false)),
    latencyH: history(q.meanPerStep(latency, d, step)),
    rpsH: history(q.rateOf(M.deploymentRequests, d, step, false)),
  });
}

/** GPU figures of the deployment's node (unified GPU series); none for an api-based deployment. */
async function deploymentNodeGpu(ctx: FacadeContext, nodeId: string | undefined, range: Range, reading: Reading) {
  if (!nodeId) {
    const none = { utilization: null, vram: null, temperature: null, sources: [] as string[] };
    return { ...none, utilizationH: [], vramH: [], temperatureH: [] };
  }
  const node = entityMatcher(ctx.scope, 'node_id', nodeId);
  const get = (expr: string) => ctx.prom.query(expr).then(scalar);
  const history = (expr: string) => ctx.prom.queryRange(expr, range.start, range.end, range.step);
  const figure = (build: (rules: boolean) => string) => ruleOrRaw(ctx, reading, build).then(scalar);
  const utilization = (rules: boolean) => q.gpuUtilizationOf(node, rules);
  const vram = (rules: boolean) => q.gpuMemoryUsedOf(node, rules);
  const temperature = q.gpuTemperatureOf(node);
  // Histories read the unified series: a rule's history starts later than theirs.
  return allOf({
    utilization: figure(utilization),
    vram: figure(vram),
    temperature: get(temperature),
    utilizationH: history(utilization(false)),
    vramH: history(vram(false)),
    temperatureH: history(temperature),
    // One node's GPUs: the per-org rule cannot select a node, and the raw count is small.
    sources: ctx.prom.query(q.gpusBySource(node, false)).then(sourcesOf),
  });
}

const NO_NODE_GPU = { field: 'metrics.gpu', reason: 'the deployment has no node in AIWM (api-based model)' };

const errorSchema = z.object({ timestamp: z.string(), type: z.string(), message: z.string(), count: z.number() });

export const deploymentMetricsRoute = defineRoute({
  path: '/workload/deployments/:id/metrics',
  summary: "One deployment's metrics over time (seed 3.3)",
  params: { id: objectId },
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    deploymentId: z.string(),
    name: z.string(),
    period: z.string(),
    ...seriesEcho,
    timestamps: z.array(z.string()),
    metrics: z.object({
      requests: z.object({
        total: nullableNumber,
        successful: nullableNumber,
        failed: nullableNumber,
        history: z.array(nullableNumber),
      }),
      latency: z.object({
        avg: nullableNumber,
        p50: nullableNumber,
        p95: nullableNumber,
        p99: nullableNumber,
        history: z.array(nullableNumber),
      }),
      throughput: z.object({
        requestsPerSecond: nullableNumber,
        tokensPerSecond: nullableNumber,
        history: z.array(nullableNumber),
      }),
      gpu: z.object({
        utilization: nullableNumber,
        vramUsage: nullableNumber,
        temperature: nullableNumber,
        history: z.object({
          utilization: z.array(nullableNumber),
          vramUsage: z.array(nullableNumber),
          temperature: z.array(nullableNumber),
        }),
      }),
      errors: z.array(errorSchema),
    }),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    const info = await ownedEntity(ctx, M.deploymentInfo, 'deployment_id', params.id!, 'deployment');
    const range = rangeOf(query.period, query.interval, ctx.now);
    const timestamps = range.timestamps;
    const reading = await readingOf(ctx);
    const { m, gpu, errors } = await allOf({
      m: deploymentMetricSeries(ctx, params.id!, query.period, range, reading),
      gpu: deploymentNodeGpu(ctx, info.metric.node_id || undefined, range, reading),
      errors: recentErrors(ctx, params.id!, range.start),
    });
    const ms = (v: number | null) => (v === null ? null : round(v * 1000));
    const responses = m.ok === null && m.failed === null ? null : (m.ok ?? 0) + (m.failed ?? 0);
    const latency = latencyOf('metrics.latency', responses, m.latencyCount, m.latencySum);
    return {
      timestamp: ctx.now.toISOString(),
      deploymentId: params.id!,
      name: info.metric.deployment_name ?? '',
      period: query.period,
      interval: range.interval,
      requestedInterval: range.requestedInterval,
      timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()),
      metrics: {
        requests: {
          total: round(m.total, 0),
          successful: round(m.ok, 0),
          failed: round(m.failed, 0),
          history: alignTo(m.requestsH, timestamps, (v) => round(v, 0)),
        },
        latency: {
          avg: latency.avg,
          p50: ms(m.p50),
          p95: ms(m.p95),
          p99: ms(m.p99),
          history: alignTo(m.latencyH, timestamps, (v) => round(v * 1000)),
        },
        throughput: {
          requestsPerSecond: round(m.rps, 3),
          tokensPerSecond: round(m.tps, 2),
          history: alignTo(m.rpsH, timestamps, (v) => round(v, 3)),
        },
        gpu: {
          utilization: pct(gpu.utilization),
          vramUsage: toGB(gpu.vram),
          temperature: gpu.temperature,
          history: {
            utilization: alignTo(gpu.utilizationH, timestamps, (v) => pct(v)),
            vramUsage: alignTo(gpu.vramH, timestamps, (v) => toGB(v)),
            temperature: alignTo(gpu.temperatureH, timestamps),
          },
        },
        errors,
      },
      metadata: {
        sources: [
          reading.source,
          ...gpu.sources,
          'mongodb:agents, conversations, messages (indexed, last 20 failed responses)',
        ],
        unavailable: gapsOf(info.metric.node_id ? undefined : NO_NODE_GPU, latency.gap),
        units: {
          latency: 'milliseconds',
          vramUsage: "GB (GiB) used on the deployment's node",
          utilization: "percent, average of the node's GPUs",
          temperature: 'degrees Celsius, hottest GPU of the node',
        },
        notes: [
          'Latency and responses come from the assistant messages of agents bound to the deployment.',
          "GPU figures come from dcgm-exporter where it runs on the node, else from AIWM's gpuDevices.",
          ...(range.widenedNote ? [range.widenedNote] : []),
        ],
      },
    };
  },
});
