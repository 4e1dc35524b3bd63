import { z } from 'zod';
import { ObjectId } from 'mongodb';
import { NODE_ROLES } from '../source/nodes.js';
import { RESOURCE_STATUSES } from '../source/resources.js';
import { notFound } from './errors.js';
import { gpuSchema, loadGpus, sourcesOfGpus, type GpuItem } from './gpus.js';
import {
  GPU_SERIES,
  HEARTBEAT_STATES,
  NODE_AVAILABILITIES,
  NODE_SERIES,
  NODE_STATUS_CLASSES,
  onlineAverage,
} from './series.js';
import { nodesQuery, objectId, resourcesQuery, seriesQueryOf, rangeOf } from './params.js';
import { alignTo, byLabel, indexBy, scalar, statusBy, type Sample } from './prometheus.js';
import {
  GIB,
  allOf,
  defineRoute,
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
  type Unavailable,
} from './route.js';
import { escapePromQL, mongoOrgFilter, orgMatcher, sel } from './scope.js';

const key = (m: Record<string, string>, id: string) => m[id] ?? '';
type NodeRole = (typeof NODE_ROLES)[number];
const countsByNode = (x: Sample[]) => byLabel(x, 'node_id');

const nodeSchema = z.object({
  _id: z.string(),
  name: z.string(),
  role: z.array(z.string()),
  /** Availability, the seed's view: online, offline, maintenance, provisioning or unknown. */
  status: z.enum(NODE_AVAILABILITIES),
  /** Class of the status AIWM stored: up, degraded, down, maintenance, provisioning or unknown. */
  statusClass: z.enum(NODE_STATUS_CLASSES),
  /** The status AIWM stored (`other` for a value outside the known ones); null when not exported. */
  recordedStatus: z.string().nullable(),
  /** fresh, stale or never (no heartbeat since the node was created). */
  heartbeat: z.enum(HEARTBEAT_STATES).nullable(),
  /** Always null: no AIWM code writes websocketConnected (see metadata.unavailable). */
  websocketConnected: z.null(),
  /** Null for a node that never sent a heartbeat. */
  lastHeartbeat: z.string().nullable(),
  hardware: z.object({
    cpuModel: z.string().nullable(),
    cpuCores: nullableNumber,
    cpuUsage: nullableNumber,
    ramTotal: nullableNumber,
    ramUsage: nullableNumber,
    diskTotal: nullableNumber,
    diskUsage: z.null(),
    gpus: z.array(gpuSchema).nullable(),
  }),
  resources: z.object({ vms: z.number(), containers: z.number(), deployments: z.number() }),
  uptime: nullableNumber,
  /** Size fields that read as GB written where AIWM's agent writes MB (e.g. ramTotal); still read as MB. */
  implausibleValues: z.array(z.string()),
});
type NodeItem = z.output<typeof nodeSchema>;

const NODE_UNAVAILABLE: Unavailable[] = [
  {
    field: 'nodes[].websocketConnected',
    reason:
      'no AIWM code writes websocketConnected: it reads false on every node; ' +
      'liveness comes from heartbeat age and status (nodes[].status, nodes[].heartbeat)',
  },
  { field: 'hardware.diskUsage', reason: 'AIWM records disk size (diskTotal) but no disk usage' },
  {
    field: 'hardware.gpus (null)',
    reason:
      "no GPU series for the node: no dcgm-exporter scrape joins its host name and AIWM's gpuDevices is missing " +
      "or empty (the AIWM worker's GPU query fails on current drivers). GPU data unknown, not zero GPUs",
  },
];
const NODE_UNITS = {
  ramTotal: 'GB (GiB)',
  ramUsage: 'GB (GiB) in use',
  diskTotal: 'GB (GiB)',
  memoryTotal: 'GB (GiB)',
  memoryFree: 'GB (GiB)',
  cpuUsage: 'percent',
  utilization: 'percent',
  temperature: 'degrees Celsius',
  powerUsage: 'watts',
  uptime: 'seconds',
};
const NODE_NOTES = [
  "status is the availability: online = status class up or degraded (AIWM's healthy, online, ready, busy, " +
    'degraded, error) with a fresh heartbeat; recordedStatus is what AIWM stored.',
  "GPUs come from dcgm-exporter where it runs on the node (joined by host name), else from AIWM's gpuDevices " +
    "(inventory, rarely telemetry); hardware.gpus[].source says which, and health is dcgm-exporter's only.",
  'implausibleValues lists size fields that read as GB written where the node agent writes MB: they are still ' +
    'read as MB (docs/metrics.md, "Units").',
];

