/**
 * Load benchmark (part of `npm run bench`): autocannon against the JSON facade on loopback, with a
 * real Prometheus (the project's recording rules), the exporter in its own process as deployed (the
 * Dockerfile's environment; its RSS is read from /proc) and MongoDB (the stand-in) in another.
 *
 * 1. Isolation (run first, on the primed exporter): tenant B reads cached responses at a steady rate,
 *    alone and then while tenant A floods uncached queries, in `--isolation-rounds` rounds; B's p99
 *    alone and under the flood over every round's answers (target <= 10 ms under the flood), and each
 *    round's. B's client and A's each run
 *    in their own process (load-client.ts), boot before either sends, and B's first second (its own
 *    warm-up) is not recorded: A's flood starts, onset included, when B's recording does.
 * 2. Main load: `--duration` seconds at `--connections` connections, half cached and half uncached
 *    requests, with every tenant's token: requests/s, p50/p99, the count of 429 and 503, and the
 *    exporter's RSS before, after a warm-up and after the run (growth after warm-up, target < 50 MB).
 *
 * Benchmarks report numbers, they assert nothing. The last line is machine-readable:
 *   LOADBENCH rps=... p50_ms=... p99_ms=... n429=... n503=... rss_growth_mib=... cached_p99_alone_ms=...
 *   cached_p99_under_flood_ms=...
 *
 * The load clients, Prometheus and the stand-in are confined to the last CPU (support.ts,
 * confineToLastCpu): on a machine of two CPUs they would otherwise decide B's tail, whatever the
 * facade does (B alone measured a p99 from 5.7 to 12.8 ms unconfined). The exporter may use any CPU.
 *
 * Flags: --quick (a short run), --duration=S, --connections=N, --warmup=S, --isolation=S,
 * --isolation-rounds=N, --flood-connections=N, --measure-rate=R (B's requests/s), --nodes=N, --orgs=N,
 * --no-confine (leave every process on every CPU), --env=NAME=VALUE (an exporter setting; repeatable,
 * e.g. the facade's limits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRecordingRules } from '../../alerts/src/render.js';
import { EXPORTER_JOB } from '../../alerts/src/monitoring.js';
import { generateFleet, type FleetOptions } from '../../testing/fleet/index.js';
import { probe, probeFacadePort } from '../../testing/http-probe.js';
import { freePort, waitFor } from '../../testing/ports.js';
import { startPrometheus } from '../../testing/prometheus.js';
import { userToken } from '../../testing/tokens.js';
import type { ClientResult, ClientSpec } from './load-client.js';
import { cachedPaths, type LoadTargets } from './load-mix.js';
import { confineToLastCpu, deployedEnv, startStandInProcess, stats } from './support.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const flag = (name: string, full: number, short: number) => {
  const given = argv.find((a) => a.startsWith(`--${name}=`));
  return given ? Number(given.slice(name.length + 3)) : quick ? short : full;
};
const settings = {
  durationS: flag('duration', 60, 8),
  connections: flag('connections', 200, 50),
  // Long enough for the response cache to reach its bound and V8's heap its size under this load (at
  // 10 s the heap is still growing towards it: growth measured from there is garbage not yet collected).
  warmupS: flag('warmup', 30, 3),
  isolationS: flag('isolation', 20, 6),
  isolationRounds: flag('isolation-rounds', 3, 1),
  floodConnections: flag('flood-connections', 100, 50),
  measureRate: flag('measure-rate', 50, 50),
  nodes: flag('nodes', 200, 60),
  orgs: flag('orgs', 4, 3),
};
const extraEnv = Object.fromEntries(
  argv
    .filter((a) => a.startsWith('--env='))
    .map((a) => {
      const [name, ...value] = a.slice(6).split('=');
      return [name!, value.join('=')];
    }),
);
const BASE = '/dashboard';
const MIB = 1024 * 1024;
const GROWTH_TARGET_MIB = 50 / 1.048576; // 50 MB
const P99_TARGET_MS = 10;

/** The RSS of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Number(line[1]) * 1024;
}

/** One load-client.ts run in its own process. */
function runClient(spec: ClientSpec): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('./load-client.ts', import.meta.url).pathname, JSON.stringify(spec)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = /^RESULT (.+)$/m.exec(out);
      if (line) resolve(JSON.parse(line[1]!) as ClientResult);
      else reject(new Error(`load client exited with ${code}: ${out.slice(-2000)}`));
    });
  });
}

