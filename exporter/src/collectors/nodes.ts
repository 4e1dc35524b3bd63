import { KEY_LABELS, M } from '../metrics/catalog.js';
import { labelSchema, type LabelString, type SampleFamily } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import {
  NODE_AVAILABILITIES,
  availabilityOf,
  heartbeatStateOf,
  normalizeHostname,
  readNodes,
  statusClassOf,
  type GpuRecord,
  type NodeRecord,
} from '../source/nodes.js';
import {
  EntityCap,
  MIB,
  Tally,
  addStateSet,
  families,
  rendered,
  type CollectContext,
  type Collector,
  type Families,
} from './collector.js';

const defs = {
  info: M.nodeInfo,
  role: M.nodeRole,
  status: M.nodeStatus,
  heartbeatState: M.nodeHeartbeatState,
  availability: M.nodeAvailability,
  heartbeat: M.nodeHeartbeat,
  hostname: M.nodeHostname,
  implausible: M.nodeImplausibleValue,
  cpu: M.nodeCpuUsage,
  ram: M.nodeRamUsage,
  cores: M.nodeCpuCores,
  ramTotal: M.nodeRamTotal,
  ramFree: M.nodeRamFree,
  diskTotal: M.nodeDiskTotal,
  uptime: M.nodeUptime,
  gpuKnown: M.nodeGpuDataKnown,
  gpus: M.nodeGpus,
  nodes: M.nodes,
  gpuInfo: M.gpuInfo,
  gpuStatus: M.gpuStatus,
  gpuUtil: M.gpuUtilization,
  gpuMemTotal: M.gpuMemoryTotal,
  gpuMemUsed: M.gpuMemoryUsed,
  gpuTemp: M.gpuTemperature,
  gpuPower: M.gpuPower,
  gpuPowerLimit: M.gpuPowerLimit,
};
type NodeFamilies = Families<typeof defs>;
/** The labels every per-node series starts with. */
type NodeLabels = LabelString<typeof KEY_LABELS.node>;
const NODE_LABELS = labelSchema(KEY_LABELS.node);
const GPU_LABELS = labelSchema(KEY_LABELS.gpu);

/**
 * Below these, a size field reads as GB written where MB (MiB) is expected: AIWM's REST API and seed
 * scripts write GB, the node agent MB. The value is kept as MB and flagged (docs/metrics.md, "Units").
 */
export const IMPLAUSIBLE_BELOW = { ramTotal: 4096, diskTotal: 16384, gpuMemoryTotal: 1024 } as const;

/** Nodes and their GPUs. */
export const nodesCollector: Collector = {
  name: 'nodes',
  families: Object.values(defs),
  async collect(ctx: CollectContext) {
    const collection = ctx.db.collection(ctx.config.collections.nodes);
    const f = families(defs);
    const counts = new NodeCounts(f.nodes);
    const hosts = new HostnameIndex();
    const staleBefore = ctx.now.getTime() - ctx.config.heartbeatStaleAfterMs;
    const cap = await EntityCap.open(ctx, collection);
    const read = await readNodes(collection, ctx.report, (node) => {
      const org = orgOf(node);
      const statusClass = statusClassOf(node.status);
      const heartbeat = heartbeatStateOf(node, staleBefore);
      const availability = availabilityOf(statusClass, heartbeat);
      counts.add(org, availability, statusClass, node.status);
      if (!cap.admit(org)) return;
      const id = node._id.toHexString();
      const base = NODE_LABELS.of(org, id);
      if (node.hostname) hosts.add(base, node.hostname);
      addNodeInfo(f, org, id, node);
      for (const role of new Set(node.role ?? [])) f.role.add(f.role.labels.after(base, role), 1);
      addStateSet(f.status, f.status.labels.beforeLast(base, node.status), statusClass);
      addStateSet(f.heartbeatState, base, heartbeat);
      addStateSet(f.availability, base, availability);
      // A never-heartbeated node's lastHeartbeat is AIWM's default (its creation time), not a heartbeat.
      if (heartbeat !== 'never' && node.lastHeartbeat) f.heartbeat.add(base, node.lastHeartbeat.getTime() / 1000);
      addResources(f, base, node);
      addGpus(f, base, node.gpuDevices ?? []);
    });
    cap.done(read);
    counts.write();
    hosts.writeTo(f.hostname);
    return rendered(f);
  },
};

function addNodeInfo(f: NodeFamilies, org: string, id: string, node: NodeRecord): void {
  const roles = (node.role ?? []).join(',');
  f.info.add(
    f.info.labels.of(
      org,
      id,
      node.name,
      node.hostname ?? '',
      roles,
      node.cpuModel ?? '',
      node.os ?? '',
      node.daemonVersion ?? '',
    ),
    1,
  );
}

