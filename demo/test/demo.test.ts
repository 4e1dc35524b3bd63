/**
 * Smoke test of `npm run demo`: it starts, Prometheus scrapes, the facade answers with the fleet's
 * numbers, the dcgm-exporter fixtures join the fleet's GPU nodes, Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { generateFleet } from '../../testing/fleet/index.js';
import { freePort, waitFor } from '../../testing/ports.js';

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm run demo', () => {
  it('starts the stack, answers with the fleet, and leaves nothing behind on Ctrl-C', async () => {
    const ports = {
      DEMO_EXPORTER_PORT: await freePort(),
      DEMO_FACADE_PORT: await freePort(),
      DEMO_PROMETHEUS_PORT: await freePort(),
      DEMO_ALERTMANAGER_PORT: await freePort(),
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/demo.ts'], {
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        DEMO_NODES: '12',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('demo ready', async () => (out.includes('demo ready') ? true : undefined), 60_000, 200);
      expect(out).toContain('not for production');
      const token = /demo token\s+(\S+)/.exec(out)![1]!;
      const prometheus = `http://127.0.0.1:${ports.DEMO_PROMETHEUS_PORT}`;
      await waitFor(
        'Prometheus scraping the exporter',
        async () => {
          const body = (await (
            await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent('sum(aiwm_nodes)')}`)
          ).json()) as { data: { result: unknown[] } };
          return body.data.result.length > 0 ? true : undefined;
        },
        60_000,
        500,
      );
      const fleet = generateFleet({ nodes: 12, writePaths: true });
      const skipped = new Set(fleet.malformed.filter((m) => m.skipped).map((m) => m._id.toHexString()));
      const nodes = fleet.collections.nodes.filter(
        (n) => n.isDeleted !== true && !skipped.has(n._id.toHexString()),
      ).length;
      const overview = await waitFor(
        'the overview',
        async () => {
          const response = await fetch(`http://127.0.0.1:${ports.DEMO_FACADE_PORT}/dashboard/overview`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return response.ok
            ? ((await response.json()) as { infrastructure: { nodes: { total: number } } })
            : undefined;
        },
        30_000,
        500,
      );
      expect(overview.infrastructure.nodes.total).toBe(nodes);
      // The demo serves the dcgm-exporter fixtures: their 8 + 2 GPUs join two of the fleet's nodes.
      await waitFor(
        'dcgm-exporter GPUs joined to the fleet',
        async () => {
          const expr = 'count(gpu:aiwm_gpu_info:unified{source="dcgm"}) == 10';
          const body = (await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
            data: { result: unknown[] };
          };
          return body.data.result.length > 0 ? true : undefined;
        },
        60_000,
        500,
      );
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    for (const port of Object.values(ports)) expect(await listening(port), `port ${port}`).toBe(false);
  }, 120_000);
});
