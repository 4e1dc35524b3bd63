/** GET /infrastructure/nodes/:id (seed 2.2): one node, what runs on it, and its history. */
import { z } from 'zod';
import { BY_DEPLOYMENT, BY_RESOURCE, M, facade as q } from '../../../../queries/index.js';
import { notFound } from '../errors.js';
import { sourcesOfGpus } from '../gpus.js';
import { NODE_NOTES, NODE_UNAVAILABLE, NODE_UNITS, loadNodes, nodeSchema } from '../nodes.js';
import { objectId, rangeOf, seriesQueryOf, type Range } from '../params.js';
import { alignTo, scalar, statusBy, type Sample } from '../prometheus.js';
import {
  GIB,
  allOf,
  defineRoute,
  metadataSchema,
  nullableNumber,
  ownedEntity,
  pct,
  round,
  seriesEcho,
  toGB,
  type FacadeContext,
} from '../route.js';
import { readingOf, ruleOrRaw, type Reading } from '../rules.js';
import { entityMatcher, orgMatcher } from '../scope.js';

const usageNull = z.object({
  _id: z.string(),
  name: z.string(),
  status: z.string(),
  cpuUsage: z.null(),
  ramUsage: z.null(),
});

/** What runs on the node, and its history over the range. */
async function nodeDetailSeries(ctx: FacadeContext, nodeId: string, range: Range, reading: Reading) {
  const org = orgMatcher(ctx.scope);
  const node = entityMatcher(ctx.scope, 'node_id', nodeId);
  const history = (expr: string) => ctx.prom.queryRange(expr, range.start, range.end, range.step);
  const statusOf = (label: string) => (x: Sample[]) => statusBy(x, label);
  return allOf({
    resInfo: ctx.prom.query(q.series(M.resourceInfo, node)),
    resStatus: ctx.prom
      .query(q.stateOnNode(M.resourceStatus, M.resourceInfo, BY_RESOURCE, org, node))
      .then(statusOf('resource_id')),
    depInfo: ctx.prom.query(q.series(M.deploymentInfo, node)),
    depStatus: ctx.prom
      .query(q.stateOnNode(M.deploymentStatus, M.deploymentInfo, BY_DEPLOYMENT, org, node))
      .then(statusOf('deployment_id')),
    gpuAvg: ruleOrRaw(ctx, reading, (rules) => q.gpuUtilizationOf(node, rules)).then(scalar),
    vram: ruleOrRaw(ctx, reading, (rules) => q.gpuMemoryUsedOf(node, rules)).then(scalar),
    cpuH: history(q.average(M.nodeCpuUsage, node)),
    ramH: history(q.ramUsedBytes(node)),
    // The unified series' history: a rule's history starts later than theirs.
    gpuH: history(q.gpuUtilizationOf(node, false)),
  });
}

export const nodeRoute = defineRoute({
  path: '/infrastructure/nodes/:id',
  summary: 'One node (seed 2.2)',
  description:
    'Every GPU of the node from the unified GPU series (dcgm-exporter, else AIWM), ' +
    'and history over `period` (default 1h, as in the seed).',
  params: { id: objectId },
  query: seriesQueryOf('1h'),
  response: nodeSchema.omit({ resources: true }).extend({
    timestamp: z.string(),
    services: z.null(),
    resources: z.object({
      vms: z.array(usageNull),
      containers: z.array(usageNull),
      deployments: z.array(
        z.object({
          _id: z.string(),
          name: z.string(),
          status: z.string(),
          gpuUsage: nullableNumber,
          vramUsage: nullableNumber,
        }),
      ),
    }),
    metrics: z.object({
      period: z.string(),
      ...seriesEcho,
      timestamps: z.array(z.string()),
      cpuHistory: z.array(nullableNumber),
      ramHistory: z.array(nullableNumber),
      gpuHistory: z.array(nullableNumber),
      networkIn: z.null(),
      networkOut: z.null(),
    }),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    await ownedEntity(ctx, M.nodeInfo, 'node_id', params.id!, 'node');
    const [node] = await loadNodes(ctx, params.id);
    if (!node) throw notFound('node');
    const range = rangeOf(query.period, query.interval, ctx.now);
    const reading = await readingOf(ctx);
    const d = await nodeDetailSeries(ctx, params.id!, range, reading);
    const resources = d.resInfo.map((r) => ({
      _id: r.metric.resource_id!,
      name: r.metric.resource_name ?? '',
      type: r.metric.resource_type,
      status: d.resStatus.get(r.metric.resource_id!) ?? 'unknown',
      cpuUsage: null,
      ramUsage: null,
    }));
    const deployment = (x: Sample) => ({
      _id: x.metric.deployment_id!,
      name: x.metric.deployment_name ?? '',
      status: d.depStatus.get(x.metric.deployment_id!) ?? 'unknown',
      gpuUsage: pct(d.gpuAvg),
      vramUsage: toGB(d.vram),
    });
    const { resources: _counts, ...rest } = node;
    const timestamps = range.timestamps;
    return {
      ...rest,
      timestamp: ctx.now.toISOString(),
      services: null,
      resources: {
        vms: resources.filter((r) => r.type === 'virtual-machine').map(({ type: _t, ...r }) => r),
        containers: resources.filter((r) => r.type !== 'virtual-machine').map(({ type: _t, ...r }) => r),
        deployments: d.depInfo.map(deployment),
      },
      metrics: {
        period: query.period,
        interval: range.interval,
        requestedInterval: range.requestedInterval,
        timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()),
        cpuHistory: alignTo(d.cpuH, timestamps, (v) => pct(v)),
        ramHistory: alignTo(d.ramH, timestamps, (v) => round(v / GIB, 2)),
        gpuHistory: alignTo(d.gpuH, timestamps, (v) => pct(v)),
        networkIn: null,
        networkOut: null,
      },
      metadata: {
        sources: [reading.source, ...sourcesOfGpus(node.hardware.gpus ?? [])],
        unavailable: [
          ...NODE_UNAVAILABLE,
          { field: 'services', reason: 'AIWM stores no per-node service list' },
          {
            field: 'resources.*.cpuUsage, ramUsage',
            reason: 'AIWM records allocations, not per-VM or per-container usage',
          },
          { field: 'metrics.networkIn, networkOut', reason: 'AIWM records no network counters' },
        ],
        units: {
          ...NODE_UNITS,
          ramHistory: 'GB (GiB) in use',
          gpuUsage: "percent, average of the node's GPUs (AIWM does not record which GPU a deployment uses)",
          vramUsage: 'GB (GiB) used on the node',
        },
        notes: [...NODE_NOTES, ...(range.widenedNote ? [range.widenedNote] : [])],
      },
    };
  },
});
