/**
 * `npm run demo`: the AIWM monitoring stack on one machine without Docker. A DEMO: MongoDB is the
 * in-process stand-in holding a generated, live fleet. Production points MONGODB_URI at AIWM's
 * database (see README).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { startExporter } from '../exporter/src/app.js';
import { loadConfig } from '../exporter/src/config.js';
import { createLogger } from '../exporter/src/logger.js';
import { ALERTMANAGER_BIN, startAlertmanager, startWebhookReceiver } from '../testing/alertmanager.js';
import { generateFleet, loadFleet } from '../testing/fleet/index.js';
import { startMongoStandIn } from '../testing/mongo-standin.js';
import { PROMETHEUS_BIN, startPrometheus } from '../testing/prometheus.js';
import { keepFleetAlive } from './live.js';
import { startDcgmFixtures } from './dcgm-fixtures.js';

const root = new URL('..', import.meta.url).pathname;
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const steps: Array<() => Promise<unknown>> = [];
const stopAll = async () => {
  for (const stop of steps.reverse()) await stop().catch(() => undefined);
};

try {
  console.log('AIWM monitoring demo: an in-process MongoDB stand-in with a generated live fleet (not for production).');
  const mongo = await startMongoStandIn({ port: port('DEMO_MONGODB_PORT', 0) });
  steps.push(() => mongo.close());
  const uri = `${mongo.uri}hydra-aiwm`;
  const client = new MongoClient(uri);
  await client.connect();
  steps.push(() => client.close());
  // Documents as AIWM's write paths store them; two GPU nodes match the dcgm-exporter fixtures served below.
  const fleet = generateFleet({ now: new Date(), nodes: Number(process.env.DEMO_NODES ?? 12), writePaths: true });
  await loadFleet(client.db(), fleet);
  const live = keepFleetAlive(client.db(), fleet, { onError: (e) => console.error('demo: fleet update failed:', e) });
  steps.push(() => live.stop());

  const exporterPort = port('DEMO_EXPORTER_PORT', 9470);
  const facadePort = port('DEMO_FACADE_PORT', 9471);
  const prometheusPort = port('DEMO_PROMETHEUS_PORT', 9090);
  const alertmanagerPort = port('DEMO_ALERTMANAGER_PORT', 9093);
  const missing = [PROMETHEUS_BIN, ALERTMANAGER_BIN].filter((b) => !onPath(b));
  if (missing.length > 0)
    console.log(
      `demo: ${missing.join(' and ')} not found: install them with  apt-get install -y prometheus prometheus-alertmanager  (running without them)`,
    );

  let alertmanagerTarget: string | undefined;
  if (onPath(ALERTMANAGER_BIN)) {
    const webhook = await startWebhookReceiver();
    steps.push(() => webhook.close());
    const am = await startAlertmanager(
      readFileSync(join(root, 'alerts/alertmanager.yml'), 'utf8'),
      { ALERT_WEBHOOK_URL: `${webhook.url}/alerts` },
      alertmanagerPort,
    );
    steps.push(() => am.stop());
    alertmanagerTarget = am.target;
    console.log(`  Alertmanager   ${am.url}`);
  }
  let prometheusUrl: string | undefined;
  if (onPath(PROMETHEUS_BIN)) {
    // Recorded dcgm-exporter scrapes of two GPU nodes, joined to the fleet's nodes by host name.
    const dcgm = await startDcgmFixtures({ port: port('DEMO_DCGM_PORT', 0) });
    steps.push(() => dcgm.close());
    console.log(`  dcgm-exporter  ${dcgm.targets.map((t) => `${dcgm.url}${t.path}`).join('  ')}  (fixtures)`);
    const prometheus = await startPrometheus({
      targets: [{ job: 'aiwm-exporter', target: `127.0.0.1:${exporterPort}` }, ...dcgm.targets],
      scrapeInterval: '5s',
      evaluationInterval: '5s',
      ruleFiles: [join(root, 'alerts/rules/*.yml')],
      alertmanagers: alertmanagerTarget ? [alertmanagerTarget] : undefined,
      port: prometheusPort,
    });
    steps.push(() => prometheus.stop());
    prometheusUrl = prometheus.url;
    console.log(`  Prometheus     ${prometheus.url}`);
  }
  const secret = randomBytes(24).toString('hex');
  const config = loadConfig({
    MONGODB_URI: uri,
    LISTEN_ADDRESS: '127.0.0.1',
    PORT: String(exporterPort),
    FACADE_PORT: String(facadePort),
    // The demo flag: this exporter reads a generated fleet, not a real AIWM.
    DEMO: 'true',
    POLL_SCHEDULE: '*/5 * * * * *',
    COUNT_EVENTS_FROM: 'all',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...(prometheusUrl ? { PROMETHEUS_URL: prometheusUrl, JWT_SECRET: secret } : {}),
  });
  const exporter = await startExporter(config, createLogger(config.logLevel));
  steps.push(() => exporter.stop());
  console.log(`  Exporter       http://127.0.0.1:${exporter.port}/metrics`);
  if (prometheusUrl) {
    const token = await new SignJWT({
      sub: 'demo',
      username: 'demo',
      roles: ['universe.admin'],
      orgId: fleet.orgIds[0],
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('12h')
      .sign(new TextEncoder().encode(secret));
    console.log(
      `  JSON facade    http://127.0.0.1:${exporter.facadePort}/dashboard/overview  (OpenAPI: /dashboard/openapi.json)`,
    );
    console.log(`  demo token     ${token}`);
    console.log(
      `  try: curl -H "Authorization: Bearer <demo token>" http://127.0.0.1:${exporter.facadePort}/dashboard/overview`,
    );
  }
  console.log('demo ready: Ctrl-C stops everything');
} catch (error) {
  console.error('demo: could not start:', error instanceof Error ? error.message : error);
  await stopAll();
  process.exit(1);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('demo: stopping');
    void stopAll().then(() => process.exit(0));
  });
}
