import { z } from 'zod';
import { NODE_ROLES } from '../source/nodes.js';
import { countBySeverity, systemHealth, visibleAlerts, alertSchema } from './health.js';
import { PERIODS, periodQuery, noQuery, seriesQuery, rangeOf } from './params.js';
import { byLabel, scalar } from './prometheus.js';
import {
  allOf,
  defineRoute,
  latencyOf,
  metadataSchema,
  nullableNumber,
  pct,
  round,
  seriesEcho,
  type FacadeContext,
} from './route.js';
import { GPU_SERIES, NODE_SERIES, gpuSourcesQuery, onlineAverage, sourcesOf } from './series.js';
import { orgMatcher, sel } from './scope.js';

type NodeRole = (typeof NODE_ROLES)[number];
const counts = <const K extends string>(keys: readonly K[]) =>
  z.object(Object.fromEntries(keys.map((k) => [k, z.number()])) as Record<K, z.ZodNumber>);

/** Sum of the given label values of a grouped vector (missing ones count 0). */
const pick = (m: Map<string, number>, ...keys: string[]) => keys.reduce((n, k) => n + (m.get(k) ?? 0), 0);
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Activity over a window, shared by /overview and the lists. */
export async function activity(ctx: FacadeContext, window: string) {
  const S = orgMatcher(ctx.scope);
  const inc = (m: string) => ctx.prom.query(`sum(increase(${m}{${S}}[${window}]))`).then(scalar);
  const r = await allOf({
    requests: inc('aiwm_deployment_requests_total'),
    tasks: inc('aiwm_agent_tasks_total'),
    failures: inc('aiwm_agent_task_failures_total'),
    latencySum: inc('aiwm_agent_response_latency_seconds_sum'),
    latencyCount: inc('aiwm_agent_response_latency_seconds_count'),
  });
  const latency = latencyOf('activity.avgResponseTime', r.tasks, r.latencyCount, r.latencySum);
  return {
    inferenceRequests: round(r.requests, 0),
    agentTasks: round(r.tasks, 0),
    failedTasks: round(r.failures, 0),
    avgResponseTime: latency.avg,
    successRate: r.tasks ? round(100 * (1 - (r.failures ?? 0) / r.tasks)) : null,
    latencyGap: latency.gap,
  };
}

/** Node counts by availability (a heartbeating `healthy` node is online) and by role. */
async function nodeCounts(ctx: FacadeContext) {
  const S = orgMatcher(ctx.scope);
  const r = await allOf({
    byAvailability: ctx.prom.query(`sum by (availability) (${NODE_SERIES.counts}{${S}})`),
    byRole: ctx.prom.query(`count by (role) (aiwm_node_role{${S}})`),
  });
  const availability = byLabel(r.byAvailability, 'availability');
  const roles = byLabel(r.byRole, 'role');
  return {
    total: total(availability),
    online: pick(availability, 'online'),
    offline: pick(availability, 'offline'),
    maintenance: pick(availability, 'maintenance'),
    byRole: Object.fromEntries(NODE_ROLES.map((role) => [role, pick(roles, role)])) as Record<NodeRole, number>,
  };
}

async function resourceCounts(ctx: FacadeContext) {
  const resources = await ctx.prom.query(`sum by (status, resource_type) (aiwm_resources{${orgMatcher(ctx.scope)}})`);
  const status = byLabel(resources, 'status');
  const type = byLabel(resources, 'resource_type');
  return {
    total: total(status),
    running: pick(status, 'running'),
    stopped: pick(status, 'stopped'),
    deploying: pick(status, 'deploying'),
    failed: pick(status, 'failed', 'error'),
    byType: {
      vm: pick(type, 'virtual-machine'),
      appContainer: pick(type, 'application-container'),
      inferenceContainer: pick(type, 'inference-container'),
    },
  };
}

/** CPU, RAM and GPU utilization averaged over online nodes; GPU counts over every GPU of the unified series. */
async function hardware(ctx: FacadeContext) {
  const r = await allOf({
    cpu: ctx.prom.query(onlineAverage(ctx, 'aiwm_node_cpu_usage_ratio')),
    ram: ctx.prom.query(onlineAverage(ctx, 'aiwm_node_memory_usage_ratio')),
    gpu: ctx.prom.query(onlineAverage(ctx, GPU_SERIES.utilization)),
    gpusActive: ctx.prom.query(`count(${sel(ctx.scope, GPU_SERIES.utilization)} > 0)`),
    gpuSources: ctx.prom.query(gpuSourcesQuery(ctx)),
  });
  return {
    figures: {
      cpuUtilization: pct(scalar(r.cpu)),
      ramUtilization: pct(scalar(r.ram)),
      gpuUtilization: pct(scalar(r.gpu)),
      diskUtilization: null,
      gpusActive: scalar(r.gpusActive) ?? 0,
      gpusTotal: r.gpuSources.reduce((n, s) => n + s.value, 0),
    },
    sources: sourcesOf(r.gpuSources),
  };
}

