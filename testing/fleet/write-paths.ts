/**
 * The "real AIWM" shape of a generated fleet: documents as AIWM's write paths store them, not as its
 * schemas declare them (/work/shared/aiwm-data-contract.md, "What AIWM really writes"; AIWM's node
 * gateway, node service and worker hardware service):
 * - the node agent reports `healthy` on every heartbeat, and AIWM stores it unvalidated;
 * - `os` is the agent's object {platform, distro, version, arch, kernel};
 * - nothing writes `websocketConnected`;
 * - `lastHeartbeat` defaults to the creation time, so a node that never sent one still has a value;
 * - the worker's nvidia-smi query fails on current drivers, so `gpuDevices` is mostly empty, and
 *   telemetry (memoryUsed, power, status) is never persisted;
 * - sizes written through the REST API are GB where the agent writes MB;
 * - `messages.latency` exists only when the client supplied it.
 * Four nodes are added for the scenarios the schema shape cannot show (FleetScenario), and the busiest
 * running deployment runs on the dcgm-joined H100 node.
 */
import { ObjectId, type Document } from 'mongodb';
import type { Fleet } from './schema.js';

const SEC = 1000;
const MIN = 60 * SEC;
const DAY = 24 * 60 * MIN;

/** Host names the dcgm-exporter fixtures report (fixtures/dcgm-exporter). */
export const DCGM_FIXTURE_HOSTS = { h100: 'gpu-node-01', a100: 'gpu-node-02' } as const;

/** `os` objects as the agent sends them (NAME and VERSION from /etc/os-release). */
const OS_OBJECTS = [
  {
    platform: 'linux',
    distro: 'Ubuntu',
    version: '22.04.4 LTS (Jammy Jellyfish)',
    arch: 'x64',
    kernel: '5.15.0-119-generic',
  },
  {
    platform: 'linux',
    distro: 'Ubuntu',
    version: '24.04.1 LTS (Noble Numbat)',
    arch: 'x64',
    kernel: '6.8.0-45-generic',
  },
  {
    platform: 'linux',
    distro: 'Rocky Linux',
    version: '9.4 (Blue Onyx)',
    arch: 'x64',
    kernel: '5.14.0-427.13.1.el9_4.x86_64',
  },
];

/** Registration fields of a gpuDevices entry; the telemetry fields are never persisted. */
const REGISTRATION_FIELDS = ['deviceId', 'model', 'memoryTotal', 'memoryFree', 'utilization', 'temperature'];

export function toWritePaths(fleet: Fleet): void {
  const nodes = fleet.collections.nodes;
  nodes.forEach((node, index) => rewriteNode(node, index, fleet));
  nodes.push(...scenarioNodes(fleet));
  const onH100 = placeBusiestDeploymentOnTheH100(fleet);
  dropLatencyForHalfTheAgents(fleet, onH100);
}

function rewriteNode(node: Document, index: number, fleet: Fleet): void {
  delete node.websocketConnected;
  if (typeof node.os === 'string') node.os = { ...OS_OBJECTS[index % OS_OBJECTS.length]! };
  // A heartbeating node reads `healthy`; a few keep the `online` the gateway writes on connect.
  if (node.status === 'online') node.status = index % 7 === 3 ? 'online' : 'healthy';
  if (node.status === 'pending') {
    // Created in the Portal, never installed: lastHeartbeat is AIWM's default, nothing else is set.
    node.lastHeartbeat = node.createdAt;
    delete node.lastSeenAt;
    delete node.lastMetricsAt;
  }
  // Some older drivers answer the registration query: those nodes keep a registration-time inventory.
  // The schema shape's hot-GPU node is not one of them: its GPU heat comes from dcgm-exporter here.
  const id = idOf(node);
  const keepsInventory = id === fleet.scenario.healthyNodeId || (index % 3 === 0 && id !== fleet.scenario.hotGpuNodeId);
  if (Array.isArray(node.gpuDevices)) {
    node.gpuDevices = keepsInventory ? (node.gpuDevices as Document[]).map(registrationOnly) : [];
  }
}

