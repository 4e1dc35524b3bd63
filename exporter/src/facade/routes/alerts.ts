/** GET /alerts (active alerts) and /alerts/history (the ALERTS series over a period). */
import { z } from 'zod';
import { facade as q } from '../../../../queries/index.js';
import { alertSchema, countBySeverity, visibleAlerts } from '../health.js';
import { PERIODS, noQuery, rangeOf, seriesQuery } from '../params.js';
import type { Series } from '../prometheus.js';
import { counts, defineRoute, metadataSchema, seriesEcho } from '../route.js';
import { orgMatcher } from '../scope.js';

export const alertsRoute = defineRoute({
  path: '/alerts',
  summary: 'Active alerts',
  query: noQuery,
  response: z.object({
    timestamp: z.string(),
    summary: counts(['critical', 'warning', 'info']),
    alerts: z.array(alertSchema),
    metadata: metadataSchema,
  }),
  cacheMs: 15_000,
  rows: (r) =>
    r.alerts.map((a) => ({
      name: a.name,
      severity: a.severity,
      state: a.state,
      orgId: a.orgId,
      nodeId: a.nodeId,
      activeAt: a.activeAt,
      message: a.message,
    })),
  async handle(ctx) {
    const alerts = await visibleAlerts(ctx);
    return {
      timestamp: ctx.now.toISOString(),
      summary: countBySeverity(alerts.alerts),
      alerts: alerts.alerts,
      metadata: { sources: [alerts.source], unavailable: [] },
    };
  },
});

/** One alert series' first and last firing step, and how long it fired. */
function historyItem(s: Series, step: number) {
  const { __name__: _n, alertstate: _a, ...labels } = s.metric;
  return {
    name: labels.alertname ?? 'unknown',
    severity: labels.severity ?? 'none',
    orgId: labels.org_id ?? null,
    nodeId: labels.node_id ?? null,
    labels,
    firstSeen: new Date(s.values[0]![0] * 1000).toISOString(),
    lastSeen: new Date(s.values.at(-1)![0] * 1000).toISOString(),
    firingSeconds: s.values.length * step,
  };
}

export const alertHistoryRoute = defineRoute({
  path: '/alerts/history',
  summary: 'Alert history from the ALERTS series',
  query: seriesQuery,
  response: z.object({
    timestamp: z.string(),
    period: z.string(),
    ...seriesEcho,
    alerts: z.array(
      z.object({
        name: z.string(),
        severity: z.string(),
        orgId: z.string().nullable(),
        nodeId: z.string().nullable(),
        labels: z.record(z.string(), z.string()),
        firstSeen: z.string(),
        lastSeen: z.string(),
        firingSeconds: z.number(),
      }),
    ),
    metadata: metadataSchema,
  }),
  cacheMs: 60_000,
  rows: (r) => r.alerts.map(({ labels: _l, ...rest }) => rest),
  async handle(ctx, _params, query) {
    const range = rangeOf(query.period, query.interval, ctx.now);
    const { start, end, step } = range;
    // Platform-wide alerts carry no org_id: administrators see them, an org sees only its own.
    const org = ctx.scope.kind === 'all' ? '' : orgMatcher(ctx.scope);
    const series = await ctx.prom.queryRange(q.firingAlertHistory(org), start, end, step);
    return {
      timestamp: ctx.now.toISOString(),
      period: query.period,
      interval: range.interval,
      requestedInterval: range.requestedInterval,
      alerts: series
        .filter((s) => s.values.length > 0)
        .map((s) => historyItem(s, step))
        .sort((a, b) => (a.firstSeen < b.firstSeen ? 1 : -1)),
      metadata: {
        sources: ['prometheus:ALERTS'],
        unavailable: [],
        notes: [
          `firingSeconds counts evaluation steps of ${step} s in which the alert fired ` +
            `(period ${PERIODS[query.period]} s).`,
          ...(range.widenedNote ? [range.widenedNote] : []),
        ],
      },
    };
  },
});
