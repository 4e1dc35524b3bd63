/**
 * Nodes: one document per spec (node-specs.ts) with hardware, usage, heartbeat and gpuDevices drawn
 * around it, plus a few soft-deleted ones.
 */
import type { Document } from 'mongodb';
import {
  deletedCount,
  deletedOrg,
  idOf,
  lacksIsDeleted,
  orgAt,
  withBase,
  type BaseOpts,
  type FleetContext,
} from './context.js';
import { A100, pinnedSpecs, randomSpec, scenarioSpecs, type GpuProfile, type NodeSpec } from './node-specs.js';
import { DAY, SEC, clamp, pad2, round } from './rng-ids.js';

const CPU_MODELS = [
  ['AMD EPYC 9654 96-Core Processor', 192],
  ['AMD EPYC 7543 32-Core Processor', 64],
  ['Intel(R) Xeon(R) Platinum 8480+', 112],
  ['Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', 64],
] as const;
const RAM_TOTALS_MB = [262144, 524288, 1048576, 2097152];
const DISK_TOTALS_MB = [953869, 1907729, 3815458, 7630916];
const OSES = ['Ubuntu 22.04.4 LTS', 'Ubuntu 24.04.1 LTS', 'Rocky Linux 9.4'];
const DAEMON_VERSIONS = ['1.4.2', '1.5.0', '1.5.1'];
const RUNTIMES = ['docker 27.3.1', 'containerd 1.7.22'];

export interface NodeInfo {
  doc: Document;
  gpus: Document[];
  profile: GpuProfile | null;
}

/** worker-gpu-01, worker-cpu-01, controller-01, ...: numbered per name prefix across the whole fleet. */
function nodeName(ctx: FleetContext, spec: NodeSpec): string {
  const primary = spec.roles[0] ?? 'worker';
  const prefix = primary === 'worker' ? (spec.gpu ? 'worker-gpu' : 'worker-cpu') : primary;
  const n = (ctx.serial.nodeNames.get(prefix) ?? 0) + 1;
  ctx.serial.nodeNames.set(prefix, n);
  return `${prefix}-${pad2(n)}`;
}

/** The node's gpuDevices entries; telemetry fields only when the spec has telemetry. */
function makeGpus(ctx: FleetContext, spec: NodeSpec): Document[] {
  const { rng } = ctx;
  const gpusPerNode = ctx.counts.gpusPerNode;
  const p = spec.gpu;
  if (!p) return [];
  const count = spec.gpuMode === 'hot' ? Math.max(2, gpusPerNode) : gpusPerNode;
  const reserve = p.memoryTotal - p.idleFree;
  const gpus: Document[] = [];
  for (let g = 0; g < count; g++) {
    let util = 0;
    let used = 0;
    let temp = p.idleTemp;
    let power = p.idlePower;
    let status = 'idle';
    if (spec.gpuMode === 'hot') {
      util = g === 0 ? 99 : g === 1 ? 97 : rng.int(88, 96);
      temp = g === 0 ? 92 : g === 1 ? 83 : rng.int(70, 79);
      used = Math.round(p.idleFree * rng.float(0.85, 0.95, 3));
    } else if (spec.gpuMode === 'error' && g === 0) {
      status = 'error';
      temp = p.idleTemp + rng.int(0, 3);
    } else if (spec.gpuMode !== 'idle' && rng.chance(0.6)) {
      util = rng.int(25, 100);
      used = Math.round(p.idleFree * rng.float(0.3, 0.95, 3));
      temp = clamp(Math.round(p.idleTemp + util * 0.4 + rng.int(-3, 5)), p.idleTemp, 81);
    }
    if (util > 0) {
      status = 'active';
      power = round(p.idlePower + (util / 100) * (p.powerLimit - p.idlePower) * rng.float(0.8, 1, 3), 2);
    }
    const gpu: Document = {
      deviceId: String(g),
      model: p.model,
      memoryTotal: p.memoryTotal,
      memoryFree: p.memoryTotal - reserve - used,
      utilization: util,
      temperature: temp,
    };
    if (spec.telemetry) {
      gpu.memoryUsed = used;
      gpu.powerDraw = power;
      gpu.powerLimit = p.powerLimit;
      gpu.status = status;
    }
    gpus.push(gpu);
  }
  return gpus;
}

