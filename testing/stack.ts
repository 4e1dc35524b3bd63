/**
 * The end-to-end stack for tests: a fleet in MongoDB (stand-in or TEST_MONGODB_URI) -> the
 * exporter polling every second -> a real Prometheus with the project's rules (durations
 * shortened) -> optionally a real Alertmanager with the project's routing -> a webhook receiver.
 * Prometheus scrapes itself and Alertmanager as prometheus.yml does (jobs `prometheus` and
 * `alertmanager`), and serves docs/ as its user assets, where every alert's runbook_url points.
 * The alert, dashboard and facade tests all run their checks against it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { AREAS, renderAreaRules, renderRecordingRules } from '../alerts/src/render.js';
import { EXPORTER_JOB } from '../alerts/src/monitoring.js';
import { DEFAULT_LINKS } from '../alerts/src/settings.js';
import { THRESHOLDS } from '../alerts/src/thresholds.js';
import { ALERTMANAGER_JOB, PROMETHEUS_JOB } from '../queries/names.js';
import { startDcgmFixtures, type DcgmFixtureServer } from '../demo/dcgm-fixtures.js';
import { startExporter, type Exporter } from '../exporter/src/app.js';
import { createLogger } from '../exporter/src/logger.js';
import {
  REJECTING_PATH,
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
  /**
   * A second exporter in the exporter job whose MongoDB is unreachable from its start (its source is
   * down and it never completes a poll), beside the one that reads the fleet.
   */
  unreachableExporter?: boolean;
  /** The Watchdog's webhook rejects every notification (403), so Alertmanager's notifications fail. */
  rejectingWatchdog?: boolean;
}

/** The runbooks (docs/runbooks.html) and the rest of docs/, served by Prometheus at /user/. */
const DOCS = new URL('../docs', import.meta.url).pathname;

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
  /** The exporter that cannot reach MongoDB, with `unreachableExporter: true`, and its scrape target. */
  unreachable?: { exporter: Exporter; instance: string };
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
        WATCHDOG_WEBHOOK_URL: `${webhook.url}${options.rejectingWatchdog ? REJECTING_PATH : ''}/watchdog`,
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

    // Prometheus' port first: it scrapes itself, and the rules link to the runbooks it serves.
    const prometheusPort = await freePort();
    const rulesDir = mkdtempSync(join(tmpdir(), 'aiwm-rules-'));
    cleanup.push(async () => rmSync(rulesDir, { recursive: true, force: true }));
    const render = {
      forOverride: options.alertFor ?? '2s',
      intervalOverride: '1s',
      links: { ...DEFAULT_LINKS, runbookBaseUrl: `http://127.0.0.1:${prometheusPort}/user/runbooks.html` },
    };
    writeFileSync(join(rulesDir, 'recording.yml'), renderRecordingRules(render));
    for (const area of AREAS) writeFileSync(join(rulesDir, `${area.file}.yml`), renderAreaRules(area, render));
    // Prometheus first, scraping the port the exporter is about to take, so the exporter's facade can know Prometheus.
    const exporterPort = await freePort();
    const unreachablePort = options.unreachableExporter ? await freePort() : undefined;
    const exporterJob = { job: EXPORTER_JOB, sampleLimit: THRESHOLDS.exporterScrape.sampleLimit };
    const prometheus = await startPrometheus({
      port: prometheusPort,
      targets: [
        { ...exporterJob, target: `127.0.0.1:${exporterPort}` },
        ...(unreachablePort ? [{ ...exporterJob, target: `127.0.0.1:${unreachablePort}` }] : []),
        { job: PROMETHEUS_JOB, target: `127.0.0.1:${prometheusPort}` },
        ...(alertmanager ? [{ job: ALERTMANAGER_JOB, target: alertmanager.target }] : []),
        ...(dcgm?.targets ?? []),
      ],
      ruleFiles: [join(rulesDir, '*.yml')],
      alertmanagers: alertmanager ? [alertmanager.target] : undefined,
      // Alerts that fire before Alertmanager is discovered are dropped; resend them quickly.
      // docs/ at /user/, as docker-compose.yml serves it: the runbook links open.
      flags: ['--rules.alert.resend-delay=1s', `--web.user-assets=${DOCS}`],
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
    let unreachable: Stack['unreachable'];
    if (unreachablePort) {
      // Nothing listens on the port of a closed server: every ping fails at once.
      const nowhere = `mongodb://127.0.0.1:${await freePort()}/hydra-aiwm`;
      const brokenConfig = testConfig(nowhere, {
        POLL_SCHEDULE: '* * * * * *',
        PORT: String(unreachablePort),
        LOG_LEVEL: 'silent',
        MONGODB_TIMEOUT: '500ms',
      });
      const broken = await startExporter(brokenConfig, createLogger(brokenConfig.logLevel));
      cleanup.push(() => broken.stop());
      unreachable = { exporter: broken, instance: `127.0.0.1:${unreachablePort}` };
    }
    await prometheus.waitForScrapes(1);
    const backend = { url: backendUrl, query: (expr: string) => backendApi.query(expr) };
    return { fleet, db, exporter, prometheus, alertmanager, webhook, dcgm, unreachable, backend, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
