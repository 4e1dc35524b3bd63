import { KEY_LABELS, M } from '../metrics/catalog.js';
import { labelSchema, type LabelString, type RenderedFamily } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { RESOURCE_SOURCE, type ResourceRecord } from '../source/resources.js';
import { StateReader } from '../source/state.js';
import { EntityCap, GIB, MIB, Tally, addStateSet, families, type CollectContext, type Collector } from './collector.js';
import {
  EntityStore,
  StableFamily,
  lineFamilies,
  pollOrReset,
  stateReadOptions,
  takeLines,
  type LineFamilies,
} from './entities.js';

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

/** The families with series of each resource (all but the counts), in exposition order. */
const { resources: _resources, ...entityDefs } = defs;
const ENTITY_KEYS = Object.keys(entityDefs) as Array<keyof typeof entityDefs>;
const COUNT_LABELS = labelSchema(M.resources.labels);

/** What the collector keeps of a resource between polls. */
interface ResourceState {
  /** Its `aiwm_resources` series. */
  readonly counted: LabelString<typeof M.resources.labels>;
}

/**
 * VMs and containers, read incrementally (StateReader) and kept between polls with their rendered
 * lines (EntityStore): a poll renders again only the resources it read.
 */
export class ResourcesCollector implements Collector {
  readonly name = 'resources';
  readonly families = Object.values(defs);
  private readonly reader = new StateReader(RESOURCE_SOURCE);
  private readonly store = new EntityStore<ResourceState>(ENTITY_KEYS.length);
  private readonly lines: LineFamilies<typeof entityDefs> = lineFamilies(entityDefs);
  private readonly lineList = ENTITY_KEYS.map((k) => this.lines[k]);
  /** `aiwm_resources`, until a resource's counted series (or the set of resources) changes. */
  private counts: RenderedFamily | undefined;
  private readonly countsStable = new StableFamily();

  sourceLost(): void {
    this.reader.invalidate();
  }

  collect(ctx: CollectContext): Promise<RenderedFamily[]> {
    return pollOrReset(this.reader, this.lineList, () => this.poll(ctx));
  }

  private async poll(ctx: CollectContext): Promise<RenderedFamily[]> {
    const collection = ctx.db.collection(ctx.config.collections.resources);
    const cap = await EntityCap.open(ctx, collection);
    const { read } = await this.reader.read(collection, stateReadOptions(ctx), {
      upsert: (r) => this.render(r),
      remove: (id) => {
        if (this.store.delete(id)) this.counts = undefined;
      },
      ids: () => this.store.ids(),
    });
    if (!this.counts) {
      const f = families({ resources: defs.resources });
      const tally = new Tally(f.resources);
      this.store.forEach((e) => tally.add(e.data.counted));
      tally.write();
      this.counts = this.countsStable.of(f.resources.rendered());
    }
    // Past the entity cap only some resources have series: rendered afresh from the kept lines, uncached.
    const admitted = this.store.admittedBy(cap);
    cap.done(read);
    return (Object.keys(defs) as Array<keyof typeof defs>).map((key) => {
      if (key === 'resources') return this.counts!;
      const i = ENTITY_KEYS.indexOf(key);
      return this.store.family(defs[key], i, admitted);
    });
  }

  /** Renders a resource's lines and keeps them. */
  private render(r: ResourceRecord): void {
    const f = this.lines;
    const org = orgOf(r);
    const id = r._id.toHexString();
    const base = RESOURCE_LABELS.of(org, id);
    f.info.add(f.info.labels.after(base, r.name, r.resourceType, r.nodeId ?? ''), 1);
    addStateSet(f.status, base, r.status);
    const vcpus = r.runtime?.allocatedCPU ?? r.config?.vcpus ?? r.config?.cpuCores;
    if (vcpus != null) f.vcpus.add(base, vcpus);
    const memory = allocatedMemoryBytes(r);
    if (memory !== undefined) f.memory.add(base, memory);
    if (r.config?.diskGB != null) f.disk.add(base, r.config.diskGB * GIB);
    const gpus = allocatedGpus(r);
    if (gpus) f.gpus.add(f.gpus.labels.after(base, gpus.mode), gpus.count);
    const counted = COUNT_LABELS.of(org, r.resourceType, r.status, r.nodeId ?? '');
    if (this.store.get(id)?.data.counted !== counted) this.counts = undefined;
    this.store.set(id, org, takeLines(this.lineList), { counted });
  }
}
