/**
 * Resources on each node: the first ones cover every resource type and status; inference containers
 * reference a self-hosted model, virtual machines on a GPU node use MIG or passthrough.
 */
import type { Document } from 'mongodb';
import {
  deletedCount,
  idOf,
  isLegacy,
  lacksIsDeleted,
  orgOf,
  pickPreferred,
  withBase,
  type BaseOpts,
  type FleetContext,
} from './context.js';
import type { NodeInfo } from './nodes.js';
import { DAY, HOUR, MIN, SEC, pad2 } from './rng-ids.js';
import { FLEET_ENUMS } from './schema.js';

const RES_TYPES = FLEET_ENUMS['resources.resourceType'];
const RES_STATUSES = FLEET_ENUMS['resources.status'];

export function makeResource(
  ctx: FleetContext,
  node: NodeInfo,
  forcedType: string | undefined,
  forcedStatus: string | undefined,
  extra: Partial<BaseOpts> = {},
): Document {
  const { rng, now, serial } = ctx;
  const { selfHostedModels } = ctx.made;
  const j = serial.resource++;
  const hasGpu = node.gpus.length > 0;
  const type =
    forcedType ??
    (hasGpu
      ? rng.weighted([
          ['inference-container', 50],
          ['application-container', 25],
          ['virtual-machine', 25],
        ] as const)
      : rng.weighted([
          ['application-container', 60],
          ['virtual-machine', 40],
        ] as const));
  const status =
    forcedStatus ??
    rng.weighted([
      ['running', 60],
      ['stopped', 15],
      ['deploying', 5],
      ['queued', 5],
      ['stopping', 5],
      ['failed', 5],
      ['error', 5],
    ] as const);
  const nodeCreated = (node.doc.createdAt as Date).getTime();
  const createdAt = Math.min(now - HOUR, nodeCreated + rng.int(1, 60) * DAY) - rng.int(0, DAY - 1);
  const orgId = orgOf(node.doc);
  const gpuIds = (n: number): string[] => {
    const out: string[] = [];
    if (!hasGpu) return out;
    const start = rng.int(0, node.gpus.length - 1);
    for (let k = 0; k < Math.min(n, node.gpus.length); k++)
      out.push(String((node.gpus[(start + k) % node.gpus.length] as Document).deviceId));
    return out;
  };
  let config: Document;
  let allocatedGPU: string[] = [];
  let allocatedCPU: number;
  let allocatedRAM: number;
  const slug = `${type === 'virtual-machine' ? 'vm' : type === 'inference-container' ? 'infer' : 'app'}-${pad2(j + 1)}`;
  if (type === 'virtual-machine') {
    const vcpus = rng.pick([4, 8, 16, 32]);
    const ramMB = vcpus * 4096;
    const wantGpu = hasGpu && rng.chance(0.7);
    let gpuConfig: Document;
    if (wantGpu) {
      const migProfiles = node.profile?.mig ?? null;
      const useMig = migProfiles !== null && (!serial.seenMig || (serial.seenPassthrough && rng.chance(0.4)));
      if (useMig) {
        serial.seenMig = true;
        allocatedGPU = gpuIds(1);
        gpuConfig = { enabled: true, mode: 'mig', deviceIds: allocatedGPU, migProfile: rng.pick(migProfiles) };
      } else {
        serial.seenPassthrough = true;
        allocatedGPU = gpuIds(rng.int(1, 2));
        gpuConfig = { enabled: true, mode: 'passthrough', deviceIds: allocatedGPU };
      }
    } else {
      gpuConfig = { enabled: false, mode: 'passthrough', deviceIds: [] };
    }
    config = {
      vcpus,
      ramMB,
      diskGB: rng.pick([100, 200, 500, 1000]),
      osImage: rng.pick(['ubuntu-22.04', 'ubuntu-24.04']),
      gpuConfig,
    };
    allocatedCPU = vcpus;
    allocatedRAM = ramMB / 1024;
  } else {
    const cpuCores = rng.pick([2, 4, 8, 16]);
    const ramLimit = rng.pick([8, 16, 32, 64]);
    if (type === 'inference-container') {
      allocatedGPU = gpuIds(rng.chance(0.8) ? 1 : 2);
      const model = pickPreferred(rng, selfHostedModels, orgId, (m) =>
        ['active', 'inactive', 'deploying', 'error'].includes(m.status as string),
      );
      config = { image: 'vllm/vllm-openai:v0.6.3', cpuCores, ramLimit, gpuDeviceIds: allocatedGPU };
      if (allocatedGPU.length > 0 && node.profile) config.gpuMemoryLimit = Math.floor(node.profile.memoryTotal * 0.9);
      if (model) config.modelId = idOf(model);
      config.port = 8000;
    } else {
      allocatedGPU = hasGpu && rng.chance(0.2) ? gpuIds(1) : [];
      config = {
        image: rng.pick(['nginx:1.27', 'redis:7.4', 'ghcr.io/hydrabyte/rag-api:2.3.0']),
        cpuCores,
        ramLimit,
        gpuDeviceIds: allocatedGPU,
        port: rng.pick([80, 6379, 8080]),
      };
    }
    allocatedCPU = cpuCores;
    allocatedRAM = ramLimit;
  }
  const doc: Document = {
    _id: ctx.ids.next(createdAt),
    name: slug,
    description: `${type} on ${node.doc.name}`,
    resourceType: type,
    nodeId: node.doc._id,
    status,
    config,
  };
  const deployed = status === 'running' || status === 'stopping' || status === 'stopped' || status === 'error';
  let updatedAt = createdAt + rng.int(1, 600) * SEC;
  if (deployed) {
    const startedAt = createdAt + rng.int(10, 600) * SEC;
    const runtime: Document = {
      id: `${type === 'virtual-machine' ? 'vm' : 'ctr'}-${rng.hex(12)}`,
      endpoint: `http://${node.doc.ipAddress}:${type === 'virtual-machine' ? 22 : (config.port as number)}`,
      allocatedGPU,
      allocatedCPU,
      allocatedRAM,
      startedAt: new Date(startedAt),
    };
    if (status === 'stopped') {
      const stoppedAt = Math.min(now - MIN, startedAt + rng.int(1, 240) * HOUR);
      runtime.stoppedAt = new Date(stoppedAt);
      updatedAt = stoppedAt;
    }
    doc.runtime = runtime;
  }
  if (status === 'running') {
    doc.lastHealthCheck = new Date(now - rng.int(1, 60) * SEC);
    updatedAt = Math.max(updatedAt, now - rng.int(1, 30) * MIN);
  }
  if (status === 'failed' || status === 'error') {
    doc.errorMessage = rng.pick([
      'CUDA error: out of memory',
      'image pull failed: manifest unknown',
      'container exited with code 137',
      'health check timed out',
    ]);
  }
  return withBase(ctx, doc, { orgId, createdAt, updatedAt: Math.min(updatedAt, now), ...extra });
}

/** The resources piece: resourcesPerNode on every node, then soft-deleted ones. */
export function addResources(ctx: FleetContext): void {
  const { collections, made } = ctx;
  const nodes = made.nodes;
  const resourcesPerNode = ctx.counts.resourcesPerNode;
  let j = 0;
  const total = nodes.length * resourcesPerNode;
  for (const node of nodes) {
    for (let k = 0; k < resourcesPerNode; k++, j++) {
      const type = j < RES_TYPES.length ? RES_TYPES[j] : undefined;
      const status = j < RES_STATUSES.length ? RES_STATUSES[j] : undefined;
      const doc = makeResource(ctx, node, type, status, { noIsDeleted: lacksIsDeleted(j) });
      if (isLegacy(j, total)) doc.owner = { orgId: '' };
      made.resources.push(doc);
      collections.resources.push(doc);
    }
  }
  for (let d = 0; d < deletedCount(total) && nodes.length > 0; d++) {
    collections.resources.push(
      makeResource(ctx, nodes[d % nodes.length] as NodeInfo, undefined, 'stopped', { deleted: true }),
    );
  }
  made.inferenceResources = made.resources.filter((r) => r.resourceType === 'inference-container');
}
