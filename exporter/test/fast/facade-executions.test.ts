/**
 * /workload/executions (counts and 24-hour performance from stubbed Prometheus answers, open
 * executions from MongoDB) and /workload/executions/:id (MongoDB only), on a few documents in the
 * in-process MongoDB stand-in.
 */
import { Collection } from 'mongodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { M, eq, facade as q } from '../../../queries/index.js';
import { executionRoute } from '../../src/facade/routes/execution.js';
import { executionsRoute } from '../../src/facade/routes/executions.js';
import { openExecutions } from '../../src/facade/records/executions.js';
import { hex, oid, useDatabase } from './collect.js';
import { STUB_NOW, contextOf, stubStore } from './facade-stub.js';

const ORG_A = { kind: 'org', orgId: 'org-a' } as const;
const ORG = eq('org_id', 'org-a');
const UUID = '8f14e45f-ceea-467f-a0e6-7a2b1c3d4e5f';
const at = (seconds: number) => new Date(STUB_NOW.getTime() - seconds * 1000);
const mine = { owner: { orgId: 'org-a' } };

const mongo = useDatabase();
beforeEach(async () => {
  await mongo.insert('executions', [
    {
      _id: oid(1),
      ...mine,
      executionId: UUID,
      name: 'fine-tune',
      type: 'training',
      category: 'ml',
      status: 'running',
      progress: 50,
      startedAt: at(600),
      createdAt: at(700),
      steps: [
        { index: 0, name: 'fetch', status: 'completed' },
        { index: 1, name: 'train', status: 'running' },
      ],
    },
    { _id: oid(2), ...mine, name: 'queued', status: 'pending', createdAt: at(60) },
    {
      _id: oid(3),
      ...mine,
      name: 'broken',
      status: 'failed',
      createdAt: at(7200),
      startedAt: at(7000),
      completedAt: at(6400),
      retryCount: 1,
      maxRetries: 3,
      nodeId: 'n1',
      steps: [{ index: 0, name: 'load', status: 'failed', error: { code: 137, message: 'OOM killed' } }],
      error: { code: 'STEP_FAILED', message: 'step load failed', stepIndex: 0, nodeId: 'n1' },
      parentExecutionId: hex(9),
      childExecutionIds: [hex(10), 7],
    },
    { _id: oid(4), owner: { orgId: 'org-b' }, name: 'theirs', status: 'running', createdAt: at(30) },
    { _id: oid(5), ...mine, name: 'deleted', status: 'running', createdAt: at(30), isDeleted: true },
  ]);
});

