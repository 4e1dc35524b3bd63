/**
 * Facade benchmark (part of `npm run bench`): /dashboard/overview cold (cache miss, every
 * Prometheus round trip) and warm (cached), the facade's overhead against replaying its own PromQL
 * round trips, and how the overview grows with fleet size next to the AIWM report code's way
 * (load every document of six collections from MongoDB per request). Prometheus evaluates the
 * project's recording rules, as in production, so the facade reads pre-aggregated series where they
 * exist. One run, same machine; the last line is the cold overview's growth from the smallest to the
 * largest fleet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { renderRecordingRules } from '../../alerts/src/render.js';
import { RULE } from '../../queries/index.js';
import { startExporter } from '../src/app.js';
import { overviewRoute } from '../src/facade/routes/overview.js';
import { PrometheusApi, type Sample } from '../src/facade/prometheus.js';
import type { FacadeContext } from '../src/facade/route.js';
import { createLogger } from '../src/logger.js';
import { testConfig } from '../../testing/harness.js';
import { freePort, waitFor } from '../../testing/ports.js';
import { startPrometheus } from '../../testing/prometheus.js';
import { startStandInProcess, stats, type Stats } from './support.js';

/** Records every query the facade makes, to replay them raw. */
class RecordingApi extends PrometheusApi {
  readonly log: string[] = [];
  override query(expr: string, time?: Date): Promise<Sample[]> {
    this.log.push(expr);
    return super.query(expr, time);
  }
}

async function timeIt(n: number, f: () => Promise<unknown>): Promise<Stats> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return stats(ms);
}

/** The existing AIWM report code's approach: every document of six collections, every request. */
async function reportStyleOverview(client: MongoClient, uri: string) {
  const db = client.db(new URL(uri).pathname.slice(1));
  const load = (c: string) =>
    db
      .collection(c)
      .find({ isDeleted: { $ne: true } })
      .toArray();
  const [nodes, resources, models, deployments, agents, executions] = await Promise.all(
    ['nodes', 'resources', 'models', 'deployments', 'agents', 'executions'].map(load),
  );
  const by = (docs: Array<Record<string, unknown>>, f: string) =>
    docs.reduce<Record<string, number>>((m, d) => ((m[String(d[f])] = (m[String(d[f])] ?? 0) + 1), m), {});
  return {
    nodes: by(nodes!, 'status'),
    resources: by(resources!, 'status'),
    models: by(models!, 'status'),
    deployments: by(deployments!, 'status'),
    agents: by(agents!, 'status'),
    executions: by(executions!, 'status'),
  };
}