/** The node-level series loadNodes joins, by node id. */
async function nodeSeries(ctx: FacadeContext, nodeId?: string) {
  const S = orgMatcher(ctx.scope) + (nodeId ? `,node_id="${escapePromQL(nodeId)}"` : '');
  const q = (metric: string) => ctx.prom.query(`${metric}{${S}}`);
  const current = (metric: string) => ctx.prom.query(`${metric}{${S}} == 1`);
  const byNode = (p: Promise<Sample[]>) => p.then((x: Sample[]) => indexBy(x, 'node_id'));
  return allOf({
    info: q('aiwm_node_info'),
    availability: byNode(current(NODE_SERIES.availability)),
    status: byNode(current(NODE_SERIES.status)),
    heartbeatState: byNode(current(NODE_SERIES.heartbeatState)),
    heartbeat: byNode(q(NODE_SERIES.lastHeartbeat)),
    cpu: byNode(q('aiwm_node_cpu_usage_ratio')),
    cores: byNode(q('aiwm_node_cpu_cores')),
    ram: byNode(q('aiwm_node_memory_usage_ratio')),
    ramTotal: byNode(q('aiwm_node_memory_total_bytes')),
    disk: byNode(q('aiwm_node_disk_total_bytes')),
    uptime: byNode(q('aiwm_node_uptime_seconds')),
    resources: ctx.prom.query(`sum by (node_id, resource_type) (aiwm_resources{${S}})`),
    deployments: ctx.prom.query(`count by (node_id) (aiwm_deployment_info{${S}})`).then(countsByNode),
    gpus: loadGpus(ctx, nodeId),
    implausible: q(NODE_SERIES.implausibleValue),
  });
}
type NodeSeries = Awaited<ReturnType<typeof nodeSeries>>;

const isOneOf = <T extends string>(values: readonly T[], v: string | undefined): v is T =>
  (values as readonly string[]).includes(v ?? '');
const asAvailability = (v: string | undefined): NodeItem['status'] => (isOneOf(NODE_AVAILABILITIES, v) ? v : 'unknown');
const asHeartbeat = (v: string | undefined): NodeItem['heartbeat'] => (isOneOf(HEARTBEAT_STATES, v) ? v : null);

function nodeItem(info: Sample, s: NodeSeries): NodeItem {
  const id = key(info.metric, 'node_id');
  const value = (m: Map<string, Sample>) => m.get(id)?.value ?? null;
  const ramRatio = value(s.ram);
  const ramBytes = value(s.ramTotal);
  const resOf = (type: string) =>
    s.resources
      .filter((x) => x.metric.node_id === id && x.metric.resource_type === type)
      .reduce((n, x) => n + x.value, 0);
  const heartbeat = asHeartbeat(s.heartbeatState.get(id)?.metric.state);
  // AIWM defaults lastHeartbeat to createdAt: for a node that never heartbeated it is no heartbeat at all.
  const beat = heartbeat === 'never' ? null : value(s.heartbeat);
  const recorded = s.status.get(id)?.metric;
  const gpus = s.gpus.get(id) ?? [];
  return {
    _id: id,
    name: key(info.metric, 'node_name'),
    role: (info.metric.roles ?? '').split(',').filter(Boolean),
    status: asAvailability(s.availability.get(id)?.metric.availability),
    statusClass: isOneOf(NODE_STATUS_CLASSES, recorded?.class) ? recorded.class : 'unknown',
    recordedStatus: recorded?.status ?? null,
    heartbeat,
    websocketConnected: null,
    lastHeartbeat: beat === null ? null : new Date(Math.round(beat * 1000)).toISOString(),
    hardware: {
      cpuModel: info.metric.cpu_model || null,
      cpuCores: value(s.cores),
      cpuUsage: pct(value(s.cpu)),
      ramTotal: toGB(ramBytes),
      ramUsage: ramRatio !== null && ramBytes !== null ? toGB(ramRatio * ramBytes) : null,
      diskTotal: toGB(value(s.disk)),
      diskUsage: null,
      gpus: gpus.length > 0 ? gpus : null,
    },
    resources: {
      vms: resOf('virtual-machine'),
      containers: resOf('application-container') + resOf('inference-container'),
      deployments: s.deployments.get(id) ?? 0,
    },
    uptime: value(s.uptime),
    implausibleValues: s.implausible
      .filter((x) => x.metric.node_id === id && x.value === 1)
      .map((x) => x.metric.field ?? '')
      .sort(),
  };
}

