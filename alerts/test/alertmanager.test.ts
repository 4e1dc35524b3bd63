/** The Alertmanager configuration is valid and routes each severity to the right receiver. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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
    [['alertname=AIWMGPUXidError', 'severity=critical', 'node_id=n1', 'gpu=5', 'xid=94'], 'oncall-pager'],
    [['alertname=AIWMGPUThrottled', 'severity=warning', 'reason=thermal', 'node_id=n1', 'gpu=3'], 'team-tickets'],
    [['alertname=AIWMGPUUnmatched', 'severity=info', 'hostname=6d6d7dc3ce21'], 'blackhole'],
    [['alertname=AIWMDeploymentIdle', 'severity=info'], 'blackhole'],
    [['alertname=Watchdog', 'severity=none'], 'watchdog'],
    [['alertname=SomethingElse'], 'default-webhook'],
  ])('routes %j to %s', async (labels, receiver) => {
    const result = await amtool([
      'config',
      'routes',
      'test',
      `--config.file=${config}`,
      `--verify.receivers=${receiver}`,
      ...labels,
    ]);
    expect(result.out.trim().split('\n').at(-1)).toBe(receiver);
    expect(result.code).toBe(0);
  });
});

/**
 * amtool cannot evaluate inhibitions offline, so this applies the committed inhibit rules with
 * Alertmanager's semantics: anchored regex matchers, and `equal` labels compared with a missing label
 * reading as empty.
 */
interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}
type Labels = Record<string, string>;

function matches(matcher: string, labels: Labels): boolean {
  const m = /^(\w+)(=~|!~|!=|=)"(.*)"$/.exec(matcher);
  if (!m) throw new Error(`unsupported matcher ${matcher}`);
  const [, name, op, value] = m as unknown as [string, string, string, string];
  const actual = labels[name] ?? '';
  if (op === '=') return actual === value;
  if (op === '!=') return actual !== value;
  const hit = new RegExp(`^(?:${value})$`).test(actual);
  return op === '=~' ? hit : !hit;
}

function inhibits(source: Labels, target: Labels): boolean {
  const rules = (parse(readFileSync(config, 'utf8')) as { inhibit_rules: InhibitRule[] }).inhibit_rules;
  return rules.some(
    (r) =>
      r.source_matchers.every((m) => matches(m, source)) &&
      r.target_matchers.every((m) => matches(m, target)) &&
      r.equal.every((l) => (source[l] ?? '') === (target[l] ?? '')),
  );
}

describe('inhibitions', () => {
  const node = { org_id: 'org-a', node_id: 'n1' };
  const down = { alertname: 'AIWMNodeDown', severity: 'critical', reason: 'heartbeat_stale', ...node };
  const xid = { alertname: 'AIWMGPUXidError', severity: 'critical', ...node, gpu: '5', xid: '94' };
  const ecc = (severity: string, reason: string, gpu: string) => ({
    alertname: 'AIWMGPUUncorrectableECC',
    severity,
    reason,
    ...node,
    gpu,
  });

  it.each([
    ['the Xid alert of its GPU', xid],
    [
      'the dcgm-exporter down alert',
      { alertname: 'AIWMGPUExporterDown', severity: 'warning', ...node, instance: 'h:9400' },
    ],
    [
      'a throttling alert',
      { alertname: 'AIWMGPUThrottled', severity: 'warning', reason: 'thermal', ...node, gpu: '3' },
    ],
    ['a missing-GPU alert', { alertname: 'AIWMGPUMissing', severity: 'warning', ...node }],
    ['its RAM alert', { alertname: 'AIWMNodeMemoryPressure', severity: 'critical', ...node }],
  ])('a down node mutes %s', (_, target) => {
    expect(inhibits(down, target)).toBe(true);
  });

  it('a down node leaves other nodes, unmatched GPUs and workloads alone', () => {
    expect(inhibits(down, { ...xid, node_id: 'n2' })).toBe(false);
    expect(inhibits(down, { ...xid, org_id: 'org-b' })).toBe(false);
    expect(inhibits(down, { alertname: 'AIWMGPUUnmatched', severity: 'info', hostname: 'gpu-node-09' })).toBe(false);
    expect(
      inhibits(down, { alertname: 'AIWMDeploymentFailed', severity: 'critical', ...node, deployment_id: 'd1' }),
    ).toBe(false);
  });

  it('a critical GPU health alert mutes its warning twin on the same GPU only', () => {
    const failure = ecc('critical', 'row_remap_failure', '5');
    expect(inhibits(failure, ecc('warning', 'remapped_rows', '5'))).toBe(true);
    expect(inhibits(failure, ecc('warning', 'remapped_rows', '4'))).toBe(false);
    expect(inhibits(xid, { ...xid, severity: 'warning', xid: '13' })).toBe(true);
    // A different alert on the same GPU is not a twin.
    expect(inhibits(xid, { alertname: 'AIWMGPUThrottled', severity: 'warning', ...node, gpu: '5' })).toBe(false);
  });
});
