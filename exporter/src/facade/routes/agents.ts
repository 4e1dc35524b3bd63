/** GET /workload/agents (seed 3.4): counts, all-time performance, 24-hour activity and the agent list. */
import { z } from 'zod';
import { M, facade as q, type MetricDef } from '../../../../queries/index.js';
import { fullListQuery } from '../params.js';
import { byLabel, indexBy, scalar, statusBy, type Sample } from '../prometheus.js';
import {
  allOf,
  byName,
  defineRoute,
  gapsOf,
  latencyOf,
  listLatencyGap,
  metadataSchema,
  nullableNumber,
  paginate,
  paginationSchema,
  round,
  type FacadeContext,
} from '../route.js';
import { readingOf, ruleOrRaw, type Reading } from '../rules.js';
import { orgMatcher } from '../scope.js';

const agentItem = z.object({
  _id: z.string(),
  agentId: z.string(),
  name: z.string(),
  status: z.string(),
  totalTasks: z.number(),
  completedTasks: z.number(),
  failedTasks: z.number(),
  avgResponseTime: nullableNumber,
  /** ISO time of the agent's last task (assistant message), null when it has none. */
  lastTask: z.string().nullable(),
});

/** The agents, their status and their all-time task counters, by agent id. */
async function agentSeries(ctx: FacadeContext, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  const byAgent = (expr: string) => ctx.prom.query(expr).then((x: Sample[]) => indexBy(x, 'agent_id'));
  const over24h = (counter: MetricDef) =>
    ruleOrRaw(ctx, reading, (rules) => q.increaseOf(counter, s, '24h', rules)).then(scalar);
  return allOf({
    info: ctx.prom.query(q.series(M.agentInfo, s)),
    status: ctx.prom.query(q.stateNow(M.agentStatus, s)),
    tasks: byAgent(q.series(M.agentTasks, s)),
    failures: byAgent(q.series(M.agentTaskFailures, s)),
    latencySum: byAgent(q.histogramSeries(M.agentLatency, 'sum', s)),
    latencyCount: byAgent(q.histogramSeries(M.agentLatency, 'count', s)),
    lastTask: byAgent(q.series(M.agentLastTask, s)),
    conversations24h: over24h(M.agentConversations),
    messages24h: over24h(M.agentMessages),
    tasks24h: over24h(M.agentTasks),
  });
}

const isoOfSeconds = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) || v <= 0 ? null : new Date(Math.round(v * 1000)).toISOString();

export const agentsRoute = defineRoute({
  path: '/workload/agents',
  summary: 'Agents overview and list (seed 3.4)',
  description:
    'The list is unpaginated as in the seed: every agent up to `limit` (default and most 500), ' +
    'with `pagination` beside it.',
  query: fullListQuery,
  response: z.object({
    timestamp: z.string(),
    summary: z.object({
      total: z.number(),
      active: z.number(),
      busy: z.number(),
      inactive: z.number(),
      performance: z.object({
        totalTasks: nullableNumber,
        completed: nullableNumber,
        failed: nullableNumber,
        successRate: nullableNumber,
        avgResponseTime: nullableNumber,
      }),
      activity24h: z.object({ tasksExecuted: nullableNumber, conversations: nullableNumber, messages: nullableNumber }),
    }),
    agents: z.array(agentItem),
    pagination: paginationSchema,
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.agents,
  async handle(ctx, _params, query) {
    const reading = await readingOf(ctx);
    const s = await agentSeries(ctx, reading);
    const st = statusBy(s.status, 'agent_id');
    const withoutLatency: string[] = [];
    const agents = byName(
      s.info.map((i) => {
        const id = i.metric.agent_id!;
        const total = s.tasks.get(id)?.value ?? 0;
        const failed = s.failures.get(id)?.value ?? 0;
        const v = (m: Map<string, Sample>) => m.get(id)?.value ?? null;
        const latency = latencyOf('agents[].avgResponseTime', total, v(s.latencyCount), v(s.latencySum));
        if (latency.gap) withoutLatency.push(id);
        return {
          _id: id,
          agentId: id,
          name: i.metric.agent_name ?? '',
          status: st.get(id) ?? 'unknown',
          totalTasks: total,
          completedTasks: total - failed,
          failedTasks: failed,
          avgResponseTime: latency.avg,
          lastTask: isoOfSeconds(s.lastTask.get(id)?.value),
        };
      }),
    );
    const counts = byLabel(s.status, 'status');
    const sumValues = (m: Map<string, Sample>) => [...m.values()].reduce((n, x) => n + x.value, 0);
    const totalTasks = sumValues(s.tasks);
    const totalFailed = sumValues(s.failures);
    const field = 'summary.performance.avgResponseTime';
    const latency = latencyOf(field, totalTasks, sumValues(s.latencyCount), sumValues(s.latencySum));
    const page = paginate(agents, query.page, query.limit);
    return {
      timestamp: ctx.now.toISOString(),
      summary: {
        total: agents.length,
        active: counts.get('active') ?? 0,
        busy: counts.get('busy') ?? 0,
        inactive: counts.get('inactive') ?? 0,
        performance: {
          totalTasks,
          completed: totalTasks - totalFailed,
          failed: totalFailed,
          successRate: totalTasks ? round(100 * (1 - totalFailed / totalTasks)) : null,
          avgResponseTime: latency.avg,
        },
        activity24h: {
          tasksExecuted: round(s.tasks24h, 0),
          conversations: round(s.conversations24h, 0),
          messages: round(s.messages24h, 0),
        },
      },
      agents: page.items,
      pagination: page.pagination,
      metadata: {
        sources: [reading.source],
        unavailable: gapsOf(latency.gap, listLatencyGap('agents[].avgResponseTime', withoutLatency)),
        units: {
          avgResponseTime: 'milliseconds',
          successRate: 'percent',
          lastTask: "ISO time of the agent's last assistant message",
        },
        notes: [
          '"All time" task counts are the exporter\'s counters: since it started, or over history with COUNT_EVENTS_FROM=all.',
        ],
      },
    };
  },
});
