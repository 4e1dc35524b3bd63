/**
 * Node queries: counts by availability, status class and heartbeat, online-only averages, per-node
 * series with the node's name, and the node-down conditions. "Online" is always the exporter's
 * aiwm_node_availability (status class and heartbeat together), never a raw status.
 */
import {
  BY_NODE,
  age,
  andOn,
  avg,
  count,
  either,
  eq,
  grouped,
  holds,
  joinInfo,
  max,
  oneOf,
  orZero,
  select,
  sum,
  timesOn,
  unlessOn,
  type Labels,
  type Selector,
} from './core.js';
import { CLAIMS_UP, GPU, HEARTBEAT_MISSING, M, ONLINE, RULE } from './names.js';
import type { NodeAvailability } from '../exporter/src/source/nodes.js';

/** The labels a node alert takes from aiwm_node_info. */
const NODE_INFO_LABELS = ['node_name', 'hostname'];

/**
 * Online nodes as a 1-valued vector by (org_id, node_id): once per node even when two exporter
 * replicas are scraped, so the joins that use it stay one-to-one.
 */
export const onlineNodes = (s: Selector) => max(holds(M.nodeAvailability.name, s, eq('availability', ONLINE)), BY_NODE);

/** A node-level (or GPU-level) expression on online nodes only. */
export const onOnlineNodes = (expr: string, s: Selector) => timesOn(expr, BY_NODE, onlineNodes(s));

/** Recording rule body: the per-org average of a node- or GPU-level series over online nodes. */
export const orgOnlineAverage = (series: string) => avg(onOnlineNodes(series, ''), ['org_id']);
/** Recording rule bodies: the per-org sum and count behind that average. */
export const orgOnlineSum = (series: string) => sum(onOnlineNodes(series, ''), ['org_id']);
export const orgOnlineCount = (series: string) => count(onOnlineNodes(series, ''), ['org_id']);

/** Nodes AIWM manages (not soft-deleted). */
export const nodeCount = (s: Selector) => sum(select(M.nodes.name, s));
/** Nodes in one availability; 0 when there are none. */
export const nodesIn = (availability: string, s: Selector) =>
  orZero(sum(select(M.nodes.name, s, eq('availability', availability))));
/** Node counts by `availability` or by status `class`. */
export const nodesBy = (label: 'availability' | 'class', s: Selector) => sum(select(M.nodes.name, s), [label]);
/** Online nodes by role. */
export const onlineNodesByRole = (s: Selector) => count(onOnlineNodes(select(M.nodeRole.name, s), s), ['role']);
/** RAM in use per node, in bytes. */
export const ramUsedBytes = (s: Selector) =>
  `${select(M.nodeRamUsage.name, s)} * on (${BY_NODE.join(', ')}) ${select(M.nodeRamTotal.name, s)}`;
/** Nodes by role; a node with several roles counts in each. */
export const nodesByRole = (s: Selector) => count(select(M.nodeRole.name, s), ['role']);

/** The current state of a node state set (`aiwm_node_status`, `_availability`, `_heartbeat_state`). */
export const nodeStateNow = (metric: 'status' | 'availability' | 'heartbeat', s: Selector) =>
  holds({ status: M.nodeStatus, availability: M.nodeAvailability, heartbeat: M.nodeHeartbeatState }[metric].name, s);
/** One series per node carrying its current state as labels (a table column). */
export const nodeStateLabels = (metric: 'status' | 'availability' | 'heartbeat', s: Selector) => {
  const labels = { status: ['class', 'status'], availability: ['availability'], heartbeat: ['state'] }[metric];
  return max(nodeStateNow(metric, s), [...BY_NODE, ...labels]);
};

/** Nodes whose heartbeat is stale or never came, whatever their recorded status. */
export const heartbeatMissingCount = (s: Selector) =>
  orZero(count(holds(M.nodeHeartbeatState.name, s, oneOf('state', HEARTBEAT_MISSING))));
/** Nodes by heartbeat state. */
export const nodesByHeartbeat = (s: Selector) => count(nodeStateNow('heartbeat', s), ['state']);
/** Seconds since each node's last heartbeat (absent for a node that never sent one). */
export const heartbeatAge = (s: Selector) => age(select(M.nodeHeartbeat.name, s));

/** Average CPU and RAM usage of online nodes, from the per-org recording rules. */
export const onlineCpuUsage = (s: Selector) => avg(select(RULE.orgCpuOnline, s));
export const onlineRamUsage = (s: Selector) => avg(select(RULE.orgRamOnline, s));

/** Total disk size (AIWM records no disk usage). */
export const diskTotal = (s: Selector) => sum(select(M.nodeDiskTotal.name, s));

/** A per-node series with the node's name as a label (for legends). */
export const withNodeName = (series: string, s: Selector) =>
  timesOn(series, BY_NODE, select(M.nodeInfo.name, s), ['node_name']);
export const cpuUsageByNode = (s: Selector) => withNodeName(M.nodeCpuUsage.name, s);
export const ramUsageByNode = (s: Selector) => withNodeName(M.nodeRamUsage.name, s);

/** `expr` for nodes in the availabilities `availability` matches (a node list filter). */
export const inAvailability = (expr: string, s: Selector, availability: string) =>
  andOn(expr, BY_NODE, `(${holds(M.nodeAvailability.name, s, oneOf('availability', availability))})`);

/** Nodes with a size that reads as GB written where AIWM expects MB. */
export const implausibleNodeCount = (s: Selector) =>
  orZero(count(count(select(M.nodeImplausibleValue.name, s), BY_NODE)));

