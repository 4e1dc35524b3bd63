import { z } from 'zod';
import { ObjectId, type Document } from 'mongodb';
import { FINISHED_STATUSES } from '../source/executions.js';
import { forbidden, notFound } from './errors.js';
import { activity } from './overview.js';
import {
  executionRef,
  executionsQuery,
  fullListQuery,
  listQuery,
  objectId,
  periodQuery,
  rangeOf,
  seriesQuery,
  type Range,
} from './params.js';
import { alignTo, byLabel, indexBy, scalar, statusBy, type Sample } from './prometheus.js';
import {
  allOf,
  defineRoute,
  gapsOf,
  latencyOf,
  listLatencyGap,
  ownedEntity,
  metadataSchema,
  nullableNumber,
  paginate,
  paginationSchema,
  pct,
  round,
  seriesEcho,
  toGB,
  type FacadeContext,
} from './route.js';
import { GPU_SERIES, gpuSourcesQuery, onOnlineNodes, sourcesOf } from './series.js';
import { escapePromQL, mongoOrgFilter, orgMatcher, sel } from './scope.js';

const sortByName = <T extends { name: string }>(xs: T[]) =>
  xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

// ---- models --------------------------------------------------------------------------------------

const FAILED_MODEL = ['download-failed', 'deploy-failed', 'error', 'invalid-credentials'];

export const modelsRoute = defineRoute({
  path: '/workload/models',
  summary: 'Models overview and list (seed 3.1)',
  query: listQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      active: z.number(),
      inactive: z.number(),
      downloading: z.number(),
      failed: z.number(),
      byType: z.object({ llm: z.number(), vision: z.number(), embedding: z.number(), voice: z.number() }),
      byDeploymentType: z.object({ selfHosted: z.number(), apiBased: z.number() }),
      storage: z.object({ totalSize: nullableNumber }),
    }),
    models: z.array(
      z.object({
        _id: z.string(),
        name: z.string(),
        type: z.string(),
        deploymentType: z.string(),
        status: z.string(),
        size: nullableNumber,
        deployments: z.number(),
        lastUsed: z.null(),
      }),
    ),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.models.map(({ lastUsed: _l, ...m }) => m),
  async handle(ctx, _params, query) {
    const S = orgMatcher(ctx.scope);
    const [info, status, size, deployments] = await Promise.all([
      ctx.prom.query(`aiwm_model_info{${S}}`),
      ctx.prom.query(`aiwm_model_status{${S}} == 1`),
      ctx.prom.query(`aiwm_model_size_bytes{${S}}`),
      ctx.prom.query(`count by (model_id) (aiwm_deployment_info{${S}})`),
    ]);
    const st = statusBy(status, 'model_id');
    const sz = indexBy(size, 'model_id');
    const dep = byLabel(deployments, 'model_id');
    const all = sortByName(
      info.map((i) => ({
        _id: i.metric.model_id!,
        name: i.metric.model_name ?? '',
        type: i.metric.model_type ?? '',
        deploymentType: i.metric.deployment_type ?? '',
        status: st.get(i.metric.model_id!) ?? 'unknown',
        size: toGB(sz.get(i.metric.model_id!)?.value),
        deployments: dep.get(i.metric.model_id!) ?? 0,
        lastUsed: null,
      })),
    );
    const count = (f: (m: (typeof all)[number]) => boolean) => all.filter(f).length;
    const totalBytes = size.reduce((n, s) => n + s.value, 0);
    const { items, pagination } = paginate(all, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        active: count((m) => m.status === 'active'),
        inactive: count((m) => m.status === 'inactive'),
        downloading: count((m) => m.status === 'downloading'),
        failed: count((m) => FAILED_MODEL.includes(m.status)),
        byType: {
          llm: count((m) => m.type === 'llm'),
          vision: count((m) => m.type === 'vision'),
          embedding: count((m) => m.type === 'embedding'),
          voice: count((m) => m.type === 'voice'),
        },
        byDeploymentType: {
          selfHosted: count((m) => m.deploymentType === 'self-hosted'),
          apiBased: count((m) => m.deploymentType === 'api-based'),
        },
        storage: { totalSize: toGB(totalBytes) },
      },
      models: items,
      pagination,
      metadata: {
        sources: ['prometheus'],
        unavailable: [{ field: 'models[].lastUsed', reason: 'AIWM records no per-model usage time' }],
        units: { size: 'GB (GiB)', totalSize: 'GB (GiB)' },
        notes: ['failed = download-failed + deploy-failed + error + invalid-credentials'],
      },
    };
  },
});

