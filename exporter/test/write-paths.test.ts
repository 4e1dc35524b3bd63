/**
 * The exporter on documents as AIWM's write paths store them (testing/fleet/write-paths.ts): `healthy` nodes,
 * `os` objects, no websocketConnected, never-heartbeated and GB-written nodes, empty gpuDevices,
 * responses without latency. Golden output and promtool, as for the schema-shaped fleet.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../src/app.js';
import { generateFleet, loadFleet, type Fleet } from '../../testing/fleet/index.js';
import { openTestDatabase, scrape, startTestExporter, sumOf, type TestDatabase } from '../../testing/harness.js';
import { promtool } from '../../testing/promtool.js';

const GOLDEN = new URL('./golden/metrics-write-paths.txt', import.meta.url);

let t: TestDatabase;
let fleet: Fleet;
let exporter: Exporter;
let body: string;

beforeAll(async () => {
  t = await openTestDatabase();
  fleet = generateFleet({ seed: 1, writePaths: true });
  await loadFleet(t.db, fleet);
  exporter = await startTestExporter(t.uri, () => fleet.now);
  await exporter.poller.tick();
  body = exporter.poller.snapshot!.entityText();
});

afterAll(async () => {
  await exporter?.stop();
  await t?.close();
});

const liveNodes = () =>
  fleet.collections.nodes.filter(
    (n) => n.isDeleted !== true && !fleet.malformed.some((m) => m.skipped && m._id.equals(n._id)),
  );

describe('exporter on documents as AIWM writes them', () => {
  it('renders the golden exposition and passes promtool', async () => {
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, body);
    expect(body).toBe(readFileSync(GOLDEN, 'utf8'));
    const result = await promtool(['check', 'metrics'], (await scrape(exporter.port)).body);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('counts a heartbeating healthy node as up and online', () => {
    const healthy = liveNodes().filter((n) => n.status === 'healthy');
    expect(healthy.length).toBeGreaterThan(3);
    const id = fleet.scenario.dcgmH100NodeId;
    expect(sumOf(body, 'aiwm_node_status', { node_id: id, status: 'healthy', class: 'up' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_availability', { node_id: id, availability: 'online' })).toBe(1);
    const freshHealthy = healthy.filter((n) => (n.lastHeartbeat as Date).getTime() > fleet.now.getTime() - 5 * 60_000);
    const online = liveNodes().filter((n) => ['healthy', 'online'].includes(n.status) && n.lastSeenAt instanceof Date);
    const freshOnline = online.filter((n) => (n.lastHeartbeat as Date).getTime() > fleet.now.getTime() - 5 * 60_000);
    expect(freshOnline.length).toBeGreaterThanOrEqual(freshHealthy.length);
    expect(sumOf(body, 'aiwm_nodes', { availability: 'online' })).toBe(freshOnline.length);
    expect(sumOf(body, 'aiwm_nodes')).toBe(liveNodes().length);
  });

  it('exports a node whose os is an object, with all its series and the os as text', () => {
    const node = liveNodes().find(
      (n) => typeof n.os === 'object' && n.os !== null && n._id.toHexString() === fleet.scenario.dcgmH100NodeId,
    )!;
    const os = node.os as { distro: string; version: string };
    expect(body).toContain(`os="${os.distro} ${os.version}"`);
    const id = node._id.toHexString();
    for (const metric of [
      'aiwm_node_cpu_usage_ratio',
      'aiwm_node_memory_total_bytes',
      'aiwm_node_uptime_seconds',
      'aiwm_node_gpus',
    ]) {
      expect(sumOf(body, metric, { node_id: id }), metric).toBeGreaterThan(0);
    }
    expect(sumOf(body, 'aiwm_node_gpus', { node_id: id })).toBe(8);
  });

  it('treats a never-heartbeated node explicitly: state never, no heartbeat time, offline', () => {
    const id = fleet.scenario.neverHeartbeatNodeId;
    expect(sumOf(body, 'aiwm_node_heartbeat_state', { node_id: id, state: 'never' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_status', { node_id: id, status: 'online', class: 'up' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_availability', { node_id: id, availability: 'offline' })).toBe(1);
    expect(body).not.toMatch(new RegExp(`aiwm_node_last_heartbeat_timestamp_seconds\\{[^}]*node_id="${id}"`));
    // Created in the Portal and never installed: provisioning, heartbeat never.
    const pending = liveNodes().filter((n) => n.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    for (const n of pending)
      expect(sumOf(body, 'aiwm_node_heartbeat_state', { node_id: n._id.toHexString(), state: 'never' })).toBe(1);
  });

  it('presents no websocket state: AIWM never writes it', () => {
    expect(body).not.toContain('websocket');
  });

  it('keeps GB-written sizes as MB and flags them', () => {
    const id = fleet.scenario.gbUnitsNodeId;
    expect(sumOf(body, 'aiwm_node_memory_total_bytes', { node_id: id })).toBe(512 * 1_048_576);
    expect(sumOf(body, 'aiwm_node_implausible_value', { node_id: id, field: 'ramTotal' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_implausible_value', { node_id: id, field: 'diskTotal' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_implausible_value')).toBe(2);
  });

  it('publishes host names GPU exporters join on: lower case, no trailing dot, unique short names', () => {
    const join = (id: string) =>
      [...body.matchAll(new RegExp(`aiwm_node_hostname\\{[^}]*node_id="${id}",hostname="([^"]+)"`, 'g'))].map(
        (m) => m[1],
      );
    expect(join(fleet.scenario.dcgmH100NodeId)).toEqual(['gpu-node-01']);
    expect(join(fleet.scenario.dcgmA100NodeId).sort()).toEqual(['gpu-node-02', 'gpu-node-02.cluster.local']);
    // Every live node with a host name has its full name, each name belongs to one node.
    const names = [...body.matchAll(/aiwm_node_hostname\{[^}]*hostname="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('reads no GPU telemetry from empty gpuDevices and says the data is unknown', () => {
    const id = fleet.scenario.dcgmA100NodeId;
    expect(sumOf(body, 'aiwm_node_gpu_data_known', { node_id: id })).toBe(0);
    expect(body).not.toMatch(new RegExp(`aiwm_gpu_\\w+\\{[^}]*node_id="${id}"`));
    expect(body).not.toMatch(/aiwm_gpu_power_usage_watts\{/);
  });

  it('counts responses without latency as tasks but not as latency samples', () => {
    const assistant = fleet.collections.messages.filter(
      (m) =>
        m.isDeleted !== true &&
        m.role === 'assistant' &&
        m.createdAt instanceof Date &&
        typeof m.conversationId === 'string',
    );
    const withLatency = assistant.filter((m) => typeof m.latency === 'number');
    expect(withLatency.length).toBeGreaterThan(0);
    expect(withLatency.length).toBeLessThan(assistant.length);
    expect(sumOf(body, 'aiwm_agent_response_latency_seconds_count')).toBe(withLatency.length);
  });

  it("exports the time of each agent's last task", () => {
    const newest = new Map<string, number>();
    const agentOf = new Map(fleet.collections.conversations.map((c) => [c._id.toHexString(), String(c.agentId)]));
    for (const m of fleet.collections.messages) {
      if (
        m.isDeleted === true ||
        m.role !== 'assistant' ||
        !(m.createdAt instanceof Date) ||
        typeof m.latency === 'string'
      )
        continue;
      const agent = agentOf.get(String(m.conversationId));
      if (agent) newest.set(agent, Math.max(newest.get(agent) ?? 0, m.createdAt.getTime()));
    }
    expect(newest.size).toBeGreaterThan(0);
    for (const [agent, at] of newest) {
      expect(sumOf(body, 'aiwm_agent_last_task_timestamp_seconds', { agent_id: agent }), agent).toBe(at / 1000);
    }
  });
});
