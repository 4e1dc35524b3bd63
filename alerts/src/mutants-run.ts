/**
 * Runs the mutants of the alert expressions (alerts/src/mutants.ts) against the promtool cases: for
 * each alert rule and each mutant, the rules named like the alert are rendered with that one rule's
 * expression replaced, next to the promtool tests of those rules only (the layout of alerts/rules and
 * alerts/tests in a temporary directory), and `promtool test rules` runs. A mutant is killed when it
 * fails. Rules sharing a name (AIWMNodeDown) are tested together because promtool compares all alerts
 * of a name at each eval time; one of them is mutated at a time.
 *
 * First every mutant goes through `promtool check rules` (one that does not parse is a generator
 * bug), and each alert's own cases run unmutated (the baseline: a failing one makes kills
 * meaningless). To stay fast, only the recording rules the alert reads are loaded, and each mutant
 * runs its cases one promtool call at a time, the best killers so far first, stopping at the first
 * failure (same verdicts as one run of every case; most mutants die on the first case tried).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promtool } from '../../testing/promtool.js';
import { parse as parseYaml, stringify } from 'yaml';
import type { AlertRule, RecordingRule, RuleArea } from './model.js';
import { metricsOf, type Mutant, type MutantOptions, mutantsOf } from './mutants.js';
import { RECORDING_GROUPS } from './recording.js';
import { AREAS, renderAreaRules, renderAreaTests } from './render.js';

/** The share of mutants that may survive (exempted ones excepted): issue 12. */
export const MAX_SURVIVAL = 0.1;

// ---------------------------------------------------------------------------------------------
// Running mutants against the promtool cases

/** One alert rule under mutation: its area and the rules sharing its name (promtool checks them together). */
export interface MutationTarget {
  area: RuleArea;
  rule: AlertRule;
  /** `AIWMNodeDown{reason=offline}`: the name, with the rule's extra labels when several rules share it. */
  label: string;
}

export interface MutantResult {
  target: MutationTarget;
  mutant: Mutant;
  killed: boolean;
  /** The promtool case that killed the mutant, the first failing one tried (or promtool's first error line). */
  killedBy: string[];
  /** The reason from the rule's `survivingMutants`, when it has one for this mutant. */
  exemption?: string;
}

/** The names of the failing promtool tests in its output, else its first error line. */
export function failingCases(output: string): string[] {
  const names = [...output.matchAll(/FAILED:\s*\n\s*name: (.*),\s*$/gm)].map((m) => m[1]!);
  if (names.length) return [...new Set(names)];
  const error = output.split('\n').find((l) => /error|fail/i.test(l));
  return error ? [error.trim()] : [];
}

export interface MutationReport {
  results: MutantResult[];
  /** Alerts whose own cases fail unmutated: their mutants are not run (a kill would mean nothing). */
  baselineFailures: Array<{ target: MutationTarget; output: string }>;
  /** Mutants promtool cannot parse: a generator bug. */
  parseFailures: Array<{ target: MutationTarget; mutant: Mutant; output: string }>;
  /** Exemptions naming a mutant that does not exist or is killed. */
  staleExemptions: Array<{ target: MutationTarget; id: string; why: string }>;
  durationMs: number;
}

export interface RunOptions extends MutantOptions {
  /** Area files (`nodes`...) to mutate; all when absent. */
  areas?: string[];
  /** The rule areas to select from (tests pass synthetic ones); the real AREAS when absent. */
  from?: readonly RuleArea[];
  /** Alert names to mutate; all when absent. */
  alerts?: string[];
  /** promtool processes at once. */
  concurrency?: number;
  /** Called after each promtool run. */
  onProgress?: (done: number, total: number) => void;
}

export function mutationTargets(options: Pick<RunOptions, 'areas' | 'alerts' | 'from'> = {}): MutationTarget[] {
  return (options.from ?? AREAS)
    .filter((a) => !options.areas || options.areas.includes(a.file))
    .flatMap((area) =>
      area.alerts
        .filter((rule) => !options.alerts || options.alerts.includes(rule.alert))
        .map((rule) => {
          const same = area.alerts.filter((a) => a.alert === rule.alert);
          const labelsOf = (a: AlertRule): Record<string, string> => ({ severity: a.severity, ...a.labels });
          // The labels that tell the rules of one name apart (severity, reason...), else the rule's position.
          const distinct = Object.entries(labelsOf(rule)).filter(([k, v]) => same.some((o) => labelsOf(o)[k] !== v));
          const unique = same.filter((o) => distinct.every(([k, v]) => labelsOf(o)[k] === v)).length === 1;
          const selector = unique ? distinct.map(([k, v]) => `${k}=${v}`).join(',') : `#${same.indexOf(rule) + 1}`;
          const label = same.length > 1 ? `${rule.alert}{${selector}}` : rule.alert;
          return { area, rule, label };
        }),
    );
}

/** The area reduced to the rules named like the target's, the target's expression replaced. */
function oneAlertArea(target: MutationTarget, expr: string): RuleArea {
  return {
    ...target.area,
    alerts: target.area.alerts
      .filter((a) => a.alert === target.rule.alert)
      .map((a) => (a === target.rule ? { ...a, expr } : a)),
  };
}