const mib = (bytes: number) => (bytes / MIB).toFixed(1);

/** Where the exporter's memory is, from its own /metrics (prom-client's process metrics): JS heap and external. */
async function heapOf(port: number): Promise<string> {
  const text = (await probe(port, { path: '/metrics' })).body;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return `heap used ${mib(value('nodejs_heap_size_used_bytes'))} MiB, external ${mib(value('nodejs_external_memory_bytes'))} MiB`;
}
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const count = (r: ClientResult, status: number) => r.statuses[String(status)] ?? 0;
const statusLine = (r: ClientResult) =>
  Object.entries(r.statuses)
    .sort()
    .map(([s, n]) => `${s}=${n}`)
    .join(' ') + (r.errors > 0 ? ` errors=${r.errors} (timeouts ${r.timeouts})` : '');

const children: ChildProcess[] = [];
const cleanup: Array<() => Promise<unknown>> = [];
let stopping = false;
async function shutdown() {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
}

async function main() {
  const fleetOptions: FleetOptions = {
    nodes: settings.nodes,
    orgs: settings.orgs,
    gpusPerNode: 2,
    agents: Math.max(6, Math.round(settings.nodes / 10)),
    deployments: Math.max(8, Math.round(settings.nodes / 10)),
    executions: settings.nodes * 2,
    now: new Date(),
  };
  // The same generator in this process, for the orgs and ids the requests use.
  const fleet = generateFleet(fleetOptions);
  const { uri, child: standin } = await startStandInProcess(fleetOptions);
  children.push(standin);

  const [exporterPort, facadePortWanted, prometheusPort] = [await freePort(), await freePort(), await freePort()];
  const rulesDir = mkdtempSync(join(tmpdir(), 'aiwm-load-rules-'));
  cleanup.push(async () => rmSync(rulesDir, { recursive: true, force: true }));
  writeFileSync(join(rulesDir, 'recording.yml'), renderRecordingRules({ intervalOverride: '5s' }));
  const prometheus = await startPrometheus({
    port: prometheusPort,
    targets: [{ job: EXPORTER_JOB, target: `127.0.0.1:${exporterPort}` }],
    scrapeInterval: '5s',
    scrapeTimeout: '5s',
    evaluationInterval: '5s',
    ruleFiles: [join(rulesDir, 'recording.yml')],
  });
  cleanup.push(() => prometheus.stop());

  const secret = randomBytes(32).toString('hex');
  let exporterLog = '';
  const exporter = spawn(process.execPath, ['--import', 'tsx', new URL('../src/main.ts', import.meta.url).pathname], {
    env: {
      ...process.env,
      // As deployed: the Dockerfile's environment (allocator settings, NODE_ENV).
      ...deployedEnv(),
      MONGODB_URI: uri,
      LISTEN_ADDRESS: '127.0.0.1',
      PORT: String(exporterPort),
      FACADE_LISTEN_ADDRESS: '127.0.0.1',
      FACADE_PORT: String(facadePortWanted),
      PROMETHEUS_URL: prometheus.url,
      JWT_SECRET: secret,
      COUNT_EVENTS_FROM: 'all',
      HEARTBEAT_STALE_AFTER: '1h',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(exporter);
  exporter.stdout.on('data', (d: Buffer) => (exporterLog = (exporterLog + d.toString()).slice(-4000)));
  exporter.stderr.on('data', (d: Buffer) => (exporterLog = (exporterLog + d.toString()).slice(-4000)));
  exporter.once('exit', (code, signal) => {
    if (!stopping) console.error(`the exporter exited (${code ?? signal}):\n${exporterLog}`);
  });
  await waitFor(
    'the exporter to be ready',
    async () => ((await probe(exporterPort, { path: '/readyz' })).status === 200 ? true : undefined),
    60_000,
    250,
  );
  const facadePort = await probeFacadePort(facadePortWanted, exporterPort, BASE);
  const confined = argv.includes('--no-confine')
    ? 'not confined (--no-confine)'
    : confineToLastCpu([prometheus.pid, standin.pid]);

  const tokens = fleet.orgIds.map(
    (org) => `Bearer ${userToken(secret, org, { exp: Math.floor(Date.now() / 1000) + 3600 })}`,
  );
  const get = (path: string, org = 0) =>
    probe(facadePort, { path: BASE + path, headers: { authorization: tokens[org]! } });
  await waitFor(
    'Prometheus to hold the fleet and the facade to answer',
    async () => {
      const agents = await prometheus.query('count(aiwm_agent_info)');
      return agents.length > 0 && (await get('/overview')).status === 200 ? true : undefined;
    },
    120_000,
    500,
  );
  // The entities Prometheus holds (their detail routes answer 200), by org.
  const idsOf = async (metric: string, label: string) => {
    const samples = await prometheus.query(`group by (org_id, ${label}) (${metric})`);
    return (org: string) =>
      samples
        .filter((x) => x.metric.org_id === org)
        .map((x) => x.metric[label]!)
        .sort()
        .slice(0, 30);
  };
  const [nodes, resources, deployments, agents] = await Promise.all([
    idsOf('aiwm_node_info', 'node_id'),
    idsOf('aiwm_resource_info', 'resource_id'),
    idsOf('aiwm_deployment_info', 'deployment_id'),
    idsOf('aiwm_agent_info', 'agent_id'),
  ]);
  const targets: LoadTargets = {
    basePath: BASE,
    orgs: fleet.orgIds.map((org, i) => ({
      authorization: tokens[i]!,
      nodes: nodes(org),
      resources: resources(org),
      deployments: deployments(org),
      agents: agents(org),
    })),
  };
  const allOrgs = targets.orgs.map((_, i) => i);
  /** Every cached path of `org` answered once, so the next requests are hits. */
  const prime = async (org: number) => {
    for (const path of cachedPaths(targets.orgs[org]!)) await get(path, org);
  };

  const url = `http://127.0.0.1:${facadePort}`;
  const client = (over: Partial<ClientSpec>): ClientSpec => ({
    url,
    connections: settings.connections,
    durationS: settings.durationS,
    mix: 'mixed',
    targets,
    orgs: allOrgs,
    seed: 1,
    ...over,
  });

  console.log(
    `\n# load benchmark (${new Date().toISOString()}${quick ? ', --quick' : ''}): facade on 127.0.0.1:${facadePort}` +
      `${facadePort === exporterPort ? ' (the exporter port)' : ' (its own listener)'}, ` +
      `${settings.nodes} nodes, ${settings.orgs} orgs, real Prometheus, exporter in its own process` +
      (Object.keys(extraEnv).length > 0 ? `, env ${JSON.stringify(extraEnv)}` : ''),
  );
  console.log(`CPUs: ${confined}`);
  for (const org of allOrgs) await prime(org);
  // Isolation, first: B (org 1) reads cached responses at a steady rate; A (org 0) floods uncached
  // queries. B's first second is its own warm-up, not recorded; A's flood starts when B's recording
  // does. Before the main load, not after it: for a while after that load V8 shrinks the heap it left
  // (mark-compacts of up to 20 ms, in B alone and under A's flood alike), which is not A's doing.
  const measure = client({
    connections: 4,
    durationS: settings.isolationS + 1,
    warmupS: 1,
    overallRate: settings.measureRate,
    mix: 'cached',
    orgs: [1],
    seed: 4,
  });
  /** Time for a client process to boot before it starts sending. */
  const BOOT_MS = 3000;
  /** B alone, then B under A's flood. */
  const isolation = async (round: number) => {
    await prime(1);
    const alone = await runClient({ ...measure, seed: 10 * round + 4, startAt: Date.now() + BOOT_MS });
    await prime(1);
    const startAt = Date.now() + BOOT_MS;
    const [flooded, flood] = await Promise.all([
      runClient({ ...measure, seed: 10 * round + 5, startAt }),
      runClient(
        client({
          connections: settings.floodConnections,
          durationS: settings.isolationS,
          mix: 'uncached',
          orgs: [0],
          seed: 10 * round + 6,
          startAt: startAt + 1000,
        }),
      ),
    ]);
    return { alone, flooded, flood };
  };
  console.log(
    `isolation: tenant B cached at ${settings.measureRate} requests/s for ${settings.isolationS} s; tenant A uncached at ` +
      `${settings.floodConnections} connections; ${settings.isolationRounds} rounds`,
  );
  const aloneMs: number[] = [];
  const floodedMs: number[] = [];
  const roundP99s: number[] = [];
  for (let round = 1; round <= settings.isolationRounds; round++) {
    const { alone, flooded, flood } = await isolation(round);
    aloneMs.push(...alone.ok.ms);
    floodedMs.push(...flooded.ok.ms);
    roundP99s.push(flooded.ok.p99);
    console.log(`  round ${round}:`);
    console.log(
      `    B alone: p50 ${ms(alone.ok.p50)} ms, p99 ${ms(alone.ok.p99)} ms (${alone.ok.n} answers 200; ${statusLine(alone)})`,
    );
    console.log(
      `    B under A's flood: p50 ${ms(flooded.ok.p50)} ms, p99 ${ms(flooded.ok.p99)} ms (${flooded.ok.n} answers 200; ` +
        `${statusLine(flooded)})`,
    );
    console.log(`    A's flood: ${flood.rps.toFixed(0)} requests/s; statuses ${statusLine(flood)}`);
  }
  // The p99 of every round's answers together: a 20 s round has about ten answers beyond its p99,
  // so one or two pauses of the exporter move a single round's p99 by milliseconds either way.
  const quantiles = (all: number[]) => stats(all.length > 0 ? all : [NaN]);
  const alone = quantiles(aloneMs);
  const flooded = quantiles(floodedMs);
  const underFlood = flooded.p99;
  console.log(
    `  B alone, all rounds: p50 ${ms(alone.p50)} ms, p99 ${ms(alone.p99)} ms (${aloneMs.length} answers 200)`,
  );
  console.log(
    `  B under A's flood, all rounds: p50 ${ms(flooded.p50)} ms, p99 ${ms(underFlood)} ms (${floodedMs.length} ` +
      `answers 200; target <= ${P99_TARGET_MS} ms: ${underFlood <= P99_TARGET_MS ? 'met' : 'NOT met'}); ` +
      `rounds' p99 ${roundP99s.map(ms).join(', ')} ms`,
  );
  const rssBefore = rssOf(exporter.pid!);
  const warm = await runClient(client({ durationS: settings.warmupS, seed: 2 }));
  const rssWarm = rssOf(exporter.pid!);
  const heapWarm = await heapOf(exporterPort);
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(rssOf(exporter.pid!)), 500);
  const main = await runClient(client({ seed: 3 }));
  clearInterval(sampler);
  const rssAfter = rssOf(exporter.pid!);
  const heapAfter = await heapOf(exporterPort);
  const rssPeak = Math.max(rssWarm, rssAfter, ...rssSamples);
  // Where the RSS stood at each quarter of the run: a plateau is a bound, a slope a leak.
  const quarters = [1, 2, 3, 4].map(
    (q) => rssSamples[Math.min(rssSamples.length - 1, Math.floor((q * rssSamples.length) / 4) - 1)] ?? rssAfter,
  );
  const growth = (rssAfter - rssWarm) / MIB;
  const n429 = count(main, 429);
  const n503 = count(main, 503);
  console.log(
    `warm-up: ${settings.warmupS} s at ${settings.connections} connections, ${warm.requests} requests (${statusLine(warm)})`,
  );
  console.log(
    `main: ${settings.durationS} s at ${settings.connections} connections, cached and uncached, ${settings.orgs} tenants' tokens`,
  );
  console.log(`  requests/s ${main.rps.toFixed(0)} (${main.requests} requests); statuses ${statusLine(main)}`);
  console.log(
    `  latency p50 ${ms(main.p50)} ms, p99 ${ms(main.p99)} ms (every answer); 200s only: p50 ${ms(main.ok.p50)} ms, p99 ${ms(main.ok.p99)} ms`,
  );
  console.log(`  429: ${n429}, 503: ${n503}`);
  console.log(
    `  exporter RSS: before ${mib(rssBefore)} MiB, after warm-up ${mib(rssWarm)} MiB, after ${mib(rssAfter)} MiB, ` +
      `peak ${mib(rssPeak)} MiB; growth after warm-up ${growth.toFixed(1)} MiB ` +
      `(target < 50 MB: ${growth < GROWTH_TARGET_MIB ? 'met' : 'NOT met'})`,
  );
  console.log(`  exporter RSS at each quarter of the run: ${quarters.map(mib).join(', ')} MiB`);
  console.log(`  exporter memory after warm-up: ${heapWarm}; after: ${heapAfter}`);

  console.log(
    `LOADBENCH rps=${main.rps.toFixed(0)} p50_ms=${ms(main.p50)} p99_ms=${ms(main.p99)} n429=${n429} n503=${n503} ` +
      `rss_growth_mib=${growth.toFixed(1)} cached_p99_alone_ms=${ms(alone.p99)} cached_p99_under_flood_ms=${ms(underFlood)}`,
  );
}

try {
  await main();
} finally {
  await shutdown();
}
process.exit(0);
