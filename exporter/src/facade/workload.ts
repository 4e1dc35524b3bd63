import { z } from 'zod';
import { ObjectId, type Document } from 'mongodb';
import { FINISHED_STATUSES } from '../source/executions.js';
import { forbidden, notFound } from './errors.js';
import { activity } from './overview.js';
import { executionRef, executionsQuery, listQuery, objectId, periodQuery, rangeOf, seriesQuery } from './params.js';
import { alignTo, byLabel, indexBy, scalar, statusBy } from './prometheus.js';
import { defineRoute, ownedEntity, metadataSchema, nullableNumber, paginate, paginationSchema, pct, round, toGB, type FacadeContext } from './route.js';
import { escapePromQL, mongoOrgFilter, orgMatcher } from './scope.js';

const sortByName = <T extends { name: string }>(xs: T[]) => xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

// ---- models --------------------------------------------------------------------------------------

const FAILED_MODEL = ['download-failed', 'deploy-failed', 'error', 'invalid-credentials'];

export const modelsRoute = defineRoute({
  path: '/workload/models',
  summary: 'Models overview and list (seed 3.1)',
  query: listQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(), active: z.number(), inactive: z.number(), downloading: z.number(), failed: z.number(),
      byType: z.object({ llm: z.number(), vision: z.number(), embedding: z.number(), voice: z.number() }),
      byDeploymentType: z.object({ selfHosted: z.number(), apiBased: z.number() }),
      storage: z.object({ totalSize: nullableNumber }),
    }),
    models: z.array(z.object({ _id: z.string(), name: z.string(), type: z.string(), deploymentType: z.string(), status: z.string(), size: nullableNumber, deployments: z.number(), lastUsed: z.null() })),
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
    const all = sortByName(info.map((i) => ({ _id: i.metric.model_id!, name: i.metric.model_name ?? '', type: i.metric.model_type ?? '', deploymentType: i.metric.deployment_type ?? '', status: st.get(i.metric.model_id!) ?? 'unknown', size: toGB(sz.get(i.metric.model_id!)?.value), deployments: dep.get(i.metric.model_id!) ?? 0, lastUsed: null })));
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
        byType: { llm: count((m) => m.type === 'llm'), vision: count((m) => m.type === 'vision'), embedding: count((m) => m.type === 'embedding'), voice: count((m) => m.type === 'voice') },
        byDeploymentType: { selfHosted: count((m) => m.deploymentType === 'self-hosted'), apiBased: count((m) => m.deploymentType === 'api-based') },
        storage: { totalSize: toGB(totalBytes) },
      },
      models: items,
      pagination,
      metadata: { sources: ['prometheus'], unavailable: [{ field: 'models[].lastUsed', reason: 'AIWM records no per-model usage time' }], units: { size: 'GB (GiB)', totalSize: 'GB (GiB)' }, notes: ['failed = download-failed + deploy-failed + error + invalid-credentials'] },
    };
  },
});

// ---- deployments ---------------------------------------------------------------------------------

