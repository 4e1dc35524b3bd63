/**
 * Every recording rule has a reader, and every query whose computation a recording rule holds reads
 * the rule instead of recomputing it. Readers: dashboard panels and variables, alert expressions, the
 * seed-figure docs (all built by queries/), the facade's source text, and other rules that are read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERTS } from '../../alerts/src/render.js';
import { RECORDING_GROUPS } from '../../alerts/src/recording.js';
import { DASHBOARDS, panelsOf } from '../../dashboards/index.js';
import { CATALOG } from '../../exporter/src/metrics/catalog.js';
import { SEED_FIGURES } from '../../exporter/src/metrics/seed-figures.js';
import { SelfMetrics } from '../../exporter/src/metrics/self.js';
import { EXPORTER, GPU, M, RULE, facade, oneOf } from '../index.js';
import { increaseOver, ratePerSecond } from '../workloads.js';

const root = new URL('../../', import.meta.url).pathname;
const rules = RECORDING_GROUPS.flatMap((g) => g.rules);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every expression queries/ produced for a consumer, with where it is read. */
function readers(): Array<{ where: string; text: string }> {
  const dashboards = DASHBOARDS.map((make) => make()).flatMap((d) => [
    ...panelsOf(d).flatMap((p) =>
      ((p.targets ?? []) as Array<{ expr: string }>).map((t) => ({ where: `${d.uid} ${p.title}`, text: t.expr })),
    ),
    ...(d.templating?.list ?? []).map((v) => ({ where: `${d.uid} $${v.name}`, text: String(v.query ?? '') })),
  ]);
  const alerts = ALERTS.map((a) => ({ where: a.alert, text: a.expr }));
  const seed = SEED_FIGURES.map((f) => ({ where: `seed ${f.seed}`, text: `${f.promql ?? ''} ${f.note ?? ''}` }));
  return [...dashboards, ...alerts, ...seed];
}

const facadeSource = filesUnder(`${root}exporter/src/facade`).map((f) => ({
  where: f.slice(root.length),
  text: readFileSync(f, 'utf8'),
}));

/**
 * The facade's rule-backed figures as it sends them where rules run, for one org (the per-org
 * sums and counts) and for one deployment (the 5-minute rates): queries/facade.ts builds them.
 */
function facadeReads(): Array<{ where: string; text: string }> {
  const org = 'org_id="org-a"';
  const deployment = 'org_id="org-a", deployment_id="d1"';
  const node = 'org_id="org-a", node_id="n1"';
  const reads = {
    onlineCpu: facade.onlineCpu(org, true),
    onlineRam: facade.onlineRam(org, true),
    onlineGpu: facade.onlineGpu(org, true),
    nodesByRole: facade.nodesByRole(org, true),
    gpusBySource: facade.gpusBySource(org, true),
    resources: facade.resourcesByStatusAndType(org, true),
    executions: facade.executionsByStatus(org, true),
    gpusActive: facade.gpusActive(org, true),
    nodeGpuUtilization: facade.gpuUtilizationOf(node, true),
    nodeGpuMemoryUsed: facade.gpuMemoryUsedOf(node, true),
    requests24h: facade.increaseOf(M.deploymentRequests, org, '24h', true),
    tasks24h: facade.increaseOf(M.agentTasks, org, '24h', true),
    requestRate: facade.rateOf(M.deploymentRequests, deployment, '5m', true),
    tokenRate: facade.rateOf(M.deploymentTokens, deployment, '5m', true),
  };
  return Object.entries(reads).map(([name, text]) => ({ where: `facade ${name}`, text }));
}

const mentions = (text: string, name: string) =>
  new RegExp(`(?<![\\w:])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w:])`).test(text);

/** Selectors and whitespace do not change what is computed: compare expressions without them. */
const normalise = (expr: string) => expr.replace(/\{[^}]*\}/g, '').replace(/\s+/g, ' ');

/**
 * What a rule computes from raw series, as it would appear inside a query that recomputes it: the
 * range function over a raw series (`rate(x[5m])`), or the online-node join of an online average.
 * A ratio rule records the ratio, not its numerator: its parts are recorded (or not) on their own.
 */
function coreOf(expr: string): string | undefined {
  if (expr.includes(' / ')) return undefined;
  const range = /\b(?:rate|increase)\((\w+)(?:\{[^}]*\})?\[\w+\]\)/.exec(expr);
  if (range && !range[1]!.includes(':')) return normalise(range[0]);
  const online = /^avg by \(org_id\) \((.*)\)$/.exec(expr);
  return online ? normalise(online[1]!) : undefined;
}

describe('recording rules', () => {
  it('every rule has a reader: a dashboard, an alert, a seed figure, the facade, or a rule that is read', () => {
    const direct = [...readers(), ...facadeReads(), ...facadeSource];
    const read = new Set(rules.filter((r) => direct.some((d) => mentions(d.text, r.record))).map((r) => r.record));
    // Rules read by read rules (the GPU join's intermediate series, recorded histogram buckets).
    for (let grew = true; grew;) {
      grew = false;
      for (const r of rules) {
        if (read.has(r.record) || !rules.some((q) => read.has(q.record) && mentions(q.expr, r.record))) continue;
        read.add(r.record);
        grew = true;
      }
    }
    expect(rules.map((r) => r.record).filter((r) => !read.has(r))).toEqual([]);
  });

  it('every rule name comes from queries/names.ts, once', () => {
    const names = rules.map((r) => r.record);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(names)).toEqual(new Set([...Object.values(RULE), ...Object.values(GPU)]));
  });

  it('no query recomputes what a rule records', () => {
    const cores = rules.flatMap((r) => {
      const core = coreOf(r.expr);
      return core ? [{ record: r.record, core }] : [];
    });
    expect(cores.length).toBeGreaterThan(10);
    for (const { where, text } of [...readers(), ...facadeReads()])
      for (const { record, core } of cores)
        expect(normalise(text), `${where} recomputes ${record}`).not.toContain(core);
  });

  it('the generic counter queries read a rule for every window and label set one records', () => {
    const counters = CATALOG.filter((m) => m.type === 'counter');
    const cores = rules.flatMap((r) => {
      const core = coreOf(r.expr);
      return core ? [{ record: r.record, core }] : [];
    });
    const selectors = ['', oneOf('org_id', '$org'), 'deployment_id="d1"', 'agent_id="a1"', 'category="model"'];
    for (const m of counters)
      for (const window of ['5m', '30m', '24h', '$__range'])
        for (const s of selectors)
          for (const q of [increaseOver(m, s, window), ratePerSecond(m, s, window)]) {
            for (const { record, core } of cores) {
              const recomputes = normalise(q).includes(core);
              // Recomputing is fine only where the rule cannot answer: the selector uses a label it drops.
              const rule = rules.find((r) => r.record === record)!;
              const keeps = /by \(([^)]*)\)/.exec(rule.expr)![1]!.split(', ');
              const answerable = [...s.matchAll(/(\w+)=/g)].every((x) => keeps.includes(x[1]!));
              if (recomputes && answerable) expect.fail(`${q} recomputes ${record}`);
            }
          }
  });
});

describe('series names', () => {
  it("the exporter's own metric names queries/ uses are registered by the exporter", () => {
    const registered = new SelfMetrics('test').registry.getMetricsAsArray().map((m) => (m as { name: string }).name);
    for (const name of Object.values(EXPORTER)) expect(registered).toContain(name);
  });
});
