import { z } from 'zod';
import { ObjectId } from 'mongodb';
import { NODE_ROLES } from '../source/nodes.js';
import { RESOURCE_STATUSES } from '../source/resources.js';
import { notFound } from './errors.js';
import { nodesQuery, objectId, resourcesQuery, seriesQuery, rangeOf } from './params.js';
import { alignTo, byLabel, indexBy, scalar, statusBy, type Sample } from './prometheus.js';
import { GIB, defineRoute, ownedEntity, metadataSchema, nullableNumber, paginate, paginationSchema, pct, round, toGB, type FacadeContext } from './route.js';
import { escapePromQL, mongoOrgFilter, orgMatcher } from './scope.js';

const key = (m: Record<string, string>, id: string) => m[id] ?? '';

const gpuSchema = z.object({ deviceId: z.string(), model: z.string(), memoryTotal: nullableNumber, memoryFree: nullableNumber, utilization: nullableNumber, temperature: nullableNumber });
const nodeSchema = z.object({
  _id: z.string(),
  name: z.string(),
  role: z.array(z.string()),
  status: z.string(),
  websocketConnected: z.boolean().nullable(),
  lastHeartbeat: z.string().nullable(),
  hardware: z.object({ cpuModel: z.string().nullable(), cpuCores: nullableNumber, cpuUsage: nullableNumber, ramTotal: nullableNumber, ramUsage: nullableNumber, diskTotal: nullableNumber, diskUsage: z.null(), gpus: z.array(gpuSchema).nullable() }),
  resources: z.object({ vms: z.number(), containers: z.number(), deployments: z.number() }),
  uptime: nullableNumber,
});
type NodeItem = z.output<typeof nodeSchema>;

const NODE_UNAVAILABLE = [
  { field: 'hardware.diskUsage', reason: 'AIWM records disk size (diskTotal) but no disk usage' },
  { field: 'hardware.gpus (null)', reason: 'gpuDevices missing or empty in AIWM: GPU data unknown (the AIWM worker\'s GPU query fails on real drivers), not zero GPUs' },
];
const NODE_UNITS = { ramTotal: 'GB (GiB)', ramUsage: 'GB (GiB) in use', diskTotal: 'GB (GiB)', memoryTotal: 'GB (GiB)', memoryFree: 'GB (GiB)', cpuUsage: 'percent', utilization: 'percent', temperature: 'degrees Celsius', uptime: 'seconds' };

