/**
 * Mutation testing of the alert expressions (issue 12): every mutant of every alert's expression
 * (alerts/src/mutants.ts) runs against the alert's promtool cases; at most 10 % may survive. A
 * survivor may be exempted only with a written reason in the rule's `survivingMutants`, and an
 * exemption must name a mutant that exists and still survives. `npm run mutants` prints the survivors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtool } from '../../testing/promtool.js';
import { alternatives, mutantsOf, parse, tokenize } from '../src/mutants.js';
import { head, MAX_SURVIVAL, percent, runMutants, statusText, summarize, survivorTable } from '../src/mutants-run.js';
import type { RuleArea } from '../src/model.js';
import { RECORDING_GROUPS } from '../src/recording.js';
import { ALERTS } from '../src/render.js';

// Real expressions as rendered in alerts/rules/*.yml (copied, so that these tests do not move with the rules).
const HEARTBEAT_STALE =
  '((time() - aiwm_node_last_heartbeat_timestamp_seconds) * on (org_id, node_id) group_left (status) max by (org_id, node_id, status) (aiwm_node_status{class=~"up|degraded"} == 1)) * on (org_id, node_id) group_left (node_name, hostname) max by (org_id, node_id, node_name, hostname) (aiwm_node_info) and on (org_id, node_id) (max by (org_id, node_id) (aiwm_node_heartbeat_state{state="stale"}) == 1)';
const ERROR_RATIO =
  'deployment:aiwm_deployment_responses:error_ratio_5m * on (org_id, deployment_id) group_left (deployment_name, node_id) max by (org_id, deployment_id, deployment_name, node_id) (aiwm_deployment_info) > 0.05 and on (org_id, deployment_id) deployment:aiwm_deployment_responses:rate5m > 0.05';
const THROTTLED =
  '((gpu:aiwm_gpu_clock_event_reasons:unified and (floor(gpu:aiwm_gpu_clock_event_reasons:unified / 32) % 2 == 1 or floor(gpu:aiwm_gpu_clock_event_reasons:unified / 64) % 2 == 1)) * on (org_id, node_id, gpu) group_left (uuid, model) max by (org_id, node_id, gpu, uuid, model) (gpu:aiwm_gpu_info:unified)) * on (org_id, node_id) group_left (node_name, hostname) max by (org_id, node_id, node_name, hostname) (aiwm_node_info)';
const MEMORY_FULL =
  '((gpu:aiwm_gpu_memory_used_bytes:unified / (gpu:aiwm_gpu_memory_total_bytes:unified > 0)) * on (org_id, node_id, gpu) group_left (uuid, model) max by (org_id, node_id, gpu, uuid, model) (gpu:aiwm_gpu_info:unified)) * on (org_id, node_id) group_left (node_name, hostname) max by (org_id, node_id, node_name, hostname) (aiwm_node_info) > 0.95';
const MODEL_FAILED =
  '(aiwm_model_status{status=~"download-failed|deploy-failed|error|invalid-credentials"} == 1) * on (org_id, model_id) group_left (model_name) max by (org_id, model_id, model_name) (aiwm_model_info)';

// PromQL the generator must parse (and whose mutants promtool must accept) beyond today's rules.
const TRICKY = [
  'sum without (a) (x) + sum (x) by (b)',
  'rate(x[5m] offset 1h) > 0.5',
  'x @ 100 > -5',
  '-x ^ 2 ^ 3 < 1e3',
  'x == bool 1',
  '{__name__=~"a|b(c|d)", job!~"x|y"} > 0x10',
  'time() - x > 300 unless on () y',
  'topk by (a) (1, x) / ignoring (b) group_right (c) y and on (d) z or vector(0)',
  'count_values("v", x) != 0',
  'max_over_time((x{s=~"failed|error"} == 1)[10m:1m]) == 1',
  'min_over_time(x[1h:]) < 0.1',
  'label_replace(x, "h", "$1", "i", "([^:]+)(:[0-9]+)?") * on (h) group_left () y > 0',
  '(1 - x) <= 0.25 or 0.5 >= y',
];

const byId = (expr: string) => new Map(mutantsOf(expr).map((m) => [m.id, m]));

describe('mutant generator', () => {
  it('lexes durations, subquery colons, metric names with colons and strings with escapes', () => {
    const kinds = tokenize('max_over_time(a:b:c{x=~"q\\"|r"}[10m:1m]) offset 5m').map((t) => `${t.kind}:${t.text}`);
    expect(kinds).toEqual([
      'ident:max_over_time',
      'punct:(',
      'ident:a:b:c',
      'punct:{',
      'ident:x',
      'op:=~',
      'string:"q\\"|r"',
      'punct:}',
      'punct:[',
      'duration:10m',
      'punct::',
      'duration:1m',
      'punct:]',
      'punct:)',
      'ident:offset',
      'duration:5m',
      'eof:',
    ]);
  });

  it('parses every alert and recording expression, with `and` binding tighter than `or`', () => {
    const exprs = [...ALERTS.map((a) => a.expr), ...RECORDING_GROUPS.flatMap((g) => g.rules.map((r) => r.expr))];
    for (const e of [...exprs, ...TRICKY]) expect(() => parse(e), e).not.toThrow();
    const root = parse('a or b and c > 1');
    expect(root.type === 'binary' && root.op.text).toBe('or');
    expect(() => parse('sum(a')).toThrow(/expected/);
  });

  it('splits regexes on top-level alternatives only', () => {
    expect(alternatives('a|b|c')).toEqual(['a', 'b', 'c']);
    expect(alternatives('DCGM_(A|B)|C')).toEqual(['DCGM_(A|B)', 'C']);
    expect(alternatives('[|]x|a\\|b')).toEqual(['[|]x', 'a\\|b']);
    expect(alternatives('.*dcgm.*')).toEqual(['.*dcgm.*']);
  });

  it('drops each operand of `and` with its `on(...)`, and each status alternative', () => {
    const m = byId(HEARTBEAT_STALE);
    expect([...m.keys()]).toEqual([
      'eq1-to-ge0#1',
      'eq1-to-ge0#2',
      'drop-and#1:rhs',
      'drop-and#1:lhs',
      'drop-alt:class=up',
      'drop-alt:class=degraded',
    ]);
    expect(m.get('drop-and#1:rhs')!.expr).toBe(HEARTBEAT_STALE.split(' and on (org_id, node_id) ')[0]);
    expect(m.get('drop-and#1:lhs')!.expr).toBe(
      '(max by (org_id, node_id) (aiwm_node_heartbeat_state{state="stale"}) == 1)',
    );
    expect(m.get('drop-alt:class=up')!.expr).toBe(HEARTBEAT_STALE.replace('"up|degraded"', '"degraded"'));
    expect(m.get('eq1-to-ge0#2')!.expr).toBe(HEARTBEAT_STALE.replace('"stale"}) == 1)', '"stale"}) >= 0)'));
    const model = byId(MODEL_FAILED);
    expect(model.get('drop-alt:status=error')!.expr).toContain(
      'status=~"download-failed|deploy-failed|invalid-credentials"',
    );
    expect(byId('a{xid!~"1|2"} > 0').get('drop-alt:xid!=1')!.expr).toBe('a{xid!~"2"} > 0');
  });

  it('scales thresholds, numbers repeated ids, and moves 0 thresholds by 1', () => {
    const m = byId(ERROR_RATIO);
    expect([...m.keys()].filter((id) => id.startsWith('threshold'))).toEqual([
      'threshold:0.05*0.5',
      'threshold:0.05*1.5',
      'threshold:0.05*0.5#2',
      'threshold:0.05*1.5#2',
    ]);
    expect(m.get('threshold:0.05*1.5')!.expr).toMatch(/\(aiwm_deployment_info\) > 0\.075 and on .* > 0\.05$/);
    expect(m.get('threshold:0.05*0.5#2')!.expr).toMatch(/\(aiwm_deployment_info\) > 0\.05 and on .* > 0\.025$/);
    const full = byId(MEMORY_FULL);
    expect(full.get('threshold:0-1')!.expr).toContain('(gpu:aiwm_gpu_memory_total_bytes:unified > -1)');
    expect(full.get('threshold:0+1')!.expr).toContain('(gpu:aiwm_gpu_memory_total_bytes:unified > 1)');
    expect(full.get('threshold:0.95*1.5')!.expr).toMatch(/> 1\.425$/);
    // A number on the left, `>=`, and numbers that are not compared (windows, divisors) are left alone.
    expect(mutantsOf('300 < time() - x').map((x) => x.expr)).toEqual(['150 < time() - x', '450 < time() - x']);
    expect(mutantsOf('x @ 100 > -5').map((x) => x.expr)).toEqual(['x @ 100 > -2.5', 'x @ 100 > -7.5']);
    expect(mutantsOf('increase(x[30m]) / 60 >= 5').map((x) => x.id)).toEqual(['threshold:5*0.5', 'threshold:5*1.5']);
  });

  it('turns `== 1` and `== 0` into `>= 0`, drops `or` operands and over-time wrappers', () => {
    const m = byId(THROTTLED);
    expect(m.get('eq1-to-ge0#1')!.expr).toContain('/ 32) % 2 >= 0 or');
    expect(m.get('drop-or#1:rhs')!.expr).toContain('(floor(gpu:aiwm_gpu_clock_event_reasons:unified / 32) % 2 == 1))');
    expect(byId('up == 0').get('eq0-to-ge0#1')!.expr).toBe('up >= 0');
    expect(byId('max_over_time(a{s="failed"}[10m]) == 1').get('drop-fn:max_over_time')!.expr).toBe(
      'a{s="failed"} == 1',
    );
    expect(byId('max_over_time((a == 1)[10m:1m])').get('drop-fn:max_over_time')!.expr).toBe('(a == 1)');
    expect(mutantsOf('a > 1', { flips: true }).map((x) => x.id)).toContain('flip:>#1');
    expect(mutantsOf('a > 1').map((x) => x.id)).not.toContain('flip:>#1');
  });

  it('drops mutants equal to the original or to an earlier mutant', () => {
    expect(mutantsOf('x and x').map((m) => m.id)).toEqual(['drop-and#1:rhs']);
    expect(mutantsOf('x > 0 unless x > 0').map((m) => m.id)).toEqual([
      'threshold:0-1',
      'threshold:0+1',
      'threshold:0-1#2',
      'threshold:0+1#2',
      'drop-unless#1:rhs',
    ]);
    expect(mutantsOf('absent(up{job="aiwm-exporter"})')).toEqual([]);
  });

  it('every mutant of every alert and recording expression parses (promtool check rules)', async () => {
    const exprs = [
      ...ALERTS.map((a) => a.expr),
      ...RECORDING_GROUPS.flatMap((g) => g.rules.map((r) => r.expr)),
      ...TRICKY,
    ];
    // The originals first, so that a bad fixture shows as one.
    const mutants = [
      ...exprs.map((expr) => ({ id: 'original', expr })),
      ...exprs.flatMap((e) => mutantsOf(e, { flips: true })),
    ];
    expect(mutants.length).toBeGreaterThan(100);
    const dir = mkdtempSync(join(tmpdir(), 'aiwm-mutants-parse-'));
    try {
      const rules = mutants.map((m, i) => ({ alert: `Mutant${i}`, expr: m.expr }));
      writeFileSync(join(dir, 'mutants.yml'), JSON.stringify({ groups: [{ name: 'mutants', rules }] }));
      const result = await promtool(['check', 'rules', join(dir, 'mutants.yml')]);
      const bad = [...(result.stdout + result.stderr).matchAll(/"Mutant(\d+)": (.*)/g)].map(
        ([, i, error]) => `${mutants[Number(i)]!.id}: ${mutants[Number(i)]!.expr}\n  ${error}`,
      );
      expect(bad.join('\n'), 'unparsable mutants').toBe('');
      expect(result.code, result.stdout + result.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** One alert, `x > 5`: its cases kill `> 2.5` (x=3 must not fire) but not `> 7.5` (only x=10 fires). */
