import { z } from 'zod';
import { NODE_ROLES } from '../source/nodes.js';
import { countBySeverity, systemHealth, visibleAlerts, alertSchema } from './health.js';
import { PERIODS, periodQuery, noQuery, seriesQuery, rangeOf } from './params.js';
import { byLabel, scalar } from './prometheus.js';
import { defineRoute, metadataSchema, nullableNumber, pct, round, type FacadeContext } from './route.js';
import { orgMatcher, sel } from './scope.js';

const counts = <const K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number()])) as Record<K, z.ZodNumber>);

/** Sum of the given label values of a grouped vector (missing ones count 0). */
const pick = (m: Map<string, number>, ...keys: string[]) => keys.reduce((n, k) => n + (m.get(k) ?? 0), 0);
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const onlineAvg = (ctx: FacadeContext, metric: string) =>
  `avg(${sel(ctx.scope, metric)} * on (org_id, node_id) group_left () (${sel(ctx.scope, 'aiwm_node_status', { status: 'online' })} == 1))`;

/** Activity over a window, shared by /overview and the lists. */
export async function activity(ctx: FacadeContext, window: string) {
  const S = orgMatcher(ctx.scope);
  const inc = (m: string, extra = '') => `sum(increase(${m}{${S}${extra}}[${window}]))`;
  const [requests, tasks, failures, latencySum, latencyCount] = await Promise.all([
    ctx.prom.query(inc('aiwm_deployment_requests_total')),
    ctx.prom.query(inc('aiwm_agent_tasks_total')),
    ctx.prom.query(inc('aiwm_agent_task_failures_total')),
    ctx.prom.query(inc('aiwm_agent_response_latency_seconds_sum')),
    ctx.prom.query(inc('aiwm_agent_response_latency_seconds_count')),
  ]);
  const t = scalar(tasks);
  const f = scalar(failures);
  const ls = scalar(latencySum);
  const lc = scalar(latencyCount);
  return {
    inferenceRequests: round(scalar(requests), 0),
    agentTasks: round(t, 0),
    failedTasks: round(f, 0),
    avgResponseTime: ls !== null && lc ? round((ls / lc) * 1000) : null,
    successRate: t ? round(100 * (1 - (f ?? 0) / t)) : null,
  };
}

const overviewResponse = z.object({
  timestamp: z.string(),
  infrastructure: z.object({
    nodes: z.object({ total: z.number(), online: z.number(), offline: z.number(), maintenance: z.number(), byRole: counts(NODE_ROLES) }),
    resources: z.object({ total: z.number(), running: z.number(), stopped: z.number(), deploying: z.number(), failed: z.number(), byType: counts(['vm', 'appContainer', 'inferenceContainer']) }),
    hardware: z.object({ cpuUtilization: nullableNumber, ramUtilization: nullableNumber, gpuUtilization: nullableNumber, diskUtilization: z.null(), gpusActive: z.number(), gpusTotal: z.number() }),
  }),
  workload: z.object({
    models: z.object({ total: z.number(), active: z.number(), inactive: z.number(), downloading: z.number(), byType: counts(['llm', 'vision', 'embedding', 'voice']) }),
    deployments: z.object({ total: z.number(), running: z.number(), stopped: z.number(), deploying: z.number(), failed: z.number() }),
    agents: z.object({ total: z.number(), active: z.number(), busy: z.number(), inactive: z.number() }),
    executions: z.object({ total: z.number(), completed: z.number(), running: z.number(), failed: z.number() }),
  }),
  activity: z.object({ period: z.string(), apiRequests: z.null(), inferenceRequests: nullableNumber, agentTasks: nullableNumber, avgResponseTime: nullableNumber, successRate: nullableNumber }),
  health: z.object({
    systemHealth: z.number(),
    alerts: counts(['critical', 'warning', 'info']),
    issues: z.array(z.object({ severity: z.string(), type: z.string(), message: z.string(), nodeId: z.string().nullable() })),
  }),
  metadata: metadataSchema,
});

