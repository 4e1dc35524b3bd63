/** GET /workload/executions (seed 3.6): counts and 24-hour performance from Prometheus, open executions from MongoDB. */
import { z } from 'zod';
import { M, eq, facade as q } from '../../../../queries/index.js';
import { FINISHED_STATUSES } from '../../source/executions.js';
import { executionsQuery } from '../params.js';
import { byLabel, scalar } from '../prometheus.js';
import { executionListItem, openExecutions } from '../records/executions.js';
import { allOf, defineRoute, metadataSchema, nullableNumber, paginationSchema, round } from '../route.js';
import { readingOf, ruleOrRaw } from '../rules.js';
import { orgMatcher } from '../scope.js';

export const executionItem = z.object({
  _id: z.string(),
  executionId: z.string().nullable(),
  name: z.string(),
  type: z.string().nullable(),
  category: z.string().nullable(),
  status: z.string(),
  progress: nullableNumber,
  currentStep: z.string().nullable(),
  startedAt: z.string().nullable(),
  estimatedCompletion: z.string().nullable(),
});

const EXECUTION_NOTES = [
  `performance covers executions finished in the last 24 h (outcomes: ${FINISHED_STATUSES.join(', ')}).`,
  'byType is keyed by AIWM\'s execution type (capped by the exporter; the rest read "other").',
  'estimatedCompletion projects the progress so far linearly; null when there is no progress yet.',
];

export const executionsRoute = defineRoute({
  path: '/workload/executions',
  summary: 'Executions overview and list (seed 3.6)',
  description:
    'Counts and performance from Prometheus; the list holds open executions (pending and running, or `status`) read ' +
    'from MongoDB through the {status, createdAt} index, unpaginated as in the seed: up to `limit` (default and ' +
    'most 500), with `pagination` beside it.',
  query: executionsQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      completed: z.number(),
      running: z.number(),
      failed: z.number(),
      pending: z.number(),
      byType: z.record(z.string(), z.number()),
      performance: z.object({ avgDuration: nullableNumber, successRate: nullableNumber, retryRate: nullableNumber }),
    }),
    executions: z.array(executionItem),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  rows: (r) => r.executions,
  async handle(ctx, _params, query) {
    const s = orgMatcher(ctx.scope);
    const reading = await readingOf(ctx);
    const get = (expr: string) => ctx.prom.query(expr).then(scalar);
    const figure = (build: (rules: boolean) => string) => ruleOrRaw(ctx, reading, build).then(scalar);
    const r = await allOf({
      byStatus: ctx.prom.query(q.totalsBy(M.executions, ['status'], s)).then((x) => byLabel(x, 'status')),
      byType: ctx.prom.query(q.totalsBy(M.executions, ['type'], s)).then((x) => byLabel(x, 'type')),
      completions: figure((rules) => q.increaseOf(M.executionCompletions, s, '24h', rules)),
      completed: get(q.increaseWhere(M.executionCompletions, eq('outcome', 'completed'), s, '24h')),
      retried: figure((rules) => q.increaseOf(M.executionRetried, s, '24h', rules)),
      durationSum: get(q.histogramIncrease(M.executionDuration, 'sum', s, '24h')),
      durationCount: get(q.histogramIncrease(M.executionDuration, 'count', s, '24h')),
      open: openExecutions(ctx, query.status ? [query.status] : ['pending', 'running'], query.page, query.limit),
    });
    const st = r.byStatus;
    const c = r.completions;
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: [...st.values()].reduce((a, b) => a + b, 0),
        completed: st.get('completed') ?? 0,
        running: st.get('running') ?? 0,
        failed: st.get('failed') ?? 0,
        pending: st.get('pending') ?? 0,
        byType: Object.fromEntries([...r.byType].sort()),
        performance: {
          avgDuration: r.durationCount ? round((r.durationSum ?? 0) / r.durationCount) : null,
          successRate: c ? round((100 * (r.completed ?? 0)) / c) : null,
          retryRate: c ? round((100 * (r.retried ?? 0)) / c) : null,
        },
      },
      executions: r.open.docs.map((d) => executionListItem(d, ctx.now)),
      pagination: { page: query.page, limit: query.limit, total: r.open.total },
      metadata: {
        sources: [reading.source, 'mongodb:executions {status, createdAt}'],
        unavailable: [],
        units: { avgDuration: 'seconds', successRate: 'percent', retryRate: 'percent' },
        notes: EXECUTION_NOTES,
      },
    };
  },
});
