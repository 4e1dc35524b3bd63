/**
 * The JSON facade against the end-to-end stack: numbers equal the truth computed from the fleet's
 * documents, tenants are isolated, tokens and parameters are checked, dependencies fail cleanly.
 */
import http from 'node:http';
import { ObjectId, type Document } from 'mongodb';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/facade/index.js';
import { createLogger } from '../src/logger.js';
import { startExporter } from '../src/app.js';
import { waitFor } from '../../testing/ports.js';
import { startStack, TEST_JWT_SECRET, type Stack } from '../../testing/stack.js';
import { testConfig } from '../../testing/harness.js';
import {
  STALE_AFTER,
  agentActivity,
  availabilityOf,
  dcgmHosts,
  fixtureGpus,
  gpuCountOf,
  gpuUtilizationsOf,
  heartbeatOf,
  idOf,
  recordedStatusOf,
  statusClassOf,
} from './facade-truth.js';

let stack: Stack;
let base: string;
let orgA: string;
let orgB: string;

const key = new TextEncoder().encode(TEST_JWT_SECRET);
async function token(
  claims: Record<string, unknown>,
  options: { secret?: Uint8Array; expiresIn?: string | number } = {},
): Promise<string> {
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
  return stack.fleet.collections[collection].filter(
    (d) => d.isDeleted !== true && !bad.has(d._id.toHexString()) && (org === undefined || orgOf(d) === org),
  );
}
const countBy = (docs: Document[], f: (d: Document) => unknown, value: unknown) =>
  docs.filter((d) => f(d) === value).length;
const ids = (items: Array<{ _id: string }>) => items.map((i) => i._id).sort();
const isoOf = (ms: number) => new Date(ms).toISOString();
const NO_LATENCY = /responses without a latency sample: messages\.latency is only written/;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
type WithMetadata = { metadata: { unavailable: Array<{ field: string; reason: string }> } };
const fieldsOf = (body: WithMetadata) => body.metadata.unavailable.map((u) => u.field);
const reasonOf = (body: WithMetadata, field: string) =>
  body.metadata.unavailable.find((u) => u.field === field)?.reason;

/**
 * The same tests on Prometheus and on VictoriaMetrics (fed by Prometheus' remote write): the facade
 * only needs the PromQL HTTP API. The third variant loads documents as AIWM's write paths store
 * them (healthy nodes, no websocketConnected, never-heartbeated nodes, step error objects, messages
 * without latency) and scrapes the dcgm-exporter fixtures, joined to two of its nodes by host name.
 */
const VARIANTS = [
  { name: 'prometheus', backend: 'prometheus', writePaths: false },
  { name: 'victoriametrics', backend: 'victoriametrics', writePaths: false },
  { name: 'prometheus with AIWM write-path documents and dcgm-exporter', backend: 'prometheus', writePaths: true },
] as const;

