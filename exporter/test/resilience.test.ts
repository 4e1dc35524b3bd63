/**
 * The exporter keeps serving through MongoDB outages, recovers by itself, isolates failing
 * collectors, never overlaps polls, and shuts down cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exporter } from '../src/app.js';
import { NodesCollector } from '../src/collectors/nodes.js';
import type { Collector } from '../src/collectors/collector.js';
import { createLogger } from '../src/logger.js';
import { SelfMetrics } from '../src/metrics/self.js';
import { Poller } from '../src/poller.js';
import { LiveFleet, generateFleet, loadFleet } from '../../testing/fleet/index.js';
import {
  openTestDatabase,
  scrape,
  startTestExporter,
  sumOf,
  testConfig,
  type TestDatabase,
} from '../../testing/harness.js';
import { startMongoStandIn, type MongoStandIn } from '../../testing/mongo-standin.js';
import { freePort, waitFor } from '../../testing/ports.js';

let t: TestDatabase | undefined;
let exporter: Exporter | undefined;
let late: { standin?: MongoStandIn; client?: MongoClient } = {};
afterEach(async () => {
  await exporter?.stop();
  await t?.close();
  await late.client?.close();
  await late.standin?.close();
  exporter = t = undefined;
  late = {};
});

const readyz = async (port: number) => {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

const gauge = async (e: Exporter, name: 'sourceUp' | 'collectorSuccess', labels: Record<string, string> = {}) =>
  (await e.self[name].get()).values.find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l),
  )?.value;

describe('MongoDB outage', () => {
  it.skipIf(process.env.TEST_MONGODB_URI)(
    'keeps serving, drops entity series, recovers without double counting',
    async () => {
      t = await openTestDatabase();
      const fleet = generateFleet({ seed: 5 });
      await loadFleet(t.db, fleet);
      let now = fleet.now;
      // Room for the driver's monitor to see the restarted server within the poll that follows.
      exporter = await startTestExporter(t.uri, () => now, { MONGODB_TIMEOUT: '3s' });
      const e = exporter;
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(1);
      const before = e.poller.snapshot!.entityText();
      const messages = sumOf(before, 'aiwm_agent_messages_total');
      expect(messages).toBeGreaterThan(0);

      expect(await readyz(e.port)).toEqual({ status: 200, body: { status: 'ready' } });
      await t.standin!.stop();
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(0);
      expect(await readyz(e.port)).toEqual({
        status: 503,
        body: { status: 'unavailable', error: 'MongoDB was unreachable at the last poll' },
      });
      expect(await gauge(e, 'collectorSuccess', { collector: 'nodes' })).toBe(0);
      expect(await gauge(e, 'collectorSuccess', { collector: 'activity' })).toBe(0);
      const down = await scrape(e.port);
      expect(down.status).toBe(200);
      expect(down.body).toContain('aiwm_exporter_source_up 0');
      expect(down.body).not.toContain('aiwm_node_info');
      expect(down.body).not.toContain('aiwm_agent_messages_total');

      await t.standin!.start();
      await waitFor('MongoDB back', async () => ((await t!.db.command({ ping: 1 })).ok ? true : undefined));
      const live = new LiveFleet(fleet, { seed: 5 });
      const step = await live.advance(t.db, 300);
      now = live.now;
      // The first poll after MongoDB is back reaches it.
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(1);
      expect((await readyz(e.port)).status).toBe(200);
      const after = e.poller.snapshot!.entityText();
      expect(after).toContain('aiwm_node_info');
      expect(sumOf(after, 'aiwm_agent_messages_total')).toBe(messages + step.messages.length);
      expect(await gauge(e, 'collectorSuccess', { collector: 'activity' })).toBe(1);
    },
  );
});

describe('MongoDB unreachable at start-up', () => {
  /** Starts the stand-in on `port` with the fleet loaded (MongoDB comes up after the exporter). */
  const bringUp = async (port: number, seed: number) => {
    late.standin = await startMongoStandIn({ port });
    late.client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 2000 });
    const db = late.client.db('aiwm_late');
    const fleet = generateFleet({ seed });
    await loadFleet(db, fleet);
    return { db, fleet };
  };

  it.skipIf(process.env.TEST_MONGODB_URI)(
    'recovers within one poll of MongoDB coming up, its facade reads too, and counts each event once',
    async () => {
      const port = await freePort();
      const seedFleet = generateFleet({ seed: 8 });
      let now = seedFleet.now;
      exporter = await startTestExporter(`mongodb://127.0.0.1:${port}/aiwm_late`, () => now, {
        // The facade's record-level reads go to MongoDB only (no Prometheus query for one execution).
        PROMETHEUS_URL: 'http://127.0.0.1:1',
        FACADE_AUTH: 'none',
        MONGODB_TIMEOUT: '3s',
      });
      const e = exporter;
      const execution = seedFleet.collections.executions.find(
        (x: Document) =>
          x.isDeleted !== true &&
          x._id instanceof ObjectId &&
          !seedFleet.malformed.some((m) => m._id.equals(x._id as ObjectId)),
      )!;
      const detail = () =>
        fetch(`http://127.0.0.1:${e.facadePort}/dashboard/workload/executions/${String(execution._id)}`);
      expect(await readyz(e.port)).toEqual({
        status: 503,
        body: { status: 'starting', error: 'the first poll has not finished yet' },
      });

      await e.poller.tick();
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(0);
      expect((await readyz(e.port)).body.status).toBe('unavailable');
      expect((await detail()).status).toBe(503);

      const { db, fleet } = await bringUp(port, 8);
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(1);
      expect(await readyz(e.port)).toEqual({ status: 200, body: { status: 'ready' } });
      const first = e.poller.snapshot!.entityText();
      expect(first).toContain('aiwm_node_info');
      const messages = sumOf(first, 'aiwm_agent_messages_total');
      // COUNT_EVENTS_FROM=all: every message of the fleet, once (as incremental.test.ts counts them).
      const counted = fleet.collections.messages.filter(
        (m: Document) =>
          m.isDeleted !== true &&
          typeof m.role === 'string' &&
          m.createdAt instanceof Date &&
          typeof m.conversationId === 'string' &&
          (m.latency == null || typeof m.latency === 'number'),
      );
      expect(messages).toBe(counted.length);
      // The facade reads through the same, recovered client.
      const response = await detail();
      expect(response.status).toBe(200);
      expect(((await response.json()) as { _id: string })._id).toBe(String(execution._id));

      // Gone mid-run and back: again the first poll recovers, and nothing is counted twice.
      await e.poller.tick();
      expect(sumOf(e.poller.snapshot!.entityText(), 'aiwm_agent_messages_total')).toBe(messages);
      await late.standin!.stop();
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(0);
      await late.standin!.start();
      const live = new LiveFleet(fleet, { seed: 8 });
      const step = await live.advance(db, 300);
      now = live.now;
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(1);
      expect(sumOf(e.poller.snapshot!.entityText(), 'aiwm_agent_messages_total')).toBe(messages + step.messages.length);
      expect((await detail()).status).toBe(200);
    },
  );

  it.skipIf(process.env.TEST_MONGODB_URI)(
    'a running exporter process becomes ready by itself once MongoDB comes up, whatever the start order',
    async () => {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'exporter/src/main.ts',
          '--port=0',
          '--listen-address=127.0.0.1',
          '--poll-schedule=* * * * * *',
          '--mongodb-timeout=500ms',
        ],
        {
          env: { ...process.env, MONGODB_URI: `mongodb://127.0.0.1:${port}/aiwm_late`, LOG_LEVEL: 'info' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const exporterPort = await waitFor('the listening log line', async () => {
          const m = /"port":(\d+)/.exec(out);
          return m ? Number(m[1]) : undefined;
        });
        await waitFor('a poll that finds MongoDB down', async () =>
          (await readyz(exporterPort)).body.status === 'unavailable' ? true : undefined,
        );
        const { fleet } = await bringUp(port, 9);
        await waitFor('readiness', async () => ((await readyz(exporterPort)).status === 200 ? true : undefined));
        const metrics = await scrape(exporterPort);
        expect(metrics.body).toContain('aiwm_exporter_source_up 1');
        expect(sumOf(metrics.body, 'aiwm_agent_messages_total')).toBe(0); // COUNT_EVENTS_FROM=start
        expect(sumOf(metrics.body, 'aiwm_nodes')).toBeGreaterThan(0);
        expect(fleet.collections.nodes.length).toBeGreaterThan(0);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(out.split('\n').filter((l) => l.includes('Topology is closed'))).toEqual([]);
    },
  );
});