export function makeNode(ctx: FleetContext, spec: NodeSpec, orgId: string, extra: Partial<BaseOpts> = {}): NodeInfo {
  const { rng, now } = ctx;
  const serial = ctx.serial.node++;
  const createdAt = now - rng.int(30, 400) * DAY - rng.int(0, DAY - 1);
  const [cpuModel, cpuCores] = spec.gpu ? rng.pick(CPU_MODELS.slice(0, 3)) : rng.pick(CPU_MODELS);
  const ramTotal = spec.gpu ? rng.pick(RAM_TOTALS_MB.slice(1)) : rng.pick(RAM_TOTALS_MB);
  const running = spec.status === 'online' || spec.status === 'maintenance';
  const cpuUsage = spec.status === 'pending' ? 0 : spec.gpuMode === 'hot' ? rng.float(70, 92) : rng.float(2, 85);
  const ramUsage = spec.status === 'pending' ? 0 : rng.float(8, 90);
  const lastHeartbeat = spec.status === 'pending' ? createdAt + rng.int(1, 60) * SEC : now - spec.heartbeatAgoMs;
  const name = nodeName(ctx, spec);
  const gpus = makeGpus(ctx, spec);
  const doc: Document = {
    _id: ctx.ids.next(createdAt),
    name,
    role: spec.roles,
    status: spec.status,
    isLocal: false,
    websocketConnected: spec.websocket,
    lastHeartbeat: new Date(lastHeartbeat),
    lastSeenAt: new Date(lastHeartbeat),
  };
  if (running && rng.chance(0.5)) doc.lastMetricsAt = new Date(lastHeartbeat - rng.int(0, 30) * SEC);
  doc.cpuUsage = cpuUsage;
  doc.ramUsage = ramUsage;
  doc.cpuCores = cpuCores;
  doc.cpuModel = cpuModel;
  doc.ramTotal = ramTotal;
  if (rng.chance(0.75)) doc.ramFree = Math.round(ramTotal * (1 - ramUsage / 100) * rng.float(0.9, 1.1, 3));
  doc.diskTotal = rng.pick(DISK_TOTALS_MB);
  if (spec.gpuData === 'full') doc.gpuDevices = gpus;
  else if (spec.gpuData === 'empty') doc.gpuDevices = [];
  doc.uptimeSeconds = running ? Math.floor(Math.min(lastHeartbeat - createdAt, rng.int(1, 90) * DAY) / 1000) : 0;
  doc.hostname = `${name}.dc${(serial % 3) + 1}.aiwm.internal`;
  const ip = serial + 11;
  doc.ipAddress = `10.${20 + ((ip >> 16) & 0xff)}.${(ip >> 8) & 0xff}.${ip & 0xff}`;
  doc.os = rng.pick(OSES);
  doc.daemonVersion = rng.pick(DAEMON_VERSIONS);
  doc.containerRuntime = rng.pick(RUNTIMES);
  withBase(ctx, doc, {
    orgId,
    createdAt,
    updatedAt: lastHeartbeat,
    metadata: spec.scenario
      ? { rack: `r${(serial % 8) + 1}`, fleetScenario: spec.scenario }
      : { rack: `r${(serial % 8) + 1}` },
    ...extra,
  });
  return { doc, gpus: spec.gpuData === 'full' ? gpus : [], profile: spec.gpu };
}

/** The nodes piece: scenario, pinned and random nodes, then soft-deleted ones. */
export function addNodes(ctx: FleetContext): void {
  const { rng, collections, scenario, made } = ctx;
  const nNodes = ctx.counts.nodes;
  const scenarios = scenarioSpecs(ctx);
  const pinned = pinnedSpecs(ctx);
  for (let i = 0; i < nNodes; i++) {
    const r = i - scenarios.length;
    const spec = r < 0 ? (scenarios[i] as NodeSpec) : (pinned[r] ?? randomSpec(ctx));
    const orgId = r < 0 ? (ctx.orgIds[i % ctx.counts.orgs] as string) : orgAt(ctx, i, nNodes);
    const info = makeNode(ctx, spec, orgId, { noIsDeleted: r >= 0 && lacksIsDeleted(r) });
    if (spec.scenario) scenario[spec.scenario] = idOf(info.doc);
    made.nodes.push(info);
    collections.nodes.push(info.doc);
  }
  for (let d = 0; d < deletedCount(nNodes); d++) {
    const spec: NodeSpec = {
      roles: ['worker'],
      status: 'offline',
      gpu: A100,
      gpuData: 'full',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: rng.int(30, 90) * DAY,
      websocket: false,
    };
    collections.nodes.push(makeNode(ctx, spec, deletedOrg(ctx, d), { deleted: true }).doc);
  }
  made.liveNodeDocs = made.nodes.map((n) => n.doc);
  made.gpuNodeDocs = made.nodes.filter((n) => n.gpus.length > 0).map((n) => n.doc);
  made.onlineNodeDocs = made.liveNodeDocs.filter((d) => d.status === 'online');
}