function registrationOnly(gpu: Document): Document {
  return Object.fromEntries(Object.entries(gpu).filter(([key]) => REGISTRATION_FIELDS.includes(key)));
}

/** The write-path scenarios: dcgm-joined GPU nodes, a node that never heartbeated, a GB-written node. */
function scenarioNodes(fleet: Fleet): Document[] {
  const now = fleet.now.getTime();
  const org = (i: number) => fleet.orgIds[i % fleet.orgIds.length]!;
  const fresh = (seconds: number) => new Date(now - seconds * SEC);
  const h100Gpus = Array.from({ length: 8 }, (_, i) => ({
    deviceId: String(i),
    model: 'NVIDIA H100 80GB HBM3',
    memoryTotal: 81559,
  }));
  const docs = [
    node(fleet, 1, org(0), {
      name: 'gpu-node-01',
      // Upper case on purpose: host names compare case-insensitively.
      hostname: DCGM_FIXTURE_HOSTS.h100.toUpperCase(),
      status: 'healthy',
      heartbeat: fresh(7),
      gpuDevices: h100Gpus,
      ramTotal: 2_097_152,
      diskTotal: 7_630_916,
    }),
    node(fleet, 2, org(1), {
      name: 'gpu-node-02',
      // An FQDN with the root's trailing dot: it joins dcgm's short name through the short-name alias.
      hostname: `${DCGM_FIXTURE_HOSTS.a100}.cluster.local.`,
      status: 'healthy',
      heartbeat: fresh(12),
      gpuDevices: [],
      ramTotal: 524_288,
      diskTotal: 3_815_458,
    }),
    node(fleet, 3, org(2), {
      name: 'worker-cpu-never',
      hostname: 'worker-cpu-never.dc1.aiwm.internal',
      status: 'online',
      heartbeat: null,
      gpuDevices: [],
      ramTotal: 262_144,
      diskTotal: 953_869,
    }),
    node(fleet, 4, org(0), {
      name: 'worker-gb-units',
      hostname: 'worker-gb-units.dc2.aiwm.internal',
      status: 'healthy',
      heartbeat: fresh(20),
      gpuDevices: [],
      // Written in GB through AIWM's REST API: 512 GB RAM, 3.6 TB disk.
      ramTotal: 512,
      diskTotal: 3725,
    }),
  ];
  const [h100, a100, never, gb] = docs.map(idOf) as [string, string, string, string];
  Object.assign(fleet.scenario, {
    dcgmH100NodeId: h100,
    dcgmA100NodeId: a100,
    neverHeartbeatNodeId: never,
    gbUnitsNodeId: gb,
  });
  fleet.scenario.hotGpuNodeId = h100;
  return docs;
}

interface ScenarioNode {
  name: string;
  hostname: string;
  status: string;
  /** null: never heartbeated. */
  heartbeat: Date | null;
  gpuDevices: Document[];
  ramTotal: number;
  diskTotal: number;
}

function node(fleet: Fleet, serial: number, orgId: string, spec: ScenarioNode): Document {
  const createdAt = new Date(fleet.now.getTime() - (40 + serial) * DAY);
  const heartbeated = spec.heartbeat !== null;
  const lastHeartbeat = spec.heartbeat ?? createdAt;
  const doc: Document = {
    _id: scenarioId(createdAt, serial),
    name: spec.name,
    role: ['worker'],
    status: spec.status,
    isLocal: false,
    lastHeartbeat,
    cpuCores: 192,
    cpuModel: 'AMD EPYC 9654 96-Core Processor',
    ramTotal: spec.ramTotal,
    diskTotal: spec.diskTotal,
    gpuDevices: spec.gpuDevices,
    hostname: spec.hostname,
    ipAddress: `10.30.0.${serial}`,
    os: { ...OS_OBJECTS[serial % OS_OBJECTS.length]! },
    daemonVersion: '1.5.1',
    containerRuntime: 'docker 27.3.1',
    owner: { orgId },
    isDeleted: false,
    createdAt,
    updatedAt: lastHeartbeat,
    deletedAt: null,
    metadata: { fleetScenario: 'writePaths' },
  };
  if (heartbeated) {
    Object.assign(doc, { lastSeenAt: lastHeartbeat, cpuUsage: 41.5 + serial, ramUsage: 37.25 + serial });
    doc.uptimeSeconds = 12 * 86_400 + serial;
  }
  return doc;
}

