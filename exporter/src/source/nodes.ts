import { z } from 'zod';
import {
  OTHER,
  baseFields,
  enumField,
  labelValue,
  lenient,
  optionalDate,
  optionalNumber,
  optionalString,
  type EnumPaths,
} from './common.js';
import type { StateSource } from './state.js';

/**
 * Every node status AIWM can store. The schema declares the first five; the node agent's own enum
 * (sent on every heartbeat and stored unvalidated, `healthy` most of all) adds the rest.
 */
export const NODE_STATUSES = [
  'pending',
  'installing',
  'online',
  'offline',
  'maintenance',
  'healthy',
  'degraded',
  'error',
  'ready',
  'busy',
  'connecting',
  'disconnected',
  'shutting_down',
] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number] | typeof OTHER;

/** The small set of classes every reader uses instead of raw statuses (docs/metrics.md). */
export const NODE_STATUS_CLASSES = ['up', 'degraded', 'down', 'maintenance', 'provisioning', 'unknown'] as const;
export type NodeStatusClass = (typeof NODE_STATUS_CLASSES)[number];

export const NODE_STATUS_CLASS_OF: Readonly<Record<NodeStatus, NodeStatusClass>> = {
  online: 'up',
  healthy: 'up',
  ready: 'up',
  busy: 'up',
  degraded: 'degraded',
  error: 'degraded',
  offline: 'down',
  disconnected: 'down',
  shutting_down: 'down',
  maintenance: 'maintenance',
  pending: 'provisioning',
  installing: 'provisioning',
  connecting: 'provisioning',
  other: 'unknown',
};

export function statusClassOf(status: NodeStatus): NodeStatusClass {
  return NODE_STATUS_CLASS_OF[status];
}

/** Heartbeat evidence: `never` when AIWM's default (the creation time) was never overwritten. */
export const HEARTBEAT_STATES = ['fresh', 'stale', 'never'] as const;
export type HeartbeatState = (typeof HEARTBEAT_STATES)[number];

/** The seed's view of a node, from its class and its heartbeat (docs/metrics.md, "Node status"). */
export const NODE_AVAILABILITIES = ['online', 'offline', 'maintenance', 'provisioning', 'unknown'] as const;
export type NodeAvailability = (typeof NODE_AVAILABILITIES)[number];

export function availabilityOf(statusClass: NodeStatusClass, heartbeat: HeartbeatState): NodeAvailability {
  switch (statusClass) {
    case 'up':
    case 'degraded':
      return heartbeat === 'fresh' ? 'online' : 'offline';
    case 'down':
      return 'offline';
    default:
      return statusClass;
  }
}

export const NODE_ROLES = ['controller', 'worker', 'proxy', 'storage'] as const;
export const GPU_STATUSES = ['active', 'idle', 'error'] as const;

/**
 * The agent sends `os` as {platform, distro, version, arch, kernel}; the schema declares a string.
 * Both read as one line of text, e.g. "Ubuntu 22.04.4 LTS".
 */
const osObject = z
  .object({
    distro: optionalString,
    name: optionalString,
    platform: optionalString,
    version: optionalString,
  })
  .transform((os) => [os.distro ?? os.name ?? os.platform, os.version].filter(Boolean).join(' '));

/** Informational text (a label value): a wrong type drops the field, never the node. */
const text = (field: string) => lenient(labelValue(optionalString, field), field);
const number = (field: string) => lenient(optionalNumber, field);

/**
 * One entry of `gpuDevices`. Registration writes the first six fields; the telemetry fields
 * (memoryUsed, powerDraw, powerLimit, status) are read when a newer AIWM persists them.
 */
const gpuDevice = z.object({
  deviceId: lenient(
    labelValue(z.union([z.string(), z.number().transform(String)]).nullish(), 'gpuDevices[].deviceId'),
    'gpuDevices[].deviceId',
  ),
  model: text('gpuDevices[].model'),
  memoryTotal: number('gpuDevices[].memoryTotal'),
  memoryFree: number('gpuDevices[].memoryFree'),
  memoryUsed: number('gpuDevices[].memoryUsed'),
  utilization: number('gpuDevices[].utilization'),
  temperature: number('gpuDevices[].temperature'),
  powerDraw: number('gpuDevices[].powerDraw'),
  powerLimit: number('gpuDevices[].powerLimit'),
  status: lenient(enumField(GPU_STATUSES).nullish(), 'gpuDevices[].status'),
});

