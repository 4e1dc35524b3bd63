/**
 * The exporter keeps serving through MongoDB outages, recovers by itself, isolates failing
 * collectors, never overlaps polls, and shuts down cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exporter } from '../src/app.js';
import { nodesCollector } from '../src/collectors/nodes.js';
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
import { waitFor } from '../../testing/ports.js';

let t: TestDatabase | undefined;
let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.stop();
  await t?.close();
  exporter = t = undefined;
});

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
      exporter = await startTestExporter(t.uri, () => now);
      const e = exporter;
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(1);
      const before = e.poller.snapshot!.entityText();
      const messages = sumOf(before, 'aiwm_agent_messages_total');
      expect(messages).toBeGreaterThan(0);

      await t.standin!.stop();
      await e.poller.tick();
      expect(await gauge(e, 'sourceUp')).toBe(0);
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
      await waitFor('the exporter to reconnect', async () => {
        await e.poller.tick();
        return (await gauge(e, 'sourceUp')) === 1 ? true : undefined;
      });
      const after = e.poller.snapshot!.entityText();
      expect(after).toContain('aiwm_node_info');
      expect(sumOf(after, 'aiwm_agent_messages_total')).toBe(messages + step.messages.length);
      expect(await gauge(e, 'collectorSuccess', { collector: 'activity' })).toBe(1);
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
    const poller = new Poller(testConfig(t.uri), t.db, [nodesCollector, broken], self, createLogger('silent'));
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
    const ready = await fetch(`http://127.0.0.1:${exporter.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'starting', error: 'the first poll has not finished yet' });
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
