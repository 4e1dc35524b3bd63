/**
 * Nodes as the node list and node detail show them: the exporter's node series joined by node id,
 * with every GPU of the unified GPU series, and what the seed asks for that AIWM cannot supply.
 */
import { z } from 'zod';
import { M, facade as q } from '../../../queries/index.js';
import { gpuSchema, loadGpus } from './gpus.js';
import { byLabel, indexBy, type Sample } from './prometheus.js';
import { allOf, byName, nullableNumber, pct, toGB, type FacadeContext, type Unavailable } from './route.js';
import { entityMatcher, orgMatcher } from './scope.js';
import { HEARTBEAT_STATES, NODE_AVAILABILITIES, NODE_STATUS_CLASSES } from './series.js';

export const nodeSchema = z.object({
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
export type NodeItem = z.output<typeof nodeSchema>;

export const NODE_UNAVAILABLE: Unavailable[] = [
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
export const NODE_UNITS = {
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
export const NODE_NOTES = [
  "status is the availability: online = status class up or degraded (AIWM's healthy, online, ready, busy, " +
    'degraded, error) with a fresh heartbeat; recordedStatus is what AIWM stored.',
  "GPUs come from dcgm-exporter where it runs on the node (joined by host name), else from AIWM's gpuDevices " +
    "(inventory, rarely telemetry); hardware.gpus[].source says which, and health is dcgm-exporter's only.",
  'implausibleValues lists size fields that read as GB written where the node agent writes MB: they are still ' +
    'read as MB (docs/metrics.md, "Units").',
];

/** The node-level series loadNodes joins, by node id. */
async function nodeSeries(ctx: FacadeContext, nodeId?: string) {
  const s = nodeId ? entityMatcher(ctx.scope, 'node_id', nodeId) : orgMatcher(ctx.scope);
  const byNode = (expr: string) => ctx.prom.query(expr).then((x: Sample[]) => indexBy(x, 'node_id'));
  return allOf({
    info: ctx.prom.query(q.series(M.nodeInfo, s)),
    availability: byNode(q.stateNow(M.nodeAvailability, s)),
    status: byNode(q.stateNow(M.nodeStatus, s)),
    heartbeatState: byNode(q.stateNow(M.nodeHeartbeatState, s)),
    heartbeat: byNode(q.series(M.nodeHeartbeat, s)),
    cpu: byNode(q.series(M.nodeCpuUsage, s)),
    cores: byNode(q.series(M.nodeCpuCores, s)),
    ram: byNode(q.series(M.nodeRamUsage, s)),
    ramTotal: byNode(q.series(M.nodeRamTotal, s)),
    disk: byNode(q.series(M.nodeDiskTotal, s)),
    uptime: byNode(q.series(M.nodeUptime, s)),
    resources: ctx.prom.query(q.totalsBy(M.resources, ['node_id', 'resource_type'], s)),
    deployments: ctx.prom.query(q.entitiesBy(M.deploymentInfo, ['node_id'], s)).then((x) => byLabel(x, 'node_id')),
    gpus: loadGpus(ctx, nodeId),
    implausible: ctx.prom.query(q.series(M.nodeImplausibleValue, s)),
  });
}
type NodeSeries = Awaited<ReturnType<typeof nodeSeries>>;

export const isOneOf = <T extends string>(values: readonly T[], v: string | undefined): v is T =>
  (values as readonly string[]).includes(v ?? '');
const asAvailability = (v: string | undefined): NodeItem['status'] => (isOneOf(NODE_AVAILABILITIES, v) ? v : 'unknown');
const asHeartbeat = (v: string | undefined): NodeItem['heartbeat'] => (isOneOf(HEARTBEAT_STATES, v) ? v : null);

function nodeItem(info: Sample, s: NodeSeries): NodeItem {
  const id = info.metric.node_id ?? '';
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
    name: info.metric.node_name ?? '',
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
export async function loadNodes(ctx: FacadeContext, nodeId?: string): Promise<NodeItem[]> {
  const s = await nodeSeries(ctx, nodeId);
  return byName(s.info.map((i) => nodeItem(i, s)));
}
