/**
 * The JSON facade against the end-to-end stack: numbers equal the truth computed from the fleet's
 * documents, tenants are isolated, tokens and parameters are checked, dependencies fail cleanly.
 */
import http from 'node:http';
import type { Document } from 'mongodb';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/facade/index.js';
import { createLogger } from '../src/logger.js';
import { startExporter } from '../src/app.js';
import { waitFor } from './support/ports.js';
import { startStack, TEST_JWT_SECRET, type Stack } from './support/stack.js';
import { testConfig } from './support/harness.js';

let stack: Stack;
let base: string;
let orgA: string;
let orgB: string;

const key = new TextEncoder().encode(TEST_JWT_SECRET);
async function token(claims: Record<string, unknown>, options: { secret?: Uint8Array; expiresIn?: string | number } = {}): Promise<string> {
  return new SignJWT({ sub: 'user-1', username: 'alice', roles: ['organization.viewer'], groupId: 'g1', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(options.secret ?? key);
}

async function get(path: string, bearer?: string): Promise<{ status: number; body: any; type: string }> {
  const response = await fetch(`${base}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, body: type.includes('json') ? await response.json() : await response.text() };
}

// ---- the truth, from the fleet's documents -----------------------------------------------------
const skipped = () => new Set(stack.fleet.malformed.filter((m) => m.skipped).map((m) => m._id.toHexString()));
const orgOf = (d: Document) => (d.owner?.orgId ? d.owner.orgId : 'unassigned');
function live(collection: keyof Stack['fleet']['collections'], org?: string): Document[] {
  const bad = skipped();
  return stack.fleet.collections[collection].filter((d) => d.isDeleted !== true && !bad.has(d._id.toHexString()) && (org === undefined || orgOf(d) === org));
}
const countBy = (docs: Document[], f: (d: Document) => unknown, value: unknown) => docs.filter((d) => f(d) === value).length;

/** The same tests on Prometheus and on VictoriaMetrics (fed by Prometheus' remote write): the facade only needs the PromQL HTTP API. */
const BACKENDS = ['prometheus', 'victoriametrics'] as const;

describe.each(BACKENDS)('facade on %s', (backend) => {
  beforeAll(async () => {
    stack = await startStack({ facade: true, backend });
    base = `http://127.0.0.1:${stack.exporter.port}/dashboard`;
    // Two orgs with nodes, resources and models.
    const orgs = [...new Set(live('nodes').map(orgOf))].filter((o) => o !== 'unassigned').sort();
    [orgA, orgB] = [orgs[0]!, orgs[1]!];
    await waitFor(`the exporter's series in ${backend}`, async () => ((await stack.backend.query('aiwm_agent_tasks_total')).length > 0 && (await stack.backend.query('aiwm_executions')).length > 0 && (await stack.backend.query('ALERTS')).length > 0 ? true : undefined), 60_000, 250);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  describe('numbers equal the fleet', () => {
    it('/overview for one org', async () => {
      const { status, body } = await get('/overview', await token({ orgId: orgA }));
      expect(status).toBe(200);
      const nodes = live('nodes', orgA);
      const infra = body.infrastructure;
      expect(infra.nodes).toEqual({
        total: nodes.length,
        online: countBy(nodes, (n) => n.status, 'online'),
        offline: countBy(nodes, (n) => n.status, 'offline'),
        maintenance: countBy(nodes, (n) => n.status, 'maintenance'),
        byRole: Object.fromEntries(['controller', 'worker', 'proxy', 'storage'].map((r) => [r, nodes.filter((n) => (n.role ?? []).includes(r)).length])),
      });
      const resources = live('resources', orgA);
      expect(infra.resources).toEqual({
        total: resources.length,
        running: countBy(resources, (r) => r.status, 'running'),
        stopped: countBy(resources, (r) => r.status, 'stopped'),
        deploying: countBy(resources, (r) => r.status, 'deploying'),
        failed: resources.filter((r) => ['failed', 'error'].includes(r.status)).length,
        byType: { vm: countBy(resources, (r) => r.resourceType, 'virtual-machine'), appContainer: countBy(resources, (r) => r.resourceType, 'application-container'), inferenceContainer: countBy(resources, (r) => r.resourceType, 'inference-container') },
      });
      const online = nodes.filter((n) => n.status === 'online' && typeof n.cpuUsage === 'number');
      expect(infra.hardware.cpuUtilization).toBeCloseTo(online.reduce((a, n) => a + n.cpuUsage, 0) / online.length, 0);
      expect(infra.hardware.gpusTotal).toBe(nodes.reduce((a, n) => a + (n.gpuDevices?.length ?? 0), 0));
      expect(infra.hardware.diskUtilization).toBeNull();
      const models = live('models', orgA);
      expect(body.workload.models.total).toBe(models.length);
      expect(body.workload.models.active).toBe(countBy(models, (m) => m.status, 'active'));
      expect(body.workload.models.byType.llm).toBe(countBy(models, (m) => m.type, 'llm'));
      expect(body.workload.deployments.total).toBe(live('deployments', orgA).length);
      expect(body.workload.agents.total).toBe(live('agents', orgA).length);
      const executions = stack.fleet.collections.executions.filter((e) => e.isDeleted !== true && orgOf(e) === orgA && typeof e.category === 'string');
      expect(body.workload.executions.total).toBe(executions.length);
      expect(body.workload.executions.completed).toBe(countBy(executions, (e) => e.status, 'completed'));
      expect(body.activity.apiRequests).toBeNull();
      expect(body.metadata.unavailable.map((u: { field: string }) => u.field)).toEqual(expect.arrayContaining(['infrastructure.hardware.diskUtilization', 'activity.apiRequests']));
      expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('/infrastructure/nodes filters and paginates, and a node has its GPUs in GB', async () => {
      const t = await token({ orgId: orgA });
      const nodes = live('nodes', orgA);
      const workers = nodes.filter((n) => (n.role ?? []).includes('worker'));
      const { body } = await get('/infrastructure/nodes?role=worker&limit=2&page=1', t);
      expect(body.pagination).toEqual({ page: 1, limit: 2, total: workers.length });
      expect(body.nodes.length).toBe(Math.min(2, workers.length));
      const all = await get(`/infrastructure/nodes?limit=500`, t);
      const withGpus = nodes.find((n) => (n.gpuDevices?.length ?? 0) > 0)!;
      const item = all.body.nodes.find((n: { _id: string }) => n._id === withGpus._id.toHexString());
      expect(item.name).toBe(withGpus.name);
      expect(item.hardware.gpus).toHaveLength(withGpus.gpuDevices.length);
      expect(item.hardware.gpus[0].memoryTotal).toBeCloseTo(withGpus.gpuDevices[0].memoryTotal / 1024, 1);
      const unknown = nodes.find((n) => !n.gpuDevices || n.gpuDevices.length === 0);
      if (unknown) expect(all.body.nodes.find((n: { _id: string }) => n._id === unknown._id.toHexString()).hardware.gpus).toBeNull();
      const detail = await get(`/infrastructure/nodes/${withGpus._id.toHexString()}?period=1h&interval=5m`, t);
      expect(detail.status).toBe(200);
      expect(detail.body.services).toBeNull();
      expect(detail.body.metrics.cpuHistory).toHaveLength(detail.body.metrics.timestamps.length);
      expect(detail.body.metrics.timestamps.length).toBeGreaterThanOrEqual(12);
    });

    it('/workload lists match the fleet', async () => {
      const t = await token({ orgId: orgA });
      const models = await get('/workload/models?limit=500', t);
      expect(models.body.summary.total).toBe(live('models', orgA).length);
      const deployments = await get('/workload/deployments?limit=500', t);
      expect(deployments.body.deployments.map((d: { _id: string }) => d._id).sort()).toEqual(live('deployments', orgA).map((d) => d._id.toHexString()).sort());
      const agents = await get('/workload/agents?limit=500', t);
      expect(agents.body.summary.total).toBe(live('agents', orgA).length);
      const executions = await get('/workload/executions?status=running&limit=500', t);
      expect(executions.body.pagination.total).toBe(stack.fleet.collections.executions.filter((e) => e.isDeleted !== true && orgOf(e) === orgA && e.status === 'running').length);
      const one = executions.body.executions[0];
      if (one) {
        const byUuid = await get(`/workload/executions/${one.executionId}`, t);
        expect(byUuid.status).toBe(200);
        expect(byUuid.body._id).toBe(one._id);
        expect(Array.isArray(byUuid.body.steps)).toBe(true);
      }
    });

    it('every endpoint answers 200 with a body that matches its response schema', async () => {
      const t = await token({ orgId: 'x', roles: ['universe.admin'] });
      const node = live('nodes')[0]!._id.toHexString();
      const resource = live('resources')[0]!._id.toHexString();
      const deployment = live('deployments')[0]!._id.toHexString();
      const agent = live('agents')[0]!._id.toHexString();
      const execution = live('executions').find((e) => typeof e.category === 'string')!._id.toHexString();
      const ids: Record<string, string> = { '/infrastructure/nodes/:id': node, '/infrastructure/resources/:id': resource, '/workload/deployments/:id/metrics': deployment, '/workload/agents/:id/performance': agent, '/workload/executions/:id': execution };
      for (const route of ROUTES) {
        const path = route.path.replace(':id', ids[route.path] ?? '');
        const { status, body } = await get(path, t);
        expect(status, `${path}: ${JSON.stringify(body).slice(0, 200)}`).toBe(200);
        const parsed = route.response.safeParse(body);
        expect(parsed.success, `${path}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues[0])}`).toBe(true);
      }
    });

    it('serves lists as CSV and the OpenAPI document', async () => {
      const csv = await get('/infrastructure/nodes?format=csv&limit=500', await token({ orgId: orgA }));
      expect(csv.type).toContain('text/csv');
      const lines = (csv.body as string).trim().split('\r\n');
      expect(lines[0]).toBe('_id,name,role,status,lastHeartbeat,cpuUsage,ramTotal,ramUsage,gpus');
      expect(lines).toHaveLength(live('nodes', orgA).length + 1);
      const openapi = await get('/openapi.json');
      expect(openapi.status).toBe(200);
      expect(Object.keys(openapi.body.paths)).toHaveLength(15);
      expect(openapi.body.paths['/dashboard/infrastructure/nodes'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'role', 'page', 'limit', 'format']));
    });
  });

  describe('tenancy and authentication', () => {
    it('shows each org only its own entities, and admins everything', async () => {
      const a = (await get('/infrastructure/nodes?limit=500', await token({ orgId: orgA }))).body.nodes.map((n: { _id: string }) => n._id);
      const b = (await get('/infrastructure/nodes?limit=500', await token({ orgId: orgB }))).body.nodes.map((n: { _id: string }) => n._id);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(a.filter((id: string) => b.includes(id))).toEqual([]);
      const all = (await get('/infrastructure/nodes?limit=500', await token({ orgId: orgA, roles: ['universe.owner'] }))).body;
      expect(all.summary.total).toBe(live('nodes').length);
    });

    it('answers 403 for another org\'s entity and 404 for an unknown id, on every entity endpoint', async () => {
      const t = await token({ orgId: orgA });
      const foreign = {
        '/infrastructure/nodes/': live('nodes', orgB)[0]!._id.toHexString(),
        '/infrastructure/resources/': live('resources', orgB)[0]!._id.toHexString(),
        '/workload/deployments/': live('deployments', orgB)[0]?._id.toHexString(),
        '/workload/agents/': live('agents', orgB)[0]?._id.toHexString(),
        '/workload/executions/': live('executions', orgB).find((e) => typeof e.category === 'string')?._id.toHexString(),
      };
      const suffix: Record<string, string> = { '/workload/deployments/': '/metrics', '/workload/agents/': '/performance' };
      for (const [prefix, id] of Object.entries(foreign)) {
        if (!id) continue;
        expect((await get(`${prefix}${id}${suffix[prefix] ?? ''}`, t)).status, prefix).toBe(403);
        expect((await get(`${prefix}${'0'.repeat(24)}${suffix[prefix] ?? ''}`, t)).status, prefix).toBe(404);
      }
    });

    it('rejects missing, expired, wrongly signed and unsigned tokens with 401', async () => {
      expect((await get('/overview')).status).toBe(401);
      expect((await get('/overview', await token({ orgId: orgA }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }))).body).toEqual({ error: 'token expired' });
      expect((await get('/overview', await token({ orgId: orgA }, { secret: new TextEncoder().encode('another-secret-of-enough-length') }))).status).toBe(401);
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ orgId: orgA, roles: ['universe.admin'], exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.`;
      expect((await get('/overview', unsigned)).status).toBe(401);
      expect((await get('/overview', 'not.a.token')).status).toBe(401);
      expect((await get('/overview', await token({ orgId: '' }))).status).toBe(401);
    });
  });

  describe('bad input', () => {
    it('answers every malformed parameter and id with a 4xx JSON error naming it, never 5xx', async () => {
      const t = await token({ orgId: orgA });
      const bad = [
        '/overview?period=2y',
        '/overview?nope=1',
        '/infrastructure/nodes?status=exploded',
        '/infrastructure/nodes?role="}) or vector(1)',
        '/infrastructure/nodes?page=-1',
        '/infrastructure/nodes?limit=abc',
        '/infrastructure/nodes?limit=100000',
        '/infrastructure/nodes?format=xml',
        '/infrastructure/resources?resourceType=lambda',
        '/infrastructure/resources?nodeId=%22%7D%20or%20vector(1)',
        '/infrastructure/nodes/%22%7D%20or%20vector(1)%20%23',
        '/infrastructure/nodes/ZZZZZZZZZZZZZZZZZZZZZZZZ',
        '/infrastructure/resources/123',
        '/workload/deployments/abc/metrics',
        '/workload/deployments/' + '0'.repeat(24) + '/metrics?interval=7s',
        '/workload/agents/' + '0'.repeat(24) + '/performance?period=forever',
        '/workload/executions/not-a-uuid',
        '/workload/executions?status=zombie',
        '/health?format=csv',
        '/alerts/history?period=1h&interval=1s',
        '/nope',
      ];
      for (const path of bad) {
        const { status, body } = await get(path, t);
        expect(status, path).toBeGreaterThanOrEqual(400);
        expect(status, path).toBeLessThan(500);
        expect(typeof body.error, path).toBe('string');
        if (status === 400) expect(typeof body.field, path).toBe('string');
      }
    });

    it('cannot be steered by label values: a crafted org claim stays a literal', async () => {
      const { status, body } = await get('/overview', await token({ orgId: '.*"} or vector(1) or {org_id=~".*' }));
      expect(status).toBe(200);
      expect(body.infrastructure.nodes.total).toBe(0);
      expect(body.workload.models.total).toBe(0);
    });
  });

  describe('dependencies', () => {
    it('shares one Prometheus round trip among concurrent identical requests and caches the result', async () => {
      const t = await token({ orgId: orgB });
      const api = stack.exporter.facade!.prometheus;
      const before = api.roundTrips;
      const responses = await Promise.all(Array.from({ length: 5 }, () => get('/workload/models', t)));
      const first = api.roundTrips - before;
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(first).toBeGreaterThan(0);
      await get('/workload/models', t);
      expect(api.roundTrips - before).toBe(first);
    });

    it('runs on its own with FACADE_ONLY, reading the same Prometheus', async () => {
      const config = testConfig(stack.db.uri, { PROMETHEUS_URL: stack.backend.url, JWT_SECRET: TEST_JWT_SECRET, FACADE_ONLY: 'true', FACADE_BASE_PATH: '/api/dashboard' });
      const standalone = await startExporter(config, createLogger('silent'), { manualPolling: true });
      try {
        await standalone.poller.tick();
        const response = await fetch(`http://127.0.0.1:${standalone.port}/api/dashboard/workload/models`, { headers: { authorization: `Bearer ${await token({ orgId: orgA })}` } });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { summary: { total: number } }).summary.total).toBe(live('models', orgA).length);
        expect(standalone.poller.snapshot!.entityText()).toBe('');
      } finally {
        await standalone.stop();
      }
    });

    it('answers 503 within the timeout when MongoDB is unreachable for record-level reads', async () => {
      const config = testConfig('mongodb://127.0.0.1:1/hydra-aiwm', { PROMETHEUS_URL: stack.backend.url, FACADE_AUTH: 'none', MONGODB_TIMEOUT: '500ms' });
      const exporter = await startExporter(config, createLogger('silent'), { manualPolling: true });
      try {
        const started = Date.now();
        const response = await fetch(`http://127.0.0.1:${exporter.port}/dashboard/workload/executions/123e4567-e89b-42d3-a456-426614174000`);
        expect(response.status).toBe(503);
        expect(((await response.json()) as { error: string }).error).toBe('MongoDB is unavailable');
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        await exporter.stop();
      }
    });

    it('answers 503 within the timeout when Prometheus is unreachable', async () => {
      const dead = http.createServer(() => undefined); // accepts and never answers
      await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
      const port = (dead.address() as { port: number }).port;
      const config = testConfig(stack.db.uri, { PROMETHEUS_URL: `http://127.0.0.1:${port}`, PROMETHEUS_TIMEOUT: '500ms', FACADE_AUTH: 'none' });
      const exporter = await startExporter(config, createLogger('silent'), { manualPolling: true });
      try {
        const started = Date.now();
        const response = await fetch(`http://127.0.0.1:${exporter.port}/dashboard/overview`);
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ error: 'Prometheus is unavailable', detail: 'no answer within 500 ms' });
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        await exporter.stop();
        dead.closeAllConnections();
        dead.close();
      }
    });
  });
});
