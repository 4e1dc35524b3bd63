/** The Alertmanager configuration is valid and routes each severity to the right receiver. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const config = new URL('../alertmanager.yml', import.meta.url).pathname;
export const AMTOOL_BIN = process.env.AMTOOL_BIN ?? 'amtool';

function amtool(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(AMTOOL_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('alerts/alertmanager.yml', () => {
  it('passes amtool check-config', async () => {
    const result = await amtool(['check-config', config]);
    expect(result.out).toContain('SUCCESS');
    expect(result.out).toMatch(/2 inhibit rules/);
    expect(result.code).toBe(0);
  });

  it.each([
    [['alertname=AIWMNodeDown', 'severity=critical', 'node_id=n1'], 'oncall-pager'],
    [['alertname=AIWMGPUTemperatureHigh', 'severity=warning', 'node_id=n1', 'gpu=0'], 'team-tickets'],
    [['alertname=AIWMDeploymentIdle', 'severity=info'], 'blackhole'],
    [['alertname=Watchdog', 'severity=none'], 'watchdog'],
    [['alertname=SomethingElse'], 'default-webhook'],
  ])('routes %j to %s', async (labels, receiver) => {
    const result = await amtool(['config', 'routes', 'test', `--config.file=${config}`, `--verify.receivers=${receiver}`, ...labels]);
    expect(result.out.trim().split('\n').at(-1)).toBe(receiver);
    expect(result.code).toBe(0);
  });
});
