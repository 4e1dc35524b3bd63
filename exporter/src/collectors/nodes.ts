import { KEY_LABELS, M } from '../metrics/catalog.js';
import { labelSchema, type LabelString, type RenderedFamily, type SampleFamily } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import {
  NODE_AVAILABILITIES,
  NODE_SOURCE,
  availabilityOf,
  heartbeatStateOf,
  normalizeHostname,
  statusClassOf,
  type GpuRecord,
  type HeartbeatState,
  type NodeAvailability,
  type NodeRecord,
} from '../source/nodes.js';
import { StateReader } from '../source/state.js';
import { EntityCap, MIB, Tally, addStateSet, families, type CollectContext, type Collector } from './collector.js';
import {
  EntityStore,
  StableFamily,
  pollOrReset,
  stateReadOptions,
  lineFamilies,
  takeLines,
  type Entry,
  type LineFamilies,
} from './entities.js';

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
/** The families with series of each node (all but the aggregates), in exposition order. */
const { hostname: _hostname, nodes: _nodes, ...entityDefs } = defs;
type NodeFamilies = LineFamilies<typeof entityDefs>;
const ENTITY_KEYS = Object.keys(entityDefs) as Array<keyof typeof entityDefs>;
/**
 * Families whose lines a node keeps when their inputs did not change: its identity (info, role), and its
 * sizes and GPUs. The rest (status, heartbeat, usage) is what every heartbeat rewrites.
 */
const INFO_KEYS: ReadonlyArray<keyof typeof entityDefs> = ['info', 'role'];
const SIZE_KEYS: ReadonlyArray<keyof typeof entityDefs> = [
  'implausible',
  'cores',
  'ramTotal',
  'ramFree',
  'diskTotal',
  'gpuKnown',
  'gpus',
  'gpuInfo',
  'gpuStatus',
  'gpuUtil',
  'gpuMemTotal',
  'gpuMemUsed',
  'gpuTemp',
  'gpuPower',
  'gpuPowerLimit',
];
/** takeLines' `kept`, by bits: 1 the identity families, 2 the sizes and GPUs. */
const KEPT = [0, 1, 2, 3].map((bits) =>
  ENTITY_KEYS.map((k) => ((bits & 1) !== 0 && INFO_KEYS.includes(k)) || ((bits & 2) !== 0 && SIZE_KEYS.includes(k))),
);
/** The labels every per-node series starts with. */
type NodeLabels = LabelString<typeof KEY_LABELS.node>;
const NODE_LABELS = labelSchema(KEY_LABELS.node);
const GPU_LABELS = labelSchema(KEY_LABELS.gpu);
const COUNT_LABELS = labelSchema(M.nodes.labels);

/**
 * Below these, a size field reads as GB written where MB (MiB) is expected: AIWM's REST API and seed
 * scripts write GB, the node agent MB. The value is kept as MB and flagged (docs/metrics.md, "Units").
 */
export const IMPLAUSIBLE_BELOW = { ramTotal: 4096, diskTotal: 16384, gpuMemoryTotal: 1024 } as const;

/** What the collector keeps of a node between polls. */
interface NodeState {
  readonly record: NodeRecord;
  /** The heartbeat state its lines were rendered with: the clock may change it with no write. */
  readonly heartbeat: HeartbeatState;
  /** Its last heartbeat (ms), undefined when it never sent one. */
  readonly beat: number | undefined;
  readonly availability: NodeAvailability;
  /** Its `aiwm_nodes` series. */
  readonly counted: LabelString<typeof M.nodes.labels>;
  readonly base: NodeLabels;
  readonly hostname: string | undefined;
}

/**
 * Nodes and their GPUs. Nodes are read incrementally (StateReader) and kept between polls with their
 * rendered lines (EntityStore); a poll renders again only the nodes read, and those whose heartbeat
 * state the clock changed (fresh to stale at lastHeartbeat + HEARTBEAT_STALE_AFTER).
 */