/** Every node the scope sees (optionally one), assembled from the exporter's node series and the unified GPU series. */
async function loadNodes(ctx: FacadeContext, nodeId?: string): Promise<NodeItem[]> {
  const s = await nodeSeries(ctx, nodeId);
  return s.info.map((i) => nodeItem(i, s)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const gpusOf = (nodes: NodeItem[]): GpuItem[] => nodes.flatMap((n) => n.hardware.gpus ?? []);

/** The `status` filter: an availability matches `status`, a stored provisioning status matches `recordedStatus`. */
function matchesStatus(node: NodeItem, status: string | undefined): boolean {
  if (!status) return true;
  return isOneOf(NODE_AVAILABILITIES, status) ? node.status === status : node.recordedStatus === status;
}

function average(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? round(v.reduce((a, b) => a + b, 0) / v.length) : null;
}

const roleCounts = z.object({ total: z.number(), online: z.number() });
type RoleCounts = z.output<typeof roleCounts>;

export const nodesRoute = defineRoute({
  path: '/infrastructure/nodes',
  summary: 'Nodes overview and list (seed 2.1)',
  description:
    "`status` is the availability (online = a status of class up or degraded, such as AIWM's `healthy`, with a " +
    'fresh heartbeat); online counts, averages and the `status` filter use it.',
  query: nodesQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      online: z.number(),
      offline: z.number(),
      maintenance: z.number(),
      byRole: z.object(
        Object.fromEntries(NODE_ROLES.map((r) => [r, roleCounts])) as Record<NodeRole, typeof roleCounts>,
      ),
      resources: z.object({
        cpuUtilization: nullableNumber,
        ramUtilization: nullableNumber,
        gpuUtilization: nullableNumber,
        diskUtilization: z.null(),
      }),
    }),
    nodes: z.array(nodeSchema),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) =>
    r.nodes.map((n) => ({
      _id: n._id,
      name: n.name,
      role: n.role.join('|'),
      status: n.status,
      statusClass: n.statusClass,
      recordedStatus: n.recordedStatus,
      heartbeat: n.heartbeat,
      lastHeartbeat: n.lastHeartbeat,
      cpuUsage: n.hardware.cpuUsage,
      ramTotal: n.hardware.ramTotal,
      ramUsage: n.hardware.ramUsage,
      gpus: n.hardware.gpus?.length ?? null,
    })),
  async handle(ctx, _params, query) {
    const r = await allOf({ all: loadNodes(ctx), gpuAvg: ctx.prom.query(onlineAverage(ctx, GPU_SERIES.utilization)) });
    const all = r.all;
    const online = all.filter((n) => n.status === 'online');
    const filtered = all.filter((n) => matchesStatus(n, query.status) && (!query.role || n.role.includes(query.role)));
    const { items, pagination } = paginate(filtered, query.page, query.limit);
    const withRole = (nodes: NodeItem[], role: string) => nodes.filter((n) => n.role.includes(role)).length;
    const byRole = (role: string) => ({ total: withRole(all, role), online: withRole(online, role) });
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        online: online.length,
        offline: all.filter((n) => n.status === 'offline').length,
        maintenance: all.filter((n) => n.status === 'maintenance').length,
        byRole: Object.fromEntries(NODE_ROLES.map((role) => [role, byRole(role)])) as Record<NodeRole, RoleCounts>,
        resources: {
          cpuUtilization: average(online.map((n) => n.hardware.cpuUsage)),
          ramUtilization: average(
            online.map((n) => {
              const used = n.hardware.ramUsage;
              const total = n.hardware.ramTotal;
              return used !== null && total ? (100 * used) / total : null;
            }),
          ),
          gpuUtilization: pct(scalar(r.gpuAvg)),
          diskUtilization: null,
        },
      },
      nodes: items,
      pagination,
      metadata: {
        sources: ['prometheus', ...sourcesOfGpus(gpusOf(all))],
        unavailable: [
          ...NODE_UNAVAILABLE,
          { field: 'summary.resources.diskUtilization', reason: 'no disk usage in AIWM' },
        ],
        units: NODE_UNITS,
        notes: [...NODE_NOTES, 'summary.resources averages cover online nodes only.'],
      },
    };
  },
});