describe.each(VARIANTS)('facade on $name', ({ backend, writePaths }) => {
  /** dcgm-exporter host of each dcgm-joined node id (writePaths variant only). */
  let hosts: Map<string, string>;
  const nodeCount = (n: Document) => gpuCountOf(n, hosts);

  beforeAll(async () => {
    stack = await startStack({
      facade: true,
      backend,
      dcgm: writePaths,
      fleet: { writePaths },
      // Far from every fleet heartbeat age, so no node turns stale while the tests run.
      exporterEnv: { HEARTBEAT_STALE_AFTER: STALE_AFTER },
    });
    hosts = dcgmHosts(stack.fleet, writePaths);
    base = `http://127.0.0.1:${stack.exporter.facadePort}/dashboard`;
    // Two orgs with nodes, resources and models.
    const orgs = [...new Set(live('nodes').map(orgOf))].filter((o) => o !== 'unassigned').sort();
    [orgA, orgB] = [orgs[0]!, orgs[1]!];
    const has = async (expr: string, atLeast = 1) =>
      (await stack.backend.query(expr)).length >= atLeast ? true : undefined;
    const dcgmJoined = async () => !writePaths || (await has('gpu:aiwm_gpu_info:unified{source="dcgm"}', 10));
    const ready = async () =>
      (await has('aiwm_agent_tasks_total')) &&
      (await has('aiwm_executions')) &&
      (await has('ALERTS')) &&
      (await has('gpu:aiwm_gpu_info:unified')) &&
      (await dcgmJoined())
        ? true
        : undefined;
    await waitFor(`the exporter's series in ${backend}`, ready, 90_000, 250);
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
  });

  describe('numbers equal the fleet', () => {
    it('/overview for one org', async () => {
      const { status, body } = await get('/overview', await token({ orgId: orgA }));
      expect(status).toBe(200);
      const nodes = live('nodes', orgA);
      const infra = body.infrastructure;
      const availability = (value: string) => nodes.filter((n) => availabilityOf(n) === value).length;
      expect(infra.nodes).toEqual({
        total: nodes.length,
        online: availability('online'),
        offline: availability('offline'),
        maintenance: availability('maintenance'),
        byRole: Object.fromEntries(
          ['controller', 'worker', 'proxy', 'storage'].map((r) => [
            r,
            nodes.filter((n) => (n.role ?? []).includes(r)).length,
          ]),
        ),
      });
      const resources = live('resources', orgA);
      expect(infra.resources).toEqual({
        total: resources.length,
        running: countBy(resources, (r) => r.status, 'running'),
        stopped: countBy(resources, (r) => r.status, 'stopped'),
        deploying: countBy(resources, (r) => r.status, 'deploying'),
        failed: resources.filter((r) => ['failed', 'error'].includes(r.status)).length,
        byType: {
          vm: countBy(resources, (r) => r.resourceType, 'virtual-machine'),
          appContainer: countBy(resources, (r) => r.resourceType, 'application-container'),
          inferenceContainer: countBy(resources, (r) => r.resourceType, 'inference-container'),
        },
      });
      // CPU and GPU averages cover online nodes only; GPUs come from dcgm-exporter where it is joined.
      const online = nodes.filter((n) => availabilityOf(n) === 'online');
      const cpu = online.filter((n) => typeof n.cpuUsage === 'number').map((n) => n.cpuUsage as number);
      expect(infra.hardware.cpuUtilization).toBeCloseTo(mean(cpu), 0);
      const gpu = online.flatMap((n) => gpuUtilizationsOf(n, hosts));
      if (gpu.length > 0) expect(infra.hardware.gpuUtilization).toBeCloseTo(mean(gpu), 0);
      else expect(infra.hardware.gpuUtilization).toBeNull();
      expect(infra.hardware.gpusTotal).toBe(nodes.reduce((a, n) => a + nodeCount(n), 0));
      expect(infra.hardware.diskUtilization).toBeNull();
      const models = live('models', orgA);
      expect(body.workload.models.total).toBe(models.length);
      expect(body.workload.models.active).toBe(countBy(models, (m) => m.status, 'active'));
      expect(body.workload.models.byType.llm).toBe(countBy(models, (m) => m.type, 'llm'));
      expect(body.workload.deployments.total).toBe(live('deployments', orgA).length);
      expect(body.workload.agents.total).toBe(live('agents', orgA).length);
      const executions = stack.fleet.collections.executions.filter(
        (e) => e.isDeleted !== true && orgOf(e) === orgA && typeof e.category === 'string',
      );
      expect(body.workload.executions.total).toBe(executions.length);
      expect(body.workload.executions.completed).toBe(countBy(executions, (e) => e.status, 'completed'));
      expect(body.activity.apiRequests).toBeNull();
      const unavailable = ['infrastructure.hardware.diskUtilization', 'activity.apiRequests'];
      expect(fieldsOf(body)).toEqual(expect.arrayContaining(unavailable));
      if (nodes.some((n) => hosts.has(idOf(n)))) expect(body.metadata.sources).toContain('dcgm-exporter');
      expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('/infrastructure/nodes: status is the availability, with status class, stored status and heartbeat', async () => {
      const admin = await token({ orgId: '', roles: ['universe.admin'] });
      const { body } = await get('/infrastructure/nodes?limit=500', admin);
      const docs = new Map(live('nodes').map((n) => [idOf(n), n]));
      expect(ids(body.nodes)).toEqual([...docs.keys()].sort());
      for (const node of body.nodes) {
        const doc = docs.get(node._id)!;
        const heartbeat = heartbeatOf(doc);
        const { _id, status, statusClass, recordedStatus } = node;
        expect({ _id, status, statusClass, recordedStatus, heartbeat: node.heartbeat }).toEqual({
          _id,
          status: availabilityOf(doc),
          statusClass: statusClassOf(doc),
          recordedStatus: recordedStatusOf(doc),
          heartbeat,
        });
        expect(node.lastHeartbeat, node.name).toBe(heartbeat === 'never' ? null : doc.lastHeartbeat.toISOString());
        expect(node.websocketConnected).toBeNull();
      }
      expect(reasonOf(body, 'nodes[].websocketConnected')).toMatch(
        /^no AIWM code writes websocketConnected: .*heartbeat age and status/,
      );
      const online = body.nodes.filter((n: { status: string }) => n.status === 'online');
      expect(body.summary.online).toBe(online.length);
      const onlineWorkers = online.filter((n: { role: string[] }) => n.role.includes('worker'));
      expect(body.summary.byRole.worker.online).toBe(onlineWorkers.length);
      if (writePaths) expect(online.some((n: { recordedStatus: string }) => n.recordedStatus === 'healthy')).toBe(true);
      // The filter uses availability; pending and installing still select the stored provisioning statuses.
      const idsWhere = (f: (d: Document) => boolean) =>
        [...docs]
          .filter(([, d]) => f(d))
          .map(([id]) => id)
          .sort();
      for (const status of ['online', 'offline', 'maintenance', 'provisioning', 'unknown']) {
        const filtered = await get(`/infrastructure/nodes?status=${status}&limit=500`, admin);
        expect(filtered.status, status).toBe(200);
        expect(ids(filtered.body.nodes), status).toEqual(idsWhere((d) => availabilityOf(d) === status));
      }
      const pending = await get('/infrastructure/nodes?status=pending&limit=500', admin);
      expect(ids(pending.body.nodes)).toEqual(idsWhere((d) => d.status === 'pending'));
    });

    it('/infrastructure/nodes filters and paginates, and a node has its GPUs in GB', async () => {
      const t = await token({ orgId: orgA });
      const nodes = live('nodes', orgA);
      const workers = nodes.filter((n) => (n.role ?? []).includes('worker'));
      const { body } = await get('/infrastructure/nodes?role=worker&limit=2&page=1', t);
      expect(body.pagination).toEqual({ page: 1, limit: 2, total: workers.length });
      expect(body.nodes.length).toBe(Math.min(2, workers.length));
      // AIWM's own GPU inventory where no dcgm-exporter joins the node.
      const admin = await token({ orgId: '', roles: ['universe.admin'] });
      const all = await get('/infrastructure/nodes?limit=500', admin);
      const item = (doc: Document) => all.body.nodes.find((n: { _id: string }) => n._id === idOf(doc));
      const withGpus = live('nodes').find((n) => (n.gpuDevices?.length ?? 0) > 0 && !hosts.has(idOf(n)))!;
      expect(item(withGpus).name).toBe(withGpus.name);
      expect(item(withGpus).hardware.gpus).toHaveLength(withGpus.gpuDevices.length);
      expect(item(withGpus).hardware.gpus[0].memoryTotal).toBeCloseTo(withGpus.gpuDevices[0].memoryTotal / 1024, 1);
      expect(item(withGpus).hardware.gpus[0].source).toBe('aiwm');
      const unknown = live('nodes').find((n) => (!n.gpuDevices || n.gpuDevices.length === 0) && !hosts.has(idOf(n)));
      if (unknown) expect(item(unknown).hardware.gpus).toBeNull();
      const detail = await get(`/infrastructure/nodes/${idOf(withGpus)}?period=1h&interval=5m`, admin);
      expect(detail.status).toBe(200);
      expect(detail.body.services).toBeNull();
      expect(detail.body.websocketConnected).toBeNull();
      expect(detail.body.metrics.cpuHistory).toHaveLength(detail.body.metrics.timestamps.length);
      expect(detail.body.metrics.timestamps.length).toBeGreaterThanOrEqual(12);
    });

    it('/infrastructure/nodes/:id: history defaults to 1h as in the seed, and echoes a widened interval', async () => {
      const t = await token({ orgId: orgA });
      const node = idOf(live('nodes', orgA)[0]!);
      const detail = await get(`/infrastructure/nodes/${node}`, t);
      expect(detail.body.metrics).toMatchObject({ period: '1h', interval: '5m', requestedInterval: '5m' });
      expect(detail.body.metrics.timestamps).toHaveLength(13);
      const wide = await get(`/infrastructure/nodes/${node}?period=7d&interval=1m`, t);
      expect(wide.body.metrics).toMatchObject({ period: '7d', interval: '10m', requestedInterval: '1m' });
      expect(wide.body.metadata.notes).toContain('interval 1m widened to 10m: period 7d at 1m exceeds 1100 points.');
    });

    it('/workload lists match the fleet, unpaginated by default where the seed shows them so', async () => {
      const t = await token({ orgId: orgA });
      const models = await get('/workload/models?limit=500', t);
      expect(models.body.summary.total).toBe(live('models', orgA).length);
      const deployments = await get('/workload/deployments', t);
      expect(ids(deployments.body.deployments)).toEqual(live('deployments', orgA).map(idOf).sort());
      expect(deployments.body.pagination).toEqual({ page: 1, limit: 500, total: live('deployments', orgA).length });
      const agents = await get('/workload/agents', t);
      expect(agents.body.summary.total).toBe(live('agents', orgA).length);
      expect(ids(agents.body.agents)).toEqual(live('agents', orgA).map(idOf).sort());
      expect(agents.body.pagination.limit).toBe(500);
      const open = stack.fleet.collections.executions.filter(
        (e) => e.isDeleted !== true && orgOf(e) === orgA && ['pending', 'running'].includes(e.status),
      );
      const executions = await get('/workload/executions', t);
      expect(executions.body.pagination).toEqual({ page: 1, limit: 500, total: open.length });
      expect(ids(executions.body.executions)).toEqual(open.map(idOf).sort());
      const running = await get('/workload/executions?status=running&limit=500', t);
      expect(running.body.pagination.total).toBe(open.filter((e) => e.status === 'running').length);
      const one = running.body.executions[0];
      if (one) {
        const byUuid = await get(`/workload/executions/${one.executionId}`, t);
        expect(byUuid.status).toBe(200);
        expect(byUuid.body._id).toBe(one._id);
        expect(Array.isArray(byUuid.body.steps)).toBe(true);
      }
    });

    it('/workload/executions/:id reads step errors as AIWM stores them: message and code', async () => {
      const t = await token({ orgId: '', roles: ['universe.admin'] });
      const failed = live('executions').filter((e) => (e.steps ?? []).some((s: Document) => s.error));
      expect(failed.length).toBeGreaterThan(0);
      for (const doc of failed.slice(0, 3)) {
        const { status, body } = await get(`/workload/executions/${idOf(doc)}`, t);
        expect(status).toBe(200);
        const expected = (doc.steps as Document[]).map((s) => ({
          error: typeof s.error === 'string' ? s.error : (s.error?.message ?? null),
          errorCode: typeof s.error === 'object' && s.error ? (s.error.code ?? null) : null,
        }));
        type Step = { error: string | null; errorCode: string | null };
        expect(body.steps.map(({ error, errorCode }: Step) => ({ error, errorCode }))).toEqual(expected);
        expect(body.steps.some((s: Step) => typeof s.error === 'string' && s.error.length > 0)).toBe(true);
      }
    });

    it('/workload/agents: all-time tasks, last task, latency (null with a reason where messages carry none)', async () => {
      const t = await token({ orgId: orgA });
      const truth = agentActivity(stack.fleet, live('messages'), orgA);
      const { body } = await get('/workload/agents', t);
      const withoutLatency: string[] = [];
      for (const agent of body.agents) {
        const a = truth.get(agent._id) ?? { tasks: 0, withLatency: 0, lastTask: null };
        expect({ id: agent._id, tasks: agent.totalTasks, lastTask: agent.lastTask }).toEqual({
          id: agent._id,
          tasks: a.tasks,
          lastTask: a.lastTask === null ? null : isoOf(a.lastTask),
        });
        if (a.withLatency > 0) expect(agent.avgResponseTime, agent._id).not.toBeNull();
        else expect(agent.avgResponseTime, agent._id).toBeNull();
        if (a.tasks > 0 && a.withLatency === 0) withoutLatency.push(agent._id);
      }
      const reason = reasonOf(body, 'agents[].avgResponseTime');
      if (withoutLatency.length === 0) expect(reason).toBeUndefined();
      else for (const id of withoutLatency.slice(0, 10)) expect(reason).toContain(id);
      if (writePaths) expect(withoutLatency.length).toBeGreaterThan(0);
      const listed = body.agents.reduce((n: number, a: { totalTasks: number }) => n + a.totalTasks, 0);
      expect(body.summary.performance.totalTasks).toBe(listed);

      // One agent's performance: allTime.totalTasks as the seed names it, latency unavailable when none was recorded.
      type Listed = { _id: string; totalTasks: number };
      const measured = body.agents.find((a: Listed) => a.totalTasks > 0);
      const agentId = withoutLatency[0] ?? measured._id;
      const perf = await get(`/workload/agents/${agentId}/performance`, t);
      expect(perf.body.performance.allTime.totalTasks).toBe(truth.get(agentId)!.tasks);
      expect(perf.body.performance.allTime).not.toHaveProperty('tasks');
      if (withoutLatency.includes(agentId)) {
        expect(perf.body.performance.allTime.avgResponseTime).toBeNull();
        expect(reasonOf(perf.body, 'performance.allTime.avgResponseTime')).toMatch(NO_LATENCY);
      }
      expect(perf.body.timeline).toMatchObject({ period: '24h', interval: '1h', requestedInterval: '1h' });
    });

    it('/workload/deployments/:id/metrics echoes a widened interval; null latency over responses says why', async () => {
      const t = await token({ orgId: orgA });
      const { body } = await get('/workload/deployments?period=24h', t);
      const gaps = reasonOf(body, 'deployments[].avgLatency') ?? '';
      for (const d of body.deployments) if (gaps.includes(d._id)) expect(d.avgLatency).toBeNull();
      const deployment = live('deployments', orgA)[0];
      if (!deployment) return;
      const wide = await get(`/workload/deployments/${idOf(deployment)}/metrics?period=30d&interval=1m`, t);
      expect(wide.body).toMatchObject({ period: '30d', interval: '1h', requestedInterval: '1m' });
      expect(wide.body.timestamps).toHaveLength(721);
      expect(wide.body.metadata.notes).toContain('interval 1m widened to 1h: period 30d at 1m exceeds 1100 points.');
      const { latency, requests } = wide.body.metrics;
      if (latency.avg === null && (requests.successful ?? 0) + (requests.failed ?? 0) > 0) {
        expect(fieldsOf(wide.body)).toContain('metrics.latency');
      }
    });

    it('every endpoint answers 200 with a body that matches its response schema', async () => {
      const t = await token({ orgId: '', roles: ['universe.admin'] });
      const node = live('nodes')[0]!._id.toHexString();
      const resource = live('resources')[0]!._id.toHexString();
      const deployment = live('deployments')[0]!._id.toHexString();
      const agent = live('agents')[0]!._id.toHexString();
      const execution = live('executions')
        .find((e) => typeof e.category === 'string')!
        ._id.toHexString();
      const ids: Record<string, string> = {
        '/infrastructure/nodes/:id': node,
        '/infrastructure/resources/:id': resource,
        '/workload/deployments/:id/metrics': deployment,
        '/workload/agents/:id/performance': agent,
        '/workload/executions/:id': execution,
      };
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
      const columns = 'status,statusClass,recordedStatus,heartbeat,lastHeartbeat,cpuUsage,ramTotal,ramUsage,gpus';
      expect(lines[0]).toBe(`_id,name,role,${columns}`);
      expect(lines).toHaveLength(live('nodes', orgA).length + 1);
      const openapi = await get('/openapi.json');
      expect(openapi.status).toBe(200);
      expect(Object.keys(openapi.body.paths)).toHaveLength(15);
      const nodeParams = openapi.body.paths['/dashboard/infrastructure/nodes'].get.parameters;
      type Parameter = { name: string; schema: { enum?: string[] } };
      const names = nodeParams.map((p: Parameter) => p.name);
      expect(names).toEqual(expect.arrayContaining(['status', 'role', 'page', 'limit', 'format']));
      const statuses = nodeParams.find((p: Parameter) => p.name === 'status').schema.enum;
      expect(statuses).toEqual(expect.arrayContaining(['online', 'offline', 'maintenance', 'provisioning', 'unknown']));
    });
  });

  // Only the write-path variant has these documents and the dcgm-exporter fixtures.
  if (writePaths)
    describe('AIWM write-path documents and dcgm-exporter', () => {
      it('lists every GPU dcgm-exporter reports in node detail, with temperature, utilization and memory', async () => {
        const t = await token({ orgId: '', roles: ['universe.admin'] });
        for (const [nodeId, host] of hosts) {
          const { status, body } = await get(`/infrastructure/nodes/${nodeId}`, t);
          expect(status).toBe(200);
          const expected = fixtureGpus(host);
          expect(body.hardware.gpus).toHaveLength(expected.length);
          body.hardware.gpus.forEach((g: Record<string, unknown>, i: number) => {
            const f = expected[i]!;
            const { index, uuid, model, utilization, temperature } = f;
            expect(g).toMatchObject({ index, uuid, deviceId: uuid, model, source: 'dcgm', utilization, temperature });
            expect(g.memoryTotal).toBeCloseTo(f.total / 1024, 1);
            expect(g.memoryFree).toBeCloseTo((f.total - f.used) / 1024, 1);
            expect(g.powerUsage).toBeCloseTo(f.power, 0);
          });
          expect(body.metadata.sources).toContain('dcgm-exporter');
          expect(body.metrics.gpuHistory.at(-1)).toBeCloseTo(mean(expected.map((g) => g.utilization)), 0);
        }
        const h100 = await get(`/infrastructure/nodes/${stack.fleet.scenario.dcgmH100NodeId}`, t);
        expect(h100.body.hardware.gpus).toHaveLength(8);
        expect(h100.body.hardware.gpus[3].temperature).toBe(87);
        expect(h100.body.hardware.gpus[0].utilization).toBe(100);
        expect(h100.body).toMatchObject({
          status: 'online',
          recordedStatus: 'healthy',
          statusClass: 'up',
          heartbeat: 'fresh',
          websocketConnected: null,
        });
        // dcgm-exporter's health signals (fixture: GPU 5 had XID 94 and one uncorrectable remapped row; the
        // clock-events addendum marks GPU 3 thermally throttled and GPU 5 idle).
        const health = h100.body.hardware.gpus.map((g: { health: unknown }) => g.health);
        expect(health[5]).toEqual({
          lastXid: 94,
          rowRemapFailure: false,
          uncorrectableRemappedRows: 1,
          clockEventReasons: ['gpu_idle'],
        });
        expect(health[3]).toEqual({
          lastXid: 0,
          rowRemapFailure: false,
          uncorrectableRemappedRows: 0,
          clockEventReasons: ['sw_thermal'],
        });
        expect(health[0]).toEqual({
          lastXid: 0,
          rowRemapFailure: false,
          uncorrectableRemappedRows: 0,
          clockEventReasons: [],
        });
        // The A100 fixture has no clock-events counter: unknown, not "no reasons".
        const a100 = await get(`/infrastructure/nodes/${stack.fleet.scenario.dcgmA100NodeId}`, t);
        expect(a100.body.hardware.gpus[0].health.clockEventReasons).toBeNull();
      });

      it('flags sizes written in GB instead of silently reading them 1024 times too small', async () => {
        const t = await token({ orgId: '', roles: ['universe.admin'] });
        const gb = await get(`/infrastructure/nodes/${stack.fleet.scenario.gbUnitsNodeId}`, t);
        expect(gb.body.implausibleValues).toEqual(['diskTotal', 'ramTotal']);
        expect(gb.body.hardware.ramTotal).toBeCloseTo(0.5, 2);
        const h100 = await get(`/infrastructure/nodes/${stack.fleet.scenario.dcgmH100NodeId}`, t);
        expect(h100.body.implausibleValues).toEqual([]);
      });

      it('counts a heartbeating healthy node as online in the overview, the list and the filter', async () => {
        const h100 = live('nodes').find((n) => idOf(n) === stack.fleet.scenario.dcgmH100NodeId)!;
        expect(h100.status).toBe('healthy');
        const t = await token({ orgId: orgOf(h100) });
        const online = live('nodes', orgOf(h100)).filter((n) => availabilityOf(n) === 'online');
        expect((await get('/overview', t)).body.infrastructure.nodes.online).toBe(online.length);
        const list = await get('/infrastructure/nodes?status=online&limit=500', t);
        expect(ids(list.body.nodes)).toContain(idOf(h100));
        expect(list.body.summary.online).toBe(online.length);
      });

      it('reports the latency of new responses without one as unavailable, not zero', async () => {
        // An agent whose client supplies no latency and one whose client does, bound to deployments of their own org.
        const deploymentOrg = new Map(live('deployments').map((d) => [idOf(d), orgOf(d)]));
        const bound = live('agents').filter((a) => deploymentOrg.get(String(a.deploymentId)) === orgOf(a));
        const quiet = bound[0]!;
        const timed = bound.find((a) => a.deploymentId !== quiet.deploymentId)!;
        expect(timed).toBeDefined();
        const reply = async (agent: Document, latencies: Array<number | undefined>) => {
          const now = new Date();
          const owner = { orgId: orgOf(agent) };
          const conversation = {
            _id: new ObjectId(),
            agentId: idOf(agent),
            status: 'active',
            owner,
            isDeleted: false,
            createdAt: now,
          };
          const message = (latency: number | undefined) => ({
            _id: new ObjectId(),
            conversationId: idOf(conversation),
            role: 'assistant',
            type: 'text',
            status: 'delivered',
            content: 'ok',
            ...(latency === undefined ? {} : { latency }),
            owner,
            isDeleted: false,
            createdAt: now,
          });
          await stack.db.db.collection('conversations').insertOne(conversation);
          await stack.db.db.collection('messages').insertMany(latencies.map(message));
        };
        const series = (metric: string, agent: Document) =>
          `${metric}{org_id="${orgOf(agent)}",deployment_id="${agent.deploymentId}"}`;
        const found = (expr: string) => async () => ((await stack.backend.query(expr)).length > 0 ? true : undefined);
        const responses = series('aiwm_deployment_responses_total', quiet);
        const samples = series('aiwm_deployment_response_latency_seconds_count', timed);
        // increase() sees no growth in a series born with its first value: the first replies create the series.
        await Promise.all([reply(quiet, [undefined]), reply(timed, [1000])]);
        const both = async () => ((await found(responses)()) && (await found(samples)()) ? true : undefined);
        await waitFor("the deployments' series", both, 30_000, 250);
        await Promise.all([reply(quiet, [undefined, undefined]), reply(timed, [1200, 800])]);
        await waitFor('the new responses', found(`sum(increase(${responses}[1h])) > 0`), 30_000, 250);
        await waitFor('the new latency samples', found(`sum(increase(${samples}[1h])) > 0`), 30_000, 250);

        // Only a platform administrator sees `unassigned` documents (a user token names an ObjectId org).
        const as = (agent: Document) =>
          orgOf(agent) === 'unassigned'
            ? token({ orgId: '', roles: ['universe.owner'] })
            : token({ orgId: orgOf(agent) });
        const list = async (agent: Document) => (await get('/workload/deployments?period=1h', await as(agent))).body;
        const quietList = await list(quiet);
        type Listed = { deployments: Array<{ _id: string; avgLatency: number | null }> };
        const item = (body: Listed, agent: Document) => body.deployments.find((d) => d._id === agent.deploymentId)!;
        expect(item(quietList, quiet).avgLatency).toBeNull();
        expect(reasonOf(quietList, 'deployments[].avgLatency')).toContain(quiet.deploymentId);
        const timedList = await list(timed);
        expect(item(timedList, timed).avgLatency).toBeCloseTo(1000, -2);
        expect(reasonOf(timedList, 'deployments[].avgLatency') ?? '').not.toContain(timed.deploymentId);
        const detail = await get(`/workload/deployments/${quiet.deploymentId}/metrics?period=1h`, await as(quiet));
        expect(detail.body.metrics.latency).toMatchObject({ avg: null, p50: null, p95: null, p99: null });
        expect(reasonOf(detail.body, 'metrics.latency')).toMatch(NO_LATENCY);
      });

      it('shows a never-heartbeated node as offline with no lastHeartbeat', async () => {
        const t = await token({ orgId: '', roles: ['universe.admin'] });
        const { body } = await get(`/infrastructure/nodes/${stack.fleet.scenario.neverHeartbeatNodeId}`, t);
        expect(body).toMatchObject({
          status: 'offline',
          statusClass: 'up',
          recordedStatus: 'online',
          heartbeat: 'never',
          lastHeartbeat: null,
          websocketConnected: null,
        });
        const offline = await get('/infrastructure/nodes?status=offline&limit=500', t);
        expect(ids(offline.body.nodes)).toContain(stack.fleet.scenario.neverHeartbeatNodeId);
      });
    });

  describe('tenancy and authentication', () => {
    it('shows each org only its own entities, and admins everything', async () => {
      const a = (await get('/infrastructure/nodes?limit=500', await token({ orgId: orgA }))).body.nodes.map(
        (n: { _id: string }) => n._id,
      );
      const b = (await get('/infrastructure/nodes?limit=500', await token({ orgId: orgB }))).body.nodes.map(
        (n: { _id: string }) => n._id,
      );
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(a.filter((id: string) => b.includes(id))).toEqual([]);
      const all = (
        await get('/infrastructure/nodes?limit=500', await token({ orgId: orgA, roles: ['universe.owner'] }))
      ).body;
      expect(all.summary.total).toBe(live('nodes').length);
    });

    it("answers 404 for another org's entity exactly as for an unknown id, on every entity endpoint", async () => {
      const t = await token({ orgId: orgA });
      const foreign = {
        '/infrastructure/nodes/': live('nodes', orgB)[0]!._id.toHexString(),
        '/infrastructure/resources/': live('resources', orgB)[0]!._id.toHexString(),
        '/workload/deployments/': live('deployments', orgB)[0]?._id.toHexString(),
        '/workload/agents/': live('agents', orgB)[0]?._id.toHexString(),
        '/workload/executions/': live('executions', orgB)
          .find((e) => typeof e.category === 'string')
          ?._id.toHexString(),
      };
      const suffix: Record<string, string> = {
        '/workload/deployments/': '/metrics',
        '/workload/agents/': '/performance',
      };
      for (const [prefix, id] of Object.entries(foreign)) {
        if (!id) continue;
        // The same status and body: nothing tells an id of another org from one that does not exist.
        const foreignAnswer = await get(`${prefix}${id}${suffix[prefix] ?? ''}`, t);
        const unknownAnswer = await get(`${prefix}${'0'.repeat(24)}${suffix[prefix] ?? ''}`, t);
        expect(foreignAnswer.status, prefix).toBe(404);
        expect(foreignAnswer.body, prefix).toEqual(unknownAnswer.body);
        expect(unknownAnswer.status, prefix).toBe(404);
        // The owner's org, and a platform administrator, do see it.
        const owner = await token({ orgId: orgB });
        expect((await get(`${prefix}${id}${suffix[prefix] ?? ''}`, owner)).status, prefix).toBe(200);
      }
    });

    it('rejects missing, expired, wrongly signed and unsigned tokens with 401', async () => {
      expect((await get('/overview')).status).toBe(401);
      expect(
        (await get('/overview', await token({ orgId: orgA }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }))).body,
      ).toEqual({ error: 'token expired' });
      expect(
        (
          await get(
            '/overview',
            await token({ orgId: orgA }, { secret: new TextEncoder().encode('another-secret-of-enough-length') }),
          )
        ).status,
      ).toBe(401);
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ orgId: orgA, roles: ['universe.admin'], exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.`;
      expect((await get('/overview', unsigned)).status).toBe(401);
      expect((await get('/overview', 'not.a.token')).status).toBe(401);
      // Another org claim than an ObjectId or '' (a crafted one is refused before any query).
      for (const orgId of ['unassigned', orgA.toUpperCase(), '.*"} or vector(1) or {org_id=~".*'])
        expect((await get('/overview', await token({ orgId }))).body, orgId).toEqual({
          error: "invalid token claims: orgId must be a 24-character hex ObjectId or ''",
        });
    });

    it('accepts AIWM user tokens only: agent and node tokens (same secret) are refused with 401', async () => {
      const agentToken = await token({ type: 'agent', agentId: orgA, username: `agent:${orgA}`, orgId: orgA });
      expect(await get('/overview', agentToken)).toMatchObject({
        status: 401,
        body: { error: 'only AIWM user tokens are accepted: this is an AIWM agent token' },
      });
      const nodeToken = await new SignJWT({ sub: orgA, type: 'node', nodeId: orgA })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('10m')
        .sign(key);
      expect(await get('/overview', nodeToken)).toMatchObject({
        status: 401,
        body: { error: 'only AIWM user tokens are accepted: this is an AIWM node token' },
      });
    });

    it("serves a platform user without an org (orgId: '') every org, and a user without an org nothing (403)", async () => {
      const platform = await token({ orgId: '', roles: ['universe.owner'] });
      const all = await get('/infrastructure/nodes?limit=500', platform);
      expect(all.status).toBe(200);
      expect(all.body.summary.total).toBe(live('nodes').length);
      expect(await get('/overview', await token({ orgId: '' }))).toMatchObject({
        status: 403,
        body: { error: 'this token has no organization and no platform-wide role: there is no org to show' },
      });
    });
  });

  describe('bad input', () => {
    it('answers every malformed parameter and id with a 4xx JSON error naming it, never 5xx', async () => {
      const t = await token({ orgId: orgA });
      const bad = [
        '/overview?period=2y',
        '/overview?nope=1',
        '/infrastructure/nodes?status=exploded',
        // The filter takes availabilities (and the stored provisioning statuses), not every raw status.
        '/infrastructure/nodes?status=healthy',
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
      expect((await get('/infrastructure/nodes?status=healthy', t)).body.field).toBe('status');
    });

    it('cannot be steered by label values: an unknown org sees nothing (crafted org claims are refused above)', async () => {
      const { status, body } = await get('/overview', await token({ orgId: 'f'.repeat(24) }));
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
      const config = testConfig(stack.db.uri, {
        PROMETHEUS_URL: stack.backend.url,
        JWT_SECRET: TEST_JWT_SECRET,
        FACADE_ONLY: 'true',
        FACADE_BASE_PATH: '/api/dashboard',
      });
      const standalone = await startExporter(config, createLogger('silent'), { manualPolling: true });
      try {
        await standalone.poller.tick();
        const response = await fetch(`http://127.0.0.1:${standalone.facadePort}/api/dashboard/workload/models`, {
          headers: { authorization: `Bearer ${await token({ orgId: orgA })}` },
        });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { summary: { total: number } }).summary.total).toBe(
          live('models', orgA).length,
        );
        expect(standalone.poller.snapshot!.entityText()).toBe('');
      } finally {
        await standalone.stop();
      }
    });

    it('answers 503 within the timeout when MongoDB is unreachable for record-level reads', async () => {
      const config = testConfig('mongodb://127.0.0.1:1/hydra-aiwm', {
        PROMETHEUS_URL: stack.backend.url,
        FACADE_AUTH: 'none',
        MONGODB_TIMEOUT: '500ms',
      });
      const exporter = await startExporter(config, createLogger('silent'), { manualPolling: true });
      try {
        const started = Date.now();
        const response = await fetch(
          `http://127.0.0.1:${exporter.facadePort}/dashboard/workload/executions/123e4567-e89b-42d3-a456-426614174000`,
        );
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
      const config = testConfig(stack.db.uri, {
        PROMETHEUS_URL: `http://127.0.0.1:${port}`,
        PROMETHEUS_TIMEOUT: '500ms',
        FACADE_AUTH: 'none',
      });
      const exporter = await startExporter(config, createLogger('silent'), { manualPolling: true });
      try {
        const started = Date.now();
        const response = await fetch(`http://127.0.0.1:${exporter.facadePort}/dashboard/overview`);
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({
          error: 'Prometheus is unavailable',
          detail: 'timeout',
        });
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        await exporter.stop();
        dead.closeAllConnections();
        dead.close();
      }
    });
  });
});