// ---- deployments ---------------------------------------------------------------------------------

const byDeployment = (x: Sample[]) => indexBy(x, 'deployment_id');
const nameBy = (label: string, name: string) => (x: Sample[]) =>
  new Map(x.map((s) => [s.metric[label] ?? '', s.metric[name] ?? '']));

/** Deployments, their status and names, and their usage over `w`. */
async function deploymentSeries(ctx: FacadeContext, w: string) {
  const S = orgMatcher(ctx.scope);
  const q = (expr: string) => ctx.prom.query(expr);
  const perDeployment = (metric: string, window: string) =>
    q(`sum by (deployment_id) (increase(${metric}{${S}}[${window}]))`).then(byDeployment);
  const sum = (metric: string, extra = '') => q(`sum(increase(${metric}{${S}${extra}}[${w}]))`).then(scalar);
  return allOf({
    info: q(`aiwm_deployment_info{${S}}`),
    status: q(`aiwm_deployment_status{${S}} == 1`),
    modelName: q(`aiwm_model_info{${S}}`).then(nameBy('model_id', 'model_name')),
    nodeName: q(`aiwm_node_info{${S}}`).then(nameBy('node_id', 'node_name')),
    latencySum: perDeployment('aiwm_deployment_response_latency_seconds_sum', w),
    latencyCount: perDeployment('aiwm_deployment_response_latency_seconds_count', w),
    responses: perDeployment('aiwm_deployment_responses_total', w),
    requests24h: perDeployment('aiwm_deployment_requests_total', '24h'),
    requests: sum('aiwm_deployment_requests_total'),
    successful: sum('aiwm_deployment_responses_total', ',outcome="success"'),
    tokens: sum('aiwm_deployment_tokens_total'),
  });
}

/** GPU figures of the deployments' nodes, from the unified GPU series. */
async function deploymentGpus(ctx: FacadeContext) {
  const S = orgMatcher(ctx.scope);
  const q = (expr: string) => ctx.prom.query(expr);
  const isRunning = `(aiwm_deployment_status{${S},status="running"} == 1)`;
  const running = `(aiwm_deployment_info{${S}} * on (org_id, deployment_id) group_left () ${isRunning})`;
  const onRunning = (metric: string) => `(${sel(ctx.scope, metric)} and on (org_id, node_id) ${running})`;
  const byNode = (x: Sample[]) => indexBy(x, 'node_id');
  return allOf({
    inUse: q(`count(${onRunning(GPU_SERIES.info)})`).then(scalar),
    sources: q(gpuSourcesQuery(ctx)),
    avgUtilization: q(`avg(${onOnlineNodes(ctx, onRunning(GPU_SERIES.utilization))})`).then(scalar),
    vramUsed: q(`sum(${onRunning(GPU_SERIES.memoryUsed)})`).then(scalar),
    nodeUtilization: q(`avg by (node_id) (${sel(ctx.scope, GPU_SERIES.utilization)})`).then(byNode),
    nodeVram: q(`sum by (node_id) (${sel(ctx.scope, GPU_SERIES.memoryUsed)})`).then(byNode),
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
    const { series: s, gpus } = await allOf({ series: deploymentSeries(ctx, w), gpus: deploymentGpus(ctx) });
    const st = statusBy(s.status, 'deployment_id');
    const withoutLatency: string[] = [];
    const items = sortByName(
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
    const latencySamples = sumValues(s.latencyCount);
    const latency = latencyOf('summary.usage.avgLatency', responses, latencySamples, sumValues(s.latencySum));
    const page = paginate(items, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: items.length,
        running: sumOf('running'),
        stopped: sumOf('stopped'),
        deploying: sumOf('deploying'),
        failed: sumOf('failed', 'error'),
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
        sources: ['prometheus', ...sourcesOf(gpus.sources)],
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
        notes: [
          'Latency and success are measured on the assistant messages of agents bound to the deployment; AIWM records ' +
            'no per-request latency on the model endpoint.',
          'gpusInUse counts the GPUs of nodes running a deployment: AIWM does not record which GPU a deployment uses.',
          "GPU figures come from dcgm-exporter where it runs on the node, else from AIWM's gpuDevices; " +
            'avgGpuUtilization covers online nodes only.',
        ],
      },
    };
  },
});