export class NodesCollector implements Collector {
  readonly name = 'nodes';
  readonly families = Object.values(defs);
  private readonly reader = new StateReader(NODE_SOURCE);
  private readonly store = new EntityStore<NodeState>(ENTITY_KEYS.length);
  private readonly lines: NodeFamilies = lineFamilies(entityDefs);
  private readonly lineList = ENTITY_KEYS.map((k) => this.lines[k]);
  /** The hostname family, until a node's hostname (or the set of nodes) changes. */
  private hosts: RenderedFamily | undefined;
  private readonly hostsStable = new StableFamily();
  private readonly countsStable = new StableFamily();

  sourceLost(): void {
    this.reader.invalidate();
  }

  collect(ctx: CollectContext): Promise<RenderedFamily[]> {
    return pollOrReset(this.reader, this.lineList, () => this.poll(ctx));
  }

  private async poll(ctx: CollectContext): Promise<RenderedFamily[]> {
    const collection = ctx.db.collection(ctx.config.collections.nodes);
    const staleBefore = ctx.now.getTime() - ctx.config.heartbeatStaleAfterMs;
    const cap = await EntityCap.open(ctx, collection);
    const { read } = await this.reader.read(collection, stateReadOptions(ctx), {
      upsert: (node) => this.render(node, staleBefore),
      remove: (id) => {
        if (this.store.get(id)?.data.hostname !== undefined) this.hosts = undefined;
        this.store.delete(id);
      },
      ids: () => this.store.ids(),
    });
    const f = families({ hostname: defs.hostname, nodes: defs.nodes });
    const counts = new NodeCounts(f.nodes);
    this.store.forEach((e) => {
      // The clock: a heartbeat that went stale since it was rendered (or fresh again, a clock set back).
      const { heartbeat, beat } = e.data;
      if (heartbeat !== 'never' && (beat !== undefined && beat >= staleBefore ? 'fresh' : 'stale') !== heartbeat)
        this.render(e.data.record, staleBefore);
      counts.add(e.org, e.data.availability, e.data.counted);
    });
    counts.write();

    // Past the entity cap only some nodes have series: rendered afresh from the kept lines, uncached.
    const admitted = this.store.admittedBy(cap);
    cap.done(read);
    let hosts: RenderedFamily;
    if (admitted) {
      hosts = hostnames(f.hostname, admitted);
      this.hosts = undefined;
    } else {
      hosts = this.hosts ??= this.hostsStable.of(hostnames(f.hostname, this.store.entries()));
    }
    const out: RenderedFamily[] = [];
    for (const key of Object.keys(defs) as Array<keyof typeof defs>) {
      if (key === 'hostname') out.push(hosts);
      else if (key === 'nodes') out.push(this.countsStable.of(f.nodes.rendered()));
      else {
        const i = ENTITY_KEYS.indexOf(key);
        out.push(this.store.family(defs[key], i, admitted));
      }
    }
    return out;
  }

  /**
   * Renders a node's lines at the poll's heartbeat threshold, and keeps them. A heartbeat rewrites the
   * status, heartbeat and usage fields: the families of the other fields (identity, sizes, GPUs) are
   * rendered again only when their inputs changed.
   */
  private render(node: NodeRecord, staleBefore: number): void {
    const f = this.lines;
    const org = orgOf(node);
    const statusClass = statusClassOf(node.status);
    const heartbeat = heartbeatStateOf(node, staleBefore);
    const availability = availabilityOf(statusClass, heartbeat);
    const id = node._id.toHexString();
    const base = NODE_LABELS.of(org, id);
    const before = this.store.get(id)?.data;
    const held = before !== undefined && before.base === base ? before.record : undefined;
    const keepInfo = held !== undefined && sameInfo(held, node);
    const keepSizes = held !== undefined && sameSizes(held, node);
    if (!keepInfo) {
      addNodeInfo(f, org, id, node);
      for (const role of new Set(node.role ?? [])) f.role.add(f.role.labels.after(base, role), 1);
    }
    addStateSet(f.status, f.status.labels.beforeLast(base, node.status), statusClass);
    addStateSet(f.heartbeatState, base, heartbeat);
    addStateSet(f.availability, base, availability);
    // A never-heartbeated node's lastHeartbeat is AIWM's default (its creation time), not a heartbeat.
    if (heartbeat !== 'never' && node.lastHeartbeat) f.heartbeat.add(base, node.lastHeartbeat.getTime() / 1000);
    addUsage(f, base, node);
    if (!keepSizes) {
      addSizes(f, base, node);
      addGpus(f, base, node.gpuDevices ?? []);
    }
    const hostname = node.hostname ? node.hostname : undefined;
    if (before ? before.hostname !== hostname || before.base !== base : hostname !== undefined) this.hosts = undefined;
    this.store.set(id, org, takeLines(this.lineList, KEPT[(keepInfo ? 1 : 0) | (keepSizes ? 2 : 0)]), {
      record: node,
      heartbeat,
      beat: heartbeat === 'never' ? undefined : node.lastHeartbeat?.getTime(),
      availability,
      counted: COUNT_LABELS.of(org, availability, statusClass, node.status),
      base,
      hostname,
    });
  }
}

