/**
 * Runbooks point at dashboard panels in one notation, a backticked `AIWM / <dashboard> › <panel title>`
 * with the dashboard's and the panel's titles exactly as Grafana shows them. Every such reference in
 * docs/runbooks.md must name an existing dashboard and panel, and the alert sources (alerts/src/*.ts,
 * which docs/runbooks.md is generated from) must not point at panels or dashboards any other way.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../../alerts/src/model.js';
import { ALERTS, renderRunbooks } from '../../alerts/src/render.js';
import { DASHBOARDS, panelsOf } from '../index.js';

const root = new URL('../../', import.meta.url).pathname;

/** A panel reference: `AIWM / Infrastructure / Node detail › GPU temperature`. */
const PANEL_REF = /`(AIWM \/ [^`›]+?) › ([^`]+)`/g;

/** Panel titles (rows left out) by dashboard title. */
const PANELS = new Map(
  DASHBOARDS.map((make) => make()).map((d) => [
    d.title!,
    new Set(
      panelsOf(d)
        .filter((p) => p.type !== 'row')
        .map((p) => p.title!),
    ),
  ]),
);

export function panelRefs(text: string): Array<{ dashboard: string; panel: string; ref: string }> {
  return [...text.matchAll(PANEL_REF)].map((m) => ({ dashboard: m[1]!, panel: m[2]!, ref: m[0] }));
}

/** What a reference to a panel or dashboard looks like when it is not in the notation. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The parts of the dashboard titles after "AIWM / ": Infrastructure, Node detail, AI Workload, Exporter, ... */
const SEGMENTS = [...new Set([...PANELS.keys()].flatMap((t) => t.split(' / ').slice(1)))];
const FREE_FORM: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /\bpanels?\b/i, why: 'the word "panel"' },
  { pattern: /\bdashboard\b/i, why: 'one dashboard named in prose ("the dashboards" in general is fine)' },
  { pattern: /AIWM \//, why: 'a dashboard title outside the notation (or without " › panel")' },
  {
    pattern: new RegExp(`(?:${SEGMENTS.map(escape).join('|')})\\s*→|→\\s*(?:${SEGMENTS.map(escape).join('|')})\\b`),
    why: 'a dashboard path with arrows ("AI Workload → Deployments")',
  },
  {
    pattern: new RegExp(
      `\\b(?:${SEGMENTS.filter((s) => s.includes(' '))
        .map(escape)
        .join('|')})\\b`,
      'i',
    ),
    why: 'a dashboard named by its title ("Node detail")',
  },
];

/** Free-form references to panels or dashboards left once the notation's references are taken out. */
export function freeFormRefs(text: string): string[] {
  const rest = text.replace(PANEL_REF, '<ref>');
  return FREE_FORM.flatMap(({ pattern, why }) => {
    const m = pattern.exec(rest);
    return m ? [`${why}: "…${rest.slice(Math.max(0, m.index - 40), m.index + m[0].length + 20)}…"`] : [];
  });
}

/** Where a reference is wrong: the dashboard or the panel does not exist. */
function missing(ref: { dashboard: string; panel: string }): string | undefined {
  const panels = PANELS.get(ref.dashboard);
  if (!panels) return `no dashboard titled "${ref.dashboard}" (there are: ${[...PANELS.keys()].join(', ')})`;
  if (!panels.has(ref.panel))
    return `"${ref.dashboard}" has no panel "${ref.panel}" (it has: ${[...panels].join(', ')})`;
  return undefined;
}

/** Every text of an alert a reader sees: summary, description and its runbook. */
const textsOf = (a: AlertRule) => [a.summary, a.description, a.runbook.meaning, ...a.runbook.check, ...a.runbook.act];

describe('panel references in the runbooks', () => {
  const doc = readFileSync(`${root}docs/runbooks.md`, 'utf8');
  const refs = panelRefs(doc);

  it('docs/runbooks.md is generated from the alert sources', () => {
    expect(doc).toBe(renderRunbooks());
  });

  it('point the on-call at panels', () => {
    expect(refs.length).toBeGreaterThan(20);
    expect(new Set(refs.map((r) => r.dashboard))).toContain('AIWM / Exporter');
  });

  it.each([...new Set(refs.map((r) => r.ref))])('%s names an existing dashboard and panel', (ref) => {
    expect(missing(panelRefs(ref)[0]!)).toBeUndefined();
  });

  it.each(ALERTS.map((a) => [`${a.alert} (${a.severity})`, a] as const))(
    '%s refers to panels only as `AIWM / Dashboard › Panel`',
    (_name, alert) => {
      for (const text of textsOf(alert)) expect(freeFormRefs(text), text).toEqual([]);
    },
  );

  it('the whole of docs/runbooks.md uses only the notation', () => {
    expect(freeFormRefs(doc)).toEqual([]);
  });
});

describe('the reference checks themselves', () => {
  it('find references and tell existing from missing ones', () => {
    const [ok, noPanel, noBoard] = panelRefs(
      'See `AIWM / Exporter › Poll duration`, `AIWM / Exporter › Exporter panels` and `AIWM / Exporters › Poll duration`.',
    );
    expect(ok).toMatchObject({ dashboard: 'AIWM / Exporter', panel: 'Poll duration' });
    expect(missing(ok!)).toBeUndefined();
    expect(missing(noPanel!)).toMatch(/has no panel "Exporter panels"/);
    expect(missing(noBoard!)).toMatch(/no dashboard titled "AIWM \/ Exporters"/);
    expect(panelRefs('`AIWM / Infrastructure / Node detail › Latency p50 / p95 / p99`')[0]).toMatchObject({
      dashboard: 'AIWM / Infrastructure / Node detail',
      panel: 'Latency p50 / p95 / p99',
    });
  });

  it('catch free-form references and let the notation and general words pass', () => {
    for (const text of [
      'the durations on the Exporter panels',
      'Open the Node detail dashboard for the node',
      'compare (node detail) with nvidia-smi',
      'AI Workload → Deployments, filtered by the node',
      'Node detail → VRAM',
      'AIWM / Exporter: poll duration',
      '`AIWM / Exporter`',
      'see the panel',
    ])
      expect(freeFormRefs(text), text).not.toEqual([]);
    for (const text of [
      '`AIWM / Exporter › Poll duration` and `AIWM / AI Workload / Deployment detail › Latency p50 / p95 / p99`',
      'visible in Prometheus, Alertmanager and the dashboards only',
      'Prometheus → Status → Targets: the scrape error.',
      'Executions still run after their `timeoutAt`.',
    ])
      expect(freeFormRefs(text), text).toEqual([]);
  });
});
