/**
 * `npm run bench`: /metrics latency for the served buffers vs prom-client rendering per scrape vs
 * the raw-TCP floor; then, at 10k nodes x 8 GPUs (--quick: 2k), the exporter in its own process as
 * deployed (exporter-process.ts, with the Dockerfile's ENV) against the stand-in in another: poll
 * CPU with every node heartbeating, with 1 % of them, with nothing written and at a full resync,
 * gzip scrape latency during polls against the raw-TCP floor, event-loop delay and memory. Ends
 * with one `BENCH ...` line. All numbers are measured in this one run; compare ratios.
 * Flags: --quick, --only=scrape|poll, --no-load (no scrapes during polls).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type ObjectId } from 'mongodb';
import client from 'prom-client';
import { startExporter, type Exporter } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { testConfig } from '../../testing/harness.js';
import type { Info, Memory, PollReport, Request } from './exporter-process.js';
import { deployedEnv, startStandInProcess, stats, type Stats } from './support.js';

/** One request over a fresh loopback connection, read to the end: the same client for every server. */
function fetchOnce(port: number, gzip: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: ${gzip ? 'gzip' : 'identity'}\r\nConnection: close\r\n\r\n`,
      );
    });
    let bytes = 0;
    socket.on('data', (d: Buffer) => (bytes += d.length));
    socket.on('end', () => {
      if (bytes === 0) reject(new Error('empty response'));
      else resolve(performance.now() - t0);
    });
    socket.on('error', reject);
  });
}

async function measure(port: number, gzip: boolean, requests: number): Promise<Stats> {
  for (let i = 0; i < 3; i++) await fetchOnce(port, gzip); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < requests; i++) ms.push(await fetchOnce(port, gzip));
  return stats(ms);
}

/** The floor: a TCP server that writes a prepared HTTP response with the same body and closes. */
async function rawServer(body: Buffer, gzip: boolean): Promise<net.Server> {
  const head = Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n${gzip ? 'Content-Encoding: gzip\r\n' : ''}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  const response = Buffer.concat([head, body]); // prepared once: the floor does no per-request work
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(response));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** prom-client holding the same series, rendering (and compressing) on every scrape, as a plain exporter would. */
async function promClientServer(exposition: string): Promise<{ server: http.Server; registry: client.Registry }> {
  const registry = new client.Registry();
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  // prom-client wants one label set per metric: a family whose series differ (e.g. aiwm_nodes' zero
  // series without class and status) gets the union, with '' where a series lacks a label.
  const labelNames = new Map<string, Set<string>>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
    const names = labelNames.get(m[1]!) ?? new Set<string>();
    for (const l of Object.keys(labels)) names.add(l);
    labelNames.set(m[1]!, names);
  }
  const gauges = new Map<string, client.Gauge>();
  for (const [name, names] of labelNames)
    gauges.set(name, new client.Gauge({ name, help: name, labelNames: [...names], registers: [registry] }));
  for (const { name, labels, value } of samples) {
    const all = Object.fromEntries([...labelNames.get(name)!].map((l) => [l, labels[l] ?? '']));
    gauges.get(name)!.set(all, value);
  }
  const server = http.createServer((req, res) => {
    void registry.metrics().then((text) => {
      const gzip = (req.headers['accept-encoding'] ?? '').includes('gzip');
      const body = gzip ? gzipSync(text) : Buffer.from(text);
      res.writeHead(200, {
        'content-type': registry.contentType,
        'content-length': body.length,
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, registry };
}

async function exporterFor(uri: string): Promise<Exporter> {
  // A generous MongoDB timeout: the single-threaded stand-in can be slow to answer the driver's monitor while it streams a big fleet.
  const config = testConfig(uri, {
    LOG_LEVEL: 'silent',
    MAX_ENTITIES_PER_COLLECTION: '10000000',
    MONGODB_TIMEOUT: '60s',
  });
  return startExporter(config, createLogger('silent'), { manualPolling: true });
}

const fmt = (s: Stats) => `${s.p50.toFixed(2)} / ${s.p99.toFixed(2)}`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function scrapeComparison(nodes: number, gpusPerNode: number, requests: number): Promise<void> {
  const { uri, child } = await startStandInProcess({ nodes, gpusPerNode, malformed: false });
  const exporter = await exporterFor(uri);
  await exporter.poller.tick();
  const snap = exporter.poller.snapshot!;
  const text = Buffer.concat(snap.parts(false));
  const series = snap.series;
  const promClient = await promClientServer(text.toString());
  console.log(
    `\n## /metrics at ${series} series (${nodes} nodes x ${gpusPerNode} GPUs), ${requests} scrapes each, ms p50 / p99`,
  );
  console.log(
    '| encoding | served buffers | prom-client per scrape | raw TCP floor | served / floor (p50, p99) | prom-client / served (p50) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const gzip of [false, true]) {
    const floor = await rawServer(gzip ? Buffer.concat(await snap.gzipped(false)) : text, gzip);
    const served = await measure(exporter.port, gzip, requests);
    const rendered = await measure(
      (promClient.server.address() as net.AddressInfo).port,
      gzip,
      Math.max(5, Math.floor(requests / 5)),
    );
    const raw = await measure((floor.address() as net.AddressInfo).port, gzip, requests);
    console.log(
      `| ${gzip ? 'gzip' : 'identity'} | ${fmt(served)} | ${fmt(rendered)} | ${fmt(raw)} | ${ratio(served.p50, raw.p50)}, ${ratio(served.p99, raw.p99)} | ${ratio(rendered.p50, served.p50)} |`,
    );
    floor.close();
  }
  promClient.server.close();
  await exporter.stop();
  child.kill('SIGTERM');
}

