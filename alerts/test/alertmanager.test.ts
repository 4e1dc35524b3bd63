/**
 * The Alertmanager configuration is valid, routes each severity to the right receiver, and its
 * inhibitions mute what they should and nothing else: checked offline against a model of
 * Alertmanager's matching, and on a real Alertmanager through its API.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS, casesOf } from '../src/render.js';
import { startAlertmanager, startWebhookReceiver, type RunningAlertmanager } from '../../testing/alertmanager.js';
import { waitFor } from '../../testing/ports.js';

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
    expect(result.out).toMatch(/5 inhibit rules/);
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
    [
      'a failed deployment on it',
      { alertname: 'AIWMDeploymentFailed', severity: 'critical', ...node, deployment_id: 'd1' },
    ],
    ['a failed VM on it', { alertname: 'AIWMResourceFailed', severity: 'warning', ...node, resource_id: 'r1' }],
    ['an agent on it', { alertname: 'AIWMAgentHeartbeatStale', severity: 'warning', ...node, agent_id: 'a1' }],
  ])('a down node mutes %s', (_, target) => {
    expect(inhibits(down, target)).toBe(true);
  });

  it('a down node leaves other nodes, unmatched GPUs, entities off the node and its own reboot alone', () => {
    expect(inhibits(down, { ...xid, node_id: 'n2' })).toBe(false);
    expect(inhibits(down, { ...xid, org_id: 'org-b' })).toBe(false);
    expect(inhibits(down, { alertname: 'AIWMGPUUnmatched', severity: 'info', hostname: 'gpu-node-09' })).toBe(false);
    // An api-based deployment, a model and an agent on no node carry no node_id.
    expect(inhibits(down, { alertname: 'AIWMDeploymentFailed', severity: 'critical', org_id: 'org-a' })).toBe(false);
    expect(inhibits(down, { alertname: 'AIWMModelFailed', severity: 'critical', org_id: 'org-a' })).toBe(false);
    expect(inhibits(down, { alertname: 'AIWMAgentErrorRatioHigh', severity: 'warning', org_id: 'org-a' })).toBe(false);
    expect(inhibits(down, { alertname: 'AIWMNodeRebooted', severity: 'warning', ...node })).toBe(false);
    expect(inhibits(down, { ...down, reason: 'offline' })).toBe(false);
  });

  it('a critical GPU health alert mutes its warning twin on the same GPU only', () => {
    const failure = ecc('critical', 'row_remap_failure', '5');
    expect(inhibits(failure, ecc('warning', 'remapped_rows', '5'))).toBe(true);
    expect(inhibits(failure, ecc('warning', 'remapped_rows', '4'))).toBe(false);
    expect(inhibits(xid, { ...xid, severity: 'warning', xid: '13' })).toBe(true);
    // A different alert on the same GPU is not a twin.
    expect(inhibits(xid, { alertname: 'AIWMGPUThrottled', severity: 'warning', ...node, gpu: '5' })).toBe(false);
  });

  it.each(CASES.map((c) => [c.what, c] as const))('%s (model)', (_, c) => {
    expect(inhibits(c.source, c.target)).toBe(c.muted);
  });

  it('every alert that carries a node_id is muted by the node being down, the node-level ones aside', () => {
    const nodeLevel = ['AIWMNodeDown', 'AIWMNodeRebooted', 'AIWMNodeStuckProvisioning', 'AIWMNodeImplausibleValue'];
    const onNode = ALERTS.filter((a) => !nodeLevel.includes(a.alert)).flatMap((a) =>
      casesOf(a)
        .flatMap((c) => c.alerts)
        .filter((e) => e.labels.node_id)
        .map((e): Labels => ({ alertname: a.alert, ...e.labels })),
    );
    expect(new Set(onNode.map((l) => l.alertname)).size).toBeGreaterThanOrEqual(10);
    for (const labels of onNode) {
      const source = { ...down, org_id: labels.org_id!, node_id: labels.node_id! };
      expect(inhibits(source, labels), JSON.stringify(labels)).toBe(true);
    }
  });

  it("every exporter alert that MongoDB being away explains is muted by AIWMMongoDBSourceDown, and nothing else of the exporter's", () => {
    const explained = [
      'AIWMExporterPollsStale',
      'AIWMExporterPollsSkipped',
      'AIWMExporterCollectorFailing',
      'AIWMExporterEventWatermarkLag',
    ];
    const exporterAlerts = ALERTS.filter((a) => /^AIWM(Exporter|MongoDB)/.test(a.alert));
    for (const a of exporterAlerts) {
      const labels: Labels = { alertname: a.alert, ...a.test.alerts[0]!.labels };
      const source = {
        alertname: 'AIWMMongoDBSourceDown',
        severity: 'critical',
        job: labels.job!,
        instance: labels.instance!,
      };
      expect(inhibits(source, labels), a.alert).toBe(explained.includes(a.alert));
    }
  });
});

/** Source and target alerts, and whether Alertmanager must mute the target. */
interface InhibitionCase {
  what: string;
  source: Labels;
  target: Labels;
  muted: boolean;
}