const statusOf = (label: string) => (x: Sample[]) => statusBy(x, label);
const usageNull = z.object({
  _id: z.string(),
  name: z.string(),
  status: z.string(),
  cpuUsage: z.null(),
  ramUsage: z.null(),
});

/** What runs on the node, and its history over the range. */
async function nodeDetailSeries(ctx: FacadeContext, nodeId: string, range: ReturnType<typeof rangeOf>) {
  const node = { node_id: nodeId };
  const S = `${orgMatcher(ctx.scope)},node_id="${escapePromQL(nodeId)}"`;
  const history = (expr: string) => ctx.prom.queryRange(expr, range.start, range.end, range.step);
  return allOf({
    resInfo: ctx.prom.query(`aiwm_resource_info{${S}}`),
    resStatus: ctx.prom.query(`${sel(ctx.scope, 'aiwm_resource_status')} == 1`).then(statusOf('resource_id')),
    depInfo: ctx.prom.query(`aiwm_deployment_info{${S}}`),
    depStatus: ctx.prom.query(`${sel(ctx.scope, 'aiwm_deployment_status')} == 1`).then(statusOf('deployment_id')),
    gpuAvg: ctx.prom.query(`avg(${sel(ctx.scope, GPU_SERIES.utilization, node)})`).then(scalar),
    vram: ctx.prom.query(`sum(${sel(ctx.scope, GPU_SERIES.memoryUsed, node)})`).then(scalar),
    cpuH: history(`avg(aiwm_node_cpu_usage_ratio{${S}})`),
    ramH: history(`avg(aiwm_node_memory_usage_ratio{${S}} * on (org_id, node_id) aiwm_node_memory_total_bytes{${S}})`),
    gpuH: history(`avg(${sel(ctx.scope, GPU_SERIES.utilization, node)})`),
  });
}

export const nodeRoute = defineRoute({
  path: '/infrastructure/nodes/:id',
  summary: 'One node (seed 2.2)',
  description:
    'Every GPU of the node from the unified GPU series (dcgm-exporter, else AIWM), ' +
    'and history over `period` (default 1h, as in the seed).',
  params: { id: objectId },
  query: seriesQueryOf('1h'),
  response: nodeSchema.omit({ resources: true }).extend({
    timestamp: z.string(),
    services: z.null(),
    resources: z.object({
      vms: z.array(usageNull),
      containers: z.array(usageNull),
      deployments: z.array(
        z.object({
          _id: z.string(),
          name: z.string(),
          status: z.string(),
          gpuUsage: nullableNumber,
          vramUsage: nullableNumber,
        }),
      ),
    }),
    metrics: z.object({
      period: z.string(),
      ...seriesEcho,
      timestamps: z.array(z.string()),
      cpuHistory: z.array(nullableNumber),
      ramHistory: z.array(nullableNumber),
      gpuHistory: z.array(nullableNumber),
      networkIn: z.null(),
      networkOut: z.null(),
    }),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    await ownedEntity(ctx, 'aiwm_node_info', 'node_id', params.id!, 'node');
    const [node] = await loadNodes(ctx, params.id);
    if (!node) throw notFound('node');
    const range = rangeOf(query.period, query.interval, ctx.now);
    const d = await nodeDetailSeries(ctx, params.id!, range);
    const resources = d.resInfo.map((r) => ({
      _id: r.metric.resource_id!,
      name: r.metric.resource_name ?? '',
      type: r.metric.resource_type,
      status: d.resStatus.get(r.metric.resource_id!) ?? 'unknown',
      cpuUsage: null,
      ramUsage: null,
    }));
    const deployment = (x: Sample) => ({
      _id: x.metric.deployment_id!,
      name: x.metric.deployment_name ?? '',
      status: d.depStatus.get(x.metric.deployment_id!) ?? 'unknown',
      gpuUsage: pct(d.gpuAvg),
      vramUsage: toGB(d.vram),
    });
    const { resources: _counts, ...rest } = node;
    const timestamps = range.timestamps;
    return {
      ...rest,
      timestamp: ctx.now.toISOString(),
      services: null,
      resources: {
        vms: resources.filter((r) => r.type === 'virtual-machine').map(({ type: _t, ...r }) => r),
        containers: resources.filter((r) => r.type !== 'virtual-machine').map(({ type: _t, ...r }) => r),
        deployments: d.depInfo.map(deployment),
      },
      metrics: {
        period: query.period,
        interval: range.interval,
        requestedInterval: range.requestedInterval,
        timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()),
        cpuHistory: alignTo(d.cpuH, timestamps, (v) => pct(v)),
        ramHistory: alignTo(d.ramH, timestamps, (v) => round(v / GIB, 2)),
        gpuHistory: alignTo(d.gpuH, timestamps, (v) => pct(v)),
        networkIn: null,
        networkOut: null,
      },
      metadata: {
        sources: ['prometheus', ...sourcesOfGpus(node.hardware.gpus ?? [])],
        unavailable: [
          ...NODE_UNAVAILABLE,
          { field: 'services', reason: 'AIWM stores no per-node service list' },
          {
            field: 'resources.*.cpuUsage, ramUsage',
            reason: 'AIWM records allocations, not per-VM or per-container usage',
          },
          { field: 'metrics.networkIn, networkOut', reason: 'AIWM records no network counters' },
        ],
        units: {
          ...NODE_UNITS,
          ramHistory: 'GB (GiB) in use',
          gpuUsage: "percent, average of the node's GPUs (AIWM does not record which GPU a deployment uses)",
          vramUsage: 'GB (GiB) used on the node',
        },
        notes: [...NODE_NOTES, ...(range.widenedNote ? [range.widenedNote] : [])],
      },
    };
  },
});

