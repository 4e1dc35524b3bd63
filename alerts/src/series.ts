/**
 * The series names the alerts read, the PromQL helpers every area shares (info joins, bit tests), and
 * helpers for writing promtool input series in rule tests.
 */

/** Node status classes as the exporter exports them (state set over `class`, raw value in `status`). */
export const NODE_CLASSES = ['up', 'degraded', 'down', 'maintenance', 'provisioning', 'unknown'] as const;
export type NodeClass = (typeof NODE_CLASSES)[number];
/** Heartbeat states (state set over `state`). */
export const HEARTBEAT_STATES = ['fresh', 'stale', 'never'] as const;
export type HeartbeatState = (typeof HEARTBEAT_STATES)[number];
/** The exporter's availability of a node (state set over `availability`). */
export const AVAILABILITIES = ['online', 'offline', 'maintenance', 'provisioning', 'unknown'] as const;
export type Availability = (typeof AVAILABILITIES)[number];
/** The classes in which AIWM claims the node works: only these can be "down behind AIWM's back". */
export const CLAIMS_UP = 'up|degraded';

/** The unified per-GPU series of alerts/src/recording.ts (dcgm-exporter joined to AIWM, or AIWM's own). */
export const UNIFIED = {
  info: 'gpu:aiwm_gpu_info:unified',
  temperature: 'gpu:aiwm_gpu_temperature_celsius:unified',
  memoryUsed: 'gpu:aiwm_gpu_memory_used_bytes:unified',
  memoryTotal: 'gpu:aiwm_gpu_memory_total_bytes:unified',
  xidLast: 'gpu:aiwm_gpu_xid_last:unified',
  rowRemapFailure: 'gpu:aiwm_gpu_row_remap_failure:unified',
  uncorrectableRemappedRows: 'gpu:aiwm_gpu_uncorrectable_remapped_rows:unified',
  clockEventReasons: 'gpu:aiwm_gpu_clock_event_reasons:unified',
  /** dcgm-exporter GPUs per host name that matches no AIWM node (join health, not a per-GPU series). */
  dcgmUnmatchedByHost: 'hostname:aiwm_dcgm_gpus_unmatched:count',
} as const;

/** True when `expr` is one parenthesised group, e.g. `(a == 1)` but not `(a) and (b)`. */
function isOneGroup(expr: string): boolean {
  if (!expr.startsWith('(') || !expr.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '(') depth++;
    else if (expr[i] === ')') depth--;
    if (depth === 0 && i < expr.length - 1) return false;
  }
  return true;
}

/** Parenthesises an expression with operators, so a join binds to all of it (`*` binds before `and`). */
export const grouped = (expr: string) => (/\s/.test(expr) && !isOneGroup(expr) ? `(${expr})` : expr);

/** Labels a node alert takes from aiwm_node_info. */
const NODE_INFO_LABELS = 'node_name, hostname';
/** Labels a GPU alert takes from the unified GPU info. */
const GPU_INFO_LABELS = 'uuid, model';

/**
 * Adds `labels` from an info series. The `max by` collapses duplicate info series (a label that
 * changed between two scrapes, two exporters) so the many-to-one join cannot fail.
 */
export const joinInfo = (expr: string, on: string, labels: string, info: string) =>
  `${grouped(expr)} * on (${on}) group_left (${labels}) max by (${on}, ${labels}) (${info})`;

/** Adds node_name and hostname (aiwm_node_info) to a per-node expression. */
export const withNode = (expr: string) => joinInfo(expr, 'org_id, node_id', NODE_INFO_LABELS, 'aiwm_node_info');

/** Adds uuid and model (unified GPU info), then node_name and hostname, to a per-GPU expression. */
export const withGpu = (expr: string) =>
  withNode(joinInfo(expr, 'org_id, node_id, gpu', GPU_INFO_LABELS, UNIFIED.info));

/** `expr` where bit `k` of its (integer) value is set, e.g. bit 5 = 0x20. */
export const bitSet = (expr: string, k: number) => `floor(${expr} / ${2 ** k}) % 2 == 1`;

