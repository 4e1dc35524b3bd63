/**
 * /infrastructure/resources/:id against stubbed Prometheus answers, with its record-level details
 * from a document in the in-process MongoDB stand-in (null where MongoDB has none for the org).
 */
import { describe, expect, it } from 'vitest';
import { M, eq, facade as q, matchers } from '../../../queries/index.js';
import { resourceRoute } from '../../src/facade/routes/resource.js';
import { hex, oid, useDatabase } from './collect.js';
import { STUB_NOW, contextOf, noAnswers, stubStore, type Answer } from './facade-stub.js';

const ORG_A = { kind: 'org', orgId: 'org-a' } as const;
const R1 = hex(1);
const GIB = 2 ** 30;
const r1 = { org_id: 'org-a', resource_id: R1 };
const res = matchers(eq('org_id', 'org-a'), eq('resource_id', R1));

/** The resource's series: an inference container on n1 with 4 vCPUs, 16 GiB and one GPU. */
const RESOURCE: Record<string, Answer> = {
  // Also the answer of the route's entity check: q.entityInfo(M.resourceInfo, res) is the same query.
  [q.series(M.resourceInfo, res)]: [
    [{ ...r1, resource_name: 'llm-box', resource_type: 'inference-container', node_id: 'n1' }, 1],
  ],
  [q.stateNow(M.resourceStatus, res)]: [[{ ...r1, status: 'running' }, 1]],
  [q.series(M.resourceVcpus, res)]: [[r1, 4]],
  [q.series(M.resourceMemory, res)]: [[r1, 16 * GIB]],
  [q.totalsBy(M.resourceGpus, ['resource_id'], res)]: [[{ resource_id: R1 }, 1]],
  ...noAnswers(q.series(M.resourceDisk, res)),
};

describe('/infrastructure/resources/:id', () => {
  const mongo = useDatabase();

  it('joins the series of one resource and adds its endpoint, start and health check from MongoDB', async () => {
    await mongo.insert('resources', [
      {
        _id: oid(1),
        owner: { orgId: 'org-a' },
        runtime: { endpoint: 'http://10.0.0.5:8000', startedAt: new Date('2026-01-15T10:00:00Z') },
        lastHealthCheck: new Date('2026-01-15T11:59:00Z'),
        errorMessage: null,
      },
    ]);
    const store = await stubStore(RESOURCE);
    const body = await resourceRoute.handle(contextOf(store, ORG_A, STUB_NOW, mongo.db), { id: R1 }, {});
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body).toMatchObject({
      _id: R1,
      name: 'llm-box',
      resourceType: 'inference-container',
      status: 'running',
      nodeId: 'n1',
      allocation: { vcpus: 4, ramGB: 16, diskGB: null, gpus: 1 },
      details: {
        endpoint: 'http://10.0.0.5:8000',
        startedAt: '2026-01-15T10:00:00.000Z',
        lastHealthCheck: '2026-01-15T11:59:00.000Z',
        errorMessage: null,
      },
    });
    expect(body.metadata.sources).toEqual(['prometheus', 'mongodb:resources (by _id)']);
  });

  it('has null details where MongoDB holds no live document of the org', async () => {
    await mongo.insert('resources', [{ _id: oid(1), owner: { orgId: 'org-a' }, isDeleted: true }]);
    const store = await stubStore(RESOURCE);
    const body = await resourceRoute.handle(contextOf(store, ORG_A, STUB_NOW, mongo.db), { id: R1 }, {});
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.details).toBeNull();
    expect(body.status).toBe('running');
  });
});