export const overviewRoute = defineRoute({
  path: '/overview',
  summary: 'Platform overview (seed 1.1)',
  description: 'Counts, utilization, activity over `period` (default 24h) and health. Percentages are 0-100, times in milliseconds.',
  query: periodQuery,
  response: overviewResponse,
  cacheMs: 30_000,
  async handle(ctx, _params, query) {
    const S = orgMatcher(ctx.scope);
    const q = (expr: string) => ctx.prom.query(expr);
    const [nodes, roles, resources, cpu, ram, gpu, gpusActive, gpusTotal, models, deployments, agents, executions, sourceUp, act, alerts] = await Promise.all([
      q(`sum by (status) (aiwm_nodes{${S}})`),
      q(`count by (role) (aiwm_node_role{${S}})`),
      q(`sum by (status, resource_type) (aiwm_resources{${S}})`),
      q(onlineAvg(ctx, 'aiwm_node_cpu_usage_ratio')),
      q(onlineAvg(ctx, 'aiwm_node_memory_usage_ratio')),
      q(`avg(aiwm_gpu_utilization_ratio{${S}})`),
      q(`count(aiwm_gpu_utilization_ratio{${S}} > 0)`),
      q(`count(aiwm_gpu_info{${S}})`),
      q(`sum by (status, model_type) (aiwm_models{${S}})`),
      q(`sum by (status) (aiwm_deployments{${S}})`),
      q(`sum by (status) (aiwm_agents{${S}})`),
      q(`sum by (status) (aiwm_executions{${S}})`),
      q('min(aiwm_exporter_source_up)'),
      activity(ctx, query.period),
      visibleAlerts(ctx),
    ]);
    const nodeStatus = byLabel(nodes, 'status');
    const roleCount = byLabel(roles, 'role');
    const resStatus = byLabel(resources, 'status');
    const resType = byLabel(resources, 'resource_type');
    const modelStatus = byLabel(models, 'status');
    const modelType = byLabel(models, 'model_type');
    const dep = byLabel(deployments, 'status');
    const ag = byLabel(agents, 'status');
    const ex = byLabel(executions, 'status');
    const severity = countBySeverity(alerts.alerts);
    return {
      timestamp: ctx.now.toISOString(),
      infrastructure: {
        nodes: { total: total(nodeStatus), online: pick(nodeStatus, 'online'), offline: pick(nodeStatus, 'offline'), maintenance: pick(nodeStatus, 'maintenance'), byRole: Object.fromEntries(NODE_ROLES.map((r) => [r, pick(roleCount, r)])) as Record<(typeof NODE_ROLES)[number], number> },
        resources: {
          total: total(resStatus),
          running: pick(resStatus, 'running'),
          stopped: pick(resStatus, 'stopped'),
          deploying: pick(resStatus, 'deploying'),
          failed: pick(resStatus, 'failed', 'error'),
          byType: { vm: pick(resType, 'virtual-machine'), appContainer: pick(resType, 'application-container'), inferenceContainer: pick(resType, 'inference-container') },
        },
        hardware: { cpuUtilization: pct(scalar(cpu)), ramUtilization: pct(scalar(ram)), gpuUtilization: pct(scalar(gpu)), diskUtilization: null, gpusActive: scalar(gpusActive) ?? 0, gpusTotal: scalar(gpusTotal) ?? 0 },
      },
      workload: {
        models: { total: total(modelStatus), active: pick(modelStatus, 'active'), inactive: pick(modelStatus, 'inactive'), downloading: pick(modelStatus, 'downloading'), byType: { llm: pick(modelType, 'llm'), vision: pick(modelType, 'vision'), embedding: pick(modelType, 'embedding'), voice: pick(modelType, 'voice') } },
        deployments: { total: total(dep), running: pick(dep, 'running'), stopped: pick(dep, 'stopped'), deploying: pick(dep, 'deploying'), failed: pick(dep, 'failed', 'error') },
        agents: { total: total(ag), active: pick(ag, 'active'), busy: pick(ag, 'busy'), inactive: pick(ag, 'inactive') },
        executions: { total: total(ex), completed: pick(ex, 'completed'), running: pick(ex, 'running'), failed: pick(ex, 'failed') },
      },
      activity: { period: query.period, apiRequests: null, inferenceRequests: act.inferenceRequests, agentTasks: act.agentTasks, avgResponseTime: act.avgResponseTime, successRate: act.successRate },
      health: {
        systemHealth: systemHealth(severity, scalar(sourceUp) === 1),
        alerts: severity,
        issues: alerts.alerts.filter((a) => a.state === 'firing').map((a) => ({ severity: a.severity, type: a.type, message: a.message, nodeId: a.nodeId })),
      },
      metadata: {
        sources: ['prometheus', alerts.source],
        unavailable: [
          { field: 'infrastructure.hardware.diskUtilization', reason: 'AIWM records disk size (diskTotal) but no disk usage' },
          { field: 'activity.apiRequests', reason: 'AIWM keeps no API access log' },
        ],
        units: { utilization: 'percent (0-100)', avgResponseTime: 'milliseconds', successRate: 'percent (0-100)' },
        notes: ['GPU figures cover GPUs AIWM knows; nodes with missing or empty gpuDevices are unknown, not idle.', 'systemHealth: 100 - 20 per critical - 5 per warning - 1 per info firing alert, 0 while the exporter cannot read MongoDB.'],
      },
    };
  },
});

