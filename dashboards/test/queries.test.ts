/**
 * Runs every panel query and every variable query of every dashboard against a real Prometheus
 * fed by the exporter, a fleet shaped as AIWM's write paths store it, and the dcgm-exporter fixture
 * scrapes joined to that fleet's GPU nodes by host name (Grafana itself cannot be installed here).
 */
import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../testing/fleet/index.js';
import { waitFor } from '../../testing/ports.js';
import { startStack, type Stack } from '../../testing/stack.js';
import { DASHBOARDS, panelsOf } from '../index.js';
import { UID } from '../lib.js';

/** Panel queries that may legitimately return nothing for the test fleet, with the reason. */
const MAY_BE_EMPTY: Record<string, string> = {};

let stack: Stack;
const vars: Record<string, string> = { org: '.*', availability: '.*' };

/** Waits until `expr` returns something; the recording rules need a few evaluations after a scrape. */
async function waitForSeries(p: Stack['prometheus'], what: string, expr: string): Promise<void> {
  await waitFor(what, async () => ((await p.query(expr)).length > 0 ? true : undefined), 60_000, 500);
}

/** The first label value `expr` returns. */
async function first(p: Stack['prometheus'], expr: string, label: string): Promise<string> {
  const value = (await p.query(expr))[0]?.metric[label];
  if (!value) throw new Error(`no ${label} from ${expr}`);
  return value;
}

const idOf = (doc: Document) => String(doc._id);

/** The write-path fleet runs its busiest deployment on the dcgm-joined H100 node (testing/fleet/write-paths.ts). */
function deploymentOnTheH100(fleet: Fleet): string {
  const onH100 = fleet.collections.deployments.find((d) => d.nodeId === fleet.scenario.dcgmH100NodeId);
  if (!onH100) throw new Error('the write-path fleet has no deployment on the dcgm H100 scenario node');
  return idOf(onH100);
}