/** One deployment's totals over the period and history over the range. */
async function deploymentMetricSeries(ctx: FacadeContext, id: string, w: string, range: Range) {
  const D = `${orgMatcher(ctx.scope)},deployment_id="${escapePromQL(id)}"`;
  const q = (e: string) => ctx.prom.query(e).then(scalar);
  const r = (e: string) => ctx.prom.queryRange(e, range.start, range.end, range.step);
  const step = `${range.step}s`;
  const buckets = `sum by (le) (rate(aiwm_deployment_response_latency_seconds_bucket{${D}}[${w}]))`;
  const quantile = (p: number) => q(`histogram_quantile(${p}, ${buckets})`);
  const increase = (metric: string, window: string, extra = '') => `sum(increase(${metric}{${D}${extra}}[${window}]))`;
  return allOf({
    total: q(increase('aiwm_deployment_requests_total', w)),
    ok: q(increase('aiwm_deployment_responses_total', w, ',outcome="success"')),
    failed: q(increase('aiwm_deployment_responses_total', w, ',outcome="failed"')),
    latencySum: q(increase('aiwm_deployment_response_latency_seconds_sum', w)),
    latencyCount: q(increase('aiwm_deployment_response_latency_seconds_count', w)),
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
    rps: q(`sum(rate(aiwm_deployment_requests_total{${D}}[5m]))`),
    tps: q(`sum(rate(aiwm_deployment_tokens_total{${D}}[5m]))`),
    requestsH: r(increase('aiwm_deployment_requests_total', step)),
    latencyH: r(
      `${increase('aiwm_deployment_response_latency_seconds_sum', step)} ` +
        `/ ${increase('aiwm_deployment_response_latency_seconds_count', step)}`,
    ),
    rpsH: r(`sum(rate(aiwm_deployment_requests_total{${D}}[${step}]))`),
  });
}

/** GPU figures of the deployment's node (unified GPU series); none for an api-based deployment. */
async function deploymentNodeGpu(ctx: FacadeContext, nodeId: string | undefined, range: Range) {
  const none = {
    utilization: null,
    vram: null,
    temperature: null,
    utilizationH: [],
    vramH: [],
    temperatureH: [],
    sources: [],
  };
  if (!nodeId) return none;
  const node = { node_id: nodeId };
  const q = (e: string) => ctx.prom.query(e).then(scalar);
  const r = (e: string) => ctx.prom.queryRange(e, range.start, range.end, range.step);
  const utilization = `avg(${sel(ctx.scope, GPU_SERIES.utilization, node)})`;
  const vram = `sum(${sel(ctx.scope, GPU_SERIES.memoryUsed, node)})`;
  const temperature = `max(${sel(ctx.scope, GPU_SERIES.temperature, node)})`;
  return allOf({
    utilization: q(utilization),
    vram: q(vram),
    temperature: q(temperature),
    utilizationH: r(utilization),
    vramH: r(vram),
    temperatureH: r(temperature),
    sources: ctx.prom.query(gpuSourcesQuery(ctx, node)).then(sourcesOf),
  });
}

