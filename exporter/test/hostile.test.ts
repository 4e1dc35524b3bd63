/**
 * Hostile input against the real facade (a real Prometheus, the exporter, MongoDB over TCP): at
 * least 500 generated requests (testing/hostile-cases.ts), each wrong in at least one way. Every
 * answer is a 4xx or a deliberate 503, the exporter keeps answering, no body holds a byte of
 * another org's data, and no body holds a secret. Prints the count of answers by status.
 */
import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/facade/index.js';
import { hostileCases, type HostileCase, type HostileTargets, type IdKind } from '../../testing/hostile-cases.js';
import { facadePortOf, probe, type ProbeAnswer } from '../../testing/http-probe.js';
import { waitFor } from '../../testing/ports.js';
import { startStack, TEST_JWT_SECRET, type Stack } from '../../testing/stack.js';
import { userToken } from '../../testing/tokens.js';

const BASE = '/dashboard';
const SEED = 13;
const COUNT = 800;
/** Requests in flight at once. */
const PARALLEL = 8;
/** The exporter's /healthz is checked after every this many requests. */
const HEALTH_EVERY = 50;

let stack: Stack;
let facadePort: number;
let targets: HostileTargets;
/** Strings only another org's documents hold (ids, names, host names, user ids, the org id). */
let theirStrings: string[];
/** What must never reach a caller: the JWT secret, the MongoDB URI and its password. */
let secrets: string[];

const orgOf = (d: Document): string => (d.owner as { orgId?: string } | undefined)?.orgId ?? '';
const COLLECTION_OF: Record<IdKind, 'nodes' | 'resources' | 'deployments' | 'agents' | 'executions'> = {
  node: 'nodes',
  resource: 'resources',
  deployment: 'deployments',
  agent: 'agents',
  execution: 'executions',
};

function idsOf(org: string): Record<IdKind, string[]> {
  const bad = new Set(stack.fleet.malformed.map((m) => m._id.toHexString()));
  const of = (kind: IdKind) =>
    stack.fleet.collections[COLLECTION_OF[kind]]
      .filter((d) => orgOf(d) === org && d.isDeleted !== true && !bad.has(String(d._id)))
      .map((d) => String(d._id));
  return {
    node: of('node'),
    resource: of('resource'),
    deployment: of('deployment'),
    agent: of('agent'),
    execution: of('execution'),
  };
}

/** Every string value of `doc` that marks it (its id, names, host names, owner). */
function markersOf(doc: Document): string[] {
  const owner = doc.owner as { orgId?: string; userId?: string } | undefined;
  return [doc._id, doc.name, doc.hostname, doc.executionId, doc.agentId, owner?.userId]
    .filter((v) => v !== undefined && v !== null)
    .map(String);
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

interface Violation {
  category: string;
  name: string;
  request: string;
  status: number;
  reason: string;
}

/** Violations counted by category, case name, status and the reason's first words. */
function grouped(violations: Violation[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of violations) {
    const kind = `[${v.category}] ${v.name} -> ${v.status}: ${v.reason.split(':')[0]}`;
    out.set(kind, (out.get(kind) ?? 0) + 1);
  }
  return out;
}

function judge(c: HostileCase, answer: ProbeAnswer): string[] {
  const reasons: string[] = [];
  const { status } = answer;
  if (status === 0) {
    // Only a request malformed at the HTTP level may be cut off, and only by a reset, not a hang.
    if (!c.mayClose || !['ECONNRESET', 'EPIPE'].includes(answer.error ?? ''))
      reasons.push(`no answer (${answer.error})`);
  } else if (!((status >= 400 && status < 500) || status === 503)) {
    reasons.push(`status ${status}, not a 4xx or a 503`);
  }
  // What the caller sent may come back (an echoed id); anything else of another org's may not.
  const sent = `${c.path} ${decoded(c.path)} ${Object.values(c.headers).join(' ')} ${c.body ?? ''}`;
  const leaked = theirStrings.filter((s) => answer.body.includes(s) && !sent.includes(s));
  if (leaked.length > 0) reasons.push(`another org's data in the body: ${leaked.slice(0, 5).join(', ')}`);
  const told = secrets.filter((s) => answer.body.includes(s));
  if (told.length > 0) reasons.push('a secret in the body');
  if (/\n\s+at .+:\d+:\d+\)?/.test(answer.body)) reasons.push('a stack trace in the body');
  return reasons;
}