/** The exporter in its own process, as deployed: started with the Dockerfile's environment, driven over IPC. */
interface ExporterProcess {
  port: number;
  resyncMs: number | null;
  gc: boolean;
  env: Record<string, string>;
  call<T>(request: DistributiveOmit<Request, 'id'>): Promise<T>;
  stop(): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

async function startExporterProcess(uri: string, clock: number): Promise<ExporterProcess> {
  const env = deployedEnv();
  const child = fork(new URL('./exporter-process.ts', import.meta.url).pathname, [uri, String(clock)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  const ready = await new Promise<{ port: number; resyncMs: number | null; gc: boolean }>((resolve, reject) => {
    child.on('message', (m: { ready?: true; port: number; resyncMs: number | null; gc: boolean } & Reply) => {
      if (m.ready) resolve(m);
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    child.once('exit', (code) => reject(new Error(`exporter process exited with ${code}`)));
  });
  return {
    ...ready,
    env,
    call<T>(request: DistributiveOmit<Request, 'id'>) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...request, id });
      });
    },
    stop: () => child.disconnect(),
  };
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** mulberry32: the seeded choice of the nodes that heartbeat in a 1 % round. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * AIWM's heartbeat write path, through the real driver into the stand-in: each heartbeating node
 * gets `$set` lastHeartbeat, lastSeenAt, cpuUsage, ramUsage, uptimeSeconds and updatedAt (mongoose
 * timestamps), at a time spread over the round as heartbeats arrive (testing/fleet/live.ts does the same).
 */
class Heartbeats {
  private constructor(
    private readonly nodes: Collection,
    private readonly live: Array<{ _id: ObjectId; cpu: number; ram: number; uptime: number }>,
    private readonly random: () => number,
  ) {}

  static async open(db: Db): Promise<Heartbeats> {
    const nodes = db.collection('nodes');
    const live = (
      await nodes
        .find({ isDeleted: { $ne: true } }, { projection: { _id: 1, cpuUsage: 1, ramUsage: 1, uptimeSeconds: 1 } })
        .toArray()
    ).map((n) => ({
      _id: n._id as ObjectId,
      cpu: typeof n.cpuUsage === 'number' ? n.cpuUsage : 50,
      ram: typeof n.ramUsage === 'number' ? n.ramUsage : 50,
      uptime: typeof n.uptimeSeconds === 'number' ? n.uptimeSeconds : 0,
    }));
    return new Heartbeats(nodes, live, rng(14));
  }

  get count(): number {
    return this.live.length;
  }