export const deploymentsRoute = defineRoute({
  path: '/workload/deployments',
  summary: 'Deployments overview and list (seed 3.2)',
  query: listQuery.extend(periodQuery.shape),
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(), running: z.number(), stopped: z.number(), deploying: z.number(), failed: z.number(),
      usage: z.object({ period: z.string(), totalRequests: nullableNumber, avgLatency: nullableNumber, successRate: nullableNumber, tokenUsage: nullableNumber }),
      resources: z.object({ gpusInUse: z.number(), gpusTotal: z.number(), avgGpuUtilization: nullableNumber, totalVramUsed: nullableNumber }),
    }),
    deployments: z.array(z.object({ _id: z.string(), name: z.string(), modelName: z.string().nullable(), status: z.string(), nodeId: z.string().nullable(), nodeName: z.string().nullable(), gpuUsage: nullableNumber, vramUsage: nullableNumber, requests24h: nullableNumber, avgLatency: nullableNumber, uptime: z.null() })),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.deployments.map(({ uptime: _u, ...d }) => d),
  async handle(ctx, _params, query) {
    const S = orgMatcher(ctx.scope);
    const w = query.period;
    const running = `(aiwm_deployment_info{${S}} * on (org_id, deployment_id) group_left () (aiwm_deployment_status{${S},status="running"} == 1))`;
    const [info, status, models, nodes, requests, latSum, latCount, ok, all, tokens, gpusInUse, gpusTotal, gpuUtil, vram, nodeGpu, nodeVram, req24] = await Promise.all([
      ctx.prom.query(`aiwm_deployment_info{${S}}`),
      ctx.prom.query(`aiwm_deployment_status{${S}} == 1`),
      ctx.prom.query(`aiwm_model_info{${S}}`),
      ctx.prom.query(`aiwm_node_info{${S}}`),
      ctx.prom.query(`sum(increase(aiwm_deployment_requests_total{${S}}[${w}]))`),
      ctx.prom.query(`sum by (deployment_id) (increase(aiwm_deployment_response_latency_seconds_sum{${S}}[${w}]))`),
      ctx.prom.query(`sum by (deployment_id) (increase(aiwm_deployment_response_latency_seconds_count{${S}}[${w}]))`),
      ctx.prom.query(`sum(increase(aiwm_deployment_responses_total{${S},outcome="success"}[${w}]))`),
      ctx.prom.query(`sum(increase(aiwm_deployment_responses_total{${S}}[${w}]))`),
      ctx.prom.query(`sum(increase(aiwm_deployment_tokens_total{${S}}[${w}]))`),
      ctx.prom.query(`count(aiwm_gpu_info{${S}} and on (org_id, node_id) ${running})`),
      ctx.prom.query(`count(aiwm_gpu_info{${S}})`),
      ctx.prom.query(`avg(aiwm_gpu_utilization_ratio{${S}} and on (org_id, node_id) ${running})`),
      ctx.prom.query(`sum(aiwm_gpu_memory_used_bytes{${S}} and on (org_id, node_id) ${running})`),
      ctx.prom.query(`avg by (node_id) (aiwm_gpu_utilization_ratio{${S}})`),
      ctx.prom.query(`sum by (node_id) (aiwm_gpu_memory_used_bytes{${S}})`),
      ctx.prom.query(`sum by (deployment_id) (increase(aiwm_deployment_requests_total{${S}}[24h]))`),
    ]);
    const st = statusBy(status, 'deployment_id');
    const modelName = new Map(models.map((m) => [m.metric.model_id!, m.metric.model_name ?? '']));
    const nodeName = new Map(nodes.map((n) => [n.metric.node_id!, n.metric.node_name ?? '']));
    const [ls, lc, ng, nv, r24] = [indexBy(latSum, 'deployment_id'), indexBy(latCount, 'deployment_id'), indexBy(nodeGpu, 'node_id'), indexBy(nodeVram, 'node_id'), indexBy(req24, 'deployment_id')] as const;
    const items = sortByName(
      info.map((i) => {
        const id = i.metric.deployment_id!;
        const node = i.metric.node_id || null;
        const sum = ls.get(id)?.value;
        const n = lc.get(id)?.value;
        return {
          _id: id,
          name: i.metric.deployment_name ?? '',
          modelName: modelName.get(i.metric.model_id ?? '') ?? null,
          status: st.get(id) ?? 'unknown',
          nodeId: node,
          nodeName: node ? (nodeName.get(node) ?? null) : null,
          gpuUsage: node ? pct(ng.get(node)?.value) : null,
          vramUsage: node ? toGB(nv.get(node)?.value) : null,
          requests24h: round(r24.get(id)?.value ?? null, 0),
          avgLatency: sum !== undefined && n ? round((sum / n) * 1000) : null,
          uptime: null,
        };
      }),
    );
    const counts = byLabel(status, 'status');
    const sumOf = (...k: string[]) => k.reduce((a, x) => a + (counts.get(x) ?? 0), 0);
    const totalLat = latSum.reduce((a, s) => a + s.value, 0);
    const totalCount = latCount.reduce((a, s) => a + s.value, 0);
    const all_ = scalar(all);
    const page = paginate(items, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: items.length,
        running: sumOf('running'),
        stopped: sumOf('stopped'),
        deploying: sumOf('deploying'),
        failed: sumOf('failed', 'error'),
        usage: { period: w, totalRequests: round(scalar(requests), 0), avgLatency: totalCount ? round((totalLat / totalCount) * 1000) : null, successRate: all_ ? round((100 * (scalar(ok) ?? 0)) / all_) : null, tokenUsage: round(scalar(tokens), 0) },
        resources: { gpusInUse: scalar(gpusInUse) ?? 0, gpusTotal: scalar(gpusTotal) ?? 0, avgGpuUtilization: pct(scalar(gpuUtil)), totalVramUsed: toGB(scalar(vram)) },
      },
      deployments: page.items,
      pagination: page.pagination,
      metadata: {
        sources: ['prometheus'],
        unavailable: [{ field: 'deployments[].uptime', reason: 'AIWM records no start time on deployments' }],
        units: { avgLatency: 'milliseconds', successRate: 'percent', gpuUsage: 'percent, average of the GPUs of the deployment\'s node', vramUsage: 'GB (GiB) used on the node', totalVramUsed: 'GB (GiB)' },
        notes: ['Latency and success are measured on the assistant messages of agents bound to the deployment; AIWM records no per-request latency on the model endpoint.', 'gpusInUse counts the GPUs of nodes running a deployment: AIWM does not record which GPU a deployment uses.'],
      },
    };
  },
});