const SYNTHETIC: RuleArea = {
  file: 'synthetic',
  title: 'Synthetic',
  groupName: 'synthetic',
  alerts: [
    {
      alert: 'SyntheticHigh',
      severity: 'warning',
      expr: 'x > 5',
      for: '0s',
      summary: 'x is high',
      description: 'x is {{ $value }}',
      anchor: 'synthetichigh',
      dashboard: { uid: 'aiwm-synthetic' },
      runbook: { meaning: 'm', check: ['c'], act: ['a'] },
      test: {
        series: [{ series: 'x{a="1"}', values: '10x10' }],
        firingAt: '5m',
        alerts: [{ labels: { severity: 'warning', a: '1' }, summary: 'x is high', description: 'x is 10' }],
      },
      cases: [{ name: 'below', series: [{ series: 'x{a="1"}', values: '3x10' }], firingAt: '5m', alerts: [] }],
      survivingMutants: {
        'threshold:5*0.5': 'killed by the x=3 case: a stale exemption',
        'threshold:5*1.5': 'a written reason for this survivor',
        'threshold:6*0.5': 'names no mutant of the expression',
      },
    },
  ],
};

describe('mutation runner', () => {
  it('kills, exempts with a reason, and reports stale exemptions', async () => {
    const report = await runMutants({ from: [SYNTHETIC] });
    expect(report.baselineFailures).toEqual([]);
    expect(report.parseFailures).toEqual([]);
    const outcome = Object.fromEntries(report.results.map((r) => [r.mutant.id, r.killed ? 'killed' : 'survived']));
    expect(outcome).toEqual({ 'threshold:5*0.5': 'killed', 'threshold:5*1.5': 'survived' });
    expect(report.results.find((r) => r.killed)!.killedBy).toEqual(['SyntheticHigh (severity=warning) case 1: below']);
    expect(summarize(report)).toMatchObject({ total: 2, killed: 1, survived: 0, exempted: 1, rate: 0 });
    expect(report.staleExemptions.map((e) => [e.id, e.why])).toEqual([
      ['threshold:5*0.5', 'the mutant is killed now: remove the exemption'],
      ['threshold:6*0.5', 'no such mutant of this expression'],
    ]);
  });

  it('reports an alert whose own cases fail instead of running its mutants', async () => {
    const broken = { ...SYNTHETIC, alerts: [{ ...SYNTHETIC.alerts[0]!, expr: 'x > 50' }] };
    const report = await runMutants({ from: [broken] });
    expect(report.baselineFailures.map((b) => b.target.label)).toEqual(['SyntheticHigh']);
    expect(report.results).toEqual([]);
  });
});