const allocationSchema = z.object({
  vcpus: nullableNumber,
  ramGB: nullableNumber,
  diskGB: nullableNumber,
  gpus: z.number(),
});
const resourceSchema = z.object({
  _id: z.string(),
  name: z.string(),
  resourceType: z.string(),
  status: z.string(),
  nodeId: z.string().nullable(),
  allocation: allocationSchema,
});
type ResourceItem = z.output<typeof resourceSchema>;

async function loadResources(ctx: FacadeContext, resourceId?: string): Promise<ResourceItem[]> {
  const S = orgMatcher(ctx.scope) + (resourceId ? `,resource_id="${escapePromQL(resourceId)}"` : '');
  const [info, status, vcpus, ram, disk, gpus] = await Promise.all([
    ctx.prom.query(`aiwm_resource_info{${S}}`),
    ctx.prom.query(`aiwm_resource_status{${S}} == 1`),
    ctx.prom.query(`aiwm_resource_allocated_vcpus{${S}}`),
    ctx.prom.query(`aiwm_resource_allocated_memory_bytes{${S}}`),
    ctx.prom.query(`aiwm_resource_allocated_disk_bytes{${S}}`),
    ctx.prom.query(`sum by (resource_id) (aiwm_resource_allocated_gpus{${S}})`),
  ]);
  const byResource = (x: Sample[]) => indexBy(x, 'resource_id');
  const [st, vc, rm, dk, gp] = [
    byResource(status),
    byResource(vcpus),
    byResource(ram),
    byResource(disk),
    byResource(gpus),
  ] as const;
  return info
    .map((i) => {
      const id = i.metric.resource_id!;
      return {
        _id: id,
        name: i.metric.resource_name ?? '',
        resourceType: i.metric.resource_type ?? '',
        status: st.get(id)?.metric.status ?? 'unknown',
        nodeId: i.metric.node_id || null,
        allocation: {
          vcpus: vc.get(id)?.value ?? null,
          ramGB: toGB(rm.get(id)?.value),
          diskGB: toGB(dk.get(id)?.value),
          gpus: gp.get(id)?.value ?? 0,
        },
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const HOLDING = new Set(['deploying', 'running', 'stopping']);

export const resourcesRoute = defineRoute({
  path: '/infrastructure/resources',
  summary: 'Resources overview and list (seed 2.3)',
  query: resourcesQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      byType: z.object({ vm: z.number(), appContainer: z.number(), inferenceContainer: z.number() }),
      byStatus: z.object(
        Object.fromEntries(RESOURCE_STATUSES.map((s) => [s, z.number()])) as Record<
          (typeof RESOURCE_STATUSES)[number],
          z.ZodNumber
        >,
      ),
      allocation: z.object({
        vcpus: z.number(),
        ramGB: z.number(),
        diskGB: z.number(),
        gpus: z.object({ total: z.number(), passthrough: z.number(), mig: z.number(), container: z.number() }),
      }),
    }),
    resources: z.array(resourceSchema),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) =>
    r.resources.map((x) => ({
      _id: x._id,
      name: x.name,
      resourceType: x.resourceType,
      status: x.status,
      nodeId: x.nodeId,
      vcpus: x.allocation.vcpus,
      ramGB: x.allocation.ramGB,
      diskGB: x.allocation.diskGB,
      gpus: x.allocation.gpus,
    })),
  async handle(ctx, _params, query) {
    const all = await loadResources(ctx);
    const gpusByMode = byLabel(
      await ctx.prom.query(
        `sum by (mode) (aiwm_resource_allocated_gpus{${orgMatcher(ctx.scope)}} * on (org_id, resource_id) group_left () (aiwm_resource_status{${orgMatcher(ctx.scope)},status=~"deploying|running|stopping"} == 1))`,
      ),
      'mode',
    );
    const holding = all.filter((r) => HOLDING.has(r.status));
    const sum = (f: (r: ResourceItem) => number | null) =>
      round(
        holding.reduce((n, r) => n + (f(r) ?? 0), 0),
        2,
      )!;
    const filtered = all.filter(
      (r) =>
        (!query.status || r.status === query.status) &&
        (!query.resourceType || r.resourceType === query.resourceType) &&
        (!query.nodeId || r.nodeId === query.nodeId),
    );
    const { items, pagination } = paginate(filtered, query.page, query.limit);
    const count = (f: (r: ResourceItem) => boolean) => all.filter(f).length;
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        byType: {
          vm: count((r) => r.resourceType === 'virtual-machine'),
          appContainer: count((r) => r.resourceType === 'application-container'),
          inferenceContainer: count((r) => r.resourceType === 'inference-container'),
        },
        byStatus: Object.fromEntries(RESOURCE_STATUSES.map((s) => [s, count((r) => r.status === s)])) as Record<
          (typeof RESOURCE_STATUSES)[number],
          number
        >,
        allocation: {
          vcpus: sum((r) => r.allocation.vcpus),
          ramGB: sum((r) => r.allocation.ramGB),
          diskGB: sum((r) => r.allocation.diskGB),
          gpus: {
            total: [...gpusByMode.values()].reduce((a, b) => a + b, 0),
            passthrough: gpusByMode.get('passthrough') ?? 0,
            mig: gpusByMode.get('mig') ?? 0,
            container: gpusByMode.get('container') ?? 0,
          },
        },
      },
      resources: items,
      pagination,
      metadata: {
        sources: ['prometheus'],
        unavailable: [],
        units: { ramGB: 'GB (GiB)', diskGB: 'GB (GiB)' },
        notes: ['summary.allocation counts resources that hold capacity: deploying, running or stopping.'],
      },
    };
  },
});