export const deploymentMetricsRoute = defineRoute({
  path: '/workload/deployments/:id/metrics',
  summary: 'One deployment\'s metrics over time (seed 3.3)',
  params: { id: objectId },
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    deploymentId: z.string(),
    name: z.string(),
    period: z.string(),
    interval: z.string(),
    timestamps: z.array(z.string()),
    metrics: z.object({
      requests: z.object({ total: nullableNumber, successful: nullableNumber, failed: nullableNumber, history: z.array(nullableNumber) }),
      latency: z.object({ avg: nullableNumber, p50: nullableNumber, p95: nullableNumber, p99: nullableNumber, history: z.array(nullableNumber) }),
      throughput: z.object({ requestsPerSecond: nullableNumber, tokensPerSecond: nullableNumber, history: z.array(nullableNumber) }),
      gpu: z.object({ utilization: nullableNumber, vramUsage: nullableNumber, temperature: nullableNumber, history: z.object({ utilization: z.array(nullableNumber), vramUsage: z.array(nullableNumber), temperature: z.array(nullableNumber) }) }),
      errors: z.array(z.object({ timestamp: z.string(), type: z.string(), message: z.string(), count: z.number() })),
    }),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    const info = await ownedEntity(ctx, 'aiwm_deployment_info', 'deployment_id', params.id!, 'deployment');
    const D = `${orgMatcher(ctx.scope)},deployment_id="${params.id}"`;
    const node = info.metric.node_id ? `${orgMatcher(ctx.scope)},node_id="${escapePromQL(info.metric.node_id)}"` : undefined;
    const { start, end, step, timestamps } = rangeOf(query.period, query.interval, ctx.now);
    const w = query.period;
    const q = (e: string) => ctx.prom.query(e);
    const r = (e: string) => ctx.prom.queryRange(e, start, end, step);
    const quantile = (p: number) => q(`histogram_quantile(${p}, sum by (le) (rate(aiwm_deployment_response_latency_seconds_bucket{${D}}[${w}])))`);
    const nodeQ = (e: string) => (node ? q(e) : Promise.resolve([]));
    const nodeR = (e: string) => (node ? r(e) : Promise.resolve([]));
    const [total, ok, failed, latSum, latCount, p50, p95, p99, rps, tps, reqH, latH, rpsH, gpuU, gpuV, gpuT, gpuUH, gpuVH, gpuTH, errors] = await Promise.all([
      q(`sum(increase(aiwm_deployment_requests_total{${D}}[${w}]))`),
      q(`sum(increase(aiwm_deployment_responses_total{${D},outcome="success"}[${w}]))`),
      q(`sum(increase(aiwm_deployment_responses_total{${D},outcome="failed"}[${w}]))`),
      q(`sum(increase(aiwm_deployment_response_latency_seconds_sum{${D}}[${w}]))`),
      q(`sum(increase(aiwm_deployment_response_latency_seconds_count{${D}}[${w}]))`),
      quantile(0.5),
      quantile(0.95),
      quantile(0.99),
      q(`sum(rate(aiwm_deployment_requests_total{${D}}[5m]))`),
      q(`sum(rate(aiwm_deployment_tokens_total{${D}}[5m]))`),
      r(`sum(increase(aiwm_deployment_requests_total{${D}}[${step}s]))`),
      r(`sum(increase(aiwm_deployment_response_latency_seconds_sum{${D}}[${step}s])) / sum(increase(aiwm_deployment_response_latency_seconds_count{${D}}[${step}s]))`),
      r(`sum(rate(aiwm_deployment_requests_total{${D}}[${step}s]))`),
      nodeQ(`avg(aiwm_gpu_utilization_ratio{${node}})`),
      nodeQ(`sum(aiwm_gpu_memory_used_bytes{${node}})`),
      nodeQ(`max(aiwm_gpu_temperature_celsius{${node}})`),
      nodeR(`avg(aiwm_gpu_utilization_ratio{${node}})`),
      nodeR(`sum(aiwm_gpu_memory_used_bytes{${node}})`),
      nodeR(`max(aiwm_gpu_temperature_celsius{${node}})`),
      recentErrors(ctx, params.id!, start),
    ]);
    const ms = (v: number | null) => (v === null ? null : round(v * 1000));
    const ls = scalar(latSum);
    const lc = scalar(latCount);
    return {
      timestamp: ctx.now.toISOString(),
      deploymentId: params.id!,
      name: info.metric.deployment_name ?? '',
      period: query.period,
      interval: query.interval,
      timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()),
      metrics: {
        requests: { total: round(scalar(total), 0), successful: round(scalar(ok), 0), failed: round(scalar(failed), 0), history: alignTo(reqH, timestamps, (v) => round(v, 0)) },
        latency: { avg: ls !== null && lc ? round((ls / lc) * 1000) : null, p50: ms(scalar(p50)), p95: ms(scalar(p95)), p99: ms(scalar(p99)), history: alignTo(latH, timestamps, (v) => round(v * 1000)) },
        throughput: { requestsPerSecond: round(scalar(rps), 3), tokensPerSecond: round(scalar(tps), 2), history: alignTo(rpsH, timestamps, (v) => round(v, 3)) },
        gpu: {
          utilization: pct(scalar(gpuU)),
          vramUsage: toGB(scalar(gpuV)),
          temperature: scalar(gpuT),
          history: { utilization: alignTo(gpuUH, timestamps, (v) => pct(v)), vramUsage: alignTo(gpuVH, timestamps, (v) => toGB(v)), temperature: alignTo(gpuTH, timestamps) },
        },
        errors,
      },
      metadata: {
        sources: ['prometheus', 'mongodb:agents, conversations, messages (indexed, last 20 failed responses)'],
        unavailable: node ? [] : [{ field: 'metrics.gpu', reason: 'the deployment has no node in AIWM (api-based model)' }],
        units: { latency: 'milliseconds', vramUsage: 'GB (GiB) used on the deployment\'s node', utilization: 'percent, average of the node\'s GPUs', temperature: 'degrees Celsius, hottest GPU of the node' },
        notes: ['Latency and responses come from the assistant messages of agents bound to the deployment.'],
      },
    };
  },
});

