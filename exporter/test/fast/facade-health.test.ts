/**
 * /health, /alerts and /alerts/history against stubbed Prometheus answers: the exporter's up and
 * source-up figures, the alerts API (org-scoped, the Watchdog left out) and the ALERTS series over a
 * period.
 */
import { describe, expect, it } from 'vitest';
import { eq, facade as q, monitoring } from '../../../queries/index.js';
import { alertHistoryRoute, alertsRoute } from '../../src/facade/routes/alerts.js';
import { healthRoute } from '../../src/facade/routes/health.js';
import { ISSUE_TYPES } from '../../src/facade/health.js';
import { ALERTS as RULES } from '../../../alerts/src/render.js';
import { STUB_NOW, contextOf, noAnswers, stubStore, type PromAlert } from './facade-stub.js';

const ORG_A = { kind: 'org', orgId: 'org-a' } as const;
const T = STUB_NOW.getTime() / 1000;

const ALERTS: PromAlert[] = [
  {
    labels: { alertname: 'AIWMNodeDown', severity: 'critical', org_id: 'org-a', node_id: 'n1' },
    annotations: { summary: 'Node n1 is down', description: 'Node n1 sent no heartbeat for 5 minutes' },
    state: 'firing',
  },
  { labels: { alertname: 'AIWMModelFailed', severity: 'warning', org_id: 'org-a' }, state: 'pending' },
  { labels: { alertname: 'AIWMResourceFailed', severity: 'warning', org_id: 'org-b' }, state: 'firing' },
  { labels: { alertname: 'Watchdog', severity: 'none' }, state: 'firing' },
];

describe('/health', () => {
  it("scores the org's firing alerts and reports each component", async () => {
    const store = await stubStore({ [q.exporterUp()]: [[{}, 1]], [monitoring.exporterSourceUp()]: [[{}, 1]] }, ALERTS);
    const body = await healthRoute.handle(contextOf(store, ORG_A), {}, {});
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    // One firing critical alert of org-a (the pending warning does not count, org-b's is not visible).
    expect(body).toMatchObject({
      systemHealth: 80,
      components: { prometheus: 'up', exporter: 'up', mongodb: 'up' },
      alerts: { critical: 1, warning: 0, info: 0 },
      metadata: { sources: ['prometheus', 'prometheus:/api/v1/alerts'], unavailable: [] },
    });
  });

  it('reads 0 while the exporter cannot read MongoDB, and unknown where the exporter has no up series', async () => {
    const store = await stubStore({ ...noAnswers(q.exporterUp()), [monitoring.exporterSourceUp()]: [[{}, 0]] });
    const body = await healthRoute.handle(contextOf(store, { kind: 'all' }), {}, {});
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.systemHealth).toBe(0);
    expect(body.components).toEqual({ prometheus: 'up', exporter: 'unknown', mongodb: 'down' });
  });
});

describe('/alerts', () => {
  it("lists the org's alerts with their type, message and annotations; the summary counts firing ones", async () => {
    const store = await stubStore({}, ALERTS);
    const body = await alertsRoute.handle(contextOf(store, ORG_A), {}, {});
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(store.asked).toEqual([]); // the alerts API answered: no ALERTS query
    expect(body.summary).toEqual({ critical: 1, warning: 0, info: 0 });
    expect(body.alerts).toEqual([
      {
        name: 'AIWMNodeDown',
        type: 'node.down',
        severity: 'critical',
        state: 'firing',
        message: 'Node n1 sent no heartbeat for 5 minutes',
        summary: 'Node n1 is down',
        runbookUrl: null,
        activeAt: null,
        orgId: 'org-a',
        nodeId: 'n1',
        labels: ALERTS[0]!.labels,
      },
      expect.objectContaining({
        name: 'AIWMModelFailed',
        type: 'model.failed',
        state: 'pending',
        message: 'AIWMModelFailed',
      }),
    ]);
    expect(body.metadata.sources).toEqual(['prometheus:/api/v1/alerts']);
  });

  it('shows a platform administrator every org but never the Watchdog', async () => {
    const store = await stubStore({}, ALERTS);
    const body = await alertsRoute.handle(contextOf(store, { kind: 'all' }), {}, {});
    expect(body.alerts.map((a) => a.name)).toEqual(['AIWMNodeDown', 'AIWMModelFailed', 'AIWMResourceFailed']);
    expect(body.summary).toEqual({ critical: 1, warning: 1, info: 0 });
  });
});

describe('/alerts/history', () => {
  it("turns the org's firing ALERTS series into first seen, last seen and firing time, newest first", async () => {
    const nodeDown = { __name__: 'ALERTS', alertstate: 'firing', alertname: 'AIWMNodeDown', severity: 'critical' };
    const store = await stubStore({}, [], {
      [q.firingAlertHistory(eq('org_id', 'org-a'))]: [
        [
          { ...nodeDown, org_id: 'org-a', node_id: 'n1' },
          [
            [T - 3600, 1],
            [T - 3300, 1],
            [T - 3000, 1],
          ],
        ],
        [{ alertname: 'AIWMModelFailed', severity: 'warning', org_id: 'org-a' }, [[T - 600, 1]]],
        [{ alertname: 'AIWMResourceFailed', severity: 'warning', org_id: 'org-a' }, []],
      ],
    });
    const body = await alertHistoryRoute.handle(contextOf(store, ORG_A), {}, { period: '1h' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body).toMatchObject({ period: '1h', interval: '5m', requestedInterval: '5m' });
    expect(body.alerts).toEqual([
      {
        name: 'AIWMModelFailed',
        severity: 'warning',
        orgId: 'org-a',
        nodeId: null,
        labels: { alertname: 'AIWMModelFailed', severity: 'warning', org_id: 'org-a' },
        firstSeen: '2026-01-15T11:50:00.000Z',
        lastSeen: '2026-01-15T11:50:00.000Z',
        firingSeconds: 300,
      },
      {
        name: 'AIWMNodeDown',
        severity: 'critical',
        orgId: 'org-a',
        nodeId: 'n1',
        labels: { alertname: 'AIWMNodeDown', severity: 'critical', org_id: 'org-a', node_id: 'n1' },
        firstSeen: '2026-01-15T11:00:00.000Z',
        lastSeen: '2026-01-15T11:10:00.000Z',
        firingSeconds: 900,
      },
    ]);
  });

  it('reads platform-wide alerts (no org selector) for a platform administrator', async () => {
    const store = await stubStore({}, [], {
      [q.firingAlertHistory('')]: [[{ alertname: 'AIWMExporterDown', severity: 'critical' }, [[T, 1]]]],
    });
    const body = await alertHistoryRoute.handle(contextOf(store, { kind: 'all' }), {}, { period: '24h' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.alerts).toMatchObject([{ name: 'AIWMExporterDown', orgId: null, firingSeconds: 3600 }]);
    expect(body.interval).toBe('1h');
  });
});

describe('alert types', () => {
  it('gives every alert of the rule files a dotted type, and no type to an alert that does not exist', () => {
    const names = new Set(RULES.map((a) => a.alert));
    for (const name of names) expect(ISSUE_TYPES[name], name).toMatch(/^[a-z]+(\.[a-z_]+)+$/);
    for (const name of Object.keys(ISSUE_TYPES)) expect(names.has(name), name).toBe(true);
  });
});