/**
 * One scenario per case, each with its own entities (node, GPU, exporter instance or job), so the
 * cases can all be sent to one Alertmanager without muting each other's targets.
 */
const CASES: InhibitionCase[] = (() => {
  const cases: InhibitionCase[] = [];
  const add = (what: string, source: Labels, target: Labels, muted: boolean) =>
    cases.push({ what, source, target, muted });
  let n = 0;
  const nodeDown = (extra: Labels = {}) => {
    const node = { org_id: 'org-am', node_id: `node-${++n}`, node_name: `worker-${n}` };
    return { node, down: { alertname: 'AIWMNodeDown', severity: 'critical', reason: 'offline', ...node, ...extra } };
  };
  {
    const { node, down } = nodeDown();
    add(
      'a down node mutes its GPU alert',
      down,
      { alertname: 'AIWMGPUTemperatureHigh', severity: 'critical', ...node, gpu: '0' },
      true,
    );
  }
  {
    const { node, down } = nodeDown({ job: 'aiwm-exporter', instance: 'exporter:9470' });
    add(
      'a down node (with scrape labels) mutes the failed deployment on it',
      down,
      { alertname: 'AIWMDeploymentFailed', severity: 'critical', reason: 'crashed', ...node, deployment_id: 'd1' },
      true,
    );
  }
  {
    const { node, down } = nodeDown();
    add(
      'a down node mutes the stuck VM on it',
      down,
      { alertname: 'AIWMResourceStuck', severity: 'warning', ...node, resource_id: 'r1' },
      true,
    );
  }
  {
    const { node, down } = nodeDown();
    add(
      'a down node leaves a deployment on another node alone',
      down,
      { alertname: 'AIWMDeploymentFailed', severity: 'critical', ...node, node_id: 'elsewhere', deployment_id: 'd2' },
      false,
    );
  }
  {
    const { node, down } = nodeDown();
    add(
      'a down node leaves the same node id of another org alone',
      down,
      { alertname: 'AIWMGPUXidError', severity: 'critical', ...node, org_id: 'org-other', gpu: '1' },
      false,
    );
  }
  {
    const { node, down } = nodeDown();
    add(
      'a down node leaves its reboot alert alone',
      down,
      { alertname: 'AIWMNodeRebooted', severity: 'warning', ...node },
      false,
    );
  }
  const exporter = (i: number) => ({ job: 'aiwm-exporter', instance: `exporter-${i}:9470` });
  add(
    'MongoDB away mutes stale polls of the same exporter',
    { alertname: 'AIWMMongoDBSourceDown', severity: 'critical', ...exporter(1) },
    { alertname: 'AIWMExporterPollsStale', severity: 'warning', ...exporter(1) },
    true,
  );
  add(
    'MongoDB away mutes the collector failures of the same exporter',
    { alertname: 'AIWMMongoDBSourceDown', severity: 'critical', ...exporter(2) },
    { alertname: 'AIWMExporterCollectorFailing', severity: 'warning', ...exporter(2), collector: 'nodes' },
    true,
  );
  add(
    "MongoDB away leaves another exporter's stale polls alone",
    { alertname: 'AIWMMongoDBSourceDown', severity: 'critical', ...exporter(3) },
    { alertname: 'AIWMExporterPollsStale', severity: 'warning', ...exporter(4) },
    false,
  );
  add(
    'MongoDB away leaves malformed documents alone',
    { alertname: 'AIWMMongoDBSourceDown', severity: 'critical', ...exporter(5) },
    {
      alertname: 'AIWMExporterInvalidDocuments',
      severity: 'warning',
      ...exporter(5),
      collection: 'nodes',
      reason: 'wrong_type',
    },
    false,
  );
  add(
    'an exporter down mutes its MongoDB alert',
    { alertname: 'AIWMExporterDown', severity: 'critical', ...exporter(6) },
    { alertname: 'AIWMMongoDBSourceDown', severity: 'critical', ...exporter(6) },
    true,
  );
  add(
    'an exporter down mutes its event reader lag',
    { alertname: 'AIWMExporterDown', severity: 'critical', ...exporter(7) },
    { alertname: 'AIWMExporterEventWatermarkLag', severity: 'warning', ...exporter(7), collection: 'executions' },
    true,
  );
  add(
    'an exporter down keeps the scrape over the sample limit that explains it',
    { alertname: 'AIWMExporterDown', severity: 'critical', ...exporter(8) },
    { alertname: 'AIWMExporterScrapeTooLarge', severity: 'warning', ...exporter(8) },
    false,
  );
  add(
    'an exporter absent mutes what is left of its alerts',
    { alertname: 'AIWMExporterAbsent', severity: 'critical', job: 'aiwm-exporter-gone' },
    { alertname: 'AIWMExporterPollsSkipped', severity: 'warning', job: 'aiwm-exporter-gone', instance: 'x:9470' },
    true,
  );
  const gpu = { org_id: 'org-am', node_id: 'hot-node', gpu: '0' };
  add(
    'a critical alert mutes its warning twin',
    { alertname: 'AIWMGPUTemperatureHigh', severity: 'critical', ...gpu },
    { alertname: 'AIWMGPUTemperatureHigh', severity: 'warning', ...gpu },
    true,
  );
  add(
    'a critical alert leaves the warning of another GPU alone',
    { alertname: 'AIWMGPUTemperatureHigh', severity: 'critical', ...gpu, node_id: 'hot-node-2' },
    { alertname: 'AIWMGPUTemperatureHigh', severity: 'warning', ...gpu, node_id: 'hot-node-2', gpu: '1' },
    false,
  );
  return cases;
})();

