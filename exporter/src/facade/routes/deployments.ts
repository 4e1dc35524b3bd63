/** GET /workload/deployments (seed 3.2): counts, usage over a period, GPU figures and the list. */
import { z } from 'zod';
import { FAILED_STATUSES, M, eq, facade as q } from '../../../../queries/index.js';
import { fullListQuery, periodQuery } from '../params.js';
import { byLabel, indexBy, scalar, statusBy, type Sample } from '../prometheus.js';
import {
  allOf,
  byName,
  defineRoute,
  gapsOf,
  latencyOf,
  listLatencyGap,
  metadataSchema,
  nullableNumber,
  paginate,
  paginationSchema,
  pct,
  round,
  toGB,
  type FacadeContext,
} from '../route.js';
import { readingOf, ruleOrRaw, type Reading } from '../rules.js';
import { sourcesOf } from '../series.js';
import { orgMatcher } from '../scope.js';

const byDeployment = (x: Sample[]) => indexBy(x, 'deployment_id');
const byNode = (x: Sample[]) => indexBy(x, 'node_id');
const nameBy = (label: string, name: string) => (x: Sample[]) =>
  new Map(x.map((s) => [s.metric[label] ?? '', s.metric[name] ?? '']));

/** Deployments, their status and names, and their usage over `w`. */
async function deploymentSeries(ctx: FacadeContext, w: string, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  const get = (expr: string) => ctx.prom.query(expr);
  const perDeployment = ['deployment_id'];
  const figure = (build: (rules: boolean) => string) => ruleOrRaw(ctx, reading, build);
  return allOf({
    info: get(q.series(M.deploymentInfo, s)),
    status: get(q.stateNow(M.deploymentStatus, s)),
    modelName: get(q.series(M.modelInfo, s)).then(nameBy('model_id', 'model_name')),
    nodeName: get(q.series(M.nodeInfo, s)).then(nameBy('node_id', 'node_name')),
    latencySum: get(q.histogramIncrease(M.deploymentLatency, 'sum', s, w, perDeployment)).then(byDeployment),
    latencyCount: get(q.histogramIncrease(M.deploymentLatency, 'count', s, w, perDeployment)).then(byDeployment),
    responses: figure((rules) => q.increaseOf(M.deploymentResponses, s, w, rules, perDeployment)).then(byDeployment),
    requests24h: figure((rules) => q.increaseOf(M.deploymentRequests, s, '24h', rules, perDeployment)).then(
      byDeployment,
    ),
    requests: figure((rules) => q.increaseOf(M.deploymentRequests, s, w, rules)).then(scalar),
    successful: get(q.increaseWhere(M.deploymentResponses, eq('outcome', 'success'), s, w)).then(scalar),
    tokens: figure((rules) => q.increaseOf(M.deploymentTokens, s, w, rules)).then(scalar),
  });
}

/** GPU figures of the deployments' nodes, from the unified GPU series and their node roll-ups. */
async function deploymentGpus(ctx: FacadeContext, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  return allOf({
    inUse: ctx.prom.query(q.gpusOnDeploymentNodes(s)).then(scalar),
    sources: ruleOrRaw(ctx, reading, (rules) => q.gpusBySource(s, rules)),
    avgUtilization: ctx.prom.query(q.gpuUtilizationOnDeploymentNodes(s)).then(scalar),
    vramUsed: ctx.prom.query(q.vramOnDeploymentNodes(s)).then(scalar),
    nodeUtilization: ruleOrRaw(ctx, reading, (rules) => q.nodeGpuUtilization(s, rules)).then(byNode),
    nodeVram: ruleOrRaw(ctx, reading, (rules) => q.nodeGpuMemoryUsed(s, rules)).then(byNode),
  });
}

const deploymentItem = z.object({
  _id: z.string(),
  name: z.string(),
  modelName: z.string().nullable(),
  status: z.string(),
  nodeId: z.string().nullable(),
  nodeName: z.string().nullable(),
  gpuUsage: nullableNumber,
  vramUsage: nullableNumber,
  requests24h: nullableNumber,
  avgLatency: nullableNumber,
  uptime: z.null(),
});

const DEPLOYMENT_NOTES = [
  'Latency and success are measured on the assistant messages of agents bound to the deployment; AIWM records ' +
    'no per-request latency on the model endpoint.',
  'gpusInUse counts the GPUs of nodes running a deployment: AIWM does not record which GPU a deployment uses.',
  "GPU figures come from dcgm-exporter where it runs on the node, else from AIWM's gpuDevices; " +
    'avgGpuUtilization covers online nodes only.',
];

