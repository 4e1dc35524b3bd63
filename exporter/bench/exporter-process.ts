/**
 * Benchmark helper process: one exporter as a deployment runs it, alone in its process (with the
 * environment metrics-bench.ts starts it with, the Dockerfile's allocator settings), driven by
 * metrics-bench.ts over IPC. CPU is the whole process's (process.cpuUsage: the event loop, the
 * libuv pool compressing, V8's GC threads), memory is this process's.
 * Usage: forked with '<mongodb uri>' '<clock start, ms>'.
 */
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startExporter } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { testConfig } from '../../testing/harness.js';

export type Request =
  | { id: number; cmd: 'poll' }
  | { id: number; cmd: 'clock'; at: number }
  | { id: number; cmd: 'info' }
  | { id: number; cmd: 'floor' }
  | { id: number; cmd: 'memory' };

export interface PollReport {
  wallMs: number;
  cpuMs: number;
  /** Documents read by this poll, by collection. */
  read: Record<string, number>;
  /** Wall time of each collector and of publishing. */
  collectorsMs: Record<string, number>;
  publishMs: number;
  /** Event-loop delay during the poll. */
  loopP99Ms: number;
  loopMaxMs: number;
  results: string;
}

export interface Info {
  series: number;
  textBytes: number;
  gzipBytes: number;
  gzipMembers: number;
}

export interface Memory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const [uri, start] = process.argv.slice(2);
let now = Number(start);
// A generous MongoDB timeout: the single-threaded stand-in can be slow to answer the driver's monitor while it streams a big fleet.
const config = testConfig(uri!, {
  LOG_LEVEL: 'silent',
  MAX_ENTITIES_PER_COLLECTION: '10000000',
  MONGODB_TIMEOUT: '60s',
});
const exporter = await startExporter(config, createLogger('silent'), {
  manualPolling: true,
  clock: () => new Date(now),
});
const resyncMs = (config as { fullResyncIntervalMs?: number }).fullResyncIntervalMs ?? null;

async function counted(): Promise<Map<string, number>> {
  return new Map((await exporter.self.documentsRead.get()).values.map((v) => [String(v.labels.collection), v.value]));
}

async function poll(): Promise<PollReport> {
  const before = await counted();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await exporter.poller.tick();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  delay.disable();
  const read: Record<string, number> = {};
  for (const [collection, n] of await counted()) read[collection] = n - (before.get(collection) ?? 0);
  const collectorsMs: Record<string, number> = {};
  for (const v of (await exporter.self.collectorDuration.get()).values)
    collectorsMs[String(v.labels.collector)] = v.value * 1000;
  return {
    wallMs,
    cpuMs: (c.user + c.system) / 1000,
    read,
    collectorsMs,
    publishMs: (await exporter.self.renderDuration.get()).values[0]!.value * 1000,
    loopP99Ms: delay.percentile(99) / 1e6,
    loopMaxMs: delay.max / 1e6,
    results: (await exporter.self.polls.get()).values.map((v) => `${v.labels.result} ${v.value}`).join(', '),
  };
}

/** The floor: a TCP server in this process that writes the same gzip body, prepared once, and closes. */
async function floor(): Promise<number> {
  const body = Buffer.concat(await exporter.poller.snapshot!.gzipped(false));
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const response = Buffer.concat([Buffer.from(head), body]);
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(response));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

async function handle(request: Request): Promise<unknown> {
  switch (request.cmd) {
    case 'poll':
      return poll();
    case 'clock':
      now = request.at;
      return null;
    case 'info': {
      const snap = exporter.poller.snapshot!;
      const members = await snap.gzipped(false);
      return {
        series: snap.series,
        textBytes: snap.size(false),
        gzipBytes: members.reduce((n, m) => n + m.length, 0),
        gzipMembers: members.length,
      } satisfies Info;
    }
    case 'floor':
      return floor();
    case 'memory': {
      // Twice: the first collection finds the WeakMap entries whose keys the second can free.
      global.gc?.();
      global.gc?.();
      const m = process.memoryUsage();
      return {
        rss: m.rss,
        heapTotal: m.heapTotal,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      } satisfies Memory;
    }
  }
}

process.on('message', (request: Request) => {
  handle(request).then(
    (result) => process.send!({ id: request.id, result }),
    (error: unknown) => process.send!({ id: request.id, error: String(error) }),
  );
});
process.on('disconnect', () => void exporter.stop().then(() => process.exit(0)));
process.send!({ ready: true, port: exporter.port, resyncMs, gc: typeof global.gc === 'function' });
