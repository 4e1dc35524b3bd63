/** GET /workload/agents/:id/performance (seed 3.5): one agent's tasks, latency, timeline and recent tasks. */
import { z } from 'zod';
import { M, facade as q, type MetricDef, type Selector } from '../../../../queries/index.js';
import { objectId, rangeOf, seriesQuery } from '../params.js';
import { alignTo, scalar } from '../prometheus.js';
import { recentTasks } from '../records/responses.js';
import {
  allOf,
  defineRoute,
  gapsOf,
  latencyOf,
  metadataSchema,
  nullableNumber,
  ownedEntity,
  round,
  seriesEcho,
  type FacadeContext,
} from '../route.js';
import { entityMatcher } from '../scope.js';

const taskStats = z.object({
  tasks: nullableNumber,
  completed: nullableNumber,
  failed: nullableNumber,
  avgResponseTime: nullableNumber,
});

/** Task counts and latency of one agent (selector `a`) over a window (null: all time). */
async function agentWindow(ctx: FacadeContext, a: Selector, w: string | null, field: string) {
  const counter = (m: MetricDef) => (w ? q.increaseOf(m, a, w, false) : q.counterTotal(m, a));
  const latency = (part: 'sum' | 'count') =>
    w ? q.histogramIncrease(M.agentLatency, part, a, w) : q.histogramTotal(M.agentLatency, part, a);
  const get = (expr: string) => ctx.prom.query(expr).then(scalar);
  const r = await allOf({
    tasks: get(counter(M.agentTasks)),
    failed: get(counter(M.agentTaskFailures)),
    latencySum: get(latency('sum')),
    latencyCount: get(latency('count')),
  });
  const tasks = round(r.tasks, 0);
  const failed = round(r.failed, 0);
  const avg = latencyOf(field, r.tasks, r.latencyCount, r.latencySum);
  const completed = tasks === null ? null : tasks - (failed ?? 0);
  return { tasks, completed, failed, avgResponseTime: avg.avg, gap: avg.gap };
}

const recentTask = z.object({
  taskId: z.string(),
  type: z.string(),
  status: z.string(),
  duration: nullableNumber,
  timestamp: z.string(),
});

export const agentPerformanceRoute = defineRoute({
  path: '/workload/agents/:id/performance',
  summary: "One agent's performance (seed 3.5)",
  params: { id: objectId },
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    agentId: z.string(),
    name: z.string(),
    performance: z.object({
      allTime: z.object({
        totalTasks: nullableNumber,
        completed: nullableNumber,
        failed: nullableNumber,
        successRate: nullableNumber,
        avgResponseTime: nullableNumber,
      }),
      last24h: taskStats,
      last7d: taskStats,
    }),
    timeline: z.object({
      period: z.string(),
      ...seriesEcho,
      timestamps: z.array(z.string()),
      tasks: z.array(nullableNumber),
      responseTime: z.array(nullableNumber),
    }),
    recentTasks: z.array(recentTask),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params, query) {
    const info = await ownedEntity(ctx, M.agentInfo, 'agent_id', params.id!, 'agent');
    const a = entityMatcher(ctx.scope, 'agent_id', params.id!);
    const range = rangeOf(query.period, query.interval, ctx.now);
    const history = (expr: string) => ctx.prom.queryRange(expr, range.start, range.end, range.step);
    const step = `${range.step}s`;
    const r = await allOf({
      allTime: agentWindow(ctx, a, null, 'performance.allTime.avgResponseTime'),
      last24h: agentWindow(ctx, a, '24h', 'performance.last24h.avgResponseTime'),
      last7d: agentWindow(ctx, a, '7d', 'performance.last7d.avgResponseTime'),
      tasksH: history(q.increaseOf(M.agentTasks, a, step, false)),
      latencyH: history(q.meanPerStep(M.agentLatency, a, step)),
      recent: recentTasks(ctx, params.id!),
    });
    const { tasks: totalTasks, gap: allTimeGap, ...allTime } = r.allTime;
    const { gap: gap24h, ...last24h } = r.last24h;
    const { gap: gap7d, ...last7d } = r.last7d;
    const timestamps = range.timestamps;
    return {
      timestamp: ctx.now.toISOString(),
      agentId: params.id!,
      name: info.metric.agent_name ?? '',
      performance: {
        allTime: {
          totalTasks,
          ...allTime,
          successRate: totalTasks ? round(100 * (1 - (allTime.failed ?? 0) / totalTasks)) : null,
        },
        last24h,
        last7d,
      },
      timeline: {
        period: query.period,
        interval: range.interval,
        requestedInterval: range.requestedInterval,
        timestamps: timestamps.map((t) => new Date(t * 1000).toISOString()),
        tasks: alignTo(r.tasksH, timestamps, (v) => round(v, 0)),
        responseTime: alignTo(r.latencyH, timestamps, (v) => round(v * 1000)),
      },
      recentTasks: r.recent,
      metadata: {
        sources: [
          'prometheus',
          'mongodb:conversations {agentId, status, createdAt}, messages {conversationId, createdAt} (last 10 tasks)',
        ],
        unavailable: gapsOf(allTimeGap, gap24h, gap7d),
        units: {
          avgResponseTime: 'milliseconds',
          duration: 'milliseconds (the response latency; null when the message has none)',
        },
        notes: [
          'A task is an assistant message; allTime counts since the exporter started ' +
            '(or over history with COUNT_EVENTS_FROM=all).',
          ...(range.widenedNote ? [range.widenedNote] : []),
        ],
      },
    };
  },
});
