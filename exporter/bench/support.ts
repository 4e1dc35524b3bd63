/**
 * Shared by the benchmarks: the MongoDB stand-in in its own process, the exporter's deployed
 * environment, and latency statistics.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import type { FleetOptions } from '../../testing/fleet/index.js';

export interface Stats {
  p50: number;
  p99: number;
  n: number;
}

export const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export function stats(ms: readonly number[]): Stats {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: ms.length };
}

/** The stand-in loaded with a generated fleet, in a child process: the exporter's CPU and memory are measured without it. */
export async function startStandInProcess(fleet: FleetOptions): Promise<{ uri: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./standin-server.ts', import.meta.url).pathname, JSON.stringify(fleet)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  return { uri, child };
}

/** The `ENV` settings of the Dockerfile's final stage (allocator settings, NODE_ENV): what a deployed exporter runs with. */
export function deployedEnv(): Record<string, string> {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const stage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of stage.matchAll(/^ENV\s+(.+)$/gm))
    for (const pair of line[1]!.trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  return env;
}

/**
 * Confines the benchmark's own processes (every thread of each: the load clients, Prometheus, the
 * stand-in, and this process, whose later children inherit it) to the last CPU, so that the exporter
 * measured has the other CPUs to itself, as in a deployment, instead of competing with the load it is
 * measured under and with Prometheus's rule evaluations. The exporter may still use every CPU. Needs
 * Linux, taskset and two CPUs or more; says what it did, or why not.
 */
export function confineToLastCpu(pids: ReadonlyArray<number | undefined>): string {
  const cpus = availableParallelism();
  if (process.platform !== 'linux' || cpus < 2) return `not confined (${cpus} CPU, ${process.platform})`;
  const last = String(cpus - 1);
  try {
    for (const pid of [process.pid, ...pids])
      if (pid !== undefined) execFileSync('taskset', ['-a', '-p', '-c', last, String(pid)], { stdio: 'ignore' });
  } catch (error) {
    return `not confined (taskset: ${(error as Error).message.split('\n')[0]})`;
  }
  return `load clients, Prometheus and the stand-in confined to CPU ${last}; the exporter on any of the ${cpus}`;
}