/** The deployment's recent failed responses, grouped by error text (small indexed reads). */
async function recentErrors(ctx: FacadeContext, deploymentId: string, since: Date): Promise<Array<{ timestamp: string; type: string; message: string; count: number }>> {
  const c = ctx.config.collections;
  const opts = { maxTimeMS: ctx.config.facade!.timeoutMs };
  const agents = await ctx.db.collection(c.agents).find({ deploymentId, ...mongoOrgFilter(ctx.scope) }, { projection: { _id: 1 }, limit: 200, ...opts }).toArray();
  if (agents.length === 0) return [];
  const conversations = await ctx.db
    .collection(c.conversations)
    .find({ agentId: { $in: agents.map((a) => (a._id as ObjectId).toHexString()) } }, { projection: { _id: 1 }, sort: { createdAt: -1 }, limit: 500, ...opts })
    .toArray();
  if (conversations.length === 0) return [];
  const failed = await ctx.db
    .collection(c.messages)
    .find(
      { conversationId: { $in: conversations.map((x) => (x._id as ObjectId).toHexString()) }, createdAt: { $gte: since }, role: 'assistant', $or: [{ status: 'failed' }, { type: 'error' }] },
      { projection: { error: 1, type: 1, createdAt: 1 }, sort: { createdAt: -1 }, limit: 20, ...opts },
    )
    .toArray();
  const groups = new Map<string, { timestamp: string; type: string; message: string; count: number }>();
  for (const m of failed) {
    const message = typeof m.error === 'string' && m.error !== '' ? m.error : 'failed response without an error message';
    const g = groups.get(message);
    if (g) g.count++;
    else groups.set(message, { timestamp: (m.createdAt as Date).toISOString(), type: m.type === 'error' ? 'error' : 'failed', message, count: 1 });
  }
  return [...groups.values()];
}