describe('poller', () => {
  it('isolates a failing collector and never overlaps polls', async () => {
    t = await openTestDatabase();
    await loadFleet(t.db, generateFleet({ seed: 6 }));
    const self = new SelfMetrics('test');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const broken: Collector = {
      name: 'broken',
      families: [],
      async collect() {
        await gate;
        throw new Error('boom');
      },
    };
    const poller = new Poller(testConfig(t.uri), t.db, [new NodesCollector(), broken], self, createLogger('silent'));
    const first = poller.tick();
    const second = poller.tick(); // arrives while the first is still running
    release();
    await Promise.all([first, second]);
    expect((await self.pollsSkipped.get()).values[0]!.value).toBe(1);
    expect((await self.polls.get()).values).toEqual([
      expect.objectContaining({ labels: { result: 'partial' }, value: 1 }),
    ]);
    const success = (await self.collectorSuccess.get()).values;
    expect(success.find((v) => v.labels.collector === 'nodes')!.value).toBe(1);
    expect(success.find((v) => v.labels.collector === 'broken')!.value).toBe(0);
    expect(poller.snapshot!.entityText()).toContain('aiwm_node_info');
  });
});

describe('HTTP before the first poll', () => {
  it('is alive but not ready, and serves the exporter metrics alone', async () => {
    t = await openTestDatabase();
    exporter = await startTestExporter(t.uri, () => new Date());
    expect((await fetch(`http://127.0.0.1:${exporter.port}/healthz`)).status).toBe(200);
    expect(await readyz(exporter.port)).toEqual({
      status: 503,
      body: { status: 'starting', error: 'the first poll has not finished yet' },
    });
    const metrics = await scrape(exporter.port, { gzip: true });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('aiwm_exporter_build_info{version="0.1.0"');
    expect(metrics.body).not.toContain('aiwm_node_');
  });
});

describe('process lifecycle', () => {
  it('polls on schedule and exits 0 on SIGTERM after finishing in-flight work', async () => {
    t = await openTestDatabase();
    await loadFleet(t.db, generateFleet({ seed: 7 }));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'exporter/src/main.ts',
        '--port=0',
        '--listen-address=127.0.0.1',
        '--poll-schedule=* * * * * *',
      ],
      {
        env: { ...process.env, MONGODB_URI: t.uri, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const port = await waitFor('the listening log line', async () => {
      const m = /"port":(\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    });
    await waitFor('readiness', async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined,
    );
    const metrics = await scrape(port);
    expect(metrics.body).toContain('aiwm_node_info');
    expect(sumOf(metrics.body, 'aiwm_exporter_polls_total')).toBeGreaterThanOrEqual(1);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"shutting down"');
    expect(out).not.toMatch(/"level":50/); // no error logged
  });
});