beforeAll(async () => {
  stack = await startStack({ dcgm: true, fleet: { writePaths: true } });
  vars.deployment = deploymentOnTheH100(stack.fleet);
  const p = stack.prometheus;
  // Enough scrapes and rule evaluations for rates, recording rules (the dcgm join among them) and alerts.
  const p95 = `deployment:aiwm_deployment_response_latency_seconds:p95_5m{deployment_id="${vars.deployment}"}`;
  await waitForSeries(p, 'recorded latency quantiles', p95);
  await waitForSeries(p, 'firing alerts', 'ALERTS{alertstate="firing", severity!="none"}');
  await waitForSeries(p, 'monitoring alerts firing', 'ALERTS{alertstate="firing", severity!="none", org_id=""}');
  await waitForSeries(p, 'dcgm clock event reasons joined', 'gpu:aiwm_gpu_clock_event_reasons:unified');
  await waitForSeries(p, 'online GPU average', 'org:aiwm_gpu_utilization_ratio:avg_online');
  vars.node = stack.fleet.scenario.dcgmH100NodeId;
  vars.agent = await first(p, 'topk(1, sum by (agent_id) (aiwm_agent_tasks_total))', 'agent_id');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** What Grafana would send: variables and interval macros filled in. */
function fill(expr: string, overrides: Record<string, string> = {}): string {
  const values = { ...vars, ...overrides };
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$([a-z]+)/g, (whole, name: string) => values[name] ?? whole);
}

const cases = DASHBOARDS.flatMap((make) => {
  const d = make();
  return panelsOf(d)
    .filter((p) => p.type !== 'row')
    .flatMap((p) =>
      ((p.targets ?? []) as Array<{ expr: string; refId: string }>).map((t) => ({
        key: `${d.uid}/${p.id}`,
        title: `${d.uid} #${p.id} ${p.title} (${t.refId})`,
        expr: t.expr,
      })),
    );
});

/** A panel's query as the test runs it. */
const queryOf = (uid: string, id: number, refId = 'A'): string => {
  const d = DASHBOARDS.map((make) => make()).find((x) => x.uid === uid)!;
  const panel = panelsOf(d).find((p) => p.id === id)!;
  return ((panel.targets ?? []) as Array<{ expr: string; refId: string }>).find((t) => t.refId === refId)!.expr;
};

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

describe('status classes and dcgm-exporter GPUs in the panels', () => {
  const run = (expr: string, overrides: Record<string, string> = {}) => stack.prometheus.query(fill(expr, overrides));
  /** A panel's result as `{ gpu: value }`. */
  const byGpu = async (expr: string, overrides: Record<string, string> = {}) =>
    Object.fromEntries((await run(expr, overrides)).map((s) => [s.metric.gpu!, s.value[1]]));
  const sourcesOf = async (node: string) =>
    (await run(queryOf(UID.nodeDetail, 17), { node })).map((s) => [s.metric.source, s.value[1]]);

  it('lists a heartbeating "healthy" node as online, with its raw status and class', async () => {
    const h100 = { node: stack.fleet.scenario.dcgmH100NodeId };
    expect((await run(queryOf(UID.nodeDetail, 16), h100)).map((s) => s.metric.availability)).toEqual(['online']);
    const [status] = await run(queryOf(UID.nodeDetail, 1), h100);
    expect([status?.metric.status, status?.metric.class]).toEqual(['healthy', 'up']);
    expect((await run(queryOf(UID.nodeDetail, 15), h100)).map((s) => s.metric.state)).toEqual(['fresh']);
  });

  it('shows "never" for a node that never heartbeated: heartbeat state never, no heartbeat age', async () => {
    const never = { node: stack.fleet.scenario.neverHeartbeatNodeId };
    expect((await run(queryOf(UID.nodeDetail, 15), never)).map((s) => s.metric.state)).toEqual(['never']);
    expect(await run(queryOf(UID.nodeDetail, 2), never)).toEqual([]);
    expect((await run(queryOf(UID.nodeDetail, 16), never)).map((s) => s.metric.availability)).toEqual(['offline']);
  });

  it("shows the H100 node's eight GPUs from dcgm-exporter with model, uuid and telemetry", async () => {
    const info = await run(queryOf(UID.nodeDetail, 20, 'A'));
    expect(info).toHaveLength(8);
    for (const gpu of info) {
      expect(gpu.metric).toMatchObject({ source: 'dcgm', model: 'NVIDIA H100 80GB HBM3' });
      expect(gpu.metric.uuid).toMatch(/^GPU-[0-9a-f-]{36}$/);
    }
    expect((await byGpu(queryOf(UID.nodeDetail, 20, 'C')))['3']).toBe('87');
    for (const ref of ['B', 'D', 'E', 'F']) expect(await run(queryOf(UID.nodeDetail, 20, ref)), ref).toHaveLength(8);
    expect(await sourcesOf(stack.fleet.scenario.dcgmH100NodeId)).toEqual([['dcgm', '8']]);
  });

  it('joins the A100 node through its short host name', async () => {
    expect(await sourcesOf(stack.fleet.scenario.dcgmA100NodeId)).toEqual([['dcgm', '2']]);
  });

  it("shows GPU 5's XID 94 and remapped row, and GPU 3's thermal clock event", async () => {
    expect(await byGpu(queryOf(UID.nodeDetail, 21))).toMatchObject({ '5': '94', '0': '0' });
    expect(await byGpu(queryOf(UID.nodeDetail, 23))).toMatchObject({ '5': '1', '0': '0' });
    expect(Object.values(await byGpu(queryOf(UID.nodeDetail, 22))).every((v) => v === '0')).toBe(true);
    const reasons = (await run(queryOf(UID.nodeDetail, 24))).map((s) => `${s.metric.gpu}:${s.metric.reason}`).sort();
    expect(reasons).toEqual(['3:sw_thermal', '5:gpu_idle']);
    expect(Number((await run(queryOf(UID.overview, 22)))[0]!.value[1])).toBeGreaterThanOrEqual(1);
  });

  it('shows a node with no GPU data as "none" rather than nothing', async () => {
    expect(await sourcesOf(stack.fleet.scenario.neverHeartbeatNodeId)).toEqual([['none', '0']]);
  });

  it('flags the node written in GB', async () => {
    const gb = { node: stack.fleet.scenario.gbUnitsNodeId };
    const fields = (await run(queryOf(UID.nodeDetail, 18), gb)).map((s) => s.metric.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['diskTotal', 'ramTotal']));
  });

  it('filters the node list by availability', async () => {
    const online = await run(queryOf(UID.nodes, 12, 'A'), { availability: '(online)' });
    const ids = new Set(online.map((s) => s.metric.node_id));
    expect(ids.has(stack.fleet.scenario.dcgmH100NodeId)).toBe(true);
    expect(ids.has(stack.fleet.scenario.neverHeartbeatNodeId)).toBe(false);
  });

  it('tops the hottest-GPU table with H100 GPU 3 at 87 °C, thermally throttled, every column on the same GPUs', async () => {
    const h100 = stack.fleet.scenario.dcgmH100NodeId;
    const hottest = await run(queryOf(UID.overview, 26, 'A'));
    expect(hottest[0]?.metric).toMatchObject({ node_id: h100, gpu: '3', model: 'NVIDIA H100 80GB HBM3' });
    expect(hottest[0]?.value[1]).toBe('87');
    expect(hottest.length).toBeLessThanOrEqual(10);
    const onH100 = (ref: string) =>
      byGpu(`(${queryOf(UID.overview, 26, ref)}) and on (node_id) aiwm_node_info{node_id="${h100}"}`);
    expect(await onH100('E')).toMatchObject({ '3': '1', '0': '0' });
    expect(await onH100('F')).toMatchObject({ '5': '94' });
    const rows = new Set(hottest.map((s) => `${s.metric.node_id}/${s.metric.gpu}`));
    for (const ref of ['B', 'C', 'D', 'E', 'F', 'G', 'H'])
      for (const s of await run(queryOf(UID.overview, 26, ref)))
        expect(rows.has(`${s.metric.node_id}/${s.metric.gpu}`), ref).toBe(true);
  });

  it('shows the never-heartbeated and the offline node on the nodes-not-online timeline, never an online one', async () => {
    const out = Object.fromEntries((await run(queryOf(UID.overview, 25))).map((s) => [s.metric.node_id, s]));
    const { neverHeartbeatNodeId, offlineNodeId, dcgmH100NodeId } = stack.fleet.scenario;
    expect(out[neverHeartbeatNodeId]?.value[1]).toBe('1');
    expect(out[neverHeartbeatNodeId]?.metric.node_name).toBeTruthy();
    expect(out[offlineNodeId]?.value[1]).toBe('1');
    expect(out[dcgmH100NodeId]).toBeUndefined();
  });

  it('lists firing alerts with a positive firing-for and a runbook label, and the exporter healthy', async () => {
    const alerts = await run(queryOf(UID.overview, 20));
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(a.metric.__name__).toBeUndefined();
      expect(a.metric.runbook).toBe(a.metric.alertname);
      expect(a.metric.severity).not.toBe('none');
      expect(Number(a.value[1])).toBeGreaterThan(0);
    }
    const down = alerts.filter((a) => a.metric.alertname === 'AIWMNodeDown').map((a) => a.metric.node_id);
    expect(down).toContain(stack.fleet.scenario.neverHeartbeatNodeId);
    const one = { org: stack.fleet.orgIds[0]! };
    for (const a of await run(queryOf(UID.overview, 20), one)) expect(a.metric.org_id).toBe(one.org);
    expect((await run(queryOf(UID.overview, 23)))[0]?.value[1]).toBe('1');
    expect((await run(queryOf(UID.overview, 19)))[0]?.value[1]).toBe('1');
    expect(Number((await run(queryOf(UID.overview, 24)))[0]?.value[1])).toBeLessThan(300);
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
          const text = (r: (typeof result)[number]) =>
            `${r.metric.__name__}{${Object.keys(r.metric)
              .filter((k) => k !== '__name__')
              .sort()
              .map((k) => `${k}="${r.metric[k]}"`)
              .join(', ')}}`;
          for (const r of result) expect(re.exec(text(r))?.groups?.value, text(r)).toMatch(/^[0-9a-f]{24}$/);
        }
      }
    }
  });
});