// ---- agents --------------------------------------------------------------------------------------

const taskStats = z.object({ tasks: nullableNumber, completed: nullableNumber, failed: nullableNumber, avgResponseTime: nullableNumber });

export const agentsRoute = defineRoute({
  path: '/workload/agents',
  summary: 'Agents overview and list (seed 3.4)',
  query: listQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(), active: z.number(), busy: z.number(), inactive: z.number(),
      performance: z.object({ totalTasks: nullableNumber, completed: nullableNumber, failed: nullableNumber, successRate: nullableNumber, avgResponseTime: nullableNumber }),
      activity24h: z.object({ tasksExecuted: nullableNumber, conversations: nullableNumber, messages: nullableNumber }),
    }),
    agents: z.array(z.object({ _id: z.string(), agentId: z.string(), name: z.string(), status: z.string(), totalTasks: z.number(), completedTasks: z.number(), failedTasks: z.number(), avgResponseTime: nullableNumber, lastTask: z.null() })),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.agents.map(({ lastTask: _l, ...a }) => a),
  async handle(ctx, _params, query) {
    const S = orgMatcher(ctx.scope);
    const [info, status, tasks, failures, latSum, latCount, conv24, msg24, act] = await Promise.all([
      ctx.prom.query(`aiwm_agent_info{${S}}`),
      ctx.prom.query(`aiwm_agent_status{${S}} == 1`),
      ctx.prom.query(`aiwm_agent_tasks_total{${S}}`),
      ctx.prom.query(`aiwm_agent_task_failures_total{${S}}`),
      ctx.prom.query(`aiwm_agent_response_latency_seconds_sum{${S}}`),
      ctx.prom.query(`aiwm_agent_response_latency_seconds_count{${S}}`),
      ctx.prom.query(`sum(increase(aiwm_agent_conversations_total{${S}}[24h]))`),
      ctx.prom.query(`sum(increase(aiwm_agent_messages_total{${S}}[24h]))`),
      activity(ctx, '24h'),
    ]);
    const st = statusBy(status, 'agent_id');
    const [t, f, ls, lc] = [indexBy(tasks, 'agent_id'), indexBy(failures, 'agent_id'), indexBy(latSum, 'agent_id'), indexBy(latCount, 'agent_id')] as const;
    const agents = sortByName(
      info.map((i) => {
        const id = i.metric.agent_id!;
        const total = t.get(id)?.value ?? 0;
        const failed = f.get(id)?.value ?? 0;
        const n = lc.get(id)?.value;
        return { _id: id, agentId: id, name: i.metric.agent_name ?? '', status: st.get(id) ?? 'unknown', totalTasks: total, completedTasks: total - failed, failedTasks: failed, avgResponseTime: n ? round(((ls.get(id)?.value ?? 0) / n) * 1000) : null, lastTask: null };
      }),
    );
    const counts = byLabel(status, 'status');
    const totalTasks = tasks.reduce((n, s) => n + s.value, 0);
    const totalFailed = failures.reduce((n, s) => n + s.value, 0);
    const totalLat = latSum.reduce((n, s) => n + s.value, 0);
    const totalLatCount = latCount.reduce((n, s) => n + s.value, 0);
    const page = paginate(agents, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: agents.length,
        active: counts.get('active') ?? 0,
        busy: counts.get('busy') ?? 0,
        inactive: counts.get('inactive') ?? 0,
        performance: { totalTasks, completed: totalTasks - totalFailed, failed: totalFailed, successRate: totalTasks ? round(100 * (1 - totalFailed / totalTasks)) : null, avgResponseTime: totalLatCount ? round((totalLat / totalLatCount) * 1000) : null },
        activity24h: { tasksExecuted: act.agentTasks, conversations: round(scalar(conv24), 0), messages: round(scalar(msg24), 0) },
      },
      agents: page.items,
      pagination: page.pagination,
      metadata: {
        sources: ['prometheus'],
        unavailable: [{ field: 'agents[].lastTask', reason: 'not a metric; the agent performance endpoint lists recent tasks from MongoDB' }],
        units: { avgResponseTime: 'milliseconds', successRate: 'percent' },
        notes: ['"All time" task counts are the exporter\'s counters: since it started, or over history with COUNT_EVENTS_FROM=all.'],
      },
    };
  },
});