describe('mutation testing of the alert expressions', () => {
  it(`at most ${percent(MAX_SURVIVAL)} of the mutants survive the promtool cases`, { timeout: 600_000 }, async () => {
    const report = await runMutants({ concurrency: 4 });
    const s = summarize(report);
    console.log(statusText(report, 'npm test').split('\n\nsurvivors:')[0]);

    expect(report.results.length).toBeGreaterThan(50);
    const baseline = report.baselineFailures.map((b) => `${b.target.label}:\n${head(b.output)}`).join('\n');
    expect(baseline, "alerts whose own promtool cases fail (their mutants weren't run)").toBe('');
    const unparsable = report.parseFailures.map(
      (p) => `${p.target.label} ${p.mutant.id}: ${p.mutant.expr}\n${p.output}`,
    );
    expect(unparsable.join('\n'), 'mutants promtool cannot parse: a bug in alerts/src/mutants.ts').toBe('');
    const stale = report.staleExemptions.map((e) => `${e.target.label} ${e.id}: ${e.why}`);
    expect(stale.join('\n'), 'stale survivingMutants exemptions').toBe('');
    const unreasoned = report.results.filter((r) => r.exemption !== undefined && r.exemption.trim().length < 10);
    expect(
      unreasoned.map((r) => `${r.target.label} ${r.mutant.id}`),
      'exemptions need a written reason',
    ).toEqual([]);

    const message = `${s.survived} of ${s.total} mutants survive (${percent(s.rate)}, limit ${percent(MAX_SURVIVAL)}); kill them with promtool cases, fix the expression, or exempt them with a reason in the rule's survivingMutants:\n${survivorTable(report)}\n`;
    expect(s.rate, message).toBeLessThanOrEqual(MAX_SURVIVAL);
  });
});