const NO_NODE_GPU = { field: 'metrics.gpu', reason: 'the deployment has no node in AIWM (api-based model)' };

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
      errors: z.array(z.object({ timestamp: z.string(), type: z.string(), message: z.string(), count: z.number() })),
    }),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    const info = await ownedEntity(ctx, 'aiwm_deployment_info', 'deployment_id', params.id!, 'deployment');
    const range = rangeOf(query.period, query.interval, ctx.now);
    const timestamps = range.timestamps;
    const { m, gpu, errors } = await allOf({
      m: deploymentMetricSeries(ctx, params.id!, query.period, range),
      gpu: deploymentNodeGpu(ctx, info.metric.node_id || undefined, range),
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
          'prometheus',
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

/** The deployment's recent failed responses, grouped by error text (small indexed reads). */
async function recentErrors(
  ctx: FacadeContext,
  deploymentId: string,
  since: Date,
): Promise<Array<{ timestamp: string; type: string; message: string; count: number }>> {
  const c = ctx.config.collections;
  const opts = { maxTimeMS: ctx.config.facade!.timeoutMs };
  const agents = await ctx.db
    .collection(c.agents)
    .find({ deploymentId, ...mongoOrgFilter(ctx.scope) }, { projection: { _id: 1 }, limit: 200, ...opts })
    .toArray();
  if (agents.length === 0) return [];
  const conversations = await ctx.db
    .collection(c.conversations)
    .find(
      { agentId: { $in: agents.map((a) => (a._id as ObjectId).toHexString()) } },
      { projection: { _id: 1 }, sort: { createdAt: -1 }, limit: 500, ...opts },
    )
    .toArray();
  if (conversations.length === 0) return [];
  const failed = await ctx.db
    .collection(c.messages)
    .find(
      {
        conversationId: { $in: conversations.map((x) => (x._id as ObjectId).toHexString()) },
        createdAt: { $gte: since },
        role: 'assistant',
        $or: [{ status: 'failed' }, { type: 'error' }],
      },
      { projection: { error: 1, type: 1, createdAt: 1 }, sort: { createdAt: -1 }, limit: 20, ...opts },
    )
    .toArray();
  const groups = new Map<string, { timestamp: string; type: string; message: string; count: number }>();
  for (const m of failed) {
    const message =
      typeof m.error === 'string' && m.error !== '' ? m.error : 'failed response without an error message';
    const g = groups.get(message);
    if (g) g.count++;
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

// ---- agents --------------------------------------------------------------------------------------

const taskStats = z.object({
  tasks: nullableNumber,
  completed: nullableNumber,
  failed: nullableNumber,
  avgResponseTime: nullableNumber,
});
const agentItem = z.object({
  _id: z.string(),
  agentId: z.string(),
  name: z.string(),
  status: z.string(),
  totalTasks: z.number(),
  completedTasks: z.number(),
  failedTasks: z.number(),
  avgResponseTime: nullableNumber,
  /** ISO time of the agent's last task (assistant message), null when it has none. */
  lastTask: z.string().nullable(),
});

/** The agents, their status and their all-time task counters, by agent id. */
async function agentSeries(ctx: FacadeContext) {
  const S = orgMatcher(ctx.scope);
  const byAgent = (metric: string) => ctx.prom.query(`${metric}{${S}}`).then((x: Sample[]) => indexBy(x, 'agent_id'));
  const sum24h = (metric: string) => ctx.prom.query(`sum(increase(${metric}{${S}}[24h]))`).then(scalar);
  return allOf({
    info: ctx.prom.query(`aiwm_agent_info{${S}}`),
    status: ctx.prom.query(`aiwm_agent_status{${S}} == 1`),
    tasks: byAgent('aiwm_agent_tasks_total'),
    failures: byAgent('aiwm_agent_task_failures_total'),
    latencySum: byAgent('aiwm_agent_response_latency_seconds_sum'),
    latencyCount: byAgent('aiwm_agent_response_latency_seconds_count'),
    lastTask: byAgent('aiwm_agent_last_task_timestamp_seconds'),
    conversations24h: sum24h('aiwm_agent_conversations_total'),
    messages24h: sum24h('aiwm_agent_messages_total'),
    activity: activity(ctx, '24h'),
  });
}

const isoOfSeconds = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) || v <= 0 ? null : new Date(Math.round(v * 1000)).toISOString();

export const agentsRoute = defineRoute({
  path: '/workload/agents',
  summary: 'Agents overview and list (seed 3.4)',
  description:
    'The list is unpaginated as in the seed: every agent up to `limit` (default and most 500), ' +
    'with `pagination` beside it.',
  query: fullListQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      active: z.number(),
      busy: z.number(),
      inactive: z.number(),
      performance: z.object({
        totalTasks: nullableNumber,
        completed: nullableNumber,
        failed: nullableNumber,
        successRate: nullableNumber,
        avgResponseTime: nullableNumber,
      }),
      activity24h: z.object({ tasksExecuted: nullableNumber, conversations: nullableNumber, messages: nullableNumber }),
    }),
    agents: z.array(agentItem),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.agents,
  async handle(ctx, _params, query) {
    const s = await agentSeries(ctx);
    const st = statusBy(s.status, 'agent_id');
    const withoutLatency: string[] = [];
    const agents = sortByName(
      s.info.map((i) => {
        const id = i.metric.agent_id!;
        const total = s.tasks.get(id)?.value ?? 0;
        const failed = s.failures.get(id)?.value ?? 0;
        const v = (m: Map<string, Sample>) => m.get(id)?.value ?? null;
        const latency = latencyOf('agents[].avgResponseTime', total, v(s.latencyCount), v(s.latencySum));
        if (latency.gap) withoutLatency.push(id);
        return {
          _id: id,
          agentId: id,
          name: i.metric.agent_name ?? '',
          status: st.get(id) ?? 'unknown',
          totalTasks: total,
          completedTasks: total - failed,
          failedTasks: failed,
          avgResponseTime: latency.avg,
          lastTask: isoOfSeconds(s.lastTask.get(id)?.value),
        };
      }),
    );
    const counts = byLabel(s.status, 'status');
    const sumValues = (m: Map<string, Sample>) => [...m.values()].reduce((n, x) => n + x.value, 0);
    const totalTasks = sumValues(s.tasks);
    const totalFailed = sumValues(s.failures);
    const latencySamples = sumValues(s.latencyCount);
    const latency = latencyOf(
      'summary.performance.avgResponseTime',
      totalTasks,
      latencySamples,
      sumValues(s.latencySum),
    );
    const page = paginate(agents, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: agents.length,
        active: counts.get('active') ?? 0,
        busy: counts.get('busy') ?? 0,
        inactive: counts.get('inactive') ?? 0,
        performance: {
          totalTasks,
          completed: totalTasks - totalFailed,
          failed: totalFailed,
          successRate: totalTasks ? round(100 * (1 - totalFailed / totalTasks)) : null,
          avgResponseTime: latency.avg,
        },
        activity24h: {
          tasksExecuted: s.activity.agentTasks,
          conversations: round(s.conversations24h, 0),
          messages: round(s.messages24h, 0),
        },
      },
      agents: page.items,
      pagination: page.pagination,
      metadata: {
        sources: ['prometheus'],
        unavailable: gapsOf(latency.gap, listLatencyGap('agents[].avgResponseTime', withoutLatency)),
        units: {
          avgResponseTime: 'milliseconds',
          successRate: 'percent',
          lastTask: "ISO time of the agent's last assistant message",
        },
        notes: [
          '"All time" task counts are the exporter\'s counters: since it started, or over history with COUNT_EVENTS_FROM=all.',
        ],
      },
    };
  },
});

