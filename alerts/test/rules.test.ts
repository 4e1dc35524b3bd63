/** The generated rule files pass promtool, their unit tests pass, and every alert is documented. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtool } from '../../testing/promtool.js';
import { ALERTS } from '../src/render.js';

const root = new URL('../../', import.meta.url).pathname;
const ruleFiles = readdirSync(`${root}alerts/rules`).filter((f) => f.endsWith('.yml'));
const testFiles = readdirSync(`${root}alerts/tests`).filter((f) => f.endsWith('.yml'));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = ruleFiles.flatMap((f) =>
  (parse(readFileSync(`${root}alerts/rules/${f}`, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap(
    (g) => g.rules,
  ),
);
const alerting = rules.filter((r) => r.alert);

describe('rule files', () => {
  it.each(ruleFiles)('%s passes promtool check rules', async (file) => {
    const result = await promtool(['check', 'rules', `${root}alerts/rules/${file}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(testFiles)('%s passes promtool test rules', async (file) => {
    const result = await promtool(['test', 'rules', `${root}alerts/tests/${file}`]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it.each(['prometheus.yml', 'prometheus.local.yml'])(
    '%s passes promtool check config and loads every rule file',
    async (file) => {
      const result = await promtool(['check', 'config', `${root}${file}`]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      for (const rule of ruleFiles) expect(result.stdout).toContain(`alerts/rules/${rule}`);
    },
  );

  it('names recording rules level:metric:operations', () => {
    for (const r of rules.filter((x) => x.record)) expect(r.record).toMatch(/^[a-z_]+:aiwm_[a-z_]+:[a-z0-9_]+$/);
  });
});

describe('alerting rules', () => {
  it('every alert has a severity, a static summary, a templated description and a runbook link', () => {
    expect(alerting.length).toBeGreaterThanOrEqual(20);
    for (const r of alerting) {
      expect(['critical', 'warning', 'info', 'none'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toMatch(/^[^{}]+$/);
      expect(r.annotations?.runbook_url, r.alert).toMatch(/^http:\/\/localhost:9090\/user\/runbooks\.html#[a-z0-9-]+$/);
      expect(r.annotations?.dashboard_url, r.alert).toMatch(/^http:\/\/localhost:3000\/d\/aiwm-[a-z-]+\?/);
      // Everything but the pipeline alerts names its entity and value.
      if (!['Watchdog', 'AIWMExporterAbsent'].includes(r.alert!))
        expect(r.annotations?.description, r.alert).toContain('{{ $');
    }
  });

  it('every alert has a runbook section in docs/runbooks.md', () => {
    const runbooks = readFileSync(`${root}docs/runbooks.md`, 'utf8');
    for (const r of alerting) {
      const anchor = r.annotations!.runbook_url!.split('#')[1]!;
      expect(runbooks, r.alert).toContain(`<a id="${anchor}"></a>\n## ${r.alert}\n`);
      const section = runbooks.split(`## ${r.alert}\n`)[1]!.split('\n## ')[0]!;
      expect(section, r.alert).toMatch(/\*\*What it means\.\*\* \S/);
      expect(section, r.alert).toMatch(/\*\*Check\*\*\n\n1\. \S/);
      expect(section, r.alert).toMatch(/\*\*Act\*\*\n\n- \S/);
    }
  });

  it('every alert has a unit test that waits for its `for` and checks the exact annotations', () => {
    const tests = testFiles.flatMap(
      (f) =>
        (
          parse(readFileSync(`${root}alerts/tests/${f}`, 'utf8')) as {
            tests: Array<{
              alert_rule_test?: Array<{
                alertname: string;
                eval_time: string;
                exp_alerts: Array<{ exp_annotations: Record<string, string> }>;
              }>;
            }>;
          }
        ).tests,
    );
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const definition of ALERTS) {
      const mine = cases.filter((c) => c.alertname === definition.alert);
      expect(mine.some((c) => c.exp_alerts.length === 0) || definition.for === '0s', definition.alert).toBe(true);
      const firing = mine.filter((c) => c.exp_alerts.length > 0);
      expect(firing.length, definition.alert).toBeGreaterThan(0);
      for (const c of firing)
        for (const e of c.exp_alerts)
          expect(Object.keys(e.exp_annotations).sort()).toEqual([
            'dashboard_url',
            'description',
            'runbook_url',
            'summary',
          ]);
    }
    // The firing check comes at least `for` after the start and after the quiet check (each case
    // puts its quiet check inside the pending window: the condition holds, `for` has not elapsed).
    const minutes = (t: string) =>
      t.endsWith('m')
        ? Number(t.slice(0, -1))
        : t.endsWith('h')
          ? Number(t.slice(0, -1)) * 60
          : Number(t.slice(0, -1)) / 60;
    for (const d of ALERTS) {
      expect(minutes(d.test.firingAt), d.alert).toBeGreaterThanOrEqual(minutes(d.for));
      if (d.test.quietAt) expect(minutes(d.test.quietAt), d.alert).toBeLessThan(minutes(d.test.firingAt));
    }
  });

  it('node and GPU alerts carry the labels the node-down inhibition compares, and node_name and hostname', () => {
    // Only a join-health alert has no node: it names the dcgm-exporter host name instead.
    const perNode = ALERTS.filter((a) => /^AIWM(GPU|Node)/.test(a.alert) && a.alert !== 'AIWMGPUUnmatched');
    expect(perNode.length).toBeGreaterThanOrEqual(15);
    for (const d of perNode) {
      for (const e of [d.test, ...(d.cases ?? [])].flatMap((c) => c.alerts)) {
        const required = ['org_id', 'node_id', 'node_name', 'hostname'];
        expect(Object.keys(e.labels), d.alert).toEqual(expect.arrayContaining(required));
      }
    }
  });

  it('per-GPU alerts carry gpu, uuid and model', () => {
    const perGpu = ALERTS.filter(
      (a) => a.alert.startsWith('AIWMGPU') && !/Missing|ExporterDown|Unmatched/.test(a.alert),
    );
    for (const d of perGpu) {
      for (const e of d.test.alerts) {
        expect(Object.keys(e.labels), d.alert).toEqual(expect.arrayContaining(['gpu', 'uuid', 'model']));
      }
    }
  });

  it('every GPU alert reads the unified series, never the raw AIWM or dcgm-exporter ones', () => {
    for (const d of ALERTS.filter((a) => a.alert.startsWith('AIWMGPU'))) {
      expect(d.expr, d.alert).not.toMatch(/(^|[^:])aiwm_gpu_|DCGM_FI_/);
    }
  });

  it('node-down alerts read the status classes, never a raw status value', () => {
    for (const d of ALERTS.filter((a) => a.alert === 'AIWMNodeDown')) {
      expect(d.expr).toMatch(/aiwm_node_status\{class=/);
      expect(d.expr).not.toMatch(/status="|aiwm_node_heartbeat_stale|websocket/);
    }
  });
});
