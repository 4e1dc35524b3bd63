/**
 * Lints the generated dashboards in the spirit of Grafana's dashboard-linter, and checks the
 * committed JSON is what the generators produce.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderRecordingRules } from '../../alerts/src/render.js';
import { CATALOG } from '../../exporter/src/metrics/catalog.js';
import { DASHBOARDS, DASHBOARD_DIR, panelsOf, renderDashboard } from '../index.js';
import { PROMETHEUS_UID, RETIRED } from '../lib.js';

const root = new URL('../../', import.meta.url).pathname;
const boards = DASHBOARDS.map((make) => make());
const uids = new Set(boards.map((b) => b.uid));
const counters = new Set(CATALOG.filter((m) => m.type === 'counter').map((m) => m.name));

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
const targetsOf = (p: Record<string, unknown>) => (p.targets ?? []) as Target[];

/** Every series a dashboard may read: the exporter's catalog (histograms with their parts) and the rules. */
const histogramParts = (name: string) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
const known = new Set([
  ...CATALOG.flatMap((m) => (m.type === 'histogram' ? histogramParts(m.name) : [m.name])),
  ...[...renderRecordingRules().matchAll(/record: (\S+)/g)].map((m) => m[1]!),
]);
/** Node series the exporter no longer emits: nothing writes websocketConnected; liveness is a state set now. */
const REMOVED = ['aiwm_node_websocket_connected', 'aiwm_node_heartbeat_stale'];

/** Metric names in an expression that belong to AIWM or dcgm-exporter (label values in quotes are skipped). */
const METRIC = /(?<![\w:"])(?:[A-Za-z_:][\w:]*aiwm_[\w:]*|aiwm_[\w:]*|DCGM_\w*)/g;
const metricsIn = (expr: string) => [...expr.matchAll(METRIC)].map((m) => m[0]);

/** Panel targets and query-variable queries, each with where it comes from. */
function queriesOf(board: (typeof boards)[number]): Array<{ where: string; expr: string }> {
  const panels = panelsOf(board).flatMap((p) => targetsOf(p).map((t) => ({ where: `${p.title}`, expr: t.expr })));
  const variables = (board.templating?.list ?? []).filter((v) => v.type === 'query');
  return [...panels, ...variables.map((v) => ({ where: `$${v.name}`, expr: v.query as string }))];
}

describe.each(boards.map((b) => [b.uid!, b] as const))('%s', (uid, board) => {
  const panels = panelsOf(board);
  const visual = panels.filter((p) => p.type !== 'row');

  it('is committed as generated', () => {
    expect(readFileSync(`${root}${DASHBOARD_DIR}/${uid}.json`, 'utf8')).toBe(renderDashboard(board));
  });

  it('has a stable uid, a title, a description, the aiwm tag and is read-only', () => {
    expect(uid).toMatch(/^aiwm-[a-z-]+$/);
    expect(board.title).toMatch(/^AIWM \//);
    expect(board.description!.length).toBeGreaterThan(20);
    expect(board.tags).toContain('aiwm');
    expect(board.editable).toBe(false);
  });

  it('has explicit, unique panel ids and no collapsed rows', () => {
    const ids = panels.map((p) => p.id);
    for (const id of ids) expect(Number.isInteger(id) && id! > 0).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const row of panels.filter((p) => p.type === 'row')) {
      expect(row.collapsed).toBe(false);
      expect(row.panels ?? []).toEqual([]);
    }
  });

  it('queries only through the datasource variable', () => {
    const variables = board.templating!.list!;
    const ds = variables.find((v) => v.name === 'datasource')!;
    expect(ds.type).toBe('datasource');
    expect(ds.query).toBe('prometheus');
    expect((ds.current as { value: string }).value).toBe(PROMETHEUS_UID);
    for (const p of visual) {
      expect((p.datasource as { uid: string }).uid, p.title).toBe('${datasource}');
      expect(targetsOf(p).length, p.title).toBeGreaterThan(0);
      for (const t of targetsOf(p)) expect(t.datasource?.uid, p.title).toBe('${datasource}');
    }
    for (const v of variables.filter((x) => x.type === 'query'))
      expect((v.datasource as { uid: string }).uid).toBe('${datasource}');
  });

  it('refreshes query variables when the time range changes', () => {
    for (const v of board.templating!.list!.filter((x) => x.type === 'query')) expect(v.refresh, v.name).toBe(2);
  });

  it('sets a unit, thresholds, a title and a description on every panel', () => {
    for (const p of visual) {
      const defaults = (p.fieldConfig as { defaults: { unit?: string; thresholds?: { steps: unknown[] } } }).defaults;
      expect(defaults.unit, p.title).toBeTruthy();
      expect(defaults.thresholds?.steps.length, p.title).toBeGreaterThan(0);
      expect(p.title).toBeTruthy();
      expect((p.description as string).length, p.title).toBeGreaterThan(10);
    }
  });

  it('applies rate() and increase() to counters only, with $__rate_interval or $__range', () => {
    for (const p of visual) {
      for (const t of targetsOf(p)) {
        for (const m of t.expr.matchAll(/\b(rate|increase|irate)\(([a-z_:]+)(?:\{[^}]*\})?\[([^\]]+)\]\)/g)) {
          const metric = m[2]!;
          const isCounter = counters.has(metric) || /_(bucket|sum|count)$/.test(metric);
          expect(isCounter, `${p.title}: ${m[0]}`).toBe(true);
          expect(['$__rate_interval', '$__range'], `${p.title}: ${m[0]}`).toContain(m[3]);
        }
        // Every AIWM selector is scoped to the org or to one entity (the exporter's own and cluster-wide
        // series have no org).
        for (const m of t.expr.matchAll(/([a-z_:]*aiwm_[a-z0-9_:]*)(\{[^}]*\})?/g)) {
          if (m[1]!.startsWith('aiwm_exporter_') || m[1]!.startsWith('cluster:')) continue;
          const scoped = /org_id=~"\$org"|_id="\$[a-z]+"/.test(m[2] ?? '') || /\band on\b|\* on\b/.test(t.expr);
          expect(scoped, `${p.title}: ${m[0]} in ${t.expr}`).toBe(true);
        }
      }
    }
  });

  it('reads only series the exporter or the recording rules produce', () => {
    for (const { where, expr } of queriesOf(board)) {
      for (const metric of metricsIn(expr)) {
        if (metric.startsWith('aiwm_exporter_')) continue;
        expect(known.has(metric), `${where}: ${metric} is in neither the catalog nor the rules`).toBe(true);
      }
    }
  });

  it('reads GPUs only through the unified series, and no removed node metric', () => {
    for (const { where, expr } of queriesOf(board)) {
      for (const metric of metricsIn(expr)) {
        // gpu:aiwm_gpu_*:unified and the node:/org: roll-ups are fine; raw AIWM or dcgm-exporter series not.
        expect(metric.startsWith('aiwm_gpu_'), `${where}: raw ${metric}, read gpu:${metric}:unified`).toBe(false);
        expect(metric.startsWith('DCGM_'), `${where}: raw ${metric}`).toBe(false);
        expect(REMOVED, `${where}: ${metric} was removed`).not.toContain(metric);
      }
    }
  });

  it('never gives a retired panel id to a new panel', () => {
    const ids = new Set(panels.map((p) => p.id));
    for (const retired of RETIRED[uid] ?? []) expect(ids.has(retired.id), `${retired.title} ${retired.id}`).toBe(false);
  });

  it('links only to existing dashboards and keeps variables and time range', () => {
    for (const p of visual) {
      const links = ((p.fieldConfig as { defaults: { links?: Array<{ url: string }> } }).defaults.links ?? []).map(
        (l) => l.url,
      );
      for (const url of links) {
        const target = /^\/d\/([a-z-]+)\?/.exec(url)?.[1];
        expect(uids.has(target!), url).toBe(true);
        expect(url).toContain('${datasource:queryparam}');
        expect(url).toContain('${__url_time_range}');
      }
    }
  });
});

