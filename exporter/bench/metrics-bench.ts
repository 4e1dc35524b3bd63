/**
 * `npm run bench`: /metrics latency for the served buffers vs prom-client rendering per scrape vs
 * the raw-TCP floor, event-loop delay and scrape latency while polls run, poll CPU per document,
 * and memory at 10k nodes x 8 GPUs. All numbers are measured in this one run; compare ratios.
 */
import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import client from 'prom-client';
import { startExporter, type Exporter } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { testConfig } from '../../testing/harness.js';
import { startStandInProcess, stats, type Stats } from './support.js';

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
    const floor = await rawServer(gzip ? await snap.gzipped(false) : text, gzip);
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

async function pollUnderLoad(nodes: number, gpusPerNode: number): Promise<void> {
  const { uri, child } = await startStandInProcess({ nodes, gpusPerNode, malformed: false });
  const exporter = await exporterFor(uri);
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await exporter.poller.tick();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const docs = (await exporter.self.documentsRead.get()).values.reduce((s, v) => s + v.value, 0);
  const snap = exporter.poller.snapshot!;
  const gzipped = await snap.gzipped(false);
  console.log(
    `\n## Poll of ${nodes} nodes x ${gpusPerNode} GPUs (${docs} documents, ${snap.series} series, ${(snap.size(false) / 1e6).toFixed(1)} MB text, ${(gzipped.length / 1e6).toFixed(1)} MB gzip)`,
  );
  console.log(
    `first poll: ${wall.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms exporter CPU, ${((cpu.user + cpu.system) / docs).toFixed(1)} us CPU per document`,
  );

  // Steady state without scrapes: the exporter's own CPU per poll, each poll on its own (the
  // first polls also pay for JIT compilation and heap growth).
  const perPoll: string[] = [];
  let lastCpu = 0;
  for (let i = 0; i < 6; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await exporter.poller.tick();
    const c = process.cpuUsage(c0);
    lastCpu = (c.user + c.system) / 1000;
    perPoll.push(`${(performance.now() - t0).toFixed(0)} ms wall / ${lastCpu.toFixed(0)} ms CPU`);
  }
  console.log(`polls 2-7, no scrapes: ${perPoll.join('; ')}`);
  console.log(
    `steady poll (the last): ${lastCpu.toFixed(0)} ms exporter CPU, ${((lastCpu * 1000) / docs).toFixed(1)} us CPU per document`,
  );
  // Every number above is only meaningful if the polls succeeded.
  console.log(
    `poll results so far: ${(await exporter.self.polls.get()).values.map((v) => `${v.labels.result} ${v.value}`).join(', ')}`,
  );

  const durations = (await exporter.self.collectorDuration.get()).values.map(
    (v) => `${v.labels.collector} ${(v.value * 1000).toFixed(0)} ms`,
  );
  console.log(
    `last poll by collector (wall): ${durations.join(', ')}; publish ${((await exporter.self.renderDuration.get()).values[0]!.value * 1000).toFixed(0)} ms`,
  );
  if (process.argv.includes('--no-load')) {
    await exporter.stop();
    child.kill('SIGTERM');
    return;
  }
  // Then with the event loop watched and scrapes running alongside.
  const floor = await rawServer(gzipped, true);
  const floorStats = await measure((floor.address() as net.AddressInfo).port, true, 30);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpu1 = process.cpuUsage();
  const polls = 3;
  const during: number[] = [];
  let done = false;
  const scraper = (async () => {
    while (!done) during.push(await fetchOnce(exporter.port, true));
  })();
  const t1 = performance.now();
  for (let i = 0; i < polls; i++) await exporter.poller.tick();
  const pollWall = (performance.now() - t1) / polls;
  done = true;
  await scraper;
  delay.disable();
  const pollCpu = process.cpuUsage(cpu1);
  const d = stats(during);
  console.log(
    `poll under scrape load: ${pollWall.toFixed(0)} ms wall, ${((pollCpu.user + pollCpu.system) / 1000 / polls).toFixed(0)} ms CPU per poll (the load generator in this process included)`,
  );
  console.log(
    `event-loop delay during polls: p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
  );
  console.log(
    `gzip scrapes during polls: ${d.n} scrapes, p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms; raw-TCP floor p50 ${floorStats.p50.toFixed(1)} ms, p99 ${floorStats.p99.toFixed(1)} ms -> ${ratio(d.p50, floorStats.p50)} (p50), ${ratio(d.p99, floorStats.p99)} (p99)`,
  );
  global.gc?.();
  const mem = process.memoryUsage();
  console.log(
    `memory after polls: RSS ${(mem.rss / 1048576).toFixed(0)} MiB (+${((mem.rss - rssBefore) / 1048576).toFixed(0)} MiB over the idle exporter), heap used ${(mem.heapUsed / 1048576).toFixed(0)} MiB`,
  );
  floor.close();
  await exporter.stop();
  child.kill('SIGTERM');
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