export const agentPerformanceRoute = defineRoute({
  path: '/workload/agents/:id/performance',
  summary: 'One agent\'s performance (seed 3.5)',
  params: { id: objectId },
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    agentId: z.string(),
    name: z.string(),
    performance: z.object({ allTime: taskStats.extend({ successRate: nullableNumber }), last24h: taskStats, last7d: taskStats }),
    timeline: z.object({ period: z.string(), interval: z.string(), timestamps: z.array(z.string()), tasks: z.array(nullableNumber), responseTime: z.array(nullableNumber) }),
    recentTasks: z.array(z.object({ taskId: z.string(), type: z.string(), status: z.string(), duration: nullableNumber, timestamp: z.string() })),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    const info = await ownedEntity(ctx, 'aiwm_agent_info', 'agent_id', params.id!, 'agent');
    const A = `${orgMatcher(ctx.scope)},agent_id="${params.id}"`;
    const { start, end, step, timestamps } = rangeOf(query.period, query.interval, ctx.now);
    const window = async (w: string | null) => {
      const f = (m: string) => (w ? `sum(increase(${m}{${A}}[${w}]))` : `sum(${m}{${A}})`);
      const [t, fl, ls, lc] = await Promise.all([f('aiwm_agent_tasks_total'), f('aiwm_agent_task_failures_total'), f('aiwm_agent_response_latency_seconds_sum'), f('aiwm_agent_response_latency_seconds_count')].map((e) => ctx.prom.query(e)));
      const tasks = round(scalar(t!), 0);
      const failed = round(scalar(fl!), 0);
      const n = scalar(lc!);
      return { tasks, completed: tasks === null ? null : tasks - (failed ?? 0), failed, avgResponseTime: n ? round(((scalar(ls!) ?? 0) / n) * 1000) : null };
    };
    const [allTime, last24h, last7d, tasksH, latH, recent] = await Promise.all([
      window(null),
      window('24h'),
      window('7d'),
      ctx.prom.queryRange(`sum(increase(aiwm_agent_tasks_total{${A}}[${step}s]))`, start, end, step),
      ctx.prom.queryRange(`sum(increase(aiwm_agent_response_latency_seconds_sum{${A}}[${step}s])) / sum(increase(aiwm_agent_response_latency_seconds_count{${A}}[${step}s]))`, start, end, step),
      recentTasks(ctx, params.id!),
    ]);
    return {
      timestamp: ctx.now.toISOString(),
      agentId: params.id!,
      name: info.metric.agent_name ?? '',
      performance: { allTime: { ...allTime, successRate: allTime.tasks ? round(100 * (1 - (allTime.failed ?? 0) / allTime.tasks)) : null }, last24h, last7d },
      timeline: { period: query.period, interval: query.interval, timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()), tasks: alignTo(tasksH, timestamps, (v) => round(v, 0)), responseTime: alignTo(latH, timestamps, (v) => round(v * 1000)) },
      recentTasks: recent,
      metadata: {
        sources: ['prometheus', 'mongodb:conversations {agentId, status, createdAt}, messages {conversationId, createdAt} (last 10 tasks)'],
        unavailable: [],
        units: { avgResponseTime: 'milliseconds', duration: 'milliseconds (the response latency)' },
        notes: ['A task is an assistant message; allTime counts since the exporter started (or over history with COUNT_EVENTS_FROM=all).'],
      },
    };
  },
});

