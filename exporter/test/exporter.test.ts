/**
 * The exporter end to end against a generated fleet: golden output, promtool, both formats
 * through a real Prometheus, invalid documents, unknown GPU data, secrets, HTTP behaviour.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../src/app.js';
import { generateFleet, loadFleet, type Fleet } from '../../testing/fleet/index.js';
import {
  openTestDatabase,
  samples,
  scrape,
  startTestExporter,
  sumOf,
  type TestDatabase,
} from '../../testing/harness.js';
import { startPrometheus } from '../../testing/prometheus.js';
import { promtool } from '../../testing/promtool.js';

const GOLDEN = new URL('./golden/metrics.txt', import.meta.url);

let t: TestDatabase;
let fleet: Fleet;
let exporter: Exporter;

beforeAll(async () => {
  t = await openTestDatabase();
  fleet = generateFleet({ seed: 1 });
  await loadFleet(t.db, fleet);
  exporter = await startTestExporter(t.uri, () => fleet.now);
  await exporter.poller.tick();
});

afterAll(async () => {
  await exporter?.stop();
  await t?.close();
});

describe('exporter against a fixed fleet', () => {
  it('renders the golden exposition', () => {
    const text = exporter.poller.snapshot!.entityText();
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('passes promtool check metrics', async () => {
    const { body } = await scrape(exporter.port);
    const result = await promtool(['check', 'metrics'], body);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('labels every entity series with org_id', () => {
    for (const series of samples(exporter.poller.snapshot!.entityText()).keys()) {
      expect(series, series).toMatch(/^aiwm_[a-z_]+\{org_id="[^"]+"/);
    }
    expect(new Set(fleet.orgIds.map((o) => `org_id="${o}"`)).size).toBeGreaterThan(1);
  });

  it('reads unknown GPU data as unknown, not as zero GPUs', () => {
    const body = exporter.poller.snapshot!.entityText();
    const unknown = fleet.scenario.noGpuDataNodeId;
    expect(body).toMatch(new RegExp(`aiwm_node_gpu_data_known\\{org_id="[^"]+",node_id="${unknown}"\\} 0`));
    expect(body).not.toMatch(new RegExp(`aiwm_(gpu_\\w+|node_gpus)\\{[^}]*node_id="${unknown}"`));
    // Nodes with an empty gpuDevices array are unknown too.
    const skipped = new Set(fleet.malformed.filter((m) => m.skipped).map((m) => m._id.toHexString()));
    const emptyArray = fleet.collections.nodes.filter(
      (n) =>
        Array.isArray(n.gpuDevices) &&
        n.gpuDevices.length === 0 &&
        n.isDeleted !== true &&
        !skipped.has(n._id.toHexString()),
    );
    expect(emptyArray.length).toBeGreaterThan(0);
    for (const n of emptyArray)
      expect(body).toMatch(
        new RegExp(`aiwm_node_gpu_data_known\\{org_id="[^"]+",node_id="${n._id.toHexString()}"\\} 0`),
      );
    // The healthy H200 node carries the fixture's figures in base units.
    const healthy = fleet.scenario.healthyNodeId;
    expect(body).toContain(`node_id="${healthy}",gpu="0",device_id=`);
    expect(body).toMatch(
      new RegExp(`aiwm_gpu_memory_total_bytes\\{org_id="[^"]+",node_id="${healthy}",gpu="0"\\} ${143771 * 1048576}\\n`),
    );
    // Telemetry's memoryUsed (0 MiB on the idle H200) wins over total - free (615 MiB the driver reserves).
    expect(body).toMatch(
      new RegExp(`aiwm_gpu_memory_used_bytes\\{org_id="[^"]+",node_id="${healthy}",gpu="0"\\} 0\\n`),
    );
    expect(body).toMatch(
      new RegExp(`aiwm_gpu_power_limit_watts\\{org_id="[^"]+",node_id="${healthy}",gpu="0"\\} 700\\n`),
    );
  });

  it('flags the stale node even though AIWM still says online, and not the healthy one', () => {
    const body = exporter.poller.snapshot!.entityText();
    const stale = fleet.scenario.staleNodeId;
    expect(sumOf(body, 'aiwm_node_heartbeat_state', { node_id: stale, state: 'stale' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_status', { node_id: stale, status: 'online', class: 'up' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_availability', { node_id: stale, availability: 'offline' })).toBe(1);
    expect(sumOf(body, 'aiwm_node_heartbeat_state', { node_id: fleet.scenario.healthyNodeId, state: 'fresh' })).toBe(1);
    expect(
      sumOf(body, 'aiwm_node_availability', { node_id: fleet.scenario.healthyNodeId, availability: 'online' }),
    ).toBe(1);
    expect(sumOf(body, 'aiwm_gpu_temperature_celsius', { node_id: fleet.scenario.hotGpuNodeId, gpu: '0' })).toBe(92);
  });

  it('ignores soft-deleted documents and counts the rest', () => {
    const body = exporter.poller.snapshot!.entityText();
    const live = (c: keyof Fleet['collections']) =>
      fleet.collections[c].filter(
        (d) => d.isDeleted !== true && !fleet.malformed.some((m) => m.skipped && m._id.equals(d._id)),
      );
    expect(sumOf(body, 'aiwm_nodes')).toBe(live('nodes').length);
    expect(sumOf(body, 'aiwm_resources')).toBe(live('resources').length);
    expect(sumOf(body, 'aiwm_models')).toBe(live('models').length);
    expect(sumOf(body, 'aiwm_deployments')).toBe(live('deployments').length);
    expect(sumOf(body, 'aiwm_agents')).toBe(live('agents').length);
    for (const d of fleet.collections.nodes.filter((n) => n.isDeleted === true))
      expect(body).not.toContain(d._id.toHexString());
  });

  it('counts each assistant message as a task and attributes latency to agent and deployment', () => {
    const body = exporter.poller.snapshot!.entityText();
    const assistant = fleet.collections.messages.filter(
      (m) =>
        m.isDeleted !== true &&
        m.role === 'assistant' &&
        m.createdAt instanceof Date &&
        typeof m.conversationId === 'string' &&
        (m.latency === undefined || typeof m.latency === 'number'),
    );
    expect(sumOf(body, 'aiwm_agent_tasks_total')).toBe(assistant.length);
    expect(sumOf(body, 'aiwm_agent_response_latency_seconds_count')).toBe(
      assistant.filter((m) => typeof m.latency === 'number').length,
    );
    expect(sumOf(body, 'aiwm_deployment_response_latency_seconds_count')).toBeGreaterThan(0);
    expect(sumOf(body, 'aiwm_deployment_response_latency_seconds_count')).toBeLessThanOrEqual(
      sumOf(body, 'aiwm_agent_response_latency_seconds_count'),
    );
  });

  it('never exposes secrets or message contents', async () => {
    const { body } = await scrape(exporter.port);
    const secrets = [
      ...fleet.collections.models.map((m) => m.apiConfig?.apiKey),
      ...fleet.collections.agents.flatMap((a) => [a.secret, ...Object.values(a.settings ?? {})]),
    ].filter((s): s is string => typeof s === 'string' && s.length > 0);
    expect(secrets.length).toBeGreaterThan(2);
    for (const secret of secrets) expect(body).not.toContain(secret);
    expect(body).not.toMatch(/sk-SECRET|agent-secret|apiConfig|apiKey/);
    for (const m of fleet.collections.messages.slice(0, 20))
      if (typeof m.content === 'string' && m.content.length > 8) expect(body).not.toContain(m.content);
  });

  it('counts malformed documents by collection and reason and skips them', async () => {
    const counter = await exporter.self.invalidDocuments.get();
    const got = new Map(counter.values.map((v) => [`${v.labels.collection}/${v.labels.reason}`, v.value]));
    // What a careful exporter must notice in one poll. Not counted, by design:
    // - a message without createdAt is outside every (createdAt, _id) window of the incremental reader;
    // - conversations.totalTokens is not a field the exporter uses.
    const invisible = (m: Fleet['malformed'][number]) =>
      (m.collection === 'messages' && m.description.includes('createdAt')) ||
      (m.collection === 'conversations' && m.description.includes('totalTokens'));
    const expected = new Map<string, number>();
    for (const m of fleet.malformed)
      if (!invisible(m) && m.reason !== 'bad_field')
        expected.set(`${m.collection}/${m.reason}`, (expected.get(`${m.collection}/${m.reason}`) ?? 0) + 1);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expected));
  });

  it('keeps a node whose informational field has the wrong type, and counts the field', async () => {
    const body = exporter.poller.snapshot!.entityText();
    const kept = fleet.malformed.filter((m) => m.reason === 'bad_field');
    expect(kept.map((m) => m.collection)).toEqual(['nodes', 'nodes']);
    for (const m of kept) expect(sumOf(body, 'aiwm_node_info', { node_id: m._id.toHexString() })).toBe(1);
    const fields = await exporter.self.invalidFields.get();
    const got = Object.fromEntries(fields.values.map((v) => [`${v.labels.collection}/${v.labels.field}`, v.value]));
    expect(got).toEqual({ 'nodes/cpuUsage': 1, 'nodes/hostname': 1 });
  });
});

describe('/metrics over HTTP', () => {
  it('serves identical content gzipped (concatenated gzip members) and plain', async () => {
    const plain = await scrape(exporter.port);
    const gz = await scrape(exporter.port, { gzip: true });
    expect(plain.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(gz.contentEncoding).toBe('gzip');
    const entity = (body: string) =>
      body
        .split('\n')
        .filter((l) => l.startsWith('aiwm_') && !l.startsWith('aiwm_exporter_'))
        .join('\n');
    expect(entity(gz.body)).toBe(entity(plain.body));
    expect(entity(plain.body).length).toBeGreaterThan(1000);
  });

  it('serves OpenMetrics when asked, ending in # EOF', async () => {
    const om = await scrape(exporter.port, { openMetrics: true, gzip: true });
    expect(om.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    expect(om.body.match(/# EOF/g)).toHaveLength(1);
    expect(om.body).toContain('# TYPE aiwm_deployment_requests counter\n');
    expect(om.body).toContain('# UNIT aiwm_gpu_temperature_celsius celsius\n');
  });

  it('round-trips both formats through a real Prometheus', async () => {
    const target = `127.0.0.1:${exporter.port}`;
    const prometheus = await startPrometheus({
      targets: [
        { job: 'text', target, params: { format: ['text'] } },
        { job: 'openmetrics', target, params: { format: ['openmetrics'] } },
      ],
    });
    try {
      await prometheus.waitForScrapes(1);
      const exposed = new Map<string, number>();
      for (const [series, value] of samples(exporter.poller.snapshot!.entityText())) exposed.set(series, value);
      for (const job of ['text', 'openmetrics']) {
        const result = await prometheus.query(`{job="${job}", __name__=~"aiwm_.+", __name__!~"aiwm_exporter_.+"}`);
        const stored = new Map<string, number>();
        for (const r of result) {
          const { __name__, job: _job, instance: _instance, ...labels } = r.metric;
          const order = Object.keys(labels).sort();
          stored.set(
            `${__name__}{${order.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`,
            Number(r.value[1]),
          );
        }
        const normalized = new Map<string, number>();
        for (const [series, value] of exposed) {
          const brace = series.indexOf('{');
          const name = series.slice(0, brace);
          const labels = [...series.slice(brace + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
            .map((m) => [m[1]!, m[2]!] as const)
            .filter(([, v]) => v !== '');
          labels.sort(([a], [b]) => (a < b ? -1 : 1));
          normalized.set(
            `${name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v.replace(/\\"/g, '"').replace(/\\\\/g, '\\'))}`).join(',')}}`,
            value,
          );
        }
        expect(stored.size, job).toBe(normalized.size);
        for (const [series, value] of normalized) expect(stored.get(series), `${job}: ${series}`).toBe(value);
      }
    } finally {
      await prometheus.stop();
    }
  });

  it('answers health, readiness and bad requests with JSON', async () => {
    const get = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${exporter.port}${path}`, init);
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get('/readyz')).status).toBe(200);
    const missing = await get('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route for GET /nope' });
    const post = await get('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