/**
 * The recording rules that `exprs` read, directly or through other recording rules, in their groups
 * and order: promtool evaluates every rule of its files at every step, so fewer rules run faster.
 */
export function recordingRulesFor(exprs: string[]): string {
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  const read = (expr: string) => {
    const m = metricsOf(expr);
    for (const n of m.names) names.add(n);
    patterns.push(...m.patterns);
  };
  exprs.forEach(read);
  const all = RECORDING_GROUPS.flatMap((g) => g.rules);
  const taken = new Set<RecordingRule>();
  for (let grew = true; grew;) {
    grew = false;
    for (const r of all.filter((x) => !taken.has(x))) {
      if (names.has(r.record) || patterns.some((p) => p.test(r.record))) {
        taken.add(r);
        read(r.expr);
        grew = true;
      }
    }
  }
  const groups = RECORDING_GROUPS.map((g) => ({
    name: g.name,
    ...(g.interval ? { interval: g.interval } : {}),
    rules: g.rules.filter((r) => taken.has(r)),
  })).filter((g) => g.rules.length > 0);
  return stringify({ groups }, { lineWidth: 0 });
}

/**
 * Writes the target's rules (its expression replaced by `expr`) and their promtool tests to a fresh
 * directory, and runs them. `split`: one promtool run per case, in `order` (indexes into the
 * rendered tests), stopping at the first failure: most mutants die on the first case tried, so this
 * is several times faster than running every case of every mutant. Otherwise one run of them all.
 */
