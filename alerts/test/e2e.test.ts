/**
 * Exporter -> real Prometheus (the project's rules, durations shortened) -> real Alertmanager (the
 * project's routing and inhibitions, started by its entrypoint) -> a webhook receiver. Once on the
 * default fleet, once on the fleet as AIWM's write paths store it, with the dcgm-exporter fixtures
 * scraped by the same Prometheus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/ports.js';
import { startStack, type Stack } from '../../testing/stack.js';
import type { Notification, WebhookAlert } from '../../testing/alertmanager.js';

const delivered = (stack: Stack): Array<{ n: Notification; a: WebhookAlert }> =>
  stack.webhook!.notifications.flatMap((n) => n.alerts.map((a) => ({ n, a })));
const find = (stack: Stack, match: Record<string, string>) =>
  delivered(stack).filter(
    ({ a }) => a.status === 'firing' && Object.entries(match).every(([k, v]) => a.labels[k] === v),
  );
/** The first delivered notification matching `match`, waiting up to `timeoutMs`. */
const notified = async (stack: Stack, what: string, match: Record<string, string>, timeoutMs = 60_000) => {
  const [first] = await waitFor(
    what,
    async () => {
      const found = find(stack, match);
      return found.length > 0 ? found : undefined;
    },
    timeoutMs,
    250,
  );
  return first!;
};
/** Alert names Prometheus has pending or firing for `selector`. */
const alertsIn = async (stack: Stack, selector: string) =>
  (await stack.prometheus.query(`ALERTS{alertstate=~"pending|firing", ${selector}}`)).map((s) => s.metric.alertname);