async function recentTasks(ctx: FacadeContext, agentId: string) {
  const c = ctx.config.collections;
  const opts = { maxTimeMS: ctx.config.facade!.timeoutMs };
  const conversations = await ctx.db.collection(c.conversations).find({ agentId, ...mongoOrgFilter(ctx.scope) }, { projection: { _id: 1 }, sort: { createdAt: -1 }, limit: 50, ...opts }).toArray();
  if (conversations.length === 0) return [];
  const messages = await ctx.db
    .collection(c.messages)
    .find({ conversationId: { $in: conversations.map((x) => (x._id as ObjectId).toHexString()) }, role: 'assistant' }, { projection: { type: 1, status: 1, latency: 1, createdAt: 1, error: 1 }, sort: { createdAt: -1 }, limit: 10, ...opts })
    .toArray();
  return messages.map((m: Document) => ({
    taskId: (m._id as ObjectId).toHexString(),
    type: typeof m.type === 'string' ? m.type : 'text',
    status: m.status === 'failed' || m.type === 'error' || (typeof m.error === 'string' && m.error !== '') ? 'failed' : 'completed',
    duration: typeof m.latency === 'number' ? m.latency : null,
    timestamp: m.createdAt instanceof Date ? m.createdAt.toISOString() : '',
  }));
}

// ---- executions ----------------------------------------------------------------------------------