/** `expr`, keeping its value, where any of `bits` is set. */
export const anyBitSet = (expr: string, bits: readonly number[]) =>
  `${expr} and (${bits.map((k) => bitSet(expr, k)).join(' or ')})`;

/** `name{labels}` selector for a state set series currently at 1. */
export const stateIs = (name: string, label: string, value: string) => `(${name}{${label}=~"${value}"} == 1)`;

// --- promtool input series -------------------------------------------------------------------------

const sel = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');

export type InputSeries = { series: string; values: string };

export const s = (name: string, labels: Record<string, string>, values: string): InputSeries => ({
  series: `${name}{${sel(labels)}}`,
  values,
});

export const ORG = 'org-a';

/** aiwm_node_info as the exporter emits it (hostname raw, os rendered as text). */
export const nodeInfo = (nodeId: string, nodeName: string, values = '1x60', extra: Record<string, string> = {}) =>
  s(
    'aiwm_node_info',
    {
      org_id: ORG,
      node_id: nodeId,
      node_name: nodeName,
      hostname: `${nodeName}.local`,
      roles: 'worker',
      cpu_model: 'AMD EPYC 9654',
      os: 'Ubuntu 24.04.1 LTS',
      daemon_version: '1.5.0',
      ...extra,
    },
    values,
  );

/** A state set: one series per state, 1 for `current` and 0 for the others, each with `extra` labels. */
const stateSet = (
  name: string,
  label: string,
  states: readonly string[],
  current: string,
  base: Record<string, string>,
  steps: number,
) => states.map((state) => s(name, { ...base, [label]: state }, `${state === current ? 1 : 0}x${steps}`));

/** aiwm_node_status: 6 series over `class`, the raw AIWM value in `status` on every one of them. */
export const nodeStatus = (nodeId: string, cls: NodeClass, status: string, steps = 60) =>
  stateSet('aiwm_node_status', 'class', NODE_CLASSES, cls, { org_id: ORG, node_id: nodeId, status }, steps);

/** aiwm_node_heartbeat_state: 3 series over `state`. */
export const heartbeatState = (nodeId: string, state: HeartbeatState, steps = 60) =>
  stateSet('aiwm_node_heartbeat_state', 'state', HEARTBEAT_STATES, state, { org_id: ORG, node_id: nodeId }, steps);

/** aiwm_node_availability: 5 series over `availability`. */
export const nodeAvailability = (nodeId: string, availability: Availability, steps = 60) =>
  stateSet(
    'aiwm_node_availability',
    'availability',
    AVAILABILITIES,
    availability,
    { org_id: ORG, node_id: nodeId },
    steps,
  );

/** The exporter's rule for availability, so test inputs stay consistent with the classes. */
export function availabilityOf(cls: NodeClass, heartbeat: HeartbeatState): Availability {
  if (cls === 'up' || cls === 'degraded') return heartbeat === 'fresh' ? 'online' : 'offline';
  return cls === 'down' ? 'offline' : cls;
}

/**
 * Everything the exporter emits about a node's liveness: status classes, heartbeat state, the last
 * heartbeat time (absent when it never heartbeated) and aiwm_node_info. `heartbeatAt` is the
 * promtool value expression of the heartbeat timestamp (e.g. '0+60x60' for a fresh one).
 */
export function nodeLiveness(
  nodeId: string,
  nodeName: string,
  cls: NodeClass,
  status: string,
  heartbeat: HeartbeatState,
  heartbeatAt = '0+60x60',
): InputSeries[] {
  return [
    ...nodeStatus(nodeId, cls, status),
    ...heartbeatState(nodeId, heartbeat),
    ...nodeAvailability(nodeId, availabilityOf(cls, heartbeat)),
    ...(heartbeat === 'never'
      ? []
      : [s('aiwm_node_last_heartbeat_timestamp_seconds', { org_id: ORG, node_id: nodeId }, heartbeatAt)]),
    nodeInfo(nodeId, nodeName),
  ];
}

/** A ratio as a percentage for descriptions, without binary floating-point noise (0.97 -> 97). */
export const pct = (ratio: number) => Math.round(ratio * 1000) / 10;
