/**
 * Exporter -> real Prometheus (the project's rules, durations shortened) -> real Alertmanager (the
 * project's routing and inhibitions, started by its entrypoint) -> a webhook receiver. Once on the
 * default fleet, with a second exporter that cannot reach MongoDB, once on the fleet as AIWM's write
 * paths store it, with the dcgm-exporter fixtures scraped by the same Prometheus and a Watchdog
 * receiver that rejects every notification. Prometheus scrapes itself and Alertmanager, and serves
 * the runbooks the alerts link to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/ports.js';
import { startStack, type Stack } from '../../testing/stack.js';
import type { AlertmanagerAlert, Notification, WebhookAlert } from '../../testing/alertmanager.js';
import { DASHBOARDS } from '../../dashboards/index.js';
import { DEFAULT_GRAFANA_URL } from '../src/settings.js';
import { ALERTMANAGER_JOB, ALERTMANAGER_SELF, PROMETHEUS_JOB, PROMETHEUS_SELF } from '../../queries/names.js';

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

/** Alertmanager's alerts matching `filter` once `ready` holds for them, waiting up to `timeoutMs`. */
const inAlertmanager = (
  stack: Stack,
  what: string,
  filter: string[],
  ready: (alerts: AlertmanagerAlert[]) => boolean,
  timeoutMs = 30_000,
) =>
  waitFor(
    what,
    async () => {
      const alerts = await stack.alertmanager!.alerts(filter);
      return alerts.length > 0 && ready(alerts) ? alerts : undefined;
    },
    timeoutMs,
    250,
  );

const UIDS = new Set(DASHBOARDS.map((make) => make().uid));

/**
 * Every alert Alertmanager holds links to its runbook section, which Prometheus serves (the anchor is
 * in docs/runbooks.html), and to a dashboard of the project with every variable filled in.
 */