describe('inhibitions on a real Alertmanager (its API)', () => {
  let am: RunningAlertmanager;
  let closeWebhook: () => Promise<void>;

  beforeAll(async () => {
    const webhook = await startWebhookReceiver();
    closeWebhook = () => webhook.close();
    am = await startAlertmanager(readFileSync(config, 'utf8'), { ALERT_WEBHOOK_URL: `${webhook.url}/alerts` });
    const startsAt = new Date().toISOString();
    const endsAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const alerts = CASES.flatMap((c) => [c.source, c.target]).map((labels) => ({ labels, startsAt, endsAt }));
    const response = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    expect(response.ok).toBe(true);
    // The inhibitor learns the sources asynchronously: wait until every expected mute holds (or
    // give up after a while and let the cases below say which one does not).
    await waitFor(
      'the inhibitions',
      async () => {
        const all = await am.alerts();
        return CASES.every((c) => !c.muted || statusOf(all, c.target)?.inhibitedBy.length) ? true : undefined;
      },
      10_000,
      100,
    ).catch(() => undefined);
  }, 60_000);

  afterAll(async () => {
    await am?.stop();
    await closeWebhook?.();
  });

  type AmAlert = Awaited<ReturnType<RunningAlertmanager['alerts']>>[number];
  const same = (a: Labels, b: Labels) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const statusOf = (all: AmAlert[], labels: Labels) => all.find((a) => same(a.labels, labels))?.status;

  it.each(CASES.map((c) => [c.what, c] as const))('%s', async (_, c) => {
    const all = await am.alerts();
    const target = statusOf(all, c.target);
    expect(target, 'the target alert reached Alertmanager').toBeDefined();
    expect(target!.state).toBe(c.muted ? 'suppressed' : 'active');
    if (c.muted) {
      // Muted by the source alert of the case, identified by its fingerprint.
      const source = (await am.alerts()).find((a) => same(a.labels, c.source)) as AmAlert & { fingerprint: string };
      expect(target!.inhibitedBy).toContain(source.fingerprint);
    } else expect(target!.inhibitedBy).toEqual([]);
  });
});