/** Task counts and latency of one agent over a window (null: all time). */
async function agentWindow(ctx: FacadeContext, A: string, w: string | null, field: string) {
  const f = (m: string) => ctx.prom.query(w ? `sum(increase(${m}{${A}}[${w}]))` : `sum(${m}{${A}})`).then(scalar);
  const r = await allOf({
    tasks: f('aiwm_agent_tasks_total'),
    failed: f('aiwm_agent_task_failures_total'),
    latencySum: f('aiwm_agent_response_latency_seconds_sum'),
    latencyCount: f('aiwm_agent_response_latency_seconds_count'),
  });
  const tasks = round(r.tasks, 0);
  const failed = round(r.failed, 0);
  const latency = latencyOf(field, r.tasks, r.latencyCount, r.latencySum);
  const completed = tasks === null ? null : tasks - (failed ?? 0);
  return { tasks, completed, failed, avgResponseTime: latency.avg, gap: latency.gap };
}

export const agentPerformanceRoute = defineRoute({
  path: '/workload/agents/:id/performance',
  summary: "One agent's performance (seed 3.5)",
  params: { id: objectId },
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    agentId: z.string(),
    name: z.string(),
    performance: z.object({
      allTime: z.object({
        totalTasks: nullableNumber,
        completed: nullableNumber,
        failed: nullableNumber,
        successRate: nullableNumber,
        avgResponseTime: nullableNumber,
      }),
      last24h: taskStats,
      last7d: taskStats,
    }),
    timeline: z.object({
      period: z.string(),
      ...seriesEcho,
      timestamps: z.array(z.string()),
      tasks: z.array(nullableNumber),
      responseTime: z.array(nullableNumber),
    }),
    recentTasks: z.array(
      z.object({
        taskId: z.string(),
        type: z.string(),
        status: z.string(),
        duration: nullableNumber,
        timestamp: z.string(),
      }),
    ),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    const info = await ownedEntity(ctx, 'aiwm_agent_info', 'agent_id', params.id!, 'agent');
    const A = `${orgMatcher(ctx.scope)},agent_id="${escapePromQL(params.id!)}"`;
    const range = rangeOf(query.period, query.interval, ctx.now);
    const history = (expr: string) => ctx.prom.queryRange(expr, range.start, range.end, range.step);
    const inc = (m: string) => `sum(increase(${m}{${A}}[${range.step}s]))`;
    const r = await allOf({
      allTime: agentWindow(ctx, A, null, 'performance.allTime.avgResponseTime'),
      last24h: agentWindow(ctx, A, '24h', 'performance.last24h.avgResponseTime'),
      last7d: agentWindow(ctx, A, '7d', 'performance.last7d.avgResponseTime'),
      tasksH: history(inc('aiwm_agent_tasks_total')),
      latencyH: history(
        `${inc('aiwm_agent_response_latency_seconds_sum')} / ${inc('aiwm_agent_response_latency_seconds_count')}`,
      ),
      recent: recentTasks(ctx, params.id!),
    });
    const { tasks: totalTasks, gap: allTimeGap, ...allTime } = r.allTime;
    const { gap: gap24h, ...last24h } = r.last24h;
    const { gap: gap7d, ...last7d } = r.last7d;
    const timestamps = range.timestamps;
    return {
      timestamp: ctx.now.toISOString(),
      agentId: params.id!,
      name: info.metric.agent_name ?? '',
      performance: {
        allTime: {
          totalTasks,
          ...allTime,
          successRate: totalTasks ? round(100 * (1 - (allTime.failed ?? 0) / totalTasks)) : null,
        },
        last24h,
        last7d,
      },
      timeline: {
        period: query.period,
        interval: range.interval,
        requestedInterval: range.requestedInterval,
        timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()),
        tasks: alignTo(r.tasksH, timestamps, (v) => round(v, 0)),
        responseTime: alignTo(r.latencyH, timestamps, (v) => round(v * 1000)),
      },
      recentTasks: r.recent,
      metadata: {
        sources: [
          'prometheus',
          'mongodb:conversations {agentId, status, createdAt}, messages {conversationId, createdAt} (last 10 tasks)',
        ],
        unavailable: gapsOf(allTimeGap, gap24h, gap7d),
        units: {
          avgResponseTime: 'milliseconds',
          duration: 'milliseconds (the response latency; null when the message has none)',
        },
        notes: [
          'A task is an assistant message; allTime counts since the exporter started ' +
            '(or over history with COUNT_EVENTS_FROM=all).',
          ...(range.widenedNote ? [range.widenedNote] : []),
        ],
      },
    };
  },
});