async function checkLinks(stack: Stack) {
  const alerts = await stack.alertmanager!.alerts();
  expect(alerts.length).toBeGreaterThan(3);
  const pages = new Map<string, string>();
  for (const a of alerts) {
    const name = a.labels.alertname!;
    const { runbook_url: runbook, dashboard_url: dashboard } = a.annotations;
    expect(runbook, name).toMatch(new RegExp(`^${stack.prometheus.url}/user/runbooks\\.html#[a-z0-9-]+$`));
    const [page, anchor] = runbook!.split('#') as [string, string];
    if (!pages.has(page)) {
      const response = await fetch(page);
      expect(response.status, page).toBe(200);
      pages.set(page, await response.text());
    }
    expect(pages.get(page), `${name}: #${anchor}`).toContain(`id="${anchor}"`);
    const url = new URL(dashboard!);
    expect(`${url.origin}`, name).toBe(DEFAULT_GRAFANA_URL);
    expect(UIDS, `${name}: ${dashboard}`).toContain(url.pathname.replace(/^\/d\//, ''));
    for (const [variable, value] of url.searchParams)
      expect(value, `${name}: ${variable} in ${dashboard}`).not.toBe('');
    expect(dashboard, name).not.toContain('{{');
  }
}

/**
 * Prometheus scrapes itself and Alertmanager, finds every series the self-monitoring alerts read
 * under the names the rules use, evaluates every rule without an error on this data, and raises none
 * of the monitoring's own alerts.
 */
async function checkSelfMonitoring(stack: Stack) {
  for (const job of [PROMETHEUS_JOB, ALERTMANAGER_JOB]) {
    const up = await stack.prometheus.query(`up{job="${job}"}`);
    expect(
      up.map((s) => s.value[1]),
      job,
    ).toEqual(['1']);
  }
  const names = [
    ...Object.values(PROMETHEUS_SELF).map((name) => [PROMETHEUS_JOB, name] as const),
    ...Object.values(ALERTMANAGER_SELF).map((name) => [ALERTMANAGER_JOB, name] as const),
  ];
  for (const [job, name] of names) {
    const found = await stack.prometheus.query(`count({__name__="${name}", job="${job}"})`);
    expect(found.length, `${name} scraped from ${job}`).toBe(1);
  }
  // Several evaluations of every group (1 s interval) have run by now.
  const failures = await stack.prometheus.query(`sum by (rule_group) (${PROMETHEUS_SELF.ruleEvaluationFailures}) > 0`);
  expect(failures.map((f) => f.metric.rule_group)).toEqual([]);
  const evaluations = await stack.prometheus.query('sum(prometheus_rule_evaluations_total)');
  expect(Number(evaluations[0]!.value[1])).toBeGreaterThan(100);
  expect(
    await alertsIn(
      stack,
      'alertname=~"AIWMPrometheusRuleFailures|AIWMMonitoringTargetDown|AIWMMonitoringConfigReloadFailed"',
    ),
  ).toEqual([]);
}

describe('alerting end to end (default fleet)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      alertmanager: true,
      unreachableExporter: true,
      prepare: async (db, fleet) => {
        // The stale node also runs a hot GPU and a failed deployment: their alerts must be inhibited by AIWMNodeDown.
        const nodes = db.db.collection('nodes');
        const staleNode = fleet.collections.nodes.find((n) => n._id.toHexString() === fleet.scenario.staleNodeId)!;
        await nodes.updateOne({ _id: staleNode._id }, { $set: { 'gpuDevices.0.temperature': 95 } });
        // A deployment of the node's org placed on it, whose deploy attempt failed.
        const onNode = fleet.collections.deployments.find((d) => typeof d.nodeId === 'string')!;
        await db.db
          .collection('deployments')
          .updateOne(
            { _id: onNode._id },
            { $set: { nodeId: fleet.scenario.staleNodeId, owner: staleNode.owner as unknown, status: 'failed' } },
          );
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

  it('inhibits every alert of what runs on the down node: its failed deployment', async () => {
    const stale = stack.fleet.scenario.staleNodeId;
    const deployment = await inAlertmanager(
      stack,
      'the failed deployment on the stale node in Alertmanager',
      ['alertname=~"AIWMDeployment.*"', `node_id="${stale}"`],
      (alerts) => alerts.every((a) => a.status.inhibitedBy.length > 0),
    );
    expect(deployment.map((a) => a.labels.alertname)).toContain('AIWMDeploymentFailed');
    const [down] = await stack.alertmanager!.alerts(['alertname="AIWMNodeDown"', `node_id="${stale}"`]);
    for (const a of deployment) expect(a.status.inhibitedBy).toContain(down!.fingerprint);
    // Whatever else carries the node's id is muted too, but for the node's own alerts.
    const onNode = await stack.alertmanager!.alerts([`node_id="${stale}"`, 'alertname!~"AIWMNode.*"']);
    expect(onNode.length).toBeGreaterThanOrEqual(3);
    for (const a of onNode) expect(a.status.state, a.labels.alertname).toBe('suppressed');
    expect(
      delivered(stack).filter(({ a }) => a.labels.node_id === stale && !/^AIWMNode/.test(a.labels.alertname!)),
    ).toEqual([]);
  });

  it('pages for the exporter that cannot reach MongoDB and mutes the stale polls and reader lag it causes', async () => {
    const { instance } = stack.unreachable!;
    const source = await notified(stack, 'the MongoDB source down notification', {
      alertname: 'AIWMMongoDBSourceDown',
      instance,
    });
    expect(source.n.receiver).toBe('oncall-pager');
    const [sourceAlert] = await stack.alertmanager!.alerts([
      'alertname="AIWMMongoDBSourceDown"',
      `instance="${instance}"`,
    ]);
    // It never completed a poll: its last successful poll is at 0, the polls are stale; its event
    // readers never moved (COUNT_EVENTS_FROM=all: from 1970), they lag. MongoDB being away explains both.
    const caused = await inAlertmanager(
      stack,
      'the stale polls and lagging event readers of the unreachable exporter in Alertmanager',
      ['alertname=~"AIWMExporterPollsStale|AIWMExporterEventWatermarkLag"', `instance="${instance}"`],
      (alerts) => alerts.length === 4 && alerts.every((a) => a.status.inhibitedBy.length > 0),
    );
    expect(caused.map((a) => a.labels.collection ?? a.labels.alertname).sort()).toEqual([
      'AIWMExporterPollsStale',
      'conversations',
      'executions',
      'messages',
    ]);
    for (const a of caused) expect(a.status.inhibitedBy).toEqual([sourceAlert!.fingerprint]);
    expect(find(stack, { alertname: 'AIWMExporterPollsStale', instance })).toEqual([]);
    expect(find(stack, { alertname: 'AIWMExporterEventWatermarkLag', instance })).toEqual([]);
    // Every collector fails there, but MongoDB being away says why: no collector alert at all.
    expect(await alertsIn(stack, `alertname="AIWMExporterCollectorFailing", instance="${instance}"`)).toEqual([]);
    // The exporter that reads the fleet is fine.
    const fine = (await stack.prometheus.query('aiwm_exporter_source_up == 1')).map((s) => s.metric.instance);
    expect(fine).toHaveLength(1);
    expect(fine).not.toContain(instance);
  });

  it('links every alert to a runbook section Prometheus serves and to a dashboard with its variables', async () => {
    await notified(stack, 'the stale node notification', { alertname: 'AIWMNodeDown' });
    await checkLinks(stack);
  });

  it('scrapes Prometheus and Alertmanager, and every rule evaluates without an error', async () => {
    await checkSelfMonitoring(stack);
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
    stack = await startStack({ alertmanager: true, dcgm: true, fleet: { writePaths: true }, rejectingWatchdog: true });
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

  it("pages when Alertmanager's notifications fail (the Watchdog's receiver rejects them)", async () => {
    const failing = await notified(stack, 'the notifications failing notification', {
      alertname: 'AIWMAlertmanagerNotificationsFailing',
      integration: 'webhook',
    });
    expect(failing.n.receiver).toBe('oncall-pager');
    expect(failing.a.labels).toMatchObject({
      severity: 'critical',
      job: 'alertmanager',
      instance: stack.alertmanager!.target,
    });
    expect(failing.a.annotations.description).toMatch(
      /^Alertmanager \S+ gave up on \d+(\.\d+)?% of its webhook notifications over the last 5m: pages and tickets are not arriving\.$/,
    );
    expect(stack.webhook!.rejected()).toBeGreaterThan(0);
    expect(find(stack, { alertname: 'Watchdog' })).toEqual([]);
  });

  it('links every alert to a runbook section Prometheus serves and to a dashboard with its variables', async () => {
    await notified(stack, 'the Xid notification', { alertname: 'AIWMGPUXidError' });
    await checkLinks(stack);
  });

  it('scrapes Prometheus and Alertmanager, and every rule evaluates without an error (dcgm-exporter joins included)', async () => {
    await checkSelfMonitoring(stack);
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