/** A wrong type drops the whole list (AIWM could not read the GPUs), never the node. */
const gpuDevices = lenient(z.array(gpuDevice).nullish(), 'gpuDevices');

export const nodeSchema = z.object({
  ...baseFields,
  name: labelValue(z.string(), 'name'),
  role: lenient(z.array(enumField(NODE_ROLES)).nullish(), 'role'),
  status: enumField(NODE_STATUSES),
  createdAt: lenient(optionalDate, 'createdAt'),
  lastHeartbeat: lenient(optionalDate, 'lastHeartbeat'),
  lastSeenAt: lenient(optionalDate, 'lastSeenAt'),
  lastMetricsAt: lenient(optionalDate, 'lastMetricsAt'),
  cpuUsage: number('cpuUsage'),
  ramUsage: number('ramUsage'),
  cpuCores: number('cpuCores'),
  cpuModel: text('cpuModel'),
  ramTotal: number('ramTotal'),
  ramFree: number('ramFree'),
  diskTotal: number('diskTotal'),
  uptimeSeconds: number('uptimeSeconds'),
  hostname: text('hostname'),
  os: lenient(labelValue(z.union([z.string(), osObject]).nullish(), 'os'), 'os'),
  daemonVersion: text('daemonVersion'),
  gpuDevices,
});

export type NodeRecord = z.output<typeof nodeSchema>;
export type GpuRecord = NonNullable<NodeRecord['gpuDevices']>[number];

/**
 * How close to createdAt a lastHeartbeat may be and still be AIWM's default rather than a heartbeat:
 * the default is computed when the document is built, createdAt when it is saved, milliseconds apart.
 */
const DEFAULT_HEARTBEAT_TOLERANCE_MS = 10_000;

/**
 * True when the node never sent a heartbeat. AIWM defaults lastHeartbeat to the creation time, and a
 * heartbeat also sets lastSeenAt, so "default value and no lastSeenAt/lastMetricsAt" means never.
 */
export function neverHeartbeated(node: NodeRecord): boolean {
  if (node.lastSeenAt || node.lastMetricsAt) return false;
  if (!node.lastHeartbeat) return true;
  if (!node.createdAt) return false;
  return Math.abs(node.lastHeartbeat.getTime() - node.createdAt.getTime()) <= DEFAULT_HEARTBEAT_TOLERANCE_MS;
}

export function heartbeatStateOf(node: NodeRecord, staleBefore: number): HeartbeatState {
  if (neverHeartbeated(node)) return 'never';
  const beat = node.lastHeartbeat?.getTime();
  return beat !== undefined && beat >= staleBefore ? 'fresh' : 'stale';
}

/** Host names compare case-insensitively and without the root's trailing dot (DNS rules). */
export function normalizeHostname(hostname: string): string {
  return hostname.trim().toLowerCase().replace(/\.+$/, '');
}

const projection = {
  name: 1,
  role: 1,
  status: 1,
  createdAt: 1,
  lastHeartbeat: 1,
  lastSeenAt: 1,
  lastMetricsAt: 1,
  cpuUsage: 1,
  ramUsage: 1,
  cpuCores: 1,
  cpuModel: 1,
  ramTotal: 1,
  ramFree: 1,
  diskTotal: 1,
  uptimeSeconds: 1,
  hostname: 1,
  os: 1,
  daemonVersion: 1,
  gpuDevices: 1,
  'owner.orgId': 1,
};

const enumPaths: EnumPaths<NodeRecord> = [(n: NodeRecord) => n.status, (n: NodeRecord) => n.role];

/**
 * The nodes collection for an incremental reader (StateReader). Heartbeats rewrite a node every poll
 * but not its GPU list, the largest part of it: a stable field, decoded again only when it changed.
 */
export const NODE_SOURCE: StateSource<typeof nodeSchema> = {
  projection,
  schema: nodeSchema,
  enumPaths,
  stable: {
    name: 'gpuDevices',
    schema: gpuDevices,
    hasOther: (gpus: z.output<typeof gpuDevices>) => (gpus ?? []).some((g) => g.status === OTHER),
  },
};
