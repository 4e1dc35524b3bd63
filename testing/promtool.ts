import { spawn } from 'node:child_process';

export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';

/** Runs promtool with `args`, feeding `stdin`; resolves with its exit code and output. */
export function promtool(
  args: string[],
  stdin?: string | Buffer,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
