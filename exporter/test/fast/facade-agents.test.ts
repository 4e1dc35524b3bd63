/**
 * /workload/agents and /workload/agents/:id/performance against stubbed Prometheus answers; an
 * agent's recent tasks from a few documents in the in-process MongoDB stand-in.
 */
import { describe, expect, it } from 'vitest';
import { M, eq, facade as q, matchers, type MetricDef } from '../../../queries/index.js';
import { agentPerformanceRoute } from '../../src/facade/routes/agent.js';
import { agentsRoute } from '../../src/facade/routes/agents.js';
import { hex, oid, useDatabase } from './collect.js';
import { STUB_NOW, contextOf, noAnswers, stubStore, type Answer } from './facade-stub.js';

const ORG_A = { kind: 'org', orgId: 'org-a' } as const;
const ORG = eq('org_id', 'org-a');
const T = STUB_NOW.getTime() / 1000;
const A1 = '0000000000000000000000b1';
const A2 = '0000000000000000000000b2';
const a1 = { org_id: 'org-a', agent_id: A1 };
const a2 = { org_id: 'org-a', agent_id: A2 };

describe('/workload/agents', () => {
  it('lists agents with their all-time counters and 24-hour activity; null latency with a reason where an agent has no samples', async () => {
    const over24h = (counter: MetricDef) => q.increaseOf(counter, ORG, '24h', false);
    const store = await stubStore({
      [q.rulesProbe()]: [],
      [q.series(M.agentInfo, ORG)]: [
        [{ ...a1, agent_name: 'helper' }, 1],
        [{ ...a2, agent_name: 'idle-bot' }, 1],
      ],
      [q.stateNow(M.agentStatus, ORG)]: [
        [{ ...a1, status: 'busy' }, 1],
        [{ ...a2, status: 'active' }, 1],
      ],
      [q.series(M.agentTasks, ORG)]: [
        [a1, 10],
        [a2, 4],
      ],
      [q.series(M.agentTaskFailures, ORG)]: [[a1, 2]],
      [q.histogramSeries(M.agentLatency, 'sum', ORG)]: [[a1, 5]],
      [q.histogramSeries(M.agentLatency, 'count', ORG)]: [[a1, 10]],
      [q.series(M.agentLastTask, ORG)]: [[a1, T - 60]],
      [over24h(M.agentConversations)]: [[{}, 3]],
      [over24h(M.agentMessages)]: [[{}, 17]],
      // Only the tasks of the 24-hour activity: no request, failure or latency queries it would not use.
      [over24h(M.agentTasks)]: [[{}, 6]],
    });
    const body = await agentsRoute.handle(contextOf(store, ORG_A), {}, { page: 1, limit: 500, format: 'json' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body.summary).toEqual({
      total: 2,
      active: 1,
      busy: 1,
      inactive: 0,
      performance: { totalTasks: 14, completed: 12, failed: 2, successRate: 85.7, avgResponseTime: 500 },
      activity24h: { tasksExecuted: 6, conversations: 3, messages: 17 },
    });
    expect(body.agents).toEqual([
      {
        _id: A1,
        agentId: A1,
        name: 'helper',
        status: 'busy',
        totalTasks: 10,
        completedTasks: 8,
        failedTasks: 2,
        avgResponseTime: 500,
        lastTask: '2026-01-15T11:59:00.000Z',
      },
      {
        _id: A2,
        agentId: A2,
        name: 'idle-bot',
        status: 'active',
        totalTasks: 4,
        completedTasks: 4,
        failedTasks: 0,
        avgResponseTime: null,
        lastTask: null,
      },
    ]);
    expect(body.metadata.sources).toEqual(['prometheus:raw']);
    expect(body.metadata.unavailable).toEqual([
      {
        field: 'agents[].avgResponseTime',
        reason: expect.stringMatching(/^null for 1 with responses but no latency sample \(0+b2\)/),
      },
    ]);
  });
});

describe('/workload/agents/:id/performance', () => {
  const mongo = useDatabase();
  const agent = matchers(ORG, eq('agent_id', A1));
  const at = (seconds: number) => new Date(STUB_NOW.getTime() - seconds * 1000);

  it('reads all-time, 24-hour and 7-day figures, the timeline and the last tasks', async () => {
    await mongo.insert('conversations', [
      { _id: oid(1), agentId: A1, owner: { orgId: 'org-a' }, createdAt: at(7200) },
      { _id: oid(2), agentId: A1, owner: { orgId: 'org-b' }, createdAt: at(7200) },
    ]);
    await mongo.insert('messages', [
      { _id: oid(3), conversationId: hex(1), role: 'assistant', type: 'text', latency: 1200, createdAt: at(600) },
      { _id: oid(4), conversationId: hex(1), role: 'assistant', status: 'failed', error: 'x', createdAt: at(60) },
      { _id: oid(5), conversationId: hex(1), role: 'user', type: 'text', createdAt: at(700) },
      { _id: oid(6), conversationId: hex(2), role: 'assistant', type: 'text', createdAt: at(30) },
    ]);
    /** The four answers of one window: tasks, failures, latency sum and count (null: no samples). */
    const window = (
      w: '24h' | '7d',
      tasks: number,
      failed: number,
      sum: number | null,
      count: number | null,
    ): Record<string, Answer> => ({
      [q.increaseOf(M.agentTasks, agent, w, false)]: [[{}, tasks]],
      [q.increaseOf(M.agentTaskFailures, agent, w, false)]: [[{}, failed]],
      [q.histogramIncrease(M.agentLatency, 'sum', agent, w)]: sum === null ? [] : [[{}, sum]],
      [q.histogramIncrease(M.agentLatency, 'count', agent, w)]: count === null ? [] : [[{}, count]],
    });
    const store = await stubStore(
      {
        [q.entityInfo(M.agentInfo, agent)]: [[{ ...a1, agent_name: 'helper' }, 1]],
        [q.counterTotal(M.agentTasks, agent)]: [[{}, 10]],
        [q.counterTotal(M.agentTaskFailures, agent)]: [[{}, 2]],
        [q.histogramTotal(M.agentLatency, 'sum', agent)]: [[{}, 5]],
        [q.histogramTotal(M.agentLatency, 'count', agent)]: [[{}, 10]],
        ...window('24h', 3, 0, null, null),
        ...window('7d', 8, 1, 2, 8),
      },
      [],
      {
        [q.increaseOf(M.agentTasks, agent, '3600s', false)]: [
          [
            {},
            [
              [T - 3600, 2],
              [T, 1],
            ],
          ],
        ],
        [q.meanPerStep(M.agentLatency, agent, '3600s')]: [[{}, [[T, 0.4]]]],
      },
    );
    const ctx = contextOf(store, ORG_A, STUB_NOW, mongo.db);
    const body = await agentPerformanceRoute.handle(ctx, { id: A1 }, { period: '24h' });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
    expect(body).toMatchObject({ agentId: A1, name: 'helper' });
    expect(body.performance).toEqual({
      allTime: { totalTasks: 10, completed: 8, failed: 2, successRate: 80, avgResponseTime: 500 },
      last24h: { tasks: 3, completed: 3, failed: 0, avgResponseTime: null },
      last7d: { tasks: 8, completed: 7, failed: 1, avgResponseTime: 250 },
    });
    expect(body.timeline).toMatchObject({ period: '24h', interval: '1h' });
    expect(body.timeline.tasks.slice(-2)).toEqual([2, 1]);
    expect(body.timeline.responseTime.slice(-2)).toEqual([null, 400]);
    // The org's conversation only, assistant messages only, newest first.
    expect(body.recentTasks).toEqual([
      { taskId: hex(4), type: 'text', status: 'failed', duration: null, timestamp: '2026-01-15T11:59:00.000Z' },
      { taskId: hex(3), type: 'text', status: 'completed', duration: 1200, timestamp: '2026-01-15T11:50:00.000Z' },
    ]);
    expect(body.metadata.unavailable).toEqual([
      {
        field: 'performance.last24h.avgResponseTime',
        reason: expect.stringMatching(/^3 responses without a latency sample/),
      },
    ]);
  });

  it('is 404 for an agent no org has', async () => {
    const store = await stubStore(noAnswers(q.entityInfo(M.agentInfo, matchers(ORG, eq('agent_id', A2)))));
    const ctx = contextOf(store, ORG_A, STUB_NOW, mongo.db);
    await expect(agentPerformanceRoute.handle(ctx, { id: A2 }, { period: '24h' })).rejects.toMatchObject({
      status: 404,
    });
    expect(store.unexpected).toEqual([]);
    expect(store.unasked()).toEqual([]);
  });
});
