import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { waitFor } from './ports.js';

export interface Daemon {
  /** Its process id (the benchmarks pin it to CPUs). */
  readonly pid: number | undefined;
  /** Everything the process printed so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Runs a server binary for a test (Prometheus, Alertmanager) until `readyUrl` answers 200.
 * A start that fails throws with the process's output; `dir` is its temporary directory.
 */
export async function startDaemon(
  what: string,
  command: string,
  args: string[],
  options: { readyUrl: string; dir: string; env?: NodeJS.ProcessEnv },
): Promise<Daemon> {
  let output = '';
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => child.once('error', reject));
  try {
    await Promise.race([
      failed,
      waitFor(`${what} to be ready`, async () => ((await fetch(options.readyUrl)).ok ? true : undefined), 30_000),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(options.dir, { recursive: true, force: true });
    throw new Error(`${String(error)}\n${output}`);
  }
  return {
    pid: child.pid,
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}
