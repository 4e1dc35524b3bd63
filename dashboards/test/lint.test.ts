/**
 * Lints the generated dashboards in the spirit of Grafana's dashboard-linter, and checks the
 * committed JSON is what the generators produce.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../exporter/src/metrics/catalog.js';
import { DASHBOARDS, DASHBOARD_DIR, panelsOf, renderDashboard } from '../index.js';
import { PROMETHEUS_UID } from '../lib.js';

const root = new URL('../../', import.meta.url).pathname;
const boards = DASHBOARDS.map((make) => make());
const uids = new Set(boards.map((b) => b.uid));
const counters = new Set(CATALOG.filter((m) => m.type === 'counter').map((m) => m.name));

interface Target { expr: string; datasource?: { uid?: string } }
const targetsOf = (p: Record<string, unknown>) => (p.targets ?? []) as Target[];

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
    for (const v of variables.filter((x) => x.type === 'query')) expect((v.datasource as { uid: string }).uid).toBe('${datasource}');
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
        // Every AIWM selector is scoped to the org or to one entity.
        for (const m of t.expr.matchAll(/([a-z_:]*aiwm_[a-z0-9_:]*)(\{[^}]*\})?/g)) {
          if (m[1]!.startsWith('aiwm_exporter_')) continue;
          const scoped = /org_id=~"\$org"|_id="\$[a-z]+"/.test(m[2] ?? '') || /\band on\b|\* on\b/.test(t.expr);
          expect(scoped, `${p.title}: ${m[0]} in ${t.expr}`).toBe(true);
        }
      }
    }
  });

  it('links only to existing dashboards and keeps variables and time range', () => {
    for (const p of visual) {
      const links = ((p.fieldConfig as { defaults: { links?: Array<{ url: string }> } }).defaults.links ?? []).map((l) => l.url);
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
    const linked = new Set(boards.flatMap((b) => panelsOf(b).flatMap((p) => (((p.fieldConfig as { defaults?: { links?: Array<{ url: string }> } })?.defaults?.links) ?? []).map((l) => /^\/d\/([a-z-]+)/.exec(l.url)?.[1]))));
    for (const detail of ['aiwm-node-detail', 'aiwm-deployment-detail', 'aiwm-agent-detail', 'aiwm-nodes', 'aiwm-resources']) expect(linked.has(detail), detail).toBe(true);
  });

  it('lists every panel in docs/panels.md', () => {
    const doc = readFileSync(`${root}docs/panels.md`, 'utf8');
    for (const b of boards) for (const p of panelsOf(b).filter((x) => x.type !== 'row')) expect(doc).toContain(`/d-solo/${b.uid}?orgId=1&panelId=${p.id}`);
  });
});