async function recentTasks(ctx: FacadeContext, agentId: string) {
  const c = ctx.config.collections;
  const opts = { maxTimeMS: ctx.config.facade!.timeoutMs };
  const conversations = await ctx.db
    .collection(c.conversations)
    .find(
      { agentId, ...mongoOrgFilter(ctx.scope) },
      { projection: { _id: 1 }, sort: { createdAt: -1 }, limit: 50, ...opts },
    )
    .toArray();
  if (conversations.length === 0) return [];
  const messages = await ctx.db
    .collection(c.messages)
    .find(
      { conversationId: { $in: conversations.map((x) => (x._id as ObjectId).toHexString()) }, role: 'assistant' },
      {
        projection: { type: 1, status: 1, latency: 1, createdAt: 1, error: 1 },
        sort: { createdAt: -1 },
        limit: 10,
        ...opts,
      },
    )
    .toArray();
  return messages.map((m: Document) => ({
    taskId: (m._id as ObjectId).toHexString(),
    type: typeof m.type === 'string' ? m.type : 'text',
    status:
      m.status === 'failed' || m.type === 'error' || (typeof m.error === 'string' && m.error !== '')
        ? 'failed'
        : 'completed',
    duration: typeof m.latency === 'number' ? m.latency : null,
    timestamp: m.createdAt instanceof Date ? m.createdAt.toISOString() : '',
  }));
}

// ---- executions ----------------------------------------------------------------------------------

const executionItem = z.object({
  _id: z.string(),
  executionId: z.string().nullable(),
  name: z.string(),
  type: z.string().nullable(),
  category: z.string().nullable(),
  status: z.string(),
  progress: nullableNumber,
  currentStep: z.string().nullable(),
  startedAt: z.string().nullable(),
  estimatedCompletion: z.string().nullable(),
});

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function executionListItem(e: Document, now: Date) {
  const steps = Array.isArray(e.steps) ? (e.steps as Document[]) : [];
  const progress = num(e.progress);
  const started = e.startedAt instanceof Date ? e.startedAt : null;
  // Linear projection from progress so far; only for running executions with progress.
  const eta =
    started && progress && progress > 0 && e.status === 'running'
      ? new Date(started.getTime() + ((now.getTime() - started.getTime()) * 100) / progress)
      : null;
  return {
    _id: (e._id as ObjectId).toHexString(),
    executionId: str(e.executionId),
    name: str(e.name) ?? '',
    type: str(e.type),
    category: str(e.category),
    status: str(e.status) ?? 'unknown',
    progress,
    currentStep: str(steps.find((s) => s.status === 'running')?.name),
    startedAt: iso(e.startedAt),
    estimatedCompletion: eta ? eta.toISOString() : null,
  };
}