const executionItem = z.object({ _id: z.string(), executionId: z.string().nullable(), name: z.string(), type: z.string().nullable(), category: z.string().nullable(), status: z.string(), progress: nullableNumber, currentStep: z.string().nullable(), startedAt: z.string().nullable(), estimatedCompletion: z.string().nullable() });

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function executionListItem(e: Document, now: Date) {
  const steps = Array.isArray(e.steps) ? (e.steps as Document[]) : [];
  const progress = num(e.progress);
  const started = e.startedAt instanceof Date ? e.startedAt : null;
  // Linear projection from progress so far; only for running executions with progress.
  const eta = started && progress && progress > 0 && e.status === 'running' ? new Date(started.getTime() + ((now.getTime() - started.getTime()) * 100) / progress) : null;
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

export const executionsRoute = defineRoute({
  path: '/workload/executions',
  summary: 'Executions overview and list (seed 3.6)',
  description: 'Counts and performance from Prometheus; the list holds open executions (pending and running, or `status`) read from MongoDB through the {status, createdAt} index.',
  query: executionsQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(), completed: z.number(), running: z.number(), failed: z.number(), pending: z.number(),
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
        .find(filter, { projection: { executionId: 1, name: 1, type: 1, category: 1, status: 1, progress: 1, 'steps.name': 1, 'steps.status': 1, startedAt: 1 }, sort: { createdAt: -1 }, skip: (query.page - 1) * query.limit, limit: query.limit, ...opts })
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
        performance: { avgDuration: dc ? round((scalar(dSum) ?? 0) / dc) : null, successRate: c ? round((100 * (scalar(ok) ?? 0)) / c) : null, retryRate: c ? round((100 * (scalar(retried) ?? 0)) / c) : null },
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
    steps: z.array(z.object({ index: nullableNumber, name: z.string(), status: z.string(), progress: nullableNumber, startedAt: z.string().nullable(), completedAt: z.string().nullable(), error: z.string().nullable() })),
    error: z.object({ code: z.string().nullable(), message: z.string().nullable(), stepIndex: nullableNumber, nodeId: z.string().nullable() }).nullable(),
    parentExecutionId: z.string().nullable(),
    childExecutionIds: z.array(z.string()),
    metadata: metadataSchema,
  }),
  cacheMs: 5_000,
  async handle(ctx, params) {
    const id = params.id!;
    const filter = /^[0-9a-f]{24}$/.test(id) ? { _id: new ObjectId(id) } : { executionId: id };
    const coll = ctx.db.collection(ctx.config.collections.executions);
    const e = await coll.findOne({ ...filter, isDeleted: { $ne: true } }, { maxTimeMS: ctx.config.facade!.timeoutMs, projection: { secret: 0 } });
    if (!e) throw notFound('execution');
    const org = str(e.owner?.orgId) || 'unassigned';
    if (ctx.scope.kind === 'org' && org !== ctx.scope.orgId) throw forbidden();
    const started = e.startedAt instanceof Date ? e.startedAt : null;
    const completed = e.completedAt instanceof Date ? e.completedAt : null;
    const error = e.error && typeof e.error === 'object' ? (e.error as Document) : null;
    return {
      ...executionListItem(e, ctx.now),
      timestamp: ctx.now.toISOString(),
      nodeId: str(e.nodeId),
      completedAt: iso(e.completedAt),
      timeoutAt: iso(e.timeoutAt),
      duration: started && completed ? (completed.getTime() - started.getTime()) / 1000 : null,
      retryCount: num(e.retryCount),
      maxRetries: num(e.maxRetries),
      steps: (Array.isArray(e.steps) ? (e.steps as Document[]) : []).map((s) => ({ index: num(s.index), name: str(s.name) ?? '', status: str(s.status) ?? 'unknown', progress: num(s.progress), startedAt: iso(s.startedAt), completedAt: iso(s.completedAt), error: str(s.error) })),
      error: error ? { code: str(error.code), message: str(error.message), stepIndex: num(error.stepIndex), nodeId: str(error.nodeId) } : null,
      parentExecutionId: str(e.parentExecutionId),
      childExecutionIds: Array.isArray(e.childExecutionIds) ? (e.childExecutionIds as unknown[]).filter((x): x is string => typeof x === 'string') : [],
      metadata: { sources: ['mongodb:executions (by _id or executionId)'], unavailable: [], units: { duration: 'seconds' } },
    };
  },
});