describe('alerting end to end (default fleet)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      alertmanager: true,
      prepare: async (db, fleet) => {
        // The stale node also runs a hot GPU: its GPU alerts must be inhibited by AIWMNodeDown.
        const nodes = db.db.collection('nodes');
        const staleId = fleet.collections.nodes.find((n) => n._id.toHexString() === fleet.scenario.staleNodeId)!._id;
        await nodes.updateOne({ _id: staleId }, { $set: { 'gpuDevices.0.temperature': 95 } });
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('pages for the hot GPU with the right labels, annotations and receiver', async () => {
    const hot = stack.fleet.scenario.hotGpuNodeId;
    const match = { alertname: 'AIWMGPUTemperatureHigh', node_id: hot, gpu: '0', severity: 'critical' };
    const critical = await notified(stack, 'the critical GPU temperature notification', match);
    expect(critical.n.receiver).toBe('oncall-pager');
    expect(critical.n.path).toBe('/alerts');
    // No dcgm-exporter in this fleet: the reading is AIWM's own.
    expect(critical.a.labels).toMatchObject({
      org_id: expect.any(String),
      node_name: 'worker-gpu-01',
      hostname: expect.any(String),
      uuid: expect.any(String),
      source: 'aiwm',
      model: expect.stringContaining('A100'),
    });
    expect(critical.a.annotations.summary).toBe('GPU temperature critical');
    expect(critical.a.annotations.description).toBe(
      `GPU 0 (${critical.a.labels.model}) on node worker-gpu-01 is at 92 °C, above the 90 °C critical level: ` +
        'it will throttle or shut down.',
    );
    expect(critical.a.annotations.runbook_url).toMatch(/runbooks\.html#aiwmgputemperaturehigh$/);

    // GPU 1 at 83 °C only crosses the warning level: a ticket, not a page.
    const warning = await notified(stack, 'the GPU 1 warning', { ...match, gpu: '1', severity: 'warning' }, 30_000);
    expect(warning.n.receiver).toBe('team-tickets');
  });

  it('pages for the node whose heartbeat went stale while AIWM says online', async () => {
    const stale = stack.fleet.scenario.staleNodeId;
    const match = { alertname: 'AIWMNodeDown', node_id: stale, reason: 'heartbeat_stale' };
    const down = await notified(stack, 'the stale node notification', match);
    expect(down.n.receiver).toBe('oncall-pager');
    expect(down.a.labels).toMatchObject({ severity: 'critical', status: 'online', node_name: 'worker-gpu-02' });
    expect(down.a.annotations.description).toMatch(
      new RegExp(
        '^Node worker-gpu-02 \\([0-9a-f]{24}, org [0-9a-f]{24}\\) has sent no heartbeat for 1\\dm \\d+s ' +
          'while AIWM still records it online\\.$',
      ),
    );
  });

  it('pages for the node AIWM records offline, with its raw status', async () => {
    const offline = stack.fleet.scenario.offlineNodeId;
    const match = { alertname: 'AIWMNodeDown', node_id: offline, reason: 'offline' };
    const down = await notified(stack, 'the offline node notification', match);
    expect(down.a.labels.status).toBe('offline');
    expect(down.a.annotations.description).toMatch(
      /^AIWM records node \S+ \([0-9a-f]{24}, org [0-9a-f]{24}\) as offline\./,
    );
  });

  it("inhibits the down node's GPU alerts and the warning twin of a critical alert", async () => {
    const stale = stack.fleet.scenario.staleNodeId;
    const hot = stack.fleet.scenario.hotGpuNodeId;
    const am = stack.alertmanager!;
    const staleGpu = await waitFor(
      'the stale node GPU alerts in Alertmanager',
      async () => {
        const alerts = await am.alerts([`alertname="AIWMGPUTemperatureHigh"`, `node_id="${stale}"`]);
        return alerts.length === 2 && alerts.every((a) => a.status.inhibitedBy.length > 0) ? alerts : undefined;
      },
      30_000,
      250,
    );
    expect(staleGpu.map((a) => a.labels.severity).sort()).toEqual(['critical', 'warning']);
    const twin = await am.alerts([
      'alertname="AIWMGPUTemperatureHigh"',
      `node_id="${hot}"`,
      'gpu="0"',
      'severity="warning"',
    ]);
    expect(twin).toHaveLength(1);
    expect(twin[0]!.status.state).toBe('suppressed');
    expect(twin[0]!.status.inhibitedBy.length).toBeGreaterThan(0);
    // Nothing inhibited was delivered.
    expect(find(stack, { alertname: 'AIWMGPUTemperatureHigh', node_id: stale })).toEqual([]);
    expect(find(stack, { alertname: 'AIWMGPUTemperatureHigh', node_id: hot, gpu: '0', severity: 'warning' })).toEqual(
      [],
    );
  });

  it('sends the Watchdog to its own receiver and nothing about the healthy node', async () => {
    const watchdog = await notified(stack, 'the Watchdog', { alertname: 'Watchdog' }, 30_000);
    expect(watchdog.n.receiver).toBe('watchdog');
    expect(watchdog.n.path).toBe('/watchdog');
    const healthy = stack.fleet.scenario.healthyNodeId;
    // Alerts about the node itself (a failed VM placed on it is the VM's alert, not the node's).
    expect(await alertsIn(stack, `alertname=~"AIWMNode.*|AIWMGPU.*", node_id="${healthy}"`)).toEqual([]);
    const aboutHealthy = delivered(stack).filter(
      ({ a }) => a.labels.node_id === healthy && /^AIWM(Node|GPU)/.test(a.labels.alertname!),
    );
    expect(aboutHealthy).toEqual([]);
    // info alerts reach Alertmanager but notify nobody.
    expect(delivered(stack).filter(({ a }) => a.labels.severity === 'info')).toEqual([]);
  });
});

describe('alerting end to end (AIWM write paths, dcgm-exporter fixtures)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ alertmanager: true, dcgm: true, fleet: { writePaths: true } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const h100 = () => stack.fleet.scenario.dcgmH100NodeId;
  const H100 = 'NVIDIA H100 80GB HBM3';
  // From fixtures/dcgm-exporter/h100-x8.prom.
  const GPU3_UUID = 'GPU-7848dfe4-7ca9-2d21-6b52-372fa381ed31';
  const GPU5_UUID = 'GPU-6a79c1f0-b9b0-b8a6-7197-473d4c3b06ec';

  it("pages for the Xid 94 of the faulty H100 GPU 5, with the GPU's identity", async () => {
    const xid = await notified(stack, 'the Xid notification', {
      alertname: 'AIWMGPUXidError',
      node_id: h100(),
      gpu: '5',
    });
    expect(xid.n.receiver).toBe('oncall-pager');
    expect(xid.a.labels).toMatchObject({
      severity: 'critical',
      xid: '94',
      source: 'dcgm',
      uuid: GPU5_UUID,
      model: H100,
      hostname: expect.stringMatching(/^gpu-node-01$/i),
    });
    expect(xid.a.annotations.description).toContain('reported Xid 94');
    expect(xid.a.annotations.runbook_url).toMatch(/#aiwmgpuxiderror$/);
    // The other GPUs report "No Error".
    expect(await alertsIn(stack, `alertname="AIWMGPUXidError", node_id="${h100()}", gpu!="5"`)).toEqual([]);
  });

  it('opens a ticket for the uncorrectable remapped row of GPU 5', async () => {
    const match = { alertname: 'AIWMGPUUncorrectableECC', node_id: h100(), gpu: '5', reason: 'remapped_rows' };
    const ecc = await notified(stack, 'the remapped rows notification', match);
    expect(ecc.n.receiver).toBe('team-tickets');
    expect(ecc.a.annotations.description).toContain('has had 1 memory row(s) remapped');
    expect(await alertsIn(stack, `alertname="AIWMGPUUncorrectableECC", reason="row_remap_failure"`)).toEqual([]);
  });

  it('opens a ticket for the thermal throttling of GPU 3 (clock event reasons 0x20)', async () => {
    const match = { alertname: 'AIWMGPUThrottled', node_id: h100(), gpu: '3', reason: 'thermal' };
    const throttled = await notified(stack, 'the thermal throttling notification', match);
    expect(throttled.n.receiver).toBe('team-tickets');
    expect(throttled.a.labels).toMatchObject({ severity: 'warning', model: H100, uuid: GPU3_UUID });
    expect(throttled.a.annotations.description).toContain('(clock event reasons mask 32)');
    // GPU 5 is idle (0x01), the others run free: no other GPU throttles, and nothing is a hardware slowdown.
    expect(await alertsIn(stack, `alertname="AIWMGPUThrottled", gpu!="3"`)).toEqual([]);
    expect(await alertsIn(stack, `alertname="AIWMGPUThrottled", reason="hardware_slowdown"`)).toEqual([]);
    // At 87 °C, GPU 3 is above the warning level too (from dcgm-exporter, not from AIWM).
    const hotMatch = { alertname: 'AIWMGPUTemperatureHigh', node_id: h100(), gpu: '3' };
    const hot = await notified(stack, 'the GPU 3 temperature warning', hotMatch);
    expect(hot.a.labels).toMatchObject({ severity: 'warning', source: 'dcgm' });
  });

  it('raises no inventory or join alert where AIWM and dcgm-exporter agree', async () => {
    // Wait until the GPU alerts above have been evaluated, then check the quiet ones.
    await notified(stack, 'the Xid notification', { alertname: 'AIWMGPUXidError', node_id: h100() });
    const { dcgmH100NodeId, dcgmA100NodeId } = stack.fleet.scenario;
    for (const node of [dcgmH100NodeId, dcgmA100NodeId]) {
      expect(await alertsIn(stack, `alertname=~"AIWMGPUMissing|AIWMGPUExporterDown", node_id="${node}"`)).toEqual([]);
    }
    expect(await alertsIn(stack, 'alertname="AIWMGPUUnmatched"')).toEqual([]);
  });

  it('flags the node whose sizes were written in GB, without notifying anyone', async () => {
    const gb = stack.fleet.scenario.gbUnitsNodeId;
    const fields = await waitFor(
      'the implausible value alerts',
      async () => {
        const selector = `alertname="AIWMNodeImplausibleValue", alertstate="firing", node_id="${gb}"`;
        const found = await stack.prometheus.query(`ALERTS{${selector}}`);
        return found.length >= 2 ? found.map((s) => s.metric.field).sort() : undefined;
      },
      60_000,
      250,
    );
    expect(fields).toEqual(['diskTotal', 'ramTotal']);
    expect(find(stack, { alertname: 'AIWMNodeImplausibleValue' })).toEqual([]);
  });

  it('pages for the never-heartbeated node, and for no healthy heartbeating node', async () => {
    const never = stack.fleet.scenario.neverHeartbeatNodeId;
    const match = { alertname: 'AIWMNodeDown', node_id: never, reason: 'never_heartbeated' };
    const down = await notified(stack, 'the never-heartbeated notification', match);
    expect(down.n.receiver).toBe('oncall-pager');
    expect(down.a.labels.status).toBe('online');

    // Every node AIWM's write paths store as `healthy` with a fresh heartbeat is online: none is down.
    const freshAfter = Date.now() - 5 * 60_000;
    const healthy = stack.fleet.collections.nodes
      .filter((n) => n.status === 'healthy' && new Date(n.lastHeartbeat as Date).getTime() > freshAfter)
      .map((n) => n._id.toHexString());
    expect(healthy.length).toBeGreaterThan(2);
    expect(healthy).toEqual(expect.arrayContaining([h100(), stack.fleet.scenario.healthyNodeId]));
    const downIds = (await stack.prometheus.query('ALERTS{alertname="AIWMNodeDown"}')).map((s) => s.metric.node_id);
    expect(downIds).toContain(never);
    expect(downIds.filter((id) => healthy.includes(id!))).toEqual([]);
    expect(
      delivered(stack).filter(({ a }) => a.labels.alertname === 'AIWMNodeDown' && healthy.includes(a.labels.node_id!)),
    ).toEqual([]);
  });
});