async function workloadCounts(ctx: FacadeContext) {
  const S = orgMatcher(ctx.scope);
  const r = await allOf({
    models: ctx.prom.query(`sum by (status, model_type) (aiwm_models{${S}})`),
    deployments: ctx.prom.query(`sum by (status) (aiwm_deployments{${S}})`),
    agents: ctx.prom.query(`sum by (status) (aiwm_agents{${S}})`),
    executions: ctx.prom.query(`sum by (status) (aiwm_executions{${S}})`),
  });
  const modelStatus = byLabel(r.models, 'status');
  const modelType = byLabel(r.models, 'model_type');
  const dep = byLabel(r.deployments, 'status');
  const ag = byLabel(r.agents, 'status');
  const ex = byLabel(r.executions, 'status');
  return {
    models: {
      total: total(modelStatus),
      active: pick(modelStatus, 'active'),
      inactive: pick(modelStatus, 'inactive'),
      downloading: pick(modelStatus, 'downloading'),
      byType: {
        llm: pick(modelType, 'llm'),
        vision: pick(modelType, 'vision'),
        embedding: pick(modelType, 'embedding'),
        voice: pick(modelType, 'voice'),
      },
    },
    deployments: {
      total: total(dep),
      running: pick(dep, 'running'),
      stopped: pick(dep, 'stopped'),
      deploying: pick(dep, 'deploying'),
      failed: pick(dep, 'failed', 'error'),
    },
    agents: { total: total(ag), active: pick(ag, 'active'), busy: pick(ag, 'busy'), inactive: pick(ag, 'inactive') },
    executions: {
      total: total(ex),
      completed: pick(ex, 'completed'),
      running: pick(ex, 'running'),
      failed: pick(ex, 'failed'),
    },
  };
}

const overviewResponse = z.object({
  timestamp: z.string(),
  infrastructure: z.object({
    nodes: z.object({
      total: z.number(),
      online: z.number(),
      offline: z.number(),
      maintenance: z.number(),
      byRole: counts(NODE_ROLES),
    }),
    resources: z.object({
      total: z.number(),
      running: z.number(),
      stopped: z.number(),
      deploying: z.number(),
      failed: z.number(),
      byType: counts(['vm', 'appContainer', 'inferenceContainer']),
    }),
    hardware: z.object({
      cpuUtilization: nullableNumber,
      ramUtilization: nullableNumber,
      gpuUtilization: nullableNumber,
      diskUtilization: z.null(),
      gpusActive: z.number(),
      gpusTotal: z.number(),
    }),
  }),
  workload: z.object({
    models: z.object({
      total: z.number(),
      active: z.number(),
      inactive: z.number(),
      downloading: z.number(),
      byType: counts(['llm', 'vision', 'embedding', 'voice']),
    }),
    deployments: z.object({
      total: z.number(),
      running: z.number(),
      stopped: z.number(),
      deploying: z.number(),
      failed: z.number(),
    }),
    agents: z.object({ total: z.number(), active: z.number(), busy: z.number(), inactive: z.number() }),
    executions: z.object({ total: z.number(), completed: z.number(), running: z.number(), failed: z.number() }),
  }),
  activity: z.object({
    period: z.string(),
    apiRequests: z.null(),
    inferenceRequests: nullableNumber,
    agentTasks: nullableNumber,
    avgResponseTime: nullableNumber,
    successRate: nullableNumber,
  }),
  health: z.object({
    systemHealth: z.number(),
    alerts: counts(['critical', 'warning', 'info']),
    issues: z.array(
      z.object({ severity: z.string(), type: z.string(), message: z.string(), nodeId: z.string().nullable() }),
    ),
  }),
  metadata: metadataSchema,
});

const OVERVIEW_NOTES = [
  'nodes.online/offline/maintenance count availability: online = status class up or degraded (e.g. healthy) with a ' +
    'fresh heartbeat; offline also holds up/degraded nodes whose heartbeat is stale or never came.',
  "GPU figures come from dcgm-exporter where it runs on the node, else from AIWM's gpuDevices; gpuUtilization " +
    'averages the GPUs of online nodes, gpusActive/gpusTotal count every GPU. Nodes without either are unknown, ' +
    'not idle.',
  'systemHealth: 100 - 20 per critical - 5 per warning - 1 per info firing alert, 0 while the exporter cannot read ' +
    'MongoDB.',
];