export const healthRoute = defineRoute({
  path: '/health',
  summary: 'System health',
  description: 'systemHealth = 100 - 20 x critical - 5 x warning - 1 x info firing alerts (min 0); 0 while the exporter cannot read MongoDB.',
  query: noQuery,
  response: z.object({
    timestamp: z.string(),
    systemHealth: z.number(),
    components: z.object({ prometheus: z.string(), exporter: z.string(), mongodb: z.string() }),
    alerts: counts(['critical', 'warning', 'info']),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx) {
    const [up, sourceUp, alerts] = await Promise.all([ctx.prom.query('max(up{job="aiwm-exporter"})'), ctx.prom.query('min(aiwm_exporter_source_up)'), visibleAlerts(ctx)]);
    const severity = countBySeverity(alerts.alerts);
    const source = scalar(sourceUp) === 1;
    const state = (v: number | null) => (v === null ? 'unknown' : v === 1 ? 'up' : 'down');
    return {
      timestamp: ctx.now.toISOString(),
      systemHealth: systemHealth(severity, source),
      components: { prometheus: 'up', exporter: state(scalar(up)), mongodb: state(scalar(sourceUp)) },
      alerts: severity,
      metadata: { sources: ['prometheus', alerts.source], unavailable: [] },
    };
  },
});

export const alertsRoute = defineRoute({
  path: '/alerts',
  summary: 'Active alerts',
  query: noQuery,
  response: z.object({ timestamp: z.string(), summary: counts(['critical', 'warning', 'info']), alerts: z.array(alertSchema), metadata: metadataSchema }),
  cacheMs: 15_000,
  rows: (r) => r.alerts.map((a) => ({ name: a.name, severity: a.severity, state: a.state, orgId: a.orgId, nodeId: a.nodeId, activeAt: a.activeAt, message: a.message })),
  async handle(ctx) {
    const alerts = await visibleAlerts(ctx);
    return { timestamp: ctx.now.toISOString(), summary: countBySeverity(alerts.alerts), alerts: alerts.alerts, metadata: { sources: [alerts.source], unavailable: [] } };
  },
});

export const alertHistoryRoute = defineRoute({
  path: '/alerts/history',
  summary: 'Alert history from the ALERTS series',
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    period: z.string(),
    interval: z.string(),
    alerts: z.array(z.object({ name: z.string(), severity: z.string(), orgId: z.string().nullable(), nodeId: z.string().nullable(), labels: z.record(z.string(), z.string()), firstSeen: z.string(), lastSeen: z.string(), firingSeconds: z.number() })),
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.alerts.map(({ labels: _l, ...rest }) => rest),
  async handle(ctx, _params, query) {
    const { start, end, step } = rangeOf(query.period, query.interval, ctx.now);
    // Platform-wide alerts carry no org_id: administrators see them, an org sees only its own.
    const org = ctx.scope.kind === 'all' ? '' : `, ${orgMatcher(ctx.scope)}`;
    const series = await ctx.prom.queryRange(`ALERTS{alertstate="firing", alertname!="Watchdog"${org}}`, start, end, step);
    return {
      timestamp: ctx.now.toISOString(),
      period: query.period,
      interval: query.interval,
      alerts: series
        .filter((s) => s.values.length > 0)
        .map((s) => {
          const { __name__: _n, alertstate: _a, ...labels } = s.metric;
          return {
            name: labels.alertname ?? 'unknown',
            severity: labels.severity ?? 'none',
            orgId: labels.org_id ?? null,
            nodeId: labels.node_id ?? null,
            labels,
            firstSeen: new Date(s.values[0]![0] * 1000).toISOString(),
            lastSeen: new Date(s.values.at(-1)![0] * 1000).toISOString(),
            firingSeconds: s.values.length * step,
          };
        })
        .sort((a, b) => (a.firstSeen < b.firstSeen ? 1 : -1)),
      metadata: { sources: ['prometheus:ALERTS'], unavailable: [], notes: [`firingSeconds counts evaluation steps of ${step} s in which the alert fired (period ${PERIODS[query.period]} s).`] },
    };
  },
});
