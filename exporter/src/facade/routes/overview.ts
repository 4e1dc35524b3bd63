/** GET /overview (seed 1.1): counts, utilization, activity and health of the caller's orgs. */
import { z } from 'zod';
import { FAILED_STATUSES, M, facade as q, monitoring } from '../../../../queries/index.js';
import { NODE_ROLES } from '../../source/nodes.js';
import { activity } from '../activity.js';
import { countBySeverity, systemHealth, visibleAlerts } from '../health.js';
import { periodQuery } from '../params.js';
import { byLabel, scalar } from '../prometheus.js';
import { allOf, counts, defineRoute, metadataSchema, nullableNumber, pct, type FacadeContext } from '../route.js';
import { readingOf, ruleOrRaw, type Reading } from '../rules.js';
import { sourcesOf } from '../series.js';
import { orgMatcher } from '../scope.js';

type NodeRole = (typeof NODE_ROLES)[number];

/** Sum of the given label values of a grouped vector (missing ones count 0). */
const pick = (m: Map<string, number>, ...keys: string[]) => keys.reduce((n, k) => n + (m.get(k) ?? 0), 0);
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Node counts by availability (a heartbeating `healthy` node is online) and by role. */
async function nodeCounts(ctx: FacadeContext, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  const r = await allOf({
    byAvailability: ctx.prom.query(q.totalsBy(M.nodes, ['availability'], s)),
    byRole: ruleOrRaw(ctx, reading, (rules) => q.nodesByRole(s, rules)),
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

async function resourceCounts(ctx: FacadeContext, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  const resources = await ruleOrRaw(ctx, reading, (rules) => q.resourcesByStatusAndType(s, rules));
  const status = byLabel(resources, 'status');
  const type = byLabel(resources, 'resource_type');
  return {
    total: total(status),
    running: pick(status, 'running'),
    stopped: pick(status, 'stopped'),
    deploying: pick(status, 'deploying'),
    failed: pick(status, ...FAILED_STATUSES),
    byType: {
      vm: pick(type, 'virtual-machine'),
      appContainer: pick(type, 'application-container'),
      inferenceContainer: pick(type, 'inference-container'),
    },
  };
}

/** CPU, RAM and GPU utilization averaged over online nodes; GPU counts over every GPU of the unified series. */
async function hardware(ctx: FacadeContext, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  const figure = (build: (rules: boolean) => string) => ruleOrRaw(ctx, reading, build);
  const r = await allOf({
    cpu: figure((rules) => q.onlineCpu(s, rules)),
    ram: figure((rules) => q.onlineRam(s, rules)),
    gpu: figure((rules) => q.onlineGpu(s, rules)),
    gpusActive: figure((rules) => q.gpusActive(s, rules)),
    gpuSources: figure((rules) => q.gpusBySource(s, rules)),
  });
  return {
    figures: {
      cpuUtilization: pct(scalar(r.cpu)),
      ramUtilization: pct(scalar(r.ram)),
      gpuUtilization: pct(scalar(r.gpu)),
      diskUtilization: null,
      gpusActive: scalar(r.gpusActive) ?? 0,
      gpusTotal: r.gpuSources.reduce((n, x) => n + x.value, 0),
    },
    sources: sourcesOf(r.gpuSources),
  };
}

async function workloadCounts(ctx: FacadeContext, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  const r = await allOf({
    models: ctx.prom.query(q.totalsBy(M.models, ['status', 'model_type'], s)),
    deployments: ctx.prom.query(q.totalsBy(M.deployments, ['status'], s)),
    agents: ctx.prom.query(q.totalsBy(M.agents, ['status'], s)),
    executions: ruleOrRaw(ctx, reading, (rules) => q.executionsByStatus(s, rules)),
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
      failed: pick(dep, ...FAILED_STATUSES),
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
    const reading = await readingOf(ctx);
    const r = await allOf({
      nodes: nodeCounts(ctx, reading),
      resources: resourceCounts(ctx, reading),
      hardware: hardware(ctx, reading),
      workload: workloadCounts(ctx, reading),
      sourceUp: ctx.prom.query(monitoring.exporterSourceUp()),
      activity: activity(ctx, query.period, reading),
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
        sources: [reading.source, ...r.hardware.sources, r.alerts.source],
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