export const overviewRoute = defineRoute({
  path: '/overview',
  summary: 'Platform overview (seed 1.1)',
  description:
    'Counts, utilization, activity over `period` (default 24h) and health. Percentages are 0-100, times in milliseconds.',
  query: periodQuery,
  response: overviewResponse,
  cacheMs: 30_000,
  async handle(ctx, _params, query) {
    const r = await allOf({
      nodes: nodeCounts(ctx),
      resources: resourceCounts(ctx),
      hardware: hardware(ctx),
      workload: workloadCounts(ctx),
      sourceUp: ctx.prom.query('min(aiwm_exporter_source_up)'),
      activity: activity(ctx, query.period),
      alerts: visibleAlerts(ctx),
    });
    const severity = countBySeverity(r.alerts.alerts);
    const { latencyGap, failedTasks: _f, ...act } = r.activity;
    return {
      timestamp: ctx.now.toISOString(),
      infrastructure: { nodes: r.nodes, resources: r.resources, hardware: r.hardware.figures },
      workload: r.workload,
      activity: {
        period: query.period,
        apiRequests: null,
        inferenceRequests: act.inferenceRequests,
        agentTasks: act.agentTasks,
        avgResponseTime: act.avgResponseTime,
        successRate: act.successRate,
      },
      health: {
        systemHealth: systemHealth(severity, scalar(r.sourceUp) === 1),
        alerts: severity,
        issues: r.alerts.alerts
          .filter((a) => a.state === 'firing')
          .map((a) => ({ severity: a.severity, type: a.type, message: a.message, nodeId: a.nodeId })),
      },
      metadata: {
        sources: ['prometheus', ...r.hardware.sources, r.alerts.source],
        unavailable: [
          {
            field: 'infrastructure.hardware.diskUtilization',
            reason: 'AIWM records disk size (diskTotal) but no disk usage',
          },
          { field: 'activity.apiRequests', reason: 'AIWM keeps no API access log' },
          ...(latencyGap ? [latencyGap] : []),
        ],
        units: { utilization: 'percent (0-100)', avgResponseTime: 'milliseconds', successRate: 'percent (0-100)' },
        notes: OVERVIEW_NOTES,
      },
    };
  },
});

export const healthRoute = defineRoute({
  path: '/health',
  summary: 'System health',
  description:
    'systemHealth = 100 - 20 x critical - 5 x warning - 1 x info firing alerts (min 0); 0 while the exporter cannot read MongoDB.',
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
    const [up, sourceUp, alerts] = await Promise.all([
      ctx.prom.query('max(up{job="aiwm-exporter"})'),
      ctx.prom.query('min(aiwm_exporter_source_up)'),
      visibleAlerts(ctx),
    ]);
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
  response: z.object({
    timestamp: z.string(),
    summary: counts(['critical', 'warning', 'info']),
    alerts: z.array(alertSchema),
    metadata: metadataSchema,
  }),
  cacheMs: 15_000,
  rows: (r) =>
    r.alerts.map((a) => ({
      name: a.name,
      severity: a.severity,
      state: a.state,
      orgId: a.orgId,
      nodeId: a.nodeId,
      activeAt: a.activeAt,
      message: a.message,
    })),
  async handle(ctx) {
    const alerts = await visibleAlerts(ctx);
    return {
      timestamp: ctx.now.toISOString(),
      summary: countBySeverity(alerts.alerts),
      alerts: alerts.alerts,
      metadata: { sources: [alerts.source], unavailable: [] },
    };
  },
});

export const alertHistoryRoute = defineRoute({
  path: '/alerts/history',
  summary: 'Alert history from the ALERTS series',
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    period: z.string(),
    ...seriesEcho,
    alerts: z.array(
      z.object({
        name: z.string(),
        severity: z.string(),
        orgId: z.string().nullable(),
        nodeId: z.string().nullable(),
        labels: z.record(z.string(), z.string()),
        firstSeen: z.string(),
        lastSeen: z.string(),
        firingSeconds: z.number(),
      }),
    ),
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.alerts.map(({ labels: _l, ...rest }) => rest),
  async handle(ctx, _params, query) {
    const range = rangeOf(query.period, query.interval, ctx.now);
    const { start, end, step } = range;
    // Platform-wide alerts carry no org_id: administrators see them, an org sees only its own.
    const org = ctx.scope.kind === 'all' ? '' : `, ${orgMatcher(ctx.scope)}`;
    const series = await ctx.prom.queryRange(
      `ALERTS{alertstate="firing", alertname!="Watchdog"${org}}`,
      start,
      end,
      step,
    );
    return {
      timestamp: ctx.now.toISOString(),
      period: query.period,
      interval: range.interval,
      requestedInterval: range.requestedInterval,
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
      metadata: {
        sources: ['prometheus:ALERTS'],
        unavailable: [],
        notes: [
          `firingSeconds counts evaluation steps of ${step} s in which the alert fired ` +
            `(period ${PERIODS[query.period]} s).`,
          ...(range.widenedNote ? [range.widenedNote] : []),
        ],
      },
    };
  },
});
