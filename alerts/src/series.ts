/**
 * Helpers for writing promtool input series in rule tests: the state sets the exporter writes for a
 * node, info series, and descriptions' percentages. The alert expressions come from queries/.
 */
import {
  HEARTBEAT_STATES,
  NODE_AVAILABILITIES as AVAILABILITIES,
  NODE_STATUS_CLASSES as NODE_CLASSES,
  type HeartbeatState,
  type NodeAvailability as Availability,
  type NodeStatusClass as NodeClass,
} from '../../exporter/src/source/nodes.js';

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
