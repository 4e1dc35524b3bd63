/** GET /workload/models (seed 3.1): counts by status and type, storage, and the model list. */
import { z } from 'zod';
import { FAILED_MODEL_STATUSES, M, facade as q } from '../../../../queries/index.js';
import { listQuery } from '../params.js';
import { byLabel, indexBy, statusBy } from '../prometheus.js';
import {
  allOf,
  byName,
  defineRoute,
  metadataSchema,
  nullableNumber,
  paginate,
  paginationSchema,
  toGB,
} from '../route.js';
import { orgMatcher } from '../scope.js';

const FAILED_MODEL = new Set<string>(FAILED_MODEL_STATUSES);

const modelItem = z.object({
  _id: z.string(),
  name: z.string(),
  type: z.string(),
  deploymentType: z.string(),
  status: z.string(),
  size: nullableNumber,
  deployments: z.number(),
  lastUsed: z.null(),
});

export const modelsRoute = defineRoute({
  path: '/workload/models',
  summary: 'Models overview and list (seed 3.1)',
  query: listQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      active: z.number(),
      inactive: z.number(),
      downloading: z.number(),
      failed: z.number(),
      byType: z.object({ llm: z.number(), vision: z.number(), embedding: z.number(), voice: z.number() }),
      byDeploymentType: z.object({ selfHosted: z.number(), apiBased: z.number() }),
      storage: z.object({ totalSize: nullableNumber }),
    }),
    models: z.array(modelItem),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.models.map(({ lastUsed: _l, ...m }) => m),
  async handle(ctx, _params, query) {
    const s = orgMatcher(ctx.scope);
    const r = await allOf({
      info: ctx.prom.query(q.series(M.modelInfo, s)),
      status: ctx.prom.query(q.stateNow(M.modelStatus, s)).then((x) => statusBy(x, 'model_id')),
      size: ctx.prom.query(q.series(M.modelSize, s)),
      deployments: ctx.prom.query(q.entitiesBy(M.deploymentInfo, ['model_id'], s)).then((x) => byLabel(x, 'model_id')),
    });
    const sizes = indexBy(r.size, 'model_id');
    const all = byName(
      r.info.map((i) => ({
        _id: i.metric.model_id!,
        name: i.metric.model_name ?? '',
        type: i.metric.model_type ?? '',
        deploymentType: i.metric.deployment_type ?? '',
        status: r.status.get(i.metric.model_id!) ?? 'unknown',
        size: toGB(sizes.get(i.metric.model_id!)?.value),
        deployments: r.deployments.get(i.metric.model_id!) ?? 0,
        lastUsed: null,
      })),
    );
    const count = (f: (m: (typeof all)[number]) => boolean) => all.filter(f).length;
    const totalBytes = r.size.reduce((n, x) => n + x.value, 0);
    const { items, pagination } = paginate(all, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: all.length,
        active: count((m) => m.status === 'active'),
        inactive: count((m) => m.status === 'inactive'),
        downloading: count((m) => m.status === 'downloading'),
        failed: count((m) => FAILED_MODEL.has(m.status)),
        byType: {
          llm: count((m) => m.type === 'llm'),
          vision: count((m) => m.type === 'vision'),
          embedding: count((m) => m.type === 'embedding'),
          voice: count((m) => m.type === 'voice'),
        },
        byDeploymentType: {
          selfHosted: count((m) => m.deploymentType === 'self-hosted'),
          apiBased: count((m) => m.deploymentType === 'api-based'),
        },
        storage: { totalSize: toGB(totalBytes) },
      },
      models: items,
      pagination,
      metadata: {
        sources: ['prometheus'],
        unavailable: [{ field: 'models[].lastUsed', reason: 'AIWM records no per-model usage time' }],
        units: { size: 'GB (GiB)', totalSize: 'GB (GiB)' },
        notes: [`failed = ${FAILED_MODEL_STATUSES.join(' + ')}`],
      },
    };
  },
});
