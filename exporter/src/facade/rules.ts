/**
 * Whether the PromQL store holds the recording rules' series. Prometheus with the project's rules
 * does; a store without a rule evaluator (VictoriaMetrics without vmalert, a bare Prometheus) does
 * not, and then the facade reads the raw series. One probe per store, remembered for a minute, so a
 * rule evaluator that starts or stops is noticed without a probe per request.
 */
import { facade as q } from '../../../queries/index.js';
import type { PrometheusApi, Sample } from './prometheus.js';
import type { FacadeContext } from './route.js';

const REMEMBER_MS = 60_000;

const probes = new WeakMap<PrometheusApi, { until: number; rules: Promise<boolean> }>();

/** True when the store answers the recorded probe series (queries/facade.ts `rulesProbe`). */
export function recordingRules(prom: PrometheusApi, now = Date.now()): Promise<boolean> {
  const known = probes.get(prom);
  if (known && known.until > now) return known.rules;
  const rules = prom.query(q.rulesProbe()).then((samples) => samples.length > 0);
  probes.set(prom, { until: now + REMEMBER_MS, rules });
  // A failed probe is not remembered: the request fails (Prometheus is down) and the next one probes again.
  rules.catch(() => probes.delete(prom));
  return rules;
}

/** How a request reads rule-backed figures, and how `metadata.sources` names it. */
export interface Reading {
  rules: boolean;
  source: 'prometheus:recording-rules' | 'prometheus:raw';
}

/**
 * The reading for this request. Rules hold per-org sums and counts, so they answer for one org and
 * for every org alike (averages are sum / count: queries/facade.ts `onlineAverage`).
 */
export async function readingOf(ctx: FacadeContext): Promise<Reading> {
  const rules = await recordingRules(ctx.prom);
  return {
    rules,
    source: rules ? 'prometheus:recording-rules' : 'prometheus:raw',
  };
}

/**
 * Runs a figure's query, given both its forms (`build(true)` reads a rule, `build(false)` the raw
 * series): the rule where rules run, and the raw series where they do not, or where the rule has
 * no answer yet (a rule evaluated after the series it reads appeared: right after a start, or for
 * a new org). Figures without a rule have one form and cost one query.
 */
export async function ruleOrRaw(
  ctx: FacadeContext,
  reading: Reading,
  build: (rules: boolean) => string,
): Promise<Sample[]> {
  const raw = build(false);
  if (!reading.rules) return ctx.prom.query(raw);
  const fromRule = build(true);
  if (fromRule === raw) return ctx.prom.query(raw);
  const samples = await ctx.prom.query(fromRule);
  return samples.length > 0 ? samples : ctx.prom.query(raw);
}
