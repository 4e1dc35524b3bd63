/** GET /health: the health score and whether Prometheus, the exporter and its MongoDB answer. */
import { z } from 'zod';
import { facade as q, monitoring } from '../../../../queries/index.js';
import { countBySeverity, systemHealth, visibleAlerts } from '../health.js';
import { noQuery } from '../params.js';
import { scalar } from '../prometheus.js';
import { allOf, counts, defineRoute, metadataSchema } from '../route.js';

const state = (v: number | null) => (v === null ? 'unknown' : v === 1 ? 'up' : 'down');

export const healthRoute = defineRoute({
  path: '/health',
  summary: 'System health',
  description:
    'systemHealth = 100 - 20 x critical - 5 x warning - 1 x info firing alerts (min 0); 0 while the exporter cannot read MongoDB.',
  query: noQuery,
  response: z.object({
    timestamp: z.string(),
    systemHealth: z.number(),
    components: z.object({ prometheus: z.string(), exporter: z.string(), mongodb: z.string() }),
    alerts: counts(['critical', 'warning', 'info']),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx) {
    const r = await allOf({
      up: ctx.prom.query(q.exporterUp()).then(scalar),
      sourceUp: ctx.prom.query(monitoring.exporterSourceUp()).then(scalar),
      alerts: visibleAlerts(ctx),
    });
    const severity = countBySeverity(r.alerts.alerts);
    return {
      timestamp: ctx.now.toISOString(),
      systemHealth: systemHealth(severity, r.sourceUp === 1),
      components: { prometheus: 'up', exporter: state(r.up), mongodb: state(r.sourceUp) },
      alerts: severity,
      metadata: { sources: ['prometheus', r.alerts.source], unavailable: [] },
    };
  },
});