async function measure(nodes: number, rounds: number): Promise<void> {
  // Heartbeats relative to now, so the fleet's nodes are online and the online-only figures have data.
  const fleet = { nodes, gpusPerNode: 2, malformed: false, executions: nodes * 4, now: new Date() };
  const { uri, child } = await startStandInProcess(fleet);
  const exporterPort = await freePort();
  const rulesDir = mkdtempSync(join(tmpdir(), 'aiwm-bench-rules-'));
  // Production-like intervals: at 10k nodes a 5 s scrape and rule cycle keeps this 2-core machine's
  // Prometheus busy and slows every query alike, which would measure Prometheus' load, not the facade.
  writeFileSync(join(rulesDir, 'recording.yml'), renderRecordingRules({ intervalOverride: '15s' }));
  const prometheus = await startPrometheus({
    targets: [{ job: 'aiwm-exporter', target: `127.0.0.1:${exporterPort}` }],
    scrapeInterval: '15s',
    scrapeTimeout: '15s',
    evaluationInterval: '15s',
    ruleFiles: [join(rulesDir, 'recording.yml')],
  });
  const config = testConfig(uri, {
    PORT: String(exporterPort),
    PROMETHEUS_URL: prometheus.url,
    FACADE_AUTH: 'none',
    MAX_ENTITIES_PER_COLLECTION: '10000000',
    LOG_LEVEL: 'silent',
    MONGODB_TIMEOUT: '60s',
    // Loading a large fleet takes minutes: its heartbeats must not go stale before the poll.
    HEARTBEAT_STALE_AFTER: '1h',
  });
  const exporter = await startExporter(config, createLogger('silent'), { manualPolling: true });
  const client = new MongoClient(uri);
  try {
    await exporter.poller.tick();
    await waitFor(
      'Prometheus to hold the fleet',
      async () => ((await prometheus.query('count(aiwm_node_info)'))[0]?.value[1] === String(nodes) ? true : undefined),
      120_000,
      500,
    );
    // The rules need a couple of evaluations after the first scrape (24h increases need two samples):
    // measure once every rule the overview reads holds the fleet, as it does in steady operation.
    await waitFor(
      'recording rules to hold the fleet',
      async () => {
        const answers = await Promise.all(OVERVIEW_RULES.map((rule) => prometheus.query(rule)));
        return answers.every((samples) => samples.length > 0) ? true : undefined;
      },
      300_000,
      1000,
    );
    const api = new RecordingApi(prometheus.url, 30_000);
    const ctx = (): FacadeContext => ({
      prom: api,
      db: client.db('bench'),
      config,
      scope: { kind: 'all' },
      now: new Date(),
    });
    await overviewRoute.handle(ctx(), {}, { period: '24h' }); // warm-up (JIT, connections)
    api.log.length = 0;
    const cold = await timeIt(rounds, () => overviewRoute.handle(ctx(), {}, { period: '24h' }));
    const queries = api.log.slice(0, api.log.length / rounds);
    if (process.argv.includes('--queries')) {
      // Each query alone, one after the other: which of them grows with the fleet.
      for (const q of queries) {
        const t0 = performance.now();
        await api.query(q);
        console.error(`${nodes}\t${(performance.now() - t0).toFixed(1)} ms\t${q}`);
      }
    }
    // The same round trips, issued raw and concurrently as the facade does.
    const raw = await timeIt(rounds, () => Promise.all(queries.map((q) => api.query(q))));
    const url = `http://127.0.0.1:${exporter.facadePort}/dashboard/overview`;
    await fetch(url);
    const warm = await timeIt(rounds * 10, async () => (await fetch(url)).arrayBuffer());
    await client.connect();
    const baseline = await timeIt(rounds, () => reportStyleOverview(client, uri));
    coldP50.set(nodes, cold.p50);
    console.log(
      `| ${nodes} | ${queries.length} | ${cold.p50.toFixed(1)} / ${cold.p99.toFixed(1)} | ${raw.p50.toFixed(1)} | ${(cold.p50 / raw.p50).toFixed(2)}x | ${warm.p50.toFixed(2)} / ${warm.p99.toFixed(2)} | ${baseline.p50.toFixed(1)} / ${baseline.p99.toFixed(1)} | ${(baseline.p50 / cold.p50).toFixed(1)}x |`,
    );
  } finally {
    await client.close();
    await exporter.stop();
    await prometheus.stop();
    rmSync(rulesDir, { recursive: true, force: true });
    child.kill('SIGTERM');
  }
}

/** The recorded series the overview reads where rules run (queries/facade.ts). */
const OVERVIEW_RULES = [
  RULE.orgCpuOnlineSum,
  RULE.orgRamOnlineSum,
  RULE.orgGpuUtilizationOnlineSum,
  RULE.orgGpusActive,
  RULE.orgGpusBySource,
  RULE.orgNodeRoles,
  RULE.orgResourcesByTypeStatus,
  RULE.orgExecutionsByStatus,
  RULE.orgDeploymentRequests24h,
  RULE.orgAgentTasks24h,
];
const coldP50 = new Map<number, number>();

const sizes = (process.argv.find((a) => a.startsWith('--nodes='))?.slice(8) ?? '1000,10000,30000')
  .split(',')
  .map(Number);
console.log(`\n# facade benchmark (${new Date().toISOString()}), ms`);
console.log(
  '| nodes (2 GPUs each) | PromQL round trips | overview cold p50 / p99 | same queries raw p50 | facade / raw | overview warm (cached, HTTP) p50 / p99 | report-style baseline p50 / p99 | baseline / cold |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const n of sizes) {
  try {
    await measure(n, n >= 10_000 ? 5 : 10);
  } catch (error) {
    // The largest fleet may not fit this machine: say so and keep the sizes that ran.
    console.log(`| ${n} | did not run: ${error instanceof Error ? error.message : String(error)} |`);
  }
}
const ran = [...coldP50.keys()].sort((a, b) => a - b);
if (ran.length >= 2) {
  const [smallest, largest] = [ran[0]!, ran.at(-1)!];
  const ratio = coldP50.get(largest)! / coldP50.get(smallest)!;
  console.log(
    `\ncold overview p50 at ${largest} nodes / at ${smallest} nodes: ${ratio.toFixed(2)}x (target: under 1.5x)`,
  );
}
process.exit(0);
