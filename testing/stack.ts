/**
 * The end-to-end stack for tests: a fleet in MongoDB (stand-in or TEST_MONGODB_URI) -> the
 * exporter polling every second -> a real Prometheus with the project's rules (durations
 * shortened) -> optionally a real Alertmanager with the project's routing -> a webhook receiver.
 * The alert, dashboard and facade tests all run their checks against it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { AREAS, renderAreaRules, renderRecordingRules } from '../alerts/src/render.js';
import { EXPORTER_JOB } from '../alerts/src/monitoring.js';
import { startDcgmFixtures, type DcgmFixtureServer } from '../demo/dcgm-fixtures.js';
import { startExporter, type Exporter } from '../exporter/src/app.js';
import { createLogger } from '../exporter/src/logger.js';
import {
  startAlertmanager,
  startWebhookReceiver,
  type RunningAlertmanager,
  type WebhookReceiver,
} from './alertmanager.js';
import { generateFleet, loadFleet, type Fleet, type FleetOptions } from './fleet/index.js';
import { openTestDatabase, testConfig, type TestDatabase } from './harness.js';
import { PrometheusApi, type Sample } from '../exporter/src/facade/prometheus.js';
import { freePort } from './ports.js';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from './victoriametrics.js';
import { startPrometheus, type RunningPrometheus } from './prometheus.js';

export interface StackOptions {
  fleet?: FleetOptions;
  /** Runs against the loaded fleet before the exporter starts (e.g. to stage a scenario). */
  prepare?: (db: TestDatabase, fleet: Fleet) => Promise<void>;
  alertmanager?: boolean;
  /** `for` of every alert (default 2s). */
  alertFor?: string;
  /** Serve the JSON facade from the exporter, against this stack's Prometheus (JWT_SECRET = TEST_JWT_SECRET). */
  facade?: boolean;
  /** Extra exporter settings. */
  exporterEnv?: Record<string, string>;
  /** Where the facade reads: Prometheus itself, or a VictoriaMetrics that Prometheus remote-writes to. */
  backend?: 'prometheus' | 'victoriametrics';
  /**
   * Serve the committed dcgm-exporter scrapes (demo/dcgm-fixtures.ts) and scrape them under the job
   * `dcgm-exporter`, one target per simulated GPU node, with prometheus.yml's metric relabelling.
   */
  dcgm?: boolean;
}

export const TEST_JWT_SECRET = 'test-secret-for-the-aiwm-facade-0123456789';

export interface Stack {
  fleet: Fleet;
  db: TestDatabase;
  exporter: Exporter;
  prometheus: RunningPrometheus;
  alertmanager?: RunningAlertmanager;
  webhook?: WebhookReceiver;
  /** The dcgm-exporter fixture server, with `dcgm: true`. */
  dcgm?: DcgmFixtureServer;
  /** The store the facade queries (Prometheus, or VictoriaMetrics). */
  backend: { url: string; query(expr: string): Promise<Sample[]> };
  stop(): Promise<void>;
}

/** The committed Alertmanager configuration with notification timings shortened for tests. */
export function fastAlertmanagerConfig(): string {
  const config = parse(readFileSync(new URL('../alerts/alertmanager.yml', import.meta.url), 'utf8')) as {
    route: {
      group_wait: string;
      group_interval: string;
      repeat_interval: string;
      routes: Array<Record<string, unknown>>;
    };
  };
  const fast = { group_wait: '1s', group_interval: '1s', repeat_interval: '1m' };
  Object.assign(config.route, fast);
  for (const route of config.route.routes) Object.assign(route, fast);
  return stringify(config);
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const cleanup: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  try {
    const db = await openTestDatabase();
    cleanup.push(() => db.close());
    // Timestamps relative to the real clock: the exporter judges heartbeat age against it.
    const fleet = generateFleet({ now: new Date(), ...options.fleet });
    await loadFleet(db.db, fleet);
    await options.prepare?.(db, fleet);

    let alertmanager: RunningAlertmanager | undefined;
    let webhook: WebhookReceiver | undefined;
    if (options.alertmanager) {
      webhook = await startWebhookReceiver();
      cleanup.push(() => webhook!.close());
      alertmanager = await startAlertmanager(fastAlertmanagerConfig(), {
        ALERT_WEBHOOK_URL: `${webhook.url}/alerts`,
        WATCHDOG_WEBHOOK_URL: `${webhook.url}/watchdog`,
      });
      cleanup.push(() => alertmanager!.stop());
    }

    let victoria: RunningVictoriaMetrics | undefined;
    if (options.backend === 'victoriametrics') {
      victoria = await startVictoriaMetrics();
      cleanup.push(() => victoria!.stop());
    }

    let dcgm: DcgmFixtureServer | undefined;
    if (options.dcgm) {
      dcgm = await startDcgmFixtures();
      cleanup.push(() => dcgm!.close());
    }

    const rulesDir = mkdtempSync(join(tmpdir(), 'aiwm-rules-'));
    cleanup.push(async () => rmSync(rulesDir, { recursive: true, force: true }));
    const render = { forOverride: options.alertFor ?? '2s', intervalOverride: '1s' };
    writeFileSync(join(rulesDir, 'recording.yml'), renderRecordingRules(render));
    for (const area of AREAS) writeFileSync(join(rulesDir, `${area.file}.yml`), renderAreaRules(area, render));
    // Prometheus first, scraping the port the exporter is about to take, so the exporter's facade can know Prometheus.
    const exporterPort = await freePort();
    const prometheus = await startPrometheus({
      targets: [{ job: EXPORTER_JOB, target: `127.0.0.1:${exporterPort}` }, ...(dcgm?.targets ?? [])],
      ruleFiles: [join(rulesDir, '*.yml')],
      alertmanagers: alertmanager ? [alertmanager.target] : undefined,
      // Alerts that fire before Alertmanager is discovered are dropped; resend them quickly.
      flags: ['--rules.alert.resend-delay=1s'],
      remoteWrite: victoria ? [victoria.writeUrl] : undefined,
    });
    cleanup.push(() => prometheus.stop());
    const backendUrl = victoria ? victoria.url : prometheus.url;
    const backendApi = new PrometheusApi(backendUrl, 5000);
    const config = testConfig(db.uri, {
      POLL_SCHEDULE: '* * * * * *',
      PORT: String(exporterPort),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...(options.facade ? { PROMETHEUS_URL: backendUrl, JWT_SECRET: TEST_JWT_SECRET, PROMETHEUS_TIMEOUT: '5s' } : {}),
      ...options.exporterEnv,
    });
    const exporter = await startExporter(config, createLogger(config.logLevel));
    cleanup.push(() => exporter.stop());
    await prometheus.waitForScrapes(1);
    const backend = { url: backendUrl, query: (expr: string) => backendApi.query(expr) };
    return { fleet, db, exporter, prometheus, alertmanager, webhook, dcgm, backend, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