async function promtoolTest(
  root: string,
  target: MutationTarget,
  expr: string,
  split?: { order: number[] },
): Promise<{ ok: boolean; output: string; failed?: number }> {
  const dir = await mkdtemp(join(root, 'm-'));
  try {
    const area = oneAlertArea(target, expr);
    await mkdir(join(dir, 'rules'));
    await mkdir(join(dir, 'tests'));
    await writeFile(join(dir, 'rules', `${area.file}.yml`), renderAreaRules(area));
    if (area.alerts.some((a) => a.needsRecording))
      await writeFile(join(dir, 'rules', 'recording.yml'), recordingRulesFor(area.alerts.map((a) => a.expr)));
    const rendered = renderAreaTests(area);
    if (!split) {
      await writeFile(join(dir, 'tests', `${area.file}.yml`), rendered);
      const r = await promtool(['test', 'rules', join(dir, 'tests', `${area.file}.yml`)]);
      return { ok: r.code === 0, output: r.stdout + r.stderr };
    }
    const file = parseYaml(rendered) as { tests: unknown[] };
    for (const i of split.order) {
      const path = join(dir, 'tests', `${area.file}-${i}.yml`);
      await writeFile(path, stringify({ ...file, tests: [file.tests[i]] }, { lineWidth: 0 }));
      const r = await promtool(['test', 'rules', path]);
      if (r.code !== 0) return { ok: false, output: r.stdout + r.stderr, failed: i };
    }
    return { ok: true, output: '' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many promtool tests the target's rules render to. */
const renderedCaseCount = (target: MutationTarget) =>
  (parseYaml(renderAreaTests(oneAlertArea(target, target.rule.expr))) as { tests: unknown[] }).tests.length;

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}

/** `promtool check rules` over every mutant at once; on failure, finds the culprits one by one. */
async function parseCheck(
  root: string,
  jobs: Array<{ target: MutationTarget; mutant: Mutant }>,
  concurrency: number,
): Promise<MutationReport['parseFailures']> {
  const check = async (list: typeof jobs) => {
    const file = join(await mkdtemp(join(root, 'p-')), 'mutants.yml');
    const rules = list.map((j, i) => ({ alert: `Mutant${i}`, expr: j.mutant.expr }));
    await writeFile(file, JSON.stringify({ groups: [{ name: 'mutants', rules }] }));
    const r = await promtool(['check', 'rules', file]);
    return { ok: r.code === 0, output: r.stdout + r.stderr };
  };
  if (jobs.length === 0 || (await check(jobs)).ok) return [];
  const each = await pool(jobs, concurrency, async (j) => ({ ...j, ...(await check([j])) }));
  return each.filter((r) => !r.ok).map(({ target, mutant, output }) => ({ target, mutant, output }));
}

/** Generates every mutant of the selected alerts and runs the alert's promtool cases against each. */
export async function runMutants(options: RunOptions = {}): Promise<MutationReport> {
  const started = Date.now();
  const concurrency = options.concurrency ?? 4;
  const targets = mutationTargets(options);
  const root = await mkdtemp(join(tmpdir(), 'aiwm-mutants-'));
  try {
    const jobs = targets.flatMap((target) =>
      mutantsOf(target.rule.expr, options).map((mutant) => ({ target, mutant })),
    );
    const parseFailures = await parseCheck(root, jobs, concurrency);
    const unparsable = new Set(parseFailures.map((p) => p.mutant));
    const total = targets.length + jobs.length;
    let done = 0;
    const progress = () => options.onProgress?.(++done, total);

    const baselines = await pool(targets, concurrency, async (target) => {
      const r = await promtoolTest(root, target, target.rule.expr);
      progress();
      return { target, ...r };
    });
    const broken = new Set(baselines.filter((b) => !b.ok).map((b) => b.target));
    const runnable = jobs.filter((j) => !broken.has(j.target) && !unparsable.has(j.mutant));
    // Per target, how often each case killed a mutant so far: the best killers are tried first.
    const kills = new Map<MutationTarget, number[]>(
      targets.map((t) => [t, new Array<number>(renderedCaseCount(t)).fill(0)]),
    );
    const results = await pool(runnable, concurrency, async ({ target, mutant }) => {
      const counts = kills.get(target)!;
      const order = counts.map((_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
      const r = await promtoolTest(root, target, mutant.expr, { order });
      if (r.failed !== undefined) counts[r.failed]!++;
      progress();
      const exemption = target.rule.survivingMutants?.[mutant.id];
      const killedBy = r.ok ? [] : failingCases(r.output);
      return { target, mutant, killed: !r.ok, killedBy, ...(exemption !== undefined ? { exemption } : {}) };
    });

    const staleExemptions: MutationReport['staleExemptions'] = [];
    for (const target of targets.filter((t) => !broken.has(t))) {
      for (const id of Object.keys(target.rule.survivingMutants ?? {})) {
        const result = results.find((r) => r.target === target && r.mutant.id === id);
        if (!result) staleExemptions.push({ target, id, why: 'no such mutant of this expression' });
        else if (result.killed)
          staleExemptions.push({ target, id, why: 'the mutant is killed now: remove the exemption' });
      }
    }
    return {
      results,
      baselineFailures: baselines.filter((b) => !b.ok).map(({ target, output }) => ({ target, output })),
      parseFailures,
      staleExemptions,
      durationMs: Date.now() - started,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

export interface MutationSummary {
  total: number;
  killed: number;
  /** Surviving and not exempted. */
  survived: number;
  exempted: number;
  /** survived / total (exempted mutants count as not surviving). */
  rate: number;
  perArea: Array<{ area: string; total: number; killed: number; survived: number; exempted: number; rate: number }>;
}

const counts = (results: MutantResult[]) => {
  const total = results.length;
  const killed = results.filter((r) => r.killed).length;
  const exempted = results.filter((r) => !r.killed && r.exemption !== undefined).length;
  const survived = total - killed - exempted;
  return { total, killed, survived, exempted, rate: total === 0 ? 0 : survived / total };
};

export function summarize(report: MutationReport): MutationSummary {
  const areas = [...new Set(report.results.map((r) => r.target.area.file))];
  return {
    ...counts(report.results),
    perArea: areas.map((area) => ({ area, ...counts(report.results.filter((r) => r.target.area.file === area)) })),
  };
}

/** The first `lines` lines of a promtool output. */
export const head = (output: string, lines = 30) => {
  const all = output.trim().split('\n');
  return all.length > lines
    ? [...all.slice(0, lines), `… (${all.length - lines} more lines)`].join('\n')
    : all.join('\n');
};

export const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;

/** A fixed-width table. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** Survivors (not exempted) as a table: area, alert, mutant id, description. */
export function survivorTable(report: MutationReport, options: { exempted?: boolean } = {}): string {
  const rows = report.results
    .filter((r) => !r.killed && (options.exempted ? r.exemption !== undefined : r.exemption === undefined))
    .map((r) => [
      r.target.area.file,
      r.target.label,
      r.mutant.id,
      options.exempted ? r.exemption! : r.mutant.description,
    ]);
  return rows.length === 0
    ? '(none)'
    : table([['area', 'alert', 'mutant', options.exempted ? 'reason' : 'description'], ...rows]);
}

/** The status lines other helpers read (/tmp/mutants-status.txt). */
export function statusText(report: MutationReport, scope: string): string {
  const s = summarize(report);
  return [
    `mutation status (${scope}) at ${new Date().toISOString()}, ${(report.durationMs / 1000).toFixed(1)} s`,
    `overall: ${s.survived}/${s.total} survive (${percent(s.rate)}), ${s.killed} killed, ${s.exempted} exempted`,
    ...s.perArea.map(
      (a) =>
        `  ${a.area}: ${a.survived}/${a.total} survive (${percent(a.rate)}), ${a.killed} killed, ${a.exempted} exempted`,
    ),
    ...(report.baselineFailures.length
      ? [
          `baseline failing (their mutants not run, not counted above): ${report.baselineFailures.map((b) => b.target.label).join(', ')}`,
        ]
      : []),
    ...(report.parseFailures.length ? [`unparsable mutants: ${report.parseFailures.length}`] : []),
    ...(report.staleExemptions.length
      ? [`stale exemptions: ${report.staleExemptions.map((e) => `${e.target.label} ${e.id}`).join(', ')}`]
      : []),
    '',
    'survivors:',
    survivorTable(report),
    '',
    'exempted survivors (survivingMutants):',
    survivorTable(report, { exempted: true }),
    '',
  ].join('\n');
}