export const deploymentsRoute = defineRoute({
  path: '/workload/deployments',
  summary: 'Deployments overview and list (seed 3.2)',
  description:
    'The list is unpaginated as in the seed: every deployment up to `limit` (default and most 500), ' +
    'with `pagination` beside it.',
  query: fullListQuery.extend(periodQuery.shape),
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      running: z.number(),
      stopped: z.number(),
      deploying: z.number(),
      failed: z.number(),
      usage: z.object({
        period: z.string(),
        totalRequests: nullableNumber,
        avgLatency: nullableNumber,
        successRate: nullableNumber,
        tokenUsage: nullableNumber,
      }),
      resources: z.object({
        gpusInUse: z.number(),
        gpusTotal: z.number(),
        avgGpuUtilization: nullableNumber,
        totalVramUsed: nullableNumber,
      }),
    }),
    deployments: z.array(deploymentItem),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.deployments.map(({ uptime: _u, ...d }) => d),
  async handle(ctx, _params, query) {
    const w = query.period;
    const reading = await readingOf(ctx);
    const { series: s, gpus } = await allOf({
      series: deploymentSeries(ctx, w, reading),
      gpus: deploymentGpus(ctx, reading),
    });
    const st = statusBy(s.status, 'deployment_id');
    const withoutLatency: string[] = [];
    const items = byName(
      s.info.map((i) => {
        const id = i.metric.deployment_id!;
        const node = i.metric.node_id || null;
        const v = (m: Map<string, Sample>) => m.get(id)?.value ?? null;
        const latency = latencyOf('deployments[].avgLatency', v(s.responses), v(s.latencyCount), v(s.latencySum));
        if (latency.gap) withoutLatency.push(id);
        return {
          _id: id,
          name: i.metric.deployment_name ?? '',
          modelName: s.modelName.get(i.metric.model_id ?? '') ?? null,
          status: st.get(id) ?? 'unknown',
          nodeId: node,
          nodeName: node ? (s.nodeName.get(node) ?? null) : null,
          gpuUsage: node ? pct(gpus.nodeUtilization.get(node)?.value) : null,
          vramUsage: node ? toGB(gpus.nodeVram.get(node)?.value) : null,
          requests24h: round(v(s.requests24h), 0),
          avgLatency: latency.avg,
          uptime: null,
        };
      }),
    );
    const counts = byLabel(s.status, 'status');
    const sumOf = (...k: string[]) => k.reduce((a, x) => a + (counts.get(x) ?? 0), 0);
    const sumValues = (m: Map<string, Sample>) => [...m.values()].reduce((a, x) => a + x.value, 0);
    const responses = sumValues(s.responses);
    const latency = latencyOf(
      'summary.usage.avgLatency',
      responses,
      sumValues(s.latencyCount),
      sumValues(s.latencySum),
    );
    const page = paginate(items, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: items.length,
        running: sumOf('running'),
        stopped: sumOf('stopped'),
        deploying: sumOf('deploying'),
        failed: sumOf(...FAILED_STATUSES),
        usage: {
          period: w,
          totalRequests: round(s.requests, 0),
          avgLatency: latency.avg,
          successRate: responses ? round((100 * (s.successful ?? 0)) / responses) : null,
          tokenUsage: round(s.tokens, 0),
        },
        resources: {
          gpusInUse: gpus.inUse ?? 0,
          gpusTotal: gpus.sources.reduce((n, x) => n + x.value, 0),
          avgGpuUtilization: pct(gpus.avgUtilization),
          totalVramUsed: toGB(gpus.vramUsed),
        },
      },
      deployments: page.items,
      pagination: page.pagination,
      metadata: {
        sources: [reading.source, ...sourcesOf(gpus.sources)],
        unavailable: [
          { field: 'deployments[].uptime', reason: 'AIWM records no start time on deployments' },
          ...gapsOf(latency.gap, listLatencyGap('deployments[].avgLatency', withoutLatency)),
        ],
        units: {
          avgLatency: 'milliseconds',
          successRate: 'percent',
          gpuUsage: "percent, average of the GPUs of the deployment's node",
          vramUsage: 'GB (GiB) used on the node',
          totalVramUsed: 'GB (GiB)',
        },
        notes: DEPLOYMENT_NOTES,
      },
    };
  },
});