export const resourceRoute = defineRoute({
  path: '/infrastructure/resources/:id',
  summary: 'One resource',
  params: { id: objectId },
  query: z.strictObject({}),
  response: resourceSchema.extend({
    timestamp: z.string(),
    details: z
      .object({
        endpoint: z.string().nullable(),
        startedAt: z.string().nullable(),
        lastHealthCheck: z.string().nullable(),
        errorMessage: z.string().nullable(),
      })
      .nullable(),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params) {
    await ownedEntity(ctx, 'aiwm_resource_info', 'resource_id', params.id!, 'resource');
    const [resource] = await loadResources(ctx, params.id);
    if (!resource) throw notFound('resource');
    // Record-level details (not metrics) come from MongoDB by primary key, scoped to the org.
    const doc = await ctx.db.collection(ctx.config.collections.resources).findOne(
      { _id: new ObjectId(params.id), ...mongoOrgFilter(ctx.scope) },
      {
        projection: { 'runtime.endpoint': 1, 'runtime.startedAt': 1, lastHealthCheck: 1, errorMessage: 1 },
        maxTimeMS: ctx.config.facade!.timeoutMs,
      },
    );
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      ...resource,
      timestamp: ctx.now.toISOString(),
      details: doc
        ? {
            endpoint: str(doc.runtime?.endpoint),
            startedAt: iso(doc.runtime?.startedAt),
            lastHealthCheck: iso(doc.lastHealthCheck),
            errorMessage: str(doc.errorMessage),
          }
        : null,
      metadata: {
        sources: ['prometheus', 'mongodb:resources (by _id)'],
        unavailable: [],
        units: { ramGB: 'GB (GiB)', diskGB: 'GB (GiB)' },
      },
    };
  },
});
