/**
 * Lints the generated dashboards in the spirit of Grafana's dashboard-linter, and checks the
 * committed JSON is what the generators produce.
 */
import { readFileSync } from 'node:fs';
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderRecordingRules } from '../../alerts/src/render.js';
import { DEFAULT_RUNBOOK_BASE_URL as RUNBOOK_BASE_URL } from '../../alerts/src/settings.js';
import { CATALOG } from '../../exporter/src/metrics/catalog.js';
import { SelfMetrics } from '../../exporter/src/metrics/self.js';
import { DASHBOARDS, DASHBOARD_DIR, panelsOf, renderDashboard } from '../index.js';
import { GRID_COLUMNS, PROMETHEUS_UID, RETIRED } from '../lib.js';

const root = new URL('../../', import.meta.url).pathname;
const boards = DASHBOARDS.map((make) => make());
const uids = new Set(boards.map((b) => b.uid));
/** The exporter's own counters (exporter/src/metrics/self.ts) count too: the exporter dashboard rates them. */
const selfCounters = new SelfMetrics('lint').registry
  .getMetricsAsArray()
  .filter((m) => m instanceof client.Counter)
  .map((m) => (m as unknown as { name: string }).name);
const counters = new Set([...CATALOG.filter((m) => m.type === 'counter').map((m) => m.name), ...selfCounters]);

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

/** Every link of a panel: its own data links and those of single columns (table overrides). */
function linksOf(p: Record<string, unknown>): string[] {
  type Links = Array<{ url: string }>;
  const fc = p.fieldConfig as {
    defaults?: { links?: Links };
    overrides?: Array<{ properties: Array<{ id: string; value: unknown }> }>;
  };
  const columns = (fc?.overrides ?? []).flatMap((o) => o.properties.filter((x) => x.id === 'links'));
  return [...(fc?.defaults?.links ?? []), ...columns.flatMap((x) => x.value as Links)].map((l) => l.url);
}

/** Panel types that draw one series per line or band: they need a legend. */
const MULTI_SERIES = new Set(['timeseries', 'state-timeline']);
/** Panels that show one value per series now: instant queries, not a range per refresh. */
const INSTANT = new Set(['stat', 'bargauge', 'table']);

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Cells of the grid no panel covers, as the widest empty run on any line of grid units. */
function widestHole(positions: GridPos[]): { y: number; run: number } {
  const bottom = Math.max(0, ...positions.map((p) => p.y + p.h));
  let widest = { y: 0, run: 0 };
  for (let y = 0; y < bottom; y++) {
    const covered = new Array<boolean>(GRID_COLUMNS).fill(false);
    for (const p of positions.filter((q) => q.y <= y && y < q.y + q.h))
      for (let x = p.x; x < p.x + p.w; x++) covered[x] = true;
    let run = 0;
    for (const c of covered) {
      run = c ? 0 : run + 1;
      if (run > widest.run) widest = { y, run };
    }
  }
  return widest;
}

/** Pairs of panels whose rectangles share a cell. */
function overlaps(panels: Array<{ title?: string; gridPos: GridPos }>): string[] {
  const found: string[] = [];
  panels.forEach((a, i) =>
    panels.slice(i + 1).forEach((b) => {
      const [p, q] = [a.gridPos, b.gridPos];
      if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h)
        found.push(`${a.title} / ${b.title}`);
    }),
  );
  return found;
}

/**
 * The metric names an expression selects: quoted strings, label lists of `by`/`on`/`group_left`,
 * matchers in braces and range windows are removed first, then every identifier that is not a
 * function, a keyword or a number is a selector.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);
export function selectorsIn(expr: string): Array<{ metric: string; matchers: string }> {
  // Matchers may hold any character in their quoted values: set them aside first, as numbered tokens.
  const braces: string[] = [];
  const text = expr
    .replace(/\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\}/g, (m) => ` #${braces.push(m) - 1}# `)
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const found: Array<{ metric: string; matchers: string }> = [];
  for (const m of text.matchAll(/([A-Za-z_:][\w:]*)?\s*#(\d+)#|([A-Za-z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    const metric = m[1] ?? m[3] ?? '';
    if (KEYWORDS.has(metric) || /^(inf|nan)$/i.test(metric)) continue;
    found.push({ metric, matchers: m[2] === undefined ? '' : braces[Number(m[2])]! });
  }
  return found;
}

/**
 * Series selected without a `job` matcher, each with the written reason (kubernetes-mixin selects
 * every series by job; these cannot be confused with another job's series).
 */