/** Every node the scope sees (optionally one), assembled from the exporter's node and GPU series. */
async function loadNodes(ctx: FacadeContext, nodeId?: string): Promise<NodeItem[]> {
  const S = orgMatcher(ctx.scope) + (nodeId ? `,node_id="${escapePromQL(nodeId)}"` : '');
  const q = (metric: string) => ctx.prom.query(`${metric}{${S}}`);
  const [info, status, heartbeat, ws, cpu, cores, ram, ramTotal, disk, uptime, gpuInfo, gpuUtil, gpuTotal, gpuUsed, gpuTemp, resources, deployments] = await Promise.all([
    q('aiwm_node_info'),
    ctx.prom.query(`aiwm_node_status{${S}} == 1`),
    q('aiwm_node_last_heartbeat_timestamp_seconds'),
    q('aiwm_node_websocket_connected'),
    q('aiwm_node_cpu_usage_ratio'),
    q('aiwm_node_cpu_cores'),
    q('aiwm_node_memory_usage_ratio'),
    q('aiwm_node_memory_total_bytes'),
    q('aiwm_node_disk_total_bytes'),
    q('aiwm_node_uptime_seconds'),
    q('aiwm_gpu_info'),
    q('aiwm_gpu_utilization_ratio'),
    q('aiwm_gpu_memory_total_bytes'),
    q('aiwm_gpu_memory_used_bytes'),
    q('aiwm_gpu_temperature_celsius'),
    ctx.prom.query(`sum by (node_id, resource_type) (aiwm_resources{${S}})`),
    ctx.prom.query(`count by (node_id) (aiwm_deployment_info{${S}})`),
  ]);
  const byNode = (x: Sample[]) => indexBy(x, 'node_id');
  const [st, hb, w, c, co, r, rt, d, up] = [byNode(status), byNode(heartbeat), byNode(ws), byNode(cpu), byNode(cores), byNode(ram), byNode(ramTotal), byNode(disk), byNode(uptime)] as const;
  const gpuKey = (m: Record<string, string>) => `${m.node_id}/${m.gpu}`;
  const byGpu = (x: Sample[]) => new Map(x.map((s) => [gpuKey(s.metric), s.value]));
  const [gu, gt, gm, gtemp] = [byGpu(gpuUtil), byGpu(gpuTotal), byGpu(gpuUsed), byGpu(gpuTemp)] as const;
  const deps = byLabel(deployments, 'node_id');
  return info
    .map((i): NodeItem => {
      const id = key(i.metric, 'node_id');
      const value = (m: Map<string, Sample>) => m.get(id)?.value ?? null;
      const gpus = gpuInfo
        .filter((g) => g.metric.node_id === id)
        .sort((a, b) => Number(a.metric.gpu) - Number(b.metric.gpu))
        .map((g) => {
          const k = gpuKey(g.metric);
          const totalBytes = gt.get(k) ?? null;
          const usedBytes = gm.get(k) ?? null;
          return { deviceId: g.metric.device_id ?? g.metric.gpu ?? '', model: g.metric.model ?? '', memoryTotal: toGB(totalBytes), memoryFree: totalBytes !== null && usedBytes !== null ? toGB(totalBytes - usedBytes) : null, utilization: pct(gu.get(k)), temperature: gtemp.get(k) ?? null };
        });
      const ramRatio = value(r);
      const ramBytes = value(rt);
      const resOf = (type: string) => resources.filter((x) => x.metric.node_id === id && x.metric.resource_type === type).reduce((n, x) => n + x.value, 0);
      const beat = value(hb);
      const connected = value(w);
      return {
        _id: id,
        name: key(i.metric, 'node_name'),
        role: (i.metric.roles ?? '').split(',').filter(Boolean),
        status: st.get(id)?.metric.status ?? 'unknown',
        websocketConnected: connected === null ? null : connected === 1,
        lastHeartbeat: beat === null ? null : new Date(beat * 1000).toISOString(),
        hardware: {
          cpuModel: i.metric.cpu_model || null,
          cpuCores: value(co),
          cpuUsage: pct(value(c)),
          ramTotal: toGB(ramBytes),
          ramUsage: ramRatio !== null && ramBytes !== null ? toGB(ramRatio * ramBytes) : null,
          diskTotal: toGB(value(d)),
          diskUsage: null,
          gpus: gpus.length > 0 ? gpus : null,
        },
        resources: { vms: resOf('virtual-machine'), containers: resOf('application-container') + resOf('inference-container'), deployments: deps.get(id) ?? 0 },
        uptime: value(up),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const nodesRoute = defineRoute({
  path: '/infrastructure/nodes',
  summary: 'Nodes overview and list (seed 2.1)',
  query: nodesQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      online: z.number(),
      offline: z.number(),
      maintenance: z.number(),
      byRole: z.object(Object.fromEntries(NODE_ROLES.map((r) => [r, z.object({ total: z.number(), online: z.number() })])) as Record<(typeof NODE_ROLES)[number], z.ZodObject<{ total: z.ZodNumber; online: z.ZodNumber }>>),
      resources: z.object({ cpuUtilization: nullableNumber, ramUtilization: nullableNumber, gpuUtilization: nullableNumber, diskUtilization: z.null() }),
    }),
    nodes: z.array(nodeSchema),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.nodes.map((n) => ({ _id: n._id, name: n.name, role: n.role.join('|'), status: n.status, lastHeartbeat: n.lastHeartbeat, cpuUsage: n.hardware.cpuUsage, ramTotal: n.hardware.ramTotal, ramUsage: n.hardware.ramUsage, gpus: n.hardware.gpus?.length ?? null })),
  async handle(ctx, _params, query) {
    const [all, gpuAvg] = await Promise.all([loadNodes(ctx), ctx.prom.query(`avg(aiwm_gpu_utilization_ratio{${orgMatcher(ctx.scope)}})`)]);
    const online = all.filter((n) => n.status === 'online');
    const avg = (xs: Array<number | null>) => {
      const v = xs.filter((x): x is number => x !== null);
      return v.length ? round(v.reduce((a, b) => a + b, 0) / v.length) : null;
    };
    const gpu = scalar(gpuAvg);
    const filtered = all.filter((n) => (!query.status || n.status === query.status) && (!query.role || n.role.includes(query.role)));
    const { items, pagination } = paginate(filtered, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        online: online.length,
        offline: all.filter((n) => n.status === 'offline').length,
        maintenance: all.filter((n) => n.status === 'maintenance').length,
        byRole: Object.fromEntries(NODE_ROLES.map((r) => [r, { total: all.filter((n) => n.role.includes(r)).length, online: online.filter((n) => n.role.includes(r)).length }])) as Record<(typeof NODE_ROLES)[number], { total: number; online: number }>,
        resources: { cpuUtilization: avg(online.map((n) => n.hardware.cpuUsage)), ramUtilization: avg(online.map((n) => (n.hardware.ramUsage !== null && n.hardware.ramTotal ? (100 * n.hardware.ramUsage) / n.hardware.ramTotal : null))), gpuUtilization: pct(gpu), diskUtilization: null },
      },
      nodes: items,
      pagination,
      metadata: { sources: ['prometheus'], unavailable: [...NODE_UNAVAILABLE, { field: 'summary.resources.diskUtilization', reason: 'no disk usage in AIWM' }], units: NODE_UNITS },
    };
  },
});

export const nodeRoute = defineRoute({
  path: '/infrastructure/nodes/:id',
  summary: 'One node (seed 2.2)',
  params: { id: objectId },
  query: seriesQuery,
  response: nodeSchema.omit({ resources: true }).extend({
    timestamp: z.string(),
    services: z.null(),
    resources: z.object({
      vms: z.array(z.object({ _id: z.string(), name: z.string(), status: z.string(), cpuUsage: z.null(), ramUsage: z.null() })),
      containers: z.array(z.object({ _id: z.string(), name: z.string(), status: z.string(), cpuUsage: z.null(), ramUsage: z.null() })),
      deployments: z.array(z.object({ _id: z.string(), name: z.string(), status: z.string(), gpuUsage: nullableNumber, vramUsage: nullableNumber })),
    }),
    metrics: z.object({ period: z.string(), interval: z.string(), timestamps: z.array(z.string()), cpuHistory: z.array(nullableNumber), ramHistory: z.array(nullableNumber), gpuHistory: z.array(nullableNumber), networkIn: z.null(), networkOut: z.null() }),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    await ownedEntity(ctx, 'aiwm_node_info', 'node_id', params.id!, 'node');
    const [node] = await loadNodes(ctx, params.id);
    if (!node) throw notFound('node');
    const S = `${orgMatcher(ctx.scope)},node_id="${params.id}"`;
    const { start, end, step, timestamps } = rangeOf(query.period, query.interval, ctx.now);
    const [resInfo, resStatus, depInfo, depStatus, gpuAvg, vram, cpuH, ramH, gpuH] = await Promise.all([
      ctx.prom.query(`aiwm_resource_info{${S}}`),
      ctx.prom.query(`aiwm_resource_status{${orgMatcher(ctx.scope)}} == 1`),
      ctx.prom.query(`aiwm_deployment_info{${S}}`),
      ctx.prom.query(`aiwm_deployment_status{${orgMatcher(ctx.scope)}} == 1`),
      ctx.prom.query(`avg(aiwm_gpu_utilization_ratio{${S}})`),
      ctx.prom.query(`sum(aiwm_gpu_memory_used_bytes{${S}})`),
      ctx.prom.queryRange(`avg(aiwm_node_cpu_usage_ratio{${S}})`, start, end, step),
      ctx.prom.queryRange(`avg(aiwm_node_memory_usage_ratio{${S}} * on (org_id, node_id) aiwm_node_memory_total_bytes{${S}})`, start, end, step),
      ctx.prom.queryRange(`avg(aiwm_gpu_utilization_ratio{${S}})`, start, end, step),
    ]);
    const rs = statusBy(resStatus, 'resource_id');
    const ds = statusBy(depStatus, 'deployment_id');
    const resources = resInfo.map((r) => ({ _id: r.metric.resource_id!, name: r.metric.resource_name ?? '', type: r.metric.resource_type, status: rs.get(r.metric.resource_id!) ?? 'unknown', cpuUsage: null, ramUsage: null }));
    const { resources: _counts, ...rest } = node;
    return {
      ...rest,
      timestamp: ctx.now.toISOString(),
      services: null,
      resources: {
        vms: resources.filter((r) => r.type === 'virtual-machine').map(({ type: _t, ...r }) => r),
        containers: resources.filter((r) => r.type !== 'virtual-machine').map(({ type: _t, ...r }) => r),
        deployments: depInfo.map((d) => ({ _id: d.metric.deployment_id!, name: d.metric.deployment_name ?? '', status: ds.get(d.metric.deployment_id!) ?? 'unknown', gpuUsage: pct(scalar(gpuAvg)), vramUsage: toGB(scalar(vram)) })),
      },
      metrics: { period: query.period, interval: query.interval, timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()), cpuHistory: alignTo(cpuH, timestamps, (v) => pct(v)), ramHistory: alignTo(ramH, timestamps, (v) => round(v / GIB, 2)), gpuHistory: alignTo(gpuH, timestamps, (v) => pct(v)), networkIn: null, networkOut: null },
      metadata: {
        sources: ['prometheus'],
        unavailable: [
          ...NODE_UNAVAILABLE,
          { field: 'services', reason: 'AIWM stores no per-node service list' },
          { field: 'resources.*.cpuUsage, ramUsage', reason: 'AIWM records allocations, not per-VM or per-container usage' },
          { field: 'metrics.networkIn, networkOut', reason: 'AIWM records no network counters' },
        ],
        units: { ...NODE_UNITS, ramHistory: 'GB (GiB) in use', gpuUsage: 'percent, average of the node\'s GPUs (AIWM does not record which GPU a deployment uses)', vramUsage: 'GB (GiB) used on the node' },
      },
    };
  },
});

const allocationSchema = z.object({ vcpus: nullableNumber, ramGB: nullableNumber, diskGB: nullableNumber, gpus: z.number() });
const resourceSchema = z.object({ _id: z.string(), name: z.string(), resourceType: z.string(), status: z.string(), nodeId: z.string().nullable(), allocation: allocationSchema });
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
  const [st, vc, rm, dk, gp] = [byResource(status), byResource(vcpus), byResource(ram), byResource(disk), byResource(gpus)] as const;
  return info
    .map((i) => {
      const id = i.metric.resource_id!;
      return {
        _id: id,
        name: i.metric.resource_name ?? '',
        resourceType: i.metric.resource_type ?? '',
        status: st.get(id)?.metric.status ?? 'unknown',
        nodeId: i.metric.node_id || null,
        allocation: { vcpus: vc.get(id)?.value ?? null, ramGB: toGB(rm.get(id)?.value), diskGB: toGB(dk.get(id)?.value), gpus: gp.get(id)?.value ?? 0 },
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
      byStatus: z.object(Object.fromEntries(RESOURCE_STATUSES.map((s) => [s, z.number()])) as Record<(typeof RESOURCE_STATUSES)[number], z.ZodNumber>),
      allocation: z.object({ vcpus: z.number(), ramGB: z.number(), diskGB: z.number(), gpus: z.object({ total: z.number(), passthrough: z.number(), mig: z.number(), container: z.number() }) }),
    }),
    resources: z.array(resourceSchema),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.resources.map((x) => ({ _id: x._id, name: x.name, resourceType: x.resourceType, status: x.status, nodeId: x.nodeId, vcpus: x.allocation.vcpus, ramGB: x.allocation.ramGB, diskGB: x.allocation.diskGB, gpus: x.allocation.gpus })),
  async handle(ctx, _params, query) {
    const all = await loadResources(ctx);
    const gpusByMode = byLabel(await ctx.prom.query(`sum by (mode) (aiwm_resource_allocated_gpus{${orgMatcher(ctx.scope)}} * on (org_id, resource_id) group_left () (aiwm_resource_status{${orgMatcher(ctx.scope)},status=~"deploying|running|stopping"} == 1))`), 'mode');
    const holding = all.filter((r) => HOLDING.has(r.status));
    const sum = (f: (r: ResourceItem) => number | null) => round(holding.reduce((n, r) => n + (f(r) ?? 0), 0), 2)!;
    const filtered = all.filter((r) => (!query.status || r.status === query.status) && (!query.resourceType || r.resourceType === query.resourceType) && (!query.nodeId || r.nodeId === query.nodeId));
    const { items, pagination } = paginate(filtered, query.page, query.limit);
    const count = (f: (r: ResourceItem) => boolean) => all.filter(f).length;
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        byType: { vm: count((r) => r.resourceType === 'virtual-machine'), appContainer: count((r) => r.resourceType === 'application-container'), inferenceContainer: count((r) => r.resourceType === 'inference-container') },
        byStatus: Object.fromEntries(RESOURCE_STATUSES.map((s) => [s, count((r) => r.status === s)])) as Record<(typeof RESOURCE_STATUSES)[number], number>,
        allocation: {
          vcpus: sum((r) => r.allocation.vcpus),
          ramGB: sum((r) => r.allocation.ramGB),
          diskGB: sum((r) => r.allocation.diskGB),
          gpus: { total: [...gpusByMode.values()].reduce((a, b) => a + b, 0), passthrough: gpusByMode.get('passthrough') ?? 0, mig: gpusByMode.get('mig') ?? 0, container: gpusByMode.get('container') ?? 0 },
        },
      },
      resources: items,
      pagination,
      metadata: { sources: ['prometheus'], unavailable: [], units: { ramGB: 'GB (GiB)', diskGB: 'GB (GiB)' }, notes: ['summary.allocation counts resources that hold capacity: deploying, running or stopping.'] },
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
    details: z.object({ endpoint: z.string().nullable(), startedAt: z.string().nullable(), lastHealthCheck: z.string().nullable(), errorMessage: z.string().nullable() }).nullable(),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params) {
    await ownedEntity(ctx, 'aiwm_resource_info', 'resource_id', params.id!, 'resource');
    const [resource] = await loadResources(ctx, params.id);
    if (!resource) throw notFound('resource');
    // Record-level details (not metrics) come from MongoDB by primary key, scoped to the org.
    const doc = await ctx.db
      .collection(ctx.config.collections.resources)
      .findOne({ _id: new ObjectId(params.id), ...mongoOrgFilter(ctx.scope) }, { projection: { 'runtime.endpoint': 1, 'runtime.startedAt': 1, lastHealthCheck: 1, errorMessage: 1 }, maxTimeMS: ctx.config.facade!.timeoutMs });
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      ...resource,
      timestamp: ctx.now.toISOString(),
      details: doc ? { endpoint: str(doc.runtime?.endpoint), startedAt: iso(doc.runtime?.startedAt), lastHealthCheck: iso(doc.lastHealthCheck), errorMessage: str(doc.errorMessage) } : null,
      metadata: { sources: ['prometheus', 'mongodb:resources (by _id)'], unavailable: [], units: { ramGB: 'GB (GiB)', diskGB: 'GB (GiB)' } },
    };
  },
});