/** Nodes with neither dcgm-exporter series nor AIWM GPU inventory. */
export const nodesWithoutGpuData = (s: Selector) =>
  orZero(count(unlessOn(`(${select(M.nodeGpuDataKnown.name, s)} == 0)`, BY_NODE, select(GPU.info, s))));

// --- alerts --------------------------------------------------------------------------------------

/** Adds node_name and hostname (aiwm_node_info) to a per-node expression. */
export const withNodeInfo = (expr: string) => joinInfo(expr, BY_NODE, NODE_INFO_LABELS, M.nodeInfo.name);

/**
 * The raw status of a node whose class is one AIWM treats as working (up or degraded), as a
 * multiplier of 1: it filters to those nodes and lends the alert the `status` label. All six state
 * set series carry the same `status`, so the `max by` leaves one series per node.
 */
const claimedUp = max(holds(M.nodeStatus.name, oneOf('class', CLAIMS_UP)), [...BY_NODE, 'status']);
const whileClaimedUp = (expr: string) => timesOn(grouped(expr), BY_NODE, claimedUp, ['status']);

/** Heartbeat state `state` (1 series per node, without the `state` label). */
const heartbeatIs = (state: string) => `(${max(select(M.nodeHeartbeatState.name, eq('state', state)), BY_NODE)} == 1)`;

/** The three ways a node is down; together exactly the nodes the exporter counts as offline. */
export const NODE_DOWN = {
  /** The status class is down (offline, disconnected, shutting_down): AIWM itself says so. */
  offline: withNodeInfo(max(holds(M.nodeStatus.name, eq('class', 'down')), [...BY_NODE, 'status'])),
  /** AIWM records it working, but its last heartbeat is older than HEARTBEAT_STALE_AFTER. Value: the age. */
  heartbeatStale: andOn(withNodeInfo(whileClaimedUp(age(M.nodeHeartbeat.name))), BY_NODE, heartbeatIs('stale')),
  /** AIWM records it working, but it never sent a heartbeat (it has no heartbeat time series at all). */
  neverHeartbeated: withNodeInfo(whileClaimedUp(heartbeatIs('never'))),
};

/** Nodes whose RAM usage is above `ratio`, with their names. */
export const nodeMemoryAbove = (ratio: number) => `${withNodeInfo(M.nodeRamUsage.name)} > ${ratio}`;
/** Each implausible size of each node, with the node's names (the exporter emits the flag only as 1). */
export const nodeImplausibleValues = () => withNodeInfo(M.nodeImplausibleValue.name);

/**
 * Nodes whose status class is provisioning (pending, installing, connecting), once per node with its
 * names. Without the raw `status`, so pending -> installing -> connecting is one alert whose `for` runs on.
 */
export const nodeProvisioning = () => withNodeInfo(max(holds(M.nodeStatus.name, eq('class', 'provisioning')), BY_NODE));

/**
 * Nodes whose host rebooted within `window`: the uptime the node agent reports went down. Value: how
 * many times. Once per node, whatever scrape labels the series carry.
 */
export const nodeRebooted = (window: string) =>
  withNodeInfo(`${max(`resets(${M.nodeUptime.name}[${window}])`, BY_NODE)} > 0`);

// --- the overview's down-node timeline -------------------------------------------------------------

/** Each availability other than online, as the number a state timeline maps to its word and colour. */
export const NOT_ONLINE_CODES: Readonly<Record<Exclude<NodeAvailability, 'online'>, number>> = {
  offline: 1,
  maintenance: 2,
  provisioning: 3,
  unknown: 4,
};

/**
 * Per node that is not online, its availability as a NOT_ONLINE_CODES number, with the node's name;
 * absent while the node is online, so a state timeline shows since when each node has been out.
 */
export const nodesNotOnline = (s: Selector) =>
  joinInfo(
    either(
      ...Object.entries(NOT_ONLINE_CODES).map(
        ([availability, code]) =>
          `${max(holds(M.nodeAvailability.name, s, eq('availability', availability)), BY_NODE)} * ${code}`,
      ),
    ),
    BY_NODE,
    ['node_name'],
    select(M.nodeInfo.name, s),
  );

// --- the node dashboards' tables and status stats ---------------------------------------------------

/**
 * A per-node table column: `expr` reduced to one series per node with `labels` and without
 * `__name__`, so Grafana's merge joins every column of a node into one row.
 */
export const nodeColumn = (expr: string, labels: Labels = []) => max(expr, [...BY_NODE, ...labels]);

/** The node state sets a dashboard colours, and the labels each keeps (the state, and the raw status). */
const NODE_STATE_SETS = {
  status: { def: M.nodeStatus, labels: ['class', 'status'] },
  availability: { def: M.nodeAvailability, labels: ['availability'] },
  heartbeat: { def: M.nodeHeartbeatState, labels: ['state'] },
} as const;

/**
 * A node state set as a number per node, keeping its state labels: the 1-based position of the
 * current state in the catalog's `states` (as workloads.stateCode), so a stat is coloured by the state.
 */
export function nodeStateCode(metric: keyof typeof NODE_STATE_SETS, s: Selector): string {
  const { def, labels } = NODE_STATE_SETS[metric];
  const codes = (def.states ?? []).map(
    (state, i) => `(${holds(def.name, s, eq(def.stateLabel ?? 'status', state))}) * ${i + 1}`,
  );
  return max(either(...codes), [...BY_NODE, ...labels]);
}