const INFO_FIELDS = ['name', 'hostname', 'cpuModel', 'os', 'daemonVersion'] as const;
const SIZE_FIELDS = ['cpuCores', 'ramTotal', 'ramFree', 'diskTotal'] as const;
const GPU_FIELDS = [
  'deviceId',
  'model',
  'memoryTotal',
  'memoryFree',
  'memoryUsed',
  'utilization',
  'temperature',
  'powerDraw',
  'powerLimit',
  'status',
] as const satisfies ReadonlyArray<keyof GpuRecord>;

/** Same identity: the inputs of the info and role families. */
function sameInfo(a: NodeRecord, b: NodeRecord): boolean {
  return INFO_FIELDS.every((k) => a[k] === b[k]) && sameList(a.role, b.role);
}

/** Same sizes and GPUs (the node reader hands over the same gpuDevices array when its bytes did not change). */
function sameSizes(a: NodeRecord, b: NodeRecord): boolean {
  if (!SIZE_FIELDS.every((k) => a[k] === b[k])) return false;
  const x = a.gpuDevices ?? [];
  const y = b.gpuDevices ?? [];
  return x === y || (x.length === y.length && x.every((g, i) => GPU_FIELDS.every((k) => g[k] === y[i]![k])));
}

function sameList(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** `aiwm_node_hostname` of these nodes. */
function hostnames(family: SampleFamily<typeof M.nodeHostname>, nodes: Iterable<Entry<NodeState>>): RenderedFamily {
  const index = new HostnameIndex();
  for (const e of nodes) if (e.data.hostname !== undefined) index.add(e.data.base, e.data.hostname);
  index.writeTo(family);
  return family.rendered();
}

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

/** The fields each heartbeat writes. */
function addUsage(f: NodeFamilies, base: NodeLabels, node: NodeRecord): void {
  if (node.cpuUsage != null) f.cpu.add(base, node.cpuUsage / 100);
  if (node.ramUsage != null) f.ram.add(base, node.ramUsage / 100);
  if (node.uptimeSeconds != null) f.uptime.add(base, node.uptimeSeconds);
}

function addSizes(f: NodeFamilies, base: NodeLabels, node: NodeRecord): void {
  if (node.cpuCores != null) f.cores.add(base, node.cpuCores);
  if (node.ramTotal != null) f.ramTotal.add(base, node.ramTotal * MIB);
  if (node.ramFree != null) f.ramFree.add(base, node.ramFree * MIB);
  if (node.diskTotal != null) f.diskTotal.add(base, node.diskTotal * MIB);
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

  constructor(family: SampleFamily<typeof M.nodes>) {
    this.tally = new Tally(family);
  }

  /** A node of `org` counted under `labels` (org, availability, class and status). */
  add(org: string, availability: string, labels: LabelString<typeof M.nodes.labels>): void {
    let availabilities = this.seen.get(org);
    if (!availabilities) this.seen.set(org, (availabilities = new Set()));
    availabilities.add(availability);
    this.tally.add(labels);
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