describe('dashboard set', () => {
  it('covers the three levels with drill-down to every detail dashboard', () => {
    const linked = new Set(
      boards.flatMap((b) =>
        panelsOf(b).flatMap((p) =>
          ((p.fieldConfig as { defaults?: { links?: Array<{ url: string }> } })?.defaults?.links ?? []).map(
            (l) => /^\/d\/([a-z-]+)/.exec(l.url)?.[1],
          ),
        ),
      ),
    );
    for (const detail of [
      'aiwm-node-detail',
      'aiwm-deployment-detail',
      'aiwm-agent-detail',
      'aiwm-nodes',
      'aiwm-resources',
    ])
      expect(linked.has(detail), detail).toBe(true);
  });

  it('catches raw and removed metrics (the patterns above work)', () => {
    expect(metricsIn('max by (gpu) (gpu:aiwm_gpu_xid_last:unified{node_id="$node"}) or DCGM_FI_DEV_GPU_TEMP')).toEqual([
      'gpu:aiwm_gpu_xid_last:unified',
      'DCGM_FI_DEV_GPU_TEMP',
    ]);
    expect(metricsIn('avg(aiwm_gpu_utilization_ratio{org_id=~"$org"}) and aiwm_node_heartbeat_stale')).toEqual([
      'aiwm_gpu_utilization_ratio',
      'aiwm_node_heartbeat_stale',
    ]);
    expect(metricsIn('label_replace(x, "reason", "aiwm_gpu_fake", "", "")')).toEqual([]);
  });

  it('lists every panel in docs/panels.md', () => {
    const doc = readFileSync(`${root}docs/panels.md`, 'utf8');
    for (const b of boards)
      for (const p of panelsOf(b).filter((x) => x.type !== 'row'))
        expect(doc).toContain(`/d-solo/${b.uid}?orgId=1&panelId=${p.id}`);
  });
});
