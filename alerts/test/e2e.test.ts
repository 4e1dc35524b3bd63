/**
 * Exporter -> real Prometheus (the project's rules, durations shortened) -> real Alertmanager (the
 * project's routing and inhibitions, started by its entrypoint) -> a webhook receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../exporter/test/support/ports.js';
import { startStack, type Stack } from '../../exporter/test/support/stack.js';
import type { Notification, WebhookAlert } from '../../exporter/test/support/alertmanager.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    alertmanager: true,
    prepare: async (db, fleet) => {
      // The stale node also runs a hot GPU: its GPU alerts must be inhibited by AIWMNodeDown.
      const nodes = db.db.collection('nodes');
      const stale = await nodes.findOne({ name: { $exists: true }, _id: { $in: fleet.collections.nodes.filter((n) => n._id.toHexString() === fleet.scenario.staleNodeId).map((n) => n._id) } });
      await nodes.updateOne({ _id: stale!._id }, { $set: { 'gpuDevices.0.temperature': 95 } });
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const delivered = (): Array<{ n: Notification; a: WebhookAlert }> => stack.webhook!.notifications.flatMap((n) => n.alerts.map((a) => ({ n, a })));
const find = (match: Record<string, string>) => delivered().filter(({ a }) => a.status === 'firing' && Object.entries(match).every(([k, v]) => a.labels[k] === v));

describe('alerting end to end', () => {
  it('pages for the hot GPU with the right labels, annotations and receiver', async () => {
    const hot = stack.fleet.scenario.hotGpuNodeId;
    const [critical] = await waitFor('the critical GPU temperature notification', async () => {
      const found = find({ alertname: 'AIWMGPUTemperatureHigh', node_id: hot, gpu: '0', severity: 'critical' });
      return found.length > 0 ? found : undefined;
    }, 60_000, 250);
    expect(critical!.n.receiver).toBe('oncall-pager');
    expect(critical!.n.path).toBe('/alerts');
    expect(critical!.a.labels).toMatchObject({ org_id: expect.any(String), node_name: 'worker-gpu-01', model: expect.stringContaining('A100') });
    expect(critical!.a.annotations.summary).toBe('GPU temperature critical');
    expect(critical!.a.annotations.description).toBe(`GPU 0 (${critical!.a.labels.model}) on node worker-gpu-01 is at 92 °C, above the 90 °C critical level: it will throttle or shut down.`);
    expect(critical!.a.annotations.runbook_url).toMatch(/docs\/runbooks\.md#aiwmgputemperaturehigh$/);

    // GPU 1 at 83 °C only crosses the warning level: a ticket, not a page.
    const [warning] = await waitFor('the GPU 1 warning', async () => {
      const found = find({ alertname: 'AIWMGPUTemperatureHigh', node_id: hot, gpu: '1', severity: 'warning' });
      return found.length > 0 ? found : undefined;
    }, 30_000, 250);
    expect(warning!.n.receiver).toBe('team-tickets');
  });

  it('pages for the node whose heartbeat went stale while AIWM says online', async () => {
    const stale = stack.fleet.scenario.staleNodeId;
    const [down] = await waitFor('the stale node notification', async () => {
      const found = find({ alertname: 'AIWMNodeDown', node_id: stale, reason: 'heartbeat_stale' });
      return found.length > 0 ? found : undefined;
    }, 60_000, 250);
    expect(down!.n.receiver).toBe('oncall-pager');
    expect(down!.a.labels.severity).toBe('critical');
    expect(down!.a.annotations.description).toMatch(/^Node worker-gpu-02 \([0-9a-f]{24}, org [0-9a-f]{24}\) has sent no heartbeat for 1\dm \d+s while AIWM still records it online\.$/);
  });

  it('inhibits the down node\'s GPU alerts and the warning twin of a critical alert', async () => {
    const stale = stack.fleet.scenario.staleNodeId;
    const hot = stack.fleet.scenario.hotGpuNodeId;
    const am = stack.alertmanager!;
    const staleGpu = await waitFor('the stale node GPU alerts in Alertmanager', async () => {
      const alerts = await am.alerts([`alertname="AIWMGPUTemperatureHigh"`, `node_id="${stale}"`]);
      return alerts.length === 2 && alerts.every((a) => a.status.inhibitedBy.length > 0) ? alerts : undefined;
    }, 30_000, 250);
    expect(staleGpu.map((a) => a.labels.severity).sort()).toEqual(['critical', 'warning']);
    const twin = await am.alerts([`alertname="AIWMGPUTemperatureHigh"`, `node_id="${hot}"`, 'gpu="0"', 'severity="warning"']);
    expect(twin).toHaveLength(1);
    expect(twin[0]!.status.state).toBe('suppressed');
    expect(twin[0]!.status.inhibitedBy.length).toBeGreaterThan(0);
    // Nothing inhibited was delivered.
    expect(find({ alertname: 'AIWMGPUTemperatureHigh', node_id: stale })).toEqual([]);
    expect(find({ alertname: 'AIWMGPUTemperatureHigh', node_id: hot, gpu: '0', severity: 'warning' })).toEqual([]);
  });

  it('sends the Watchdog to its own receiver and nothing about the healthy node', async () => {
    const watchdog = await waitFor('the Watchdog', async () => {
      const found = find({ alertname: 'Watchdog' });
      return found.length > 0 ? found : undefined;
    }, 30_000, 250);
    expect(watchdog[0]!.n.receiver).toBe('watchdog');
    expect(watchdog[0]!.n.path).toBe('/watchdog');
    const healthy = stack.fleet.scenario.healthyNodeId;
    // Alerts about the node itself (a failed VM placed on it is the VM's alert, not the node's).
    const firing = await stack.prometheus.query(`ALERTS{alertstate=~"pending|firing", alertname=~"AIWMNode.*|AIWMGPU.*", node_id="${healthy}"}`);
    expect(firing.map((f) => f.metric.alertname)).toEqual([]);
    expect(delivered().filter(({ a }) => a.labels.node_id === healthy && /^AIWM(Node|GPU)/.test(a.labels.alertname!))).toEqual([]);
    // info alerts reach Alertmanager but notify nobody.
    expect(delivered().filter(({ a }) => a.labels.severity === 'info')).toEqual([]);
  });
});
