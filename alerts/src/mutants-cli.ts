/**
 * `npm run mutants [-- --area nodes] [--alert AIWMNodeDown] [--list] [--flips] [--concurrency 4] [--verbose]`:
 * runs the mutation test of the alert expressions (alerts/src/mutants.ts) and prints the surviving
 * mutants per alert, with the ids that key `survivingMutants` in the rule sources, and the survival
 * rate. `--list` only prints the mutants. Writes a summary to /tmp/mutants-status.txt (or
 * MUTANTS_STATUS_FILE) on every run. Exits 1 when survival is above 10 %, or on a broken baseline,
 * an unparsable mutant or a stale exemption.
 */
import { writeFileSync } from 'node:fs';
import { mutantsOf } from './mutants.js';
import {
  head,
  MAX_SURVIVAL,
  mutationTargets,
  percent,
  runMutants,
  statusText,
  summarize,
  survivorTable,
} from './mutants-run.js';

interface Args {
  areas?: string[];
  alerts?: string[];
  list: boolean;
  flips: boolean;
  verbose: boolean;
  concurrency: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { list: false, flips: false, verbose: false, concurrency: 4 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      return v.split(',');
    };
    if (a === '--area') args.areas = [...(args.areas ?? []), ...value()];
    else if (a === '--alert') args.alerts = [...(args.alerts ?? []), ...value()];
    else if (a === '--list') args.list = true;
    else if (a === '--flips') args.flips = true;
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a === '--concurrency') args.concurrency = Number(value()[0]);
    else
      throw new Error(
        `unknown argument ${a}\nusage: npm run mutants -- [--area nodes] [--alert NAME] [--list] [--flips] [--concurrency N] [--verbose]`,
      );
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const targets = mutationTargets(args);
  if (targets.length === 0) throw new Error('no alert matches --area/--alert');
  if (args.list) {
    for (const t of targets) {
      const mutants = mutantsOf(t.rule.expr, args);
      console.log(`${t.area.file} ${t.label}: ${mutants.length} mutants\n  ${t.rule.expr}`);
      for (const m of mutants)
        console.log(`  ${m.id.padEnd(34)} ${m.description}${args.verbose ? `\n    ${m.expr}` : ''}`);
    }
    return;
  }
  const scope = [
    args.areas ? `areas ${args.areas.join(',')}` : 'all areas',
    ...(args.alerts ? [`alerts ${args.alerts.join(',')}`] : []),
    ...(args.flips ? ['with flips'] : []),
  ].join(', ');
  const interactive = process.stderr.isTTY;
  const report = await runMutants({
    ...args,
    onProgress: (done, total) => {
      if (interactive) process.stderr.write(`\r${done}/${total} promtool runs`);
    },
  });
  if (interactive) process.stderr.write('\n');
  const s = summarize(report);

  // Per alert: killed/total, then its survivors.
  const byTarget = new Map<string, typeof report.results>();
  for (const r of report.results) {
    const key = `${r.target.area.file} ${r.target.label}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), r]);
  }
  for (const [key, results] of byTarget) {
    const survivors = results.filter((r) => !r.killed && r.exemption === undefined);
    const exempted = results.filter((r) => !r.killed && r.exemption !== undefined);
    if (survivors.length === 0 && !args.verbose) continue;
    console.log(
      `${key}: ${survivors.length}/${results.length} survive${exempted.length ? `, ${exempted.length} exempted` : ''}`,
    );
    for (const r of survivors) {
      console.log(`  ${r.mutant.id.padEnd(34)} ${r.mutant.description}`);
      if (args.verbose) console.log(`    ${r.mutant.expr}`);
    }
    if (args.verbose)
      for (const r of results.filter((x) => x.killed))
        console.log(`  killed ${r.mutant.id.padEnd(27)} by ${r.killedBy.join('; ') || '?'}`);
  }
  const exemptedTable = survivorTable(report, { exempted: true });
  if (s.exempted > 0) console.log(`\nexempted survivors:\n${exemptedTable}`);
  for (const b of report.baselineFailures)
    console.log(`\nBASELINE FAILS (mutants not run) for ${b.target.label}:\n${head(b.output)}`);
  for (const p of report.parseFailures)
    console.log(`\nUNPARSABLE MUTANT ${p.target.label} ${p.mutant.id}: ${p.mutant.expr}\n${head(p.output)}`);
  for (const e of report.staleExemptions) console.log(`\nSTALE EXEMPTION ${e.target.label} ${e.id}: ${e.why}`);

  console.log(`\n${statusText(report, scope).split('\n\nsurvivors:')[0]}`);
  const statusFile = process.env.MUTANTS_STATUS_FILE ?? '/tmp/mutants-status.txt';
  writeFileSync(statusFile, statusText(report, scope));
  console.log(`(written to ${statusFile})`);
  const failed =
    s.rate > MAX_SURVIVAL ||
    report.baselineFailures.length > 0 ||
    report.parseFailures.length > 0 ||
    report.staleExemptions.length > 0;
  if (failed) console.log(`FAIL: survival ${percent(s.rate)} (limit ${percent(MAX_SURVIVAL)}) or errors above`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(`mutants: ${(error as Error).message}`);
  process.exit(2);
});
