import { KEY_LABELS, M } from '../metrics/catalog.js';
import { labelSchema } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readResources, type ResourceRecord } from '../source/resources.js';
import { EntityCap, GIB, MIB, Tally, addStateSet, families, rendered, type Collector } from './collector.js';

const RESOURCE_LABELS = labelSchema(KEY_LABELS.resource);

const defs = {
  info: M.resourceInfo,
  status: M.resourceStatus,
  vcpus: M.resourceVcpus,
  memory: M.resourceMemory,
  disk: M.resourceDisk,
  gpus: M.resourceGpus,
  resources: M.resources,
};

/** GPUs held by a resource and how: VMs pass whole GPUs through or slice them with MIG. */
function allocatedGpus(r: ResourceRecord): { mode: string; count: number } | undefined {
  const runtimeCount = r.runtime?.allocatedGPU?.length;
  const gpuConfig = r.config?.gpuConfig;
  if (r.resourceType === 'virtual-machine') {
    if (!gpuConfig?.enabled) return runtimeCount ? { mode: 'passthrough', count: runtimeCount } : undefined;
    return { mode: gpuConfig.mode ?? 'passthrough', count: runtimeCount ?? gpuConfig.deviceIds?.length ?? 0 };
  }
  const count = runtimeCount ?? r.config?.gpuDeviceIds?.length ?? 0;
  return count > 0 ? { mode: 'container', count } : undefined;
}

function allocatedMemoryBytes(r: ResourceRecord): number | undefined {
  if (r.runtime?.allocatedRAM != null) return r.runtime.allocatedRAM * GIB;
  if (r.config?.ramMB != null) return r.config.ramMB * MIB;
  if (r.config?.ramLimit != null) return r.config.ramLimit * GIB;
  return undefined;
}

/** VMs and containers. */
export const resourcesCollector: Collector = {
  name: 'resources',
  families: Object.values(defs),
  async collect(ctx) {
    const collection = ctx.db.collection(ctx.config.collections.resources);
    const f = families(defs);
    const counts = new Tally(f.resources);
    const cap = await EntityCap.open(ctx, collection);
    const read = await readResources(collection, ctx.report, (r) => {
      const org = orgOf(r);
      counts.add(f.resources.labels.of(org, r.resourceType, r.status, r.nodeId ?? ''));
      if (!cap.admit(org)) return;
      const base = RESOURCE_LABELS.of(org, r._id.toHexString());
      f.info.add(f.info.labels.after(base, r.name, r.resourceType, r.nodeId ?? ''), 1);
      addStateSet(f.status, base, r.status);
      const vcpus = r.runtime?.allocatedCPU ?? r.config?.vcpus ?? r.config?.cpuCores;
      if (vcpus != null) f.vcpus.add(base, vcpus);
      const memory = allocatedMemoryBytes(r);
      if (memory !== undefined) f.memory.add(base, memory);
      if (r.config?.diskGB != null) f.disk.add(base, r.config.diskGB * GIB);
      const gpus = allocatedGpus(r);
      if (gpus) f.gpus.add(f.gpus.labels.after(base, gpus.mode), gpus.count);
    });
    cap.done(read);
    counts.write();
    return rendered(f);
  },
};