describe('tables and annotations as Grafana would show them', () => {
  const tables = DASHBOARDS.flatMap((make) => {
    const d = make();
    return panelsOf(d)
      .filter((p) => p.type === 'table')
      .map((p) => ({ title: `${d.uid} #${p.id} ${p.title}`, exprs: (p.targets ?? []) as Array<{ expr: string }> }));
  });

  // Grafana keeps `__name__` as a column of an instant table query, and its merge joins rows only
  // where every shared column agrees: two targets with different names would show an entity twice.
  it.each(tables.map((t) => [t.title, t] as const))('%s merges into one row per entity', async (_title, t) => {
    const results = await Promise.all(t.exprs.map((e) => stack.prometheus.query(fill(e.expr))));
    for (const [i, result] of results.entries()) {
      for (const series of result) expect(series.metric.__name__, `${fill(t.exprs[i]!.expr)}`).toBeUndefined();
    }
    const keys = results.map((r) => new Set(r.flatMap((s) => Object.keys(s.metric).filter((k) => k.endsWith('_id')))));
    const shared = [...keys[0]!].filter((k) => keys.every((set) => set.has(k)));
    if (results.length > 1) expect(shared.length, 'an entity id every target carries').toBeGreaterThan(0);
  });

  it('runs the alert annotation of every dashboard', async () => {
    for (const make of DASHBOARDS) {
      const d = make();
      for (const a of (d.annotations?.list ?? []).filter((x) => x.expr)) {
        const result = await stack.prometheus.query(fill(a.expr!));
        expect(result.length, `${d.uid} ${a.name}`).toBeGreaterThan(0);
      }
    }
  });
});