describe('hostile input against the facade', () => {
  beforeAll(async () => {
    stack = await startStack({ facade: true, fleet: { orgs: 2 } });
    facadePort = facadePortOf(stack.exporter);
    const [orgA, orgB] = stack.fleet.orgIds as [string, string];
    // Both orgs' entities in Prometheus: another org's id then reaches the ownership checks.
    await waitFor(
      "both orgs' series in Prometheus",
      async () => {
        const orgs = await stack.backend.query('count by (org_id) (aiwm_node_info)');
        const seen = new Set(orgs.map((s) => s.metric.org_id));
        return seen.has(orgA) && seen.has(orgB) && (await stack.backend.query('aiwm_executions')).length > 0
          ? true
          : undefined;
      },
      60_000,
      250,
    );
    const theirs = idsOf(orgB);
    targets = {
      basePath: BASE,
      secret: TEST_JWT_SECRET,
      orgA,
      mine: idsOf(orgA),
      theirs,
      theirExecutionUuids: stack.fleet.collections.executions
        .filter((d) => orgOf(d) === orgB && typeof d.executionId === 'string')
        .map((d) => d.executionId as string),
      routes: ROUTES,
      now: Math.floor(Date.now() / 1000),
    };
    for (const kind of Object.keys(COLLECTION_OF) as IdKind[]) {
      expect(targets.mine[kind].length, `org A has a ${kind}`).toBeGreaterThan(0);
      expect(targets.theirs[kind].length, `org B has a ${kind}`).toBeGreaterThan(0);
    }
    // Another org's markers, less any string that also appears in a document it does not own.
    const all = Object.values(stack.fleet.collections).flat();
    const elsewhere = JSON.stringify(all.filter((d) => orgOf(d) !== orgB));
    const marks = new Set([orgB, ...all.filter((d) => orgOf(d) === orgB).flatMap(markersOf)]);
    theirStrings = [...marks].filter((s) => s.length >= 6 && !elsewhere.includes(s));
    const uri = new URL(stack.db.uri);
    secrets = [TEST_JWT_SECRET, stack.db.uri, ...(uri.password ? [decodeURIComponent(uri.password)] : [])];
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('the same seed generates the same requests, at least 500 of them', () => {
    const a = hostileCases(targets, SEED, COUNT);
    expect(a.length).toBeGreaterThanOrEqual(500);
    expect(hostileCases(targets, SEED, COUNT)).toEqual(a);
    expect(new Set(a.map((c) => c.category))).toEqual(
      new Set(['token', 'params', 'encoding', 'ids', 'methods', 'headers', 'traversal', 'mixed']),
    );
  });

  it('the caller sees its own org, and the leak check would notice another org', async () => {
    const authorization = `Bearer ${userToken(TEST_JWT_SECRET, targets.orgA)}`;
    const nodes = await probe(facadePort, {
      path: `${BASE}/infrastructure/nodes?limit=500`,
      headers: { authorization },
    });
    expect(nodes.status).toBe(200);
    expect(nodes.body).toContain(targets.mine.node[0]);
    // The markers are real: a token for the other org does get them.
    const theirs = `Bearer ${userToken(TEST_JWT_SECRET, stack.fleet.orgIds[1]!)}`;
    const other = await probe(facadePort, {
      path: `${BASE}/infrastructure/nodes?limit=500`,
      headers: { authorization: theirs },
    });
    expect(theirStrings.filter((s) => other.body.includes(s)).length).toBeGreaterThan(0);
    for (const route of ROUTES.filter((r) => !r.path.includes(':id'))) {
      const answer = await probe(facadePort, { path: BASE + route.path, headers: { authorization } });
      expect(answer.status, route.path).toBe(200);
      expect(
        theirStrings.filter((s) => answer.body.includes(s)),
        route.path,
      ).toEqual([]);
    }
  });

  it("another org's execution answers exactly as one that does not exist (404)", async () => {
    const authorization = `Bearer ${userToken(TEST_JWT_SECRET, targets.orgA)}`;
    const ask = async (id: string) => {
      const answer = await probe(facadePort, { path: `${BASE}/workload/executions/${id}`, headers: { authorization } });
      return { status: answer.status, body: answer.body.replaceAll(id, ':id') };
    };
    const nobody = await ask('0'.repeat(24));
    expect(nobody.status).toBe(404);
    for (const id of targets.theirs.execution.slice(0, 3)) expect(await ask(id)).toEqual(nobody);
  });

  it(`answers ${COUNT} generated hostile requests with 4xx or 503 only, no crash, no other org's byte, no secret`, async () => {
    const cases = hostileCases(targets, SEED, COUNT);
    const violations: Violation[] = [];
    const byStatus = new Map<string, number>();
    const byCategory = new Map<string, Map<string, number>>();
    let next = 0;
    let sinceHealth = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const answer = await probe(facadePort, { method: c.method, path: c.path, headers: c.headers, body: c.body });
        const status = answer.status === 0 ? `closed (${answer.error})` : String(answer.status);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        const row = byCategory.get(c.category) ?? new Map<string, number>();
        row.set(status, (row.get(status) ?? 0) + 1);
        byCategory.set(c.category, row);
        const request = `${c.method} ${c.path.length > 120 ? `${c.path.slice(0, 120)}...` : c.path}`;
        for (const reason of judge(c, answer))
          violations.push({ category: c.category, name: c.name, request, status: answer.status, reason });
        if (++sinceHealth >= HEALTH_EVERY) {
          sinceHealth = 0;
          const health = await probe(stack.exporter.port, { path: '/healthz' });
          if (health.status !== 200)
            violations.push({
              category: 'health',
              name: '/healthz',
              request,
              status: health.status,
              reason: 'exporter not answering',
            });
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));

    const health = await probe(stack.exporter.port, { path: '/healthz' });
    const metrics = await probe(stack.exporter.port, { path: '/metrics' });
    const lines = [
      `hostile requests: ${cases.length}; answers by status: ${[...byStatus]
        .sort()
        .map(([s, n]) => `${s}=${n}`)
        .join(' ')}`,
      ...[...byCategory].map(
        ([category, row]) =>
          `  ${category}: ${[...row]
            .sort()
            .map(([s, n]) => `${s}=${n}`)
            .join(' ')}`,
      ),
      `violations: ${violations.length}, by kind:`,
      ...[...grouped(violations)].map(([kind, n]) => `  ${n} x ${kind}`),
    ];
    console.log(lines.join('\n'));
    expect(health.status).toBe(200);
    expect(metrics.status).toBe(200);
    expect(violations).toEqual([]);
  }, 120_000);
});
