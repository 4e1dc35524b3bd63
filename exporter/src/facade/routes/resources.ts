/** GET /infrastructure/resources (seed 2.3): counts, held allocations and the resource list. */
import { z } from 'zod';
import { HOLDING_RESOURCE_STATUSES, M, facade as q } from '../../../../queries/index.js';
import { RESOURCE_STATUSES } from '../../source/resources.js';
import { resourcesQuery } from '../params.js';
import { byLabel, indexBy, type Sample } from '../prometheus.js';
import {
  allOf,
  byName,
  defineRoute,
  metadataSchema,
  nullableNumber,
  paginate,
  paginationSchema,
  round,
  toGB,
  type FacadeContext,
} from '../route.js';
import { entityMatcher, orgMatcher } from '../scope.js';

type ResourceStatus = (typeof RESOURCE_STATUSES)[number];

const allocationSchema = z.object({
  vcpus: nullableNumber,
  ramGB: nullableNumber,
  diskGB: nullableNumber,
  gpus: z.number(),
});
export const resourceSchema = z.object({
  _id: z.string(),
  name: z.string(),
  resourceType: z.string(),
  status: z.string(),
  nodeId: z.string().nullable(),
  allocation: allocationSchema,
});
type ResourceItem = z.output<typeof resourceSchema>;

/** Every resource the scope sees (optionally one), with its state and allocation. */
export async function loadResources(ctx: FacadeContext, resourceId?: string): Promise<ResourceItem[]> {
  const s = resourceId ? entityMatcher(ctx.scope, 'resource_id', resourceId) : orgMatcher(ctx.scope);
  const byResource = (expr: string) => ctx.prom.query(expr).then((x: Sample[]) => indexBy(x, 'resource_id'));
  const r = await allOf({
    info: ctx.prom.query(q.series(M.resourceInfo, s)),
    status: byResource(q.stateNow(M.resourceStatus, s)),
    vcpus: byResource(q.series(M.resourceVcpus, s)),
    ram: byResource(q.series(M.resourceMemory, s)),
    disk: byResource(q.series(M.resourceDisk, s)),
    gpus: byResource(q.totalsBy(M.resourceGpus, ['resource_id'], s)),
  });
  return byName(
    r.info.map((i) => {
      const id = i.metric.resource_id!;
      return {
        _id: id,
        name: i.metric.resource_name ?? '',
        resourceType: i.metric.resource_type ?? '',
        status: r.status.get(id)?.metric.status ?? 'unknown',
        nodeId: i.metric.node_id || null,
        allocation: {
          vcpus: r.vcpus.get(id)?.value ?? null,
          ramGB: toGB(r.ram.get(id)?.value),
          diskGB: toGB(r.disk.get(id)?.value),
          gpus: r.gpus.get(id)?.value ?? 0,
        },
      };
    }),
  );
}

const HOLDING = new Set<string>(HOLDING_RESOURCE_STATUSES);

export const resourcesRoute = defineRoute({
  path: '/infrastructure/resources',
  summary: 'Resources overview and list (seed 2.3)',
  query: resourcesQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      byType: z.object({ vm: z.number(), appContainer: z.number(), inferenceContainer: z.number() }),
      byStatus: z.object(
        Object.fromEntries(RESOURCE_STATUSES.map((s) => [s, z.number()])) as Record<ResourceStatus, z.ZodNumber>,
      ),
      allocation: z.object({
        vcpus: z.number(),
        ramGB: z.number(),
        diskGB: z.number(),
        gpus: z.object({ total: z.number(), passthrough: z.number(), mig: z.number(), container: z.number() }),
      }),
    }),
    resources: z.array(resourceSchema),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) =>
    r.resources.map((x) => ({
      _id: x._id,
      name: x.name,
      resourceType: x.resourceType,
      status: x.status,
      nodeId: x.nodeId,
      vcpus: x.allocation.vcpus,
      ramGB: x.allocation.ramGB,
      diskGB: x.allocation.diskGB,
      gpus: x.allocation.gpus,
    })),
  async handle(ctx, _params, query) {
    const r = await allOf({
      all: loadResources(ctx),
      gpusByMode: ctx.prom.query(q.heldGpusByMode(orgMatcher(ctx.scope))).then((x) => byLabel(x, 'mode')),
    });
    const { all, gpusByMode } = r;
    const holding = all.filter((x) => HOLDING.has(x.status));
    const held = (f: (x: ResourceItem) => number | null) =>
      round(
        holding.reduce((n, x) => n + (f(x) ?? 0), 0),
        2,
      )!;
    const filtered = all.filter(
      (x) =>
        (!query.status || x.status === query.status) &&
        (!query.resourceType || x.resourceType === query.resourceType) &&
        (!query.nodeId || x.nodeId === query.nodeId),
    );
    const { items, pagination } = paginate(filtered, query.page, query.limit);
    const count = (f: (x: ResourceItem) => boolean) => all.filter(f).length;
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        byType: {
          vm: count((x) => x.resourceType === 'virtual-machine'),
          appContainer: count((x) => x.resourceType === 'application-container'),
          inferenceContainer: count((x) => x.resourceType === 'inference-container'),
        },
        byStatus: Object.fromEntries(RESOURCE_STATUSES.map((s) => [s, count((x) => x.status === s)])) as Record<
          ResourceStatus,
          number
        >,
        allocation: {
          vcpus: held((x) => x.allocation.vcpus),
          ramGB: held((x) => x.allocation.ramGB),
          diskGB: held((x) => x.allocation.diskGB),
          gpus: {
            total: [...gpusByMode.values()].reduce((a, b) => a + b, 0),
            passthrough: gpusByMode.get('passthrough') ?? 0,
            mig: gpusByMode.get('mig') ?? 0,
            container: gpusByMode.get('container') ?? 0,
          },
        },
      },
      resources: items,
      pagination,
      metadata: {
        sources: ['prometheus'],
        unavailable: [],
        units: { ramGB: 'GB (GiB)', diskGB: 'GB (GiB)' },
        notes: ['summary.allocation counts resources that hold capacity: deploying, running or stopping.'],
      },
    };
  },
});