const stepSchema = z.object({
  index: nullableNumber,
  name: z.string(),
  status: z.string(),
  progress: nullableNumber,
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  /** The step error's message. */
  error: z.string().nullable(),
  /** The step error's code (AIWM stores `{code, message, details}`). */
  errorCode: z.string().nullable(),
});

/** A step's `error`: AIWM stores `{code, message, details}`; older data holds a plain string. */
export function stepError(error: unknown): { error: string | null; errorCode: string | null } {
  if (typeof error === 'string') return { error: error === '' ? null : error, errorCode: null };
  if (!error || typeof error !== 'object') return { error: null, errorCode: null };
  const { code, message } = error as Document;
  const errorCode = typeof code === 'number' && Number.isFinite(code) ? String(code) : str(code);
  return { error: str(message), errorCode };
}

/** The execution's `error` `{code, message, stepIndex, nodeId}` (a plain string from older data is the message). */
export function executionError(error: unknown) {
  if (typeof error === 'string' && error !== '') return { code: null, message: error, stepIndex: null, nodeId: null };
  if (!error || typeof error !== 'object') return null;
  const e = error as Document;
  return { code: stepError(e).errorCode, message: str(e.message), stepIndex: num(e.stepIndex), nodeId: str(e.nodeId) };
}

function stepItem(s: Document): z.output<typeof stepSchema> {
  return {
    index: num(s.index),
    name: str(s.name) ?? '',
    status: str(s.status) ?? 'unknown',
    progress: num(s.progress),
    startedAt: iso(s.startedAt),
    completedAt: iso(s.completedAt),
    ...stepError(s.error),
  };
}

export const executionsRoute = defineRoute({
  path: '/workload/executions',
  summary: 'Executions overview and list (seed 3.6)',
  description:
    'Counts and performance from Prometheus; the list holds open executions (pending and running, or `status`) read ' +
    'from MongoDB through the {status, createdAt} index, unpaginated as in the seed: up to `limit` (default and ' +
    'most 500), with `pagination` beside it.',
  query: executionsQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      completed: z.number(),
      running: z.number(),
      failed: z.number(),
      pending: z.number(),
      byType: z.record(z.string(), z.number()),
      performance: z.object({ avgDuration: nullableNumber, successRate: nullableNumber, retryRate: nullableNumber }),
    }),
    executions: z.array(executionItem),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  rows: (r) => r.executions,
  async handle(ctx, _params, query) {
    const S = orgMatcher(ctx.scope);
    const [byStatus, byType, completions, ok, retried, dSum, dCount] = await Promise.all([
      ctx.prom.query(`sum by (status) (aiwm_executions{${S}})`),
      ctx.prom.query(`sum by (type) (aiwm_executions{${S}})`),
      ctx.prom.query(`sum(increase(aiwm_execution_completions_total{${S}}[24h]))`),
      ctx.prom.query(`sum(increase(aiwm_execution_completions_total{${S},outcome="completed"}[24h]))`),
      ctx.prom.query(`sum(increase(aiwm_execution_retried_total{${S}}[24h]))`),
      ctx.prom.query(`sum(increase(aiwm_execution_duration_seconds_sum{${S}}[24h]))`),
      ctx.prom.query(`sum(increase(aiwm_execution_duration_seconds_count{${S}}[24h]))`),
    ]);
    const statuses = query.status ? [query.status] : ['pending', 'running'];
    const filter = { isDeleted: { $ne: true }, status: { $in: statuses }, ...mongoOrgFilter(ctx.scope) };
    const coll = ctx.db.collection(ctx.config.collections.executions);
    const opts = { maxTimeMS: ctx.config.facade!.timeoutMs };
    const [docs, total] = await Promise.all([
      coll
        .find(filter, {
          projection: {
            executionId: 1,
            name: 1,
            type: 1,
            category: 1,
            status: 1,
            progress: 1,
            'steps.name': 1,
            'steps.status': 1,
            startedAt: 1,
          },
          sort: { createdAt: -1 },
          skip: (query.page - 1) * query.limit,
          limit: query.limit,
          ...opts,
        })
        .toArray(),
      coll.countDocuments(filter, opts),
    ]);
    const st = byLabel(byStatus, 'status');
    const c = scalar(completions);
    const dc = scalar(dCount);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: [...st.values()].reduce((a, b) => a + b, 0),
        completed: st.get('completed') ?? 0,
        running: st.get('running') ?? 0,
        failed: st.get('failed') ?? 0,
        pending: st.get('pending') ?? 0,
        byType: Object.fromEntries([...byLabel(byType, 'type')].sort()),
        performance: {
          avgDuration: dc ? round((scalar(dSum) ?? 0) / dc) : null,
          successRate: c ? round((100 * (scalar(ok) ?? 0)) / c) : null,
          retryRate: c ? round((100 * (scalar(retried) ?? 0)) / c) : null,
        },
      },
      executions: docs.map((d) => executionListItem(d, ctx.now)),
      pagination: { page: query.page, limit: query.limit, total },
      metadata: {
        sources: ['prometheus', 'mongodb:executions {status, createdAt}'],
        unavailable: [],
        units: { avgDuration: 'seconds', successRate: 'percent', retryRate: 'percent' },
        notes: [
          `performance covers executions finished in the last 24 h (outcomes: ${FINISHED_STATUSES.join(', ')}).`,
          'byType is keyed by AIWM\'s execution type (capped by the exporter; the rest read "other").',
          'estimatedCompletion projects the progress so far linearly; null when there is no progress yet.',
        ],
      },
    };
  },
});