/** <createdAt seconds><fixed tag><serial>, like the generator's ids, with a tag of its own. */
function scenarioId(createdAt: Date, serial: number): ObjectId {
  const seconds = Math.floor(createdAt.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return new ObjectId(`${seconds}7e57a1a1${serial.toString(16).padStart(8, '0')}`);
}

/**
 * Clients of every other agent supply no latency: AIWM never computes it. One agent of `keepDeployment`
 * keeps its latency, so the deployment on the H100 node has timed responses.
 */
function dropLatencyForHalfTheAgents(fleet: Fleet, keepDeployment: string | undefined): void {
  const agents = fleet.collections.agents.map(idOf).sort();
  const kept = fleet.collections.agents
    .filter((a) => String(a.deploymentId) === keepDeployment)
    .map(idOf)
    .sort()[0];
  const withoutLatency = new Set(agents.filter((id, i) => i % 2 === 1 && id !== kept));
  const conversations = new Set(
    fleet.collections.conversations.filter((c) => withoutLatency.has(String(c.agentId))).map(idOf),
  );
  for (const message of fleet.collections.messages) {
    // A malformed latency (fleet.malformed) stays: only valid latencies are "not supplied".
    if (conversations.has(String(message.conversationId)) && typeof message.latency === 'number')
      delete message.latency;
  }
}

/**
 * AIWM places deployments on GPU nodes: the running deployment with the most timed responses (and its
 * resource) runs on the dcgm-joined H100 node, which joins the deployment's org, so node detail (GPUs,
 * health, deployments) and deployment detail (traffic, latency, GPUs) show one consistent picture.
 */
function placeBusiestDeploymentOnTheH100(fleet: Fleet): string | undefined {
  const c = fleet.collections;
  const agentDeployment = new Map(c.agents.map((a) => [idOf(a), String(a.deploymentId ?? '')]));
  const conversationDeployment = new Map(
    c.conversations.map((cv) => [idOf(cv), agentDeployment.get(String(cv.agentId)) ?? '']),
  );
  const timed = new Map<string, number>();
  for (const m of c.messages) {
    if (m.role !== 'assistant' || typeof m.latency !== 'number') continue;
    const deployment = conversationDeployment.get(String(m.conversationId));
    if (deployment) timed.set(deployment, (timed.get(deployment) ?? 0) + 1);
  }
  // Not a legacy document without an org: the node takes the deployment's org.
  const eligible = (d: Document) => d.status === 'running' && d.isDeleted !== true && Boolean(d.owner?.orgId);
  const running = c.deployments.filter((d) => eligible(d) && (timed.get(idOf(d)) ?? 0) > 0);
  const busiest = running.sort(
    (a, b) => (timed.get(idOf(b)) ?? 0) - (timed.get(idOf(a)) ?? 0) || (idOf(a) < idOf(b) ? -1 : 1),
  )[0];
  const h100 = c.nodes.find((n) => idOf(n) === fleet.scenario.dcgmH100NodeId);
  if (!busiest || !h100) return undefined;
  const nodeId = idOf(h100);
  h100.owner = { orgId: busiest.owner.orgId };
  busiest.nodeId = nodeId;
  const resource = c.resources.find((r) => idOf(r) === String(busiest.resourceId));
  if (resource) resource.nodeId = nodeId;
  return idOf(busiest);
}

function idOf(doc: Document): string {
  return doc._id instanceof ObjectId ? doc._id.toHexString() : String(doc._id);
}
