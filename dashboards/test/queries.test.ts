/**
 * Runs every panel query and every variable query of every dashboard against a real Prometheus
 * fed by the exporter and a generated fleet (Grafana itself cannot be installed here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../exporter/test/support/ports.js';
import { startStack, type Stack } from '../../exporter/test/support/stack.js';
import { DASHBOARDS, panelsOf } from '../index.js';

/** Panel queries that may legitimately return nothing for the test fleet, with the reason. */
const MAY_BE_EMPTY: Record<string, string> = {};

let stack: Stack;
const vars: Record<string, string> = { org: '.*' };

beforeAll(async () => {
  stack = await startStack();
  const p = stack.prometheus;
  // Enough scrapes and rule evaluations for rates, recording rules and alerts to exist.
  await waitFor('recorded latency quantiles and firing alerts', async () => {
    const [quantiles, alerts] = await Promise.all([p.query('deployment:aiwm_deployment_response_latency_seconds:p95_5m'), p.query('ALERTS{alertstate="firing", severity!="none"}')]);
    return quantiles.length > 0 && alerts.length > 0 ? true : undefined;
  }, 60_000, 500);
  // Entities that exercise every panel: a node with GPU telemetry that runs a deployment, the busiest deployment and agent.
  const [node] = await p.query('count by (node_id) (aiwm_gpu_power_usage_watts) and on (node_id) count by (node_id) (aiwm_deployment_info)');
  vars.node = node?.metric.node_id ?? stack.fleet.scenario.hotGpuNodeId;
  vars.deployment = (await p.query('topk(1, sum by (deployment_id) (aiwm_deployment_responses_total))'))[0]!.metric.deployment_id!;
  vars.agent = (await p.query('topk(1, sum by (agent_id) (aiwm_agent_tasks_total))'))[0]!.metric.agent_id!;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** What Grafana would send: variables and interval macros filled in. */
function fill(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$([a-z]+)/g, (whole, name: string) => vars[name] ?? whole);
}

const cases = DASHBOARDS.flatMap((make) => {
  const d = make();
  return panelsOf(d)
    .filter((p) => p.type !== 'row')
    .flatMap((p) => ((p.targets ?? []) as Array<{ expr: string; refId: string }>).map((t) => ({ key: `${d.uid}/${p.id}/${t.refId}`, title: `${d.uid} #${p.id} ${p.title} (${t.refId})`, expr: t.expr })));
});

describe('panel queries against the real Prometheus', () => {
  it('covers every target of every dashboard', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map((c) => [c.title, c] as const))('%s returns data', async (_title, c) => {
    const result = await stack.prometheus.query(fill(c.expr));
    if (MAY_BE_EMPTY[c.key]) return;
    expect(result.length, fill(c.expr)).toBeGreaterThan(0);
  });
});

describe('variable queries', () => {
  it('label_values and query_result variables resolve against the fleet', async () => {
    for (const make of DASHBOARDS) {
      const d = make();
      for (const v of (d.templating?.list ?? []).filter((x) => x.type === 'query')) {
        const q = v.query as string;
        const labelValues = /^label_values\((.+), ([a-z_]+)\)$/.exec(q);
        const queryResult = /^query_result\((.+)\)$/.exec(q);
        const expr = fill(labelValues ? labelValues[1]! : queryResult![1]!);
        const result = await stack.prometheus.query(expr);
        expect(result.length, `${d.uid} $${v.name}`).toBeGreaterThan(0);
        if (v.regex) {
          // Grafana applies the regex to each series as Prometheus formats it (labels sorted by name).
          const re = new RegExp((v.regex as string).slice(1, -1));
          const text = (r: (typeof result)[number]) => `${r.metric.__name__}{${Object.keys(r.metric).filter((k) => k !== '__name__').sort().map((k) => `${k}="${r.metric[k]}"`).join(', ')}}`;
          for (const r of result) expect(re.exec(text(r))?.groups?.value, text(r)).toMatch(/^[0-9a-f]{24}$/);
        }
      }
    }
  });
});