  /** `fraction` of the live nodes (all, or a seeded random sample) heartbeat within (from, to]. */
  async round(fraction: number, from: number, to: number): Promise<number> {
    const chosen = fraction >= 1 ? this.live : this.live.filter(() => this.random() < fraction);
    const round1 = (x: number) => Math.round(x * 10) / 10;
    const ops: AnyBulkWriteOperation[] = chosen.map((n) => {
      const at = new Date(from + 1 + Math.floor(this.random() * (to - from)));
      n.cpu = round1(Math.min(100, Math.max(0, n.cpu + (this.random() - 0.5) * 10)));
      n.ram = round1(Math.min(100, Math.max(0, n.ram + (this.random() - 0.5) * 6)));
      n.uptime += Math.round((to - from) / 1000);
      return {
        updateOne: {
          filter: { _id: n._id },
          update: {
            $set: {
              lastHeartbeat: at,
              lastSeenAt: at,
              cpuUsage: n.cpu,
              ramUsage: n.ram,
              uptimeSeconds: n.uptime,
              updatedAt: at,
            },
          },
        },
      };
    });
    for (let i = 0; i < ops.length; i += 1000) await this.nodes.bulkWrite(ops.slice(i, i + 1000), { ordered: false });
    return chosen.length;
  }
}

const MiB = 1048576;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pollLine = (label: string, p: PollReport) =>
  `${label}: ${p.cpuMs.toFixed(0)} ms CPU, ${p.wallMs.toFixed(0)} ms wall; read ${Object.entries(p.read)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')}; collectors ${Object.entries(p.collectorsMs)
    .map(([c, ms]) => `${c} ${ms.toFixed(0)}`)
    .join(
      ', ',
    )} ms; publish ${p.publishMs.toFixed(0)} ms; event loop p99 ${p.loopP99Ms.toFixed(1)} / max ${p.loopMaxMs.toFixed(1)} ms`;

async function pollUnderLoad(nodes: number, gpusPerNode: number): Promise<void> {
  /** The deployment's default POLL_SCHEDULE: the bench's clock moves this much per round. */
  const ROUND_MS = 15_000;
  let clock = Math.floor(Date.now() / 1000) * 1000;
  const { uri, child: standin } = await startStandInProcess({
    nodes,
    gpusPerNode,
    malformed: false,
    now: new Date(clock),
  });
  const exporter = await startExporterProcess(uri, clock);
  const client = new MongoClient(uri);
  await client.connect();
  const heartbeats = await Heartbeats.open(client.db());
  const idle = await exporter.call<Memory>({ cmd: 'memory' });
  const envText = Object.entries(exporter.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(
    `\n## Polls of ${nodes} nodes x ${gpusPerNode} GPUs: the exporter in its own process (${envText || 'no ENV'})`,
  );
  console.log(
    'poll CPU = process.cpuUsage() of the exporter process across one poll (event loop, libuv pool compressing, GC threads).',
  );
  console.log(
    `The clock moves ${ROUND_MS / 1000} s per round (the default POLL_SCHEDULE); heartbeats land at random times within the round, through the driver into the stand-in.`,
  );
  const tick = async (fraction: number, advance = ROUND_MS): Promise<{ report: PollReport; beats: number }> => {
    const from = clock;
    clock += advance;
    const beats = fraction > 0 ? await heartbeats.round(fraction, Math.max(from, clock - ROUND_MS), clock) : 0;
    await exporter.call({ cmd: 'clock', at: clock });
    return { report: await exporter.call<PollReport>({ cmd: 'poll' }), beats };
  };

  const first = await exporter.call<PollReport>({ cmd: 'poll' });
  const info = await exporter.call<Info>({ cmd: 'info' });
  console.log(
    `${info.series} series, ${(info.textBytes / 1e6).toFixed(1)} MB text, ${(info.gzipBytes / 1e6).toFixed(2)} MB gzip in ${info.gzipMembers} members; ${heartbeats.count} live nodes`,
  );
  console.log(pollLine('first poll (full read)', first));

  // Steady state: every live node heartbeats between two polls. Two rounds to warm up (JIT, heap growth), then measured.
  for (let i = 0; i < 2; i++) await tick(1);
  const steady: PollReport[] = [];
  for (let i = 0; i < 3; i++) {
    const { report } = await tick(1);
    steady.push(report);
    console.log(pollLine(`steady poll ${i + 1} (every node heartbeated)`, report));
  }
  const pollCpu = median(steady.map((p) => p.cpuMs));

  const quiet = (await tick(0)).report;
  console.log(pollLine('nothing-changed poll (no writes in the round)', quiet));

  // 1 %: the first round after the all-nodes rounds still re-reads their tail (UPDATED_AT_SLACK); the next ones are the steady 1 % state.
  const onePct: PollReport[] = [];
  for (let i = 0; i < 4; i++) {
    const { report, beats } = await tick(0.01);
    if (i > 0) onePct.push(report);
    console.log(
      pollLine(`1% poll ${i + 1} (${beats} nodes heartbeated)${i === 0 ? ', transition, not counted' : ''}`, report),
    );
  }
  const pollCpu1 = median(onePct.map((p) => p.cpuMs));

  let resyncCpu: number | undefined;
  if (exporter.resyncMs !== null) {
    const { report } = await tick(1, exporter.resyncMs);
    resyncCpu = report.cpuMs;
    console.log(
      pollLine(
        `full-resync poll (FULL_RESYNC_INTERVAL ${exporter.resyncMs / 1000} s elapsed, every node heartbeated)`,
        report,
      ),
    );
  } else console.log('full-resync poll: n/a (the exporter has no FULL_RESYNC_INTERVAL)');
  const afterPolls = await exporter.call<Memory>({ cmd: 'memory' });
  console.log(`poll results so far: ${quiet.results}`);

  let ratio: number | undefined;
  if (!process.argv.includes('--no-load')) {
    // gzip scrapes over fresh connections, back to back, while steady polls run; the floor is a raw TCP
    // server in the exporter's process writing the same gzip bytes, measured while that process is idle.
    const floorPort = await exporter.call<number>({ cmd: 'floor' });
    const floor = await measure(floorPort, true, 200);
    const during: number[] = [];
    const loop: PollReport[] = [];
    for (let i = 0; i < 4; i++) {
      const from = clock;
      clock += ROUND_MS;
      await heartbeats.round(1, from, clock);
      await exporter.call({ cmd: 'clock', at: clock });
      let done = false;
      const scraper = (async () => {
        while (!done) during.push(await fetchOnce(exporter.port, true));
      })();
      loop.push(await exporter.call<PollReport>({ cmd: 'poll' }));
      done = true;
      await scraper;
    }
    const d = stats(during);
    ratio = d.p99 / floor.p99;
    console.log(
      `gzip scrapes during ${loop.length} steady polls: ${d.n} scrapes, p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms; raw-TCP floor p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms -> p99 ${ratio.toFixed(2)}x`,
    );
    console.log(
      `event loop during those polls: p99 ${median(loop.map((p) => p.loopP99Ms)).toFixed(1)} ms (median of polls), max ${Math.max(...loop.map((p) => p.loopMaxMs)).toFixed(1)} ms; poll CPU with scrapes ${loop.map((p) => p.cpuMs.toFixed(0)).join(', ')} ms`,
    );
  }
  const mem = await exporter.call<Memory>({ cmd: 'memory' });
  const mib = (b: number) => (b / MiB).toFixed(0);
  const memLine = (m: Memory) =>
    `RSS ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} used of ${mib(m.heapTotal)} MiB, external ${mib(m.external)} MiB (array buffers ${mib(m.arrayBuffers)} MiB)`;
  console.log(`memory${exporter.gc ? ' (after a full GC)' : ''}: idle exporter ${memLine(idle)}`);
  console.log(`  after the polls without scrapes: ${memLine(afterPolls)}`);
  console.log(`  after all polls: ${memLine(mem)}`);

  const rss = mem.rss / MiB;
  const targets = [
    ['poll_cpu_ms', pollCpu, 1000, pollCpu < 1000],
    ['poll_cpu_1pct_ms', pollCpu1, 200, pollCpu1 < 200],
    ['scrape_p99_ratio', ratio, 3, ratio !== undefined && ratio <= 3],
    ['rss_mib', rss, 600, rss <= 600],
  ] as const;
  console.log(
    `\ndefinitions: poll_cpu_ms = median CPU of ${steady.length} polls each after every live node heartbeated in the round before it (AIWM's steady state); poll_cpu_1pct_ms = median of ${onePct.length} polls each after 1% of live nodes (seeded random) heartbeated; nothing-changed poll ${quiet.cpuMs.toFixed(0)} ms; full-resync poll ${resyncCpu === undefined ? 'n/a' : `${resyncCpu.toFixed(0)} ms`}; scrape_p99_ratio = gzip scrape p99 during polls / raw-TCP floor p99; rss_mib = exporter RSS after the polls${exporter.gc ? ', after a full GC' : ''}`,
  );
  for (const [name, value, target, met] of targets)
    console.log(
      `target ${name} ${name.endsWith('ratio') || name === 'rss_mib' ? '<=' : '<'} ${target}: ${value === undefined ? 'n/a' : value.toFixed(name.endsWith('ratio') ? 2 : 0)} ${met ? 'met' : 'NOT met'}`,
    );
  console.log(
    `BENCH poll_cpu_ms=${pollCpu.toFixed(0)} poll_cpu_1pct_ms=${pollCpu1.toFixed(0)} scrape_p99_ratio=${ratio === undefined ? 'n/a' : ratio.toFixed(2)} rss_mib=${rss.toFixed(0)}`,
  );
  await client.close();
  exporter.stop();
  standin.kill('SIGTERM');
}

const quick = process.argv.includes('--quick');
console.log(
  `# aiwm exporter benchmark (${new Date().toISOString()}, node ${process.version}, ${quick ? 'quick' : 'full'})`,
);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
// Roughly 1k, 10k and 100k series.
if (only !== 'poll') {
  await scrapeComparison(15, 8, quick ? 50 : 300);
  await scrapeComparison(140, 8, quick ? 30 : 200);
  await scrapeComparison(1400, 8, quick ? 10 : 60);
}
if (only !== 'scrape') await pollUnderLoad(quick ? 2000 : 10_000, 8);
process.exit(0);