describe('/workload/executions', () => {
  it("counts by status and type, rates the last 24 h and lists the org's open executions, newest first", async () => {
    const store = await stubStore({
      [q.rulesProbe()]: [],
      [q.totalsBy(M.executions, ['status'], ORG)]: [
        [{ status: 'running' }, 1],
        [{ status: 'pending' }, 1],
        [{ status: 'failed' }, 1],
        [{ status: 'completed' }, 5],
      ],
      [q.totalsBy(M.executions, ['type'], ORG)]: [
        [{ type: 'training' }, 6],
        [{ type: 'other' }, 2],
      ],
      [q.increaseOf(M.executionCompletions, ORG, '24h', false)]: [[{}, 8]],
      [q.increaseWhere(M.executionCompletions, eq('outcome', 'completed'), ORG, '24h')]: [[{}, 6]],
      [q.increaseOf(M.executionRetried, ORG, '24h', false)]: [[{}, 1]],
      [q.histogramIncrease(M.executionDuration, 'sum', ORG, '24h')]: [[{}, 900]],
      [q.histogramIncrease(M.executionDuration, 'count', ORG, '24h')]: [[{}, 6]],
    });
    const ctx = contextOf(store, ORG_A, STUB_NOW, mongo.db);
    const body = await executionsRoute.handle(ctx, {}, { page: 1, limit: 500, format: 'json' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.summary).toEqual({
      total: 8,
      completed: 5,
      running: 1,
      failed: 1,
      pending: 1,
      byType: { other: 2, training: 6 },
      performance: { avgDuration: 150, successRate: 75, retryRate: 12.5 },
    });
    expect(body.executions).toEqual([
      {
        _id: hex(2),
        executionId: null,
        name: 'queued',
        type: null,
        category: null,
        status: 'pending',
        progress: null,
        currentStep: null,
        startedAt: null,
        estimatedCompletion: null,
      },
      {
        _id: hex(1),
        executionId: UUID,
        name: 'fine-tune',
        type: 'training',
        category: 'ml',
        status: 'running',
        progress: 50,
        currentStep: 'train',
        startedAt: '2026-01-15T11:50:00.000Z',
        // Half done after 10 minutes: done 10 minutes from now.
        estimatedCompletion: '2026-01-15T12:10:00.000Z',
      },
    ]);
    expect(body.pagination).toEqual({ page: 1, limit: 500, total: 2 });
    expect(body.metadata.sources).toEqual(['prometheus:raw', 'mongodb:executions {status, createdAt}']);
  });
});

describe('/workload/executions/:id', () => {
  it('shows one execution by _id: steps, error, duration and family, with no Prometheus query', async () => {
    const store = await stubStore({});
    const body = await executionRoute.handle(contextOf(store, ORG_A, STUB_NOW, mongo.db), { id: hex(3) }, {});
    expect(store.asked).toEqual([]);
    expect(body).toMatchObject({
      _id: hex(3),
      name: 'broken',
      status: 'failed',
      nodeId: 'n1',
      completedAt: '2026-01-15T10:13:20.000Z',
      timeoutAt: null,
      duration: 600,
      retryCount: 1,
      maxRetries: 3,
      steps: [
        {
          index: 0,
          name: 'load',
          status: 'failed',
          progress: null,
          startedAt: null,
          completedAt: null,
          error: 'OOM killed',
          errorCode: '137',
        },
      ],
      error: { code: 'STEP_FAILED', message: 'step load failed', stepIndex: 0, nodeId: 'n1' },
      parentExecutionId: hex(9),
      childExecutionIds: [hex(10)],
    });
  });

  it("finds one by executionId; 404 for another org's, like a deleted or unknown one (no existence oracle)", async () => {
    const ctx = contextOf(await stubStore({}), ORG_A, STUB_NOW, mongo.db);
    await expect(executionRoute.handle(ctx, { id: UUID }, {})).resolves.toMatchObject({
      _id: hex(1),
      duration: null,
      currentStep: 'train',
    });
    const notFound = { status: 404, message: 'execution not found', extra: {} };
    // Another org's (by _id and by executionId), a deleted one, one that does not exist: the same answer.
    await mongo.insert('executions', [
      { _id: oid(6), owner: { orgId: 'org-b' }, executionId: UUID.replace(/f$/, 'e'), status: 'running' },
    ]);
    for (const id of [hex(4), UUID.replace(/f$/, 'e'), hex(5), hex(99)])
      await expect(executionRoute.handle(ctx, { id }, {}), id).rejects.toMatchObject(notFound);
    // The org is part of MongoDB's query, not a check after the read.
    const findOne = vi.spyOn(Collection.prototype, 'findOne');
    await executionRoute.handle(ctx, { id: hex(4) }, {}).catch(() => undefined);
    expect(findOne.mock.calls[0]![0]).toMatchObject({ _id: oid(4), 'owner.orgId': 'org-a', isDeleted: { $ne: true } });
    findOne.mockRestore();
    // A platform administrator reads any org's.
    const all = contextOf(await stubStore({}), { kind: 'all' }, STUB_NOW, mongo.db);
    await expect(executionRoute.handle(all, { id: hex(4) }, {})).resolves.toMatchObject({ name: 'theirs' });
  });
});

/**
 * `unassigned` is the exporter's org of a document whose owner.orgId is missing, null, '' (old AIWM
 * documents) or the literal `unassigned` (source/common.ts orgOf, the org_id label of its metrics).
 * The list and the detail read the same set for it: both filter with records/common.ts orgFilter.
 */
describe('the unassigned org in list and detail', () => {
  const UNASSIGNED = { kind: 'org', orgId: 'unassigned' } as const;
  const legacy = [
    { _id: oid(20), name: 'no owner' },
    { _id: oid(21), owner: null, name: 'owner null' },
    { _id: oid(22), owner: {}, name: 'no orgId' },
    { _id: oid(23), owner: { orgId: null }, name: 'orgId null' },
    { _id: oid(24), owner: { orgId: '' }, name: 'orgId empty' },
    { _id: oid(25), owner: { orgId: 'unassigned' }, name: 'orgId unassigned' },
  ];
  const ids = legacy.map((d) => d._id.toHexString()).sort();

  beforeEach(async () => {
    await mongo.insert(
      'executions',
      legacy.map((d, i) => ({ ...d, status: 'running', createdAt: at(100 + i) })),
    );
  });

  it('lists and shows every legacy owner shape as unassigned, and none of them to an org', async () => {
    const store = await stubStore({});
    const unassigned = contextOf(store, UNASSIGNED, STUB_NOW, mongo.db);
    const listed = await openExecutions(unassigned, ['running'], 1, 500);
    expect(listed.docs.map((d) => d._id.toHexString()).sort()).toEqual(ids);
    expect(listed.total).toBe(ids.length);
    for (const id of ids) await expect(executionRoute.handle(unassigned, { id }, {}), id).resolves.toBeDefined();
    // Nor does an unassigned caller see an org's execution.
    await expect(executionRoute.handle(unassigned, { id: hex(1) }, {})).rejects.toMatchObject({ status: 404 });

    const orgA = contextOf(store, ORG_A, STUB_NOW, mongo.db);
    const mine = await openExecutions(orgA, ['running'], 1, 500);
    expect(mine.docs.map((d) => d._id.toHexString())).not.toContain(ids[0]);
    for (const id of ids)
      await expect(executionRoute.handle(orgA, { id }, {}), id).rejects.toMatchObject({ status: 404 });
  });
});