export const executionRoute = defineRoute({
  path: '/workload/executions/:id',
  summary: 'One execution, by _id or executionId (from MongoDB)',
  params: { id: executionRef },
  query: z.strictObject({}),
  response: executionItem.extend({
    timestamp: z.string(),
    nodeId: z.string().nullable(),
    completedAt: z.string().nullable(),
    timeoutAt: z.string().nullable(),
    duration: nullableNumber,
    retryCount: nullableNumber,
    maxRetries: nullableNumber,
    steps: z.array(stepSchema),
    error: z
      .object({
        code: z.string().nullable(),
        message: z.string().nullable(),
        stepIndex: nullableNumber,
        nodeId: z.string().nullable(),
      })
      .nullable(),
    parentExecutionId: z.string().nullable(),
    childExecutionIds: z.array(z.string()),
    metadata: metadataSchema,
  }),
  cacheMs: 5_000,
  async handle(ctx, params) {
    const id = params.id!;
    const filter = /^[0-9a-f]{24}$/.test(id) ? { _id: new ObjectId(id) } : { executionId: id };
    const coll = ctx.db.collection(ctx.config.collections.executions);
    const e = await coll.findOne(
      { ...filter, isDeleted: { $ne: true } },
      { maxTimeMS: ctx.config.facade!.timeoutMs, projection: { secret: 0 } },
    );
    if (!e) throw notFound('execution');
    const org = str(e.owner?.orgId) || 'unassigned';
    if (ctx.scope.kind === 'org' && org !== ctx.scope.orgId) throw forbidden();
    const started = e.startedAt instanceof Date ? e.startedAt : null;
    const completed = e.completedAt instanceof Date ? e.completedAt : null;
    return {
      ...executionListItem(e, ctx.now),
      timestamp: ctx.now.toISOString(),
      nodeId: str(e.nodeId),
      completedAt: iso(e.completedAt),
      timeoutAt: iso(e.timeoutAt),
      duration: started && completed ? (completed.getTime() - started.getTime()) / 1000 : null,
      retryCount: num(e.retryCount),
      maxRetries: num(e.maxRetries),
      steps: (Array.isArray(e.steps) ? (e.steps as Document[]) : []).map(stepItem),
      error: executionError(e.error),
      parentExecutionId: str(e.parentExecutionId),
      childExecutionIds: Array.isArray(e.childExecutionIds)
        ? (e.childExecutionIds as unknown[]).filter((x): x is string => typeof x === 'string')
        : [],
      metadata: {
        sources: ['mongodb:executions (by _id or executionId)'],
        unavailable: [],
        units: { duration: 'seconds' },
      },
    };
  },
});