function addResources(f: NodeFamilies, base: NodeLabels, node: NodeRecord): void {
  if (node.cpuUsage != null) f.cpu.add(base, node.cpuUsage / 100);
  if (node.ramUsage != null) f.ram.add(base, node.ramUsage / 100);
  if (node.cpuCores != null) f.cores.add(base, node.cpuCores);
  if (node.ramTotal != null) f.ramTotal.add(base, node.ramTotal * MIB);
  if (node.ramFree != null) f.ramFree.add(base, node.ramFree * MIB);
  if (node.diskTotal != null) f.diskTotal.add(base, node.diskTotal * MIB);
  if (node.uptimeSeconds != null) f.uptime.add(base, node.uptimeSeconds);
  const gpuTotals = (node.gpuDevices ?? []).map((g) => g.memoryTotal);
  const implausible = {
    ramTotal: node.ramTotal != null && node.ramTotal > 0 && node.ramTotal < IMPLAUSIBLE_BELOW.ramTotal,
    diskTotal: node.diskTotal != null && node.diskTotal > 0 && node.diskTotal < IMPLAUSIBLE_BELOW.diskTotal,
    gpuMemoryTotal: gpuTotals.some((t) => t != null && t > 0 && t < IMPLAUSIBLE_BELOW.gpuMemoryTotal),
  };
  for (const [field, flagged] of Object.entries(implausible))
    if (flagged) f.implausible.add(f.implausible.labels.after(base, field), 1);
}

function addGpus(f: NodeFamilies, base: NodeLabels, gpus: readonly GpuRecord[]): void {
  // Missing or empty gpuDevices means AIWM could not detect GPUs (see the H200 fixture), not zero GPUs.
  f.gpuKnown.add(base, gpus.length > 0 ? 1 : 0);
  if (gpus.length === 0) return;
  f.gpus.add(base, gpus.length);
  gpus.forEach((gpu, index) => {
    const g = GPU_LABELS.after(base, String(index));
    f.gpuInfo.add(f.gpuInfo.labels.after(g, gpu.deviceId ?? String(index), gpu.model ?? ''), 1);
    if (gpu.status != null) addStateSet(f.gpuStatus, g, gpu.status);
    if (gpu.utilization != null) f.gpuUtil.add(g, gpu.utilization / 100);
    if (gpu.memoryTotal != null) f.gpuMemTotal.add(g, gpu.memoryTotal * MIB);
    const used =
      gpu.memoryUsed ?? (gpu.memoryTotal != null && gpu.memoryFree != null ? gpu.memoryTotal - gpu.memoryFree : null);
    if (used != null) f.gpuMemUsed.add(g, used * MIB);
    if (gpu.temperature != null) f.gpuTemp.add(g, gpu.temperature);
    if (gpu.powerDraw != null) f.gpuPower.add(g, gpu.powerDraw);
    if (gpu.powerLimit != null) f.gpuPowerLimit.add(g, gpu.powerLimit);
  });
}

/**
 * `aiwm_nodes`: counts by org, availability, class and raw status. An availability an org has no node
 * in gets a zero series (without class and status), so `sum by (availability)` always has every one.
 */
class NodeCounts {
  private readonly tally: Tally<typeof M.nodes>;
  private readonly seen = new Map<string, Set<string>>();
  /** The zero series' labels, as the catalog declares them. */
  private readonly zeroLabels = labelSchema(M.nodes.zeroSeriesLabels);

  constructor(private readonly family: SampleFamily<typeof M.nodes>) {
    this.tally = new Tally(family);
  }

  add(org: string, availability: string, statusClass: string, status: string): void {
    let availabilities = this.seen.get(org);
    if (!availabilities) this.seen.set(org, (availabilities = new Set()));
    availabilities.add(availability);
    this.tally.add(this.family.labels.of(org, availability, statusClass, status));
  }

  write(): void {
    for (const [org, availabilities] of this.seen) {
      for (const availability of NODE_AVAILABILITIES) {
        if (!availabilities.has(availability)) this.tally.touch(this.zeroLabels.of(org, availability));
      }
    }
    this.tally.write();
  }
}

/**
 * `aiwm_node_hostname`: the keys GPU exporters join on. A full name belongs to the one node that has it
 * (a name two nodes share is left out: a join on it would be wrong for one of them). A node's short name
 * (first DNS label) is added when it is nobody's full name and no other node's short name.
 */
class HostnameIndex {
  private readonly full = new Map<string, Set<NodeLabels>>();
  private readonly short = new Map<string, Set<NodeLabels>>();

  add(node: NodeLabels, hostname: string): void {
    const name = normalizeHostname(hostname);
    if (name === '') return;
    claim(this.full, name, node);
    const first = name.split('.')[0]!;
    if (first !== name && first !== '') claim(this.short, first, node);
  }

  writeTo(family: SampleFamily<typeof M.nodeHostname>): void {
    const keys: Array<[string, NodeLabels]> = [];
    for (const [name, nodes] of this.full) if (nodes.size === 1) keys.push([name, [...nodes][0]!]);
    for (const [name, nodes] of this.short)
      if (nodes.size === 1 && !this.full.has(name)) keys.push([name, [...nodes][0]!]);
    keys.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, node] of keys) family.add(family.labels.after(node, name), 1);
  }
}

function claim(index: Map<string, Set<NodeLabels>>, name: string, node: NodeLabels): void {
  let nodes = index.get(name);
  if (!nodes) index.set(name, (nodes = new Set()));
  nodes.add(node);
}