const JOB_EXEMPT: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /^aiwm_/, why: 'the aiwm_ namespace is written only by the AIWM exporter' },
  { pattern: /^[a-z_]+:aiwm_[\w]+:[\w]+$/, why: 'recording rules over exporter series (alerts/rules/recording.yml)' },
  { pattern: /^ALERTS(_FOR_STATE)?$/, why: "written by Prometheus' rule evaluation, which sets no job label" },
  { pattern: /^$/, why: 'a bare {__name__=~"aiwm_..."} matcher (the org variable) selects the aiwm_ namespace' },
];
const jobExempt = (metric: string) => JOB_EXEMPT.some((e) => e.pattern.test(metric));
/** Series the operator dashboard reads without an org: the exporter's own and Prometheus' own about it. */
const ORGLESS = /^(aiwm_exporter_|up$|scrape_|ALERTS)/;

/** Panel targets and query-variable queries, each with where it comes from. */
function queriesOf(board: (typeof boards)[number]): Array<{ where: string; expr: string }> {
  const panels = panelsOf(board).flatMap((p) => targetsOf(p).map((t) => ({ where: `${p.title}`, expr: t.expr })));
  const variables = (board.templating?.list ?? []).filter((v) => v.type === 'query');
  // Variable queries are Grafana functions around PromQL: keep the PromQL.
  const promql = (q: string) =>
    /^(?:label_values\((.+), \w+\)|query_result\((.+)\))$/.exec(q)?.slice(1).find(Boolean) ?? q;
  return [...panels, ...variables.map((v) => ({ where: `$${v.name}`, expr: promql(v.query as string) }))];
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

  it('lays panels out inside the 24-column grid, without overlaps or holes wider than a third of a row', () => {
    const placed = panels as unknown as Array<{ title?: string; gridPos: GridPos }>;
    for (const p of placed) {
      const g = p.gridPos;
      expect(g, p.title).toBeDefined();
      expect(g.x >= 0 && g.w > 0 && g.x + g.w <= GRID_COLUMNS, `${p.title} ends at ${g.x + g.w}`).toBe(true);
    }
    expect(overlaps(placed)).toEqual([]);
    const hole = widestHole(placed.map((p) => p.gridPos));
    expect(hole.run, `${hole.run} empty columns at y=${hole.y}`).toBeLessThanOrEqual(GRID_COLUMNS / 3);
  });

  it('shows a table legend with values on multi-series panels, and a shared crosshair', () => {
    expect(board.graphTooltip).toBe(1);
    for (const p of visual.filter((x) => MULTI_SERIES.has(x.type))) {
      const legend = (p.options as { legend?: { showLegend?: boolean; calcs?: string[] } }).legend;
      expect(legend?.showLegend, p.title).toBe(true);
      if (p.type === 'timeseries') expect(legend?.calcs?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('draws the thresholds it defines', () => {
    interface Defaults {
      thresholds?: { steps: unknown[] };
      custom?: { thresholdsStyle?: { mode: string }; cellOptions?: { type: string } };
    }
    type Override = { properties: Array<{ id: string; value: unknown }> };
    for (const p of visual) {
      const fc = p.fieldConfig as { defaults: Defaults; overrides?: Override[] };
      const steps = fc.defaults.thresholds?.steps.length ?? 0;
      if (p.type === 'timeseries' && steps > 1)
        expect(fc.defaults.custom?.thresholdsStyle?.mode ?? 'off', p.title).not.toBe('off');
      if (p.type !== 'table') continue;
      for (const o of fc.overrides ?? []) {
        const ids = o.properties.map((x) => x.id);
        if (ids.includes('thresholds') || ids.includes('mappings'))
          expect(ids, `${p.title}: a coloured column needs a colour cell mode`).toContain('custom.cellOptions');
      }
    }
  });

  it('asks for one value now on stats, bars and tables (instant queries)', () => {
    for (const p of visual.filter((x) => INSTANT.has(x.type))) {
      const sparkline = (p.options as { graphMode?: string }).graphMode === 'area';
      for (const t of targetsOf(p) as Array<Target & { instant?: boolean; range?: boolean }>) {
        expect(Boolean(t.instant) && !t.range, `${p.title}`).toBe(!sparkline);
      }
    }
  });

  it('scopes every selector by $org or one entity, ALERTS included, unless it is an operator dashboard', () => {
    const hasOrg = (board.templating?.list ?? []).some((v) => v.name === 'org');
    const annotations = (board.annotations?.list ?? [])
      .filter((a) => a.expr)
      .map((a) => ({ title: a.name, expr: a.expr! }));
    const exprs = [
      ...visual.flatMap((p) => targetsOf(p).map((t) => ({ title: p.title, expr: t.expr }))),
      ...annotations,
    ];
    for (const { title, expr } of exprs) {
      for (const { metric, matchers } of selectorsIn(expr)) {
        if (metric.startsWith('cluster:') || metric === '') continue;
        if (!hasOrg) {
          expect(ORGLESS.test(metric), `${title}: ${metric} on a dashboard without an org`).toBe(true);
          continue;
        }
        if (metric.startsWith('aiwm_exporter_') || metric === 'up' || metric.startsWith('scrape_')) continue;
        const scoped = /org_id=~"\$org"|_id="\$[a-z]+"/.test(matchers) || /\band on\b|\* on\b/.test(expr);
        expect(scoped, `${title}: ${metric}${matchers} in ${expr}`).toBe(true);
      }
    }
  });

  it('selects by job, or the series is on the written exemption list', () => {
    for (const { where, expr } of queriesOf(board)) {
      for (const { metric, matchers } of selectorsIn(expr)) {
        if (jobExempt(metric)) continue;
        expect(/\bjob=/.test(matchers), `${where}: ${metric}${matchers} has no job matcher`).toBe(true);
      }
    }
  });

  it('never gives a retired panel id to a new panel', () => {
    const ids = new Set(panels.map((p) => p.id));
    for (const retired of RETIRED[uid] ?? []) expect(ids.has(retired.id), `${retired.title} ${retired.id}`).toBe(false);
  });

  it('links only to existing dashboards, keeping variables and time range, or to the runbooks', () => {
    for (const p of visual) {
      for (const url of linksOf(p)) {
        if (url.startsWith(`${RUNBOOK_BASE_URL}#`)) continue;
        const target = /^\/d\/([a-z-]+)\?/.exec(url)?.[1];
        expect(uids.has(target!), `${p.title}: ${url}`).toBe(true);
        expect(url).toContain('${datasource:queryparam}');
        expect(url).toContain('${__url_time_range}');
      }
    }
  });
});

describe('dashboard set', () => {
  it('covers the three levels with drill-down to every detail dashboard', () => {
    const linked = new Set(
      boards.flatMap((b) => panelsOf(b).flatMap((p) => linksOf(p).map((url) => /^\/d\/([a-z-]+)/.exec(url)?.[1]))),
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

  it('finds selectors, and only selectors (the parser the scope and job rules use)', () => {
    const found = selectorsIn(
      'sum by (org_id) (rate(aiwm_x_total{org_id=~"$org", a="b{c}"}[5m])) * on (org_id) group_left (name) ' +
        'max by (org_id, name) (aiwm_y_info) > 0.5 or vector(0) and up{job="aiwm-exporter"} unless ALERTS',
    );
    expect(found.map((f) => f.metric)).toEqual(['aiwm_x_total', 'aiwm_y_info', 'up', 'ALERTS']);
    expect(found[0]!.matchers).toContain('org_id=~');
    expect(selectorsIn('label_values({__name__=~"aiwm_a|aiwm_b"}, org_id)').map((f) => f.metric)).toEqual([
      '',
      'org_id',
    ]);
    expect(
      widestHole([
        { x: 0, y: 0, w: 12, h: 8 },
        { x: 12, y: 0, w: 12, h: 4 },
      ]),
    ).toEqual({ y: 4, run: 12 });
    expect(overlaps([{ gridPos: { x: 0, y: 0, w: 12, h: 4 } }, { gridPos: { x: 11, y: 3, w: 4, h: 4 } }])).toHaveLength(
      1,
    );
  });

  it('lists every panel in docs/panels.md', () => {
    const doc = readFileSync(`${root}docs/panels.md`, 'utf8');
    for (const b of boards)
      for (const p of panelsOf(b).filter((x) => x.type !== 'row'))
        expect(doc).toContain(`/d-solo/${b.uid}?orgId=1&panelId=${p.id}`);
  });
});
