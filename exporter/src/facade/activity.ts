/** Agent and deployment activity over a window, shared by /overview and /workload/agents. */
import { M, facade as q } from '../../../queries/index.js';
import { scalar } from './prometheus.js';
import { allOf, latencyOf, round, type FacadeContext } from './route.js';
import { ruleOrRaw, type Reading } from './rules.js';
import { orgMatcher } from './scope.js';

/** Requests, tasks, failures and response time over `window`: totals over the caller's orgs. */
export async function activity(ctx: FacadeContext, window: string, reading: Reading) {
  const s = orgMatcher(ctx.scope);
  const get = (expr: string) => ctx.prom.query(expr).then(scalar);
  const figure = (build: (rules: boolean) => string) => ruleOrRaw(ctx, reading, build).then(scalar);
  // Increases are sums: the per-org rules (24h) answer for one org and for all of them alike.
  const r = await allOf({
    requests: figure((rules) => q.increaseOf(M.deploymentRequests, s, window, rules)),
    tasks: figure((rules) => q.increaseOf(M.agentTasks, s, window, rules)),
    failures: figure((rules) => q.increaseOf(M.agentTaskFailures, s, window, rules)),
    latencySum: get(q.histogramIncrease(M.agentLatency, 'sum', s, window)),
    latencyCount: get(q.histogramIncrease(M.agentLatency, 'count', s, window)),
  });
  const latency = latencyOf('activity.avgResponseTime', r.tasks, r.latencyCount, r.latencySum);
  return {
    inferenceRequests: round(r.requests, 0),
    agentTasks: round(r.tasks, 0),
    failedTasks: round(r.failures, 0),
    avgResponseTime: latency.avg,
    successRate: r.tasks ? round(100 * (1 - (r.failures ?? 0) / r.tasks)) : null,
    latencyGap: latency.gap,
  };
}
