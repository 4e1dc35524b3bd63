/**
 * Messages, conversations and finished executions are read incrementally: each must be counted
 * exactly once, across polls, paging, ties on createdAt and new arrivals.
 */
import type { Document } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exporter } from '../src/app.js';
import { FINISHED_STATUSES } from '../src/source/executions.js';
import { LiveFleet, generateFleet, loadFleet, type Fleet } from '../../testing/fleet/index.js';
import { openTestDatabase, startTestExporter, sumOf, type TestDatabase } from '../../testing/harness.js';

const countedTask = (m: Document) =>
  m.isDeleted !== true &&
  m.role === 'assistant' &&
  m.createdAt instanceof Date &&
  typeof m.conversationId === 'string' &&
  (m.latency == null || typeof m.latency === 'number');
const countedMessage = (m: Document) =>
  m.isDeleted !== true &&
  typeof m.role === 'string' &&
  m.createdAt instanceof Date &&
  typeof m.conversationId === 'string' &&
  (m.latency == null || typeof m.latency === 'number');
const countedCompletion = (e: Document) =>
  e.isDeleted !== true &&
  (FINISHED_STATUSES as readonly string[]).includes(e.status) &&
  typeof e.category === 'string' &&
  e.completedAt instanceof Date;

let t: TestDatabase | undefined;
let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.stop();
  await t?.close();
  exporter = t = undefined;
});

async function setup(fleet: Fleet, overrides: Record<string, string>, clock: () => Date) {
  t = await openTestDatabase();
  await loadFleet(t.db, fleet);
  exporter = await startTestExporter(t.uri, clock, overrides);
  return { db: t.db, exporter };
}

const body = (e: Exporter) => e.poller.snapshot!.entityText();

describe('incremental event reading', () => {
  it('counts history once while paging through it, then each new event once', async () => {
    const fleet = generateFleet({ seed: 2 });
    let now = fleet.now;
    const { db, exporter } = await setup(fleet, { EVENT_BATCH_LIMIT: '100' }, () => now);
    const tasks = fleet.collections.messages.filter(countedTask).length;
    const messages = fleet.collections.messages.filter(countedMessage).length;
    const completions = fleet.collections.executions.filter(countedCompletion).length;
    expect(messages).toBeGreaterThan(200);
    // Ties on createdAt exist in the fleet: the (createdAt, _id) watermark must not drop them.
    const stamps = fleet.collections.messages.filter(countedMessage).map((m) => (m.createdAt as Date).getTime());
    expect(new Set(stamps).size).toBeLessThan(stamps.length);

    // 100 events per collection per poll: the backlog takes several polls and is never double counted.
    await exporter.poller.tick();
    const read = async () =>
      (await exporter.self.documentsRead.get()).values.find((v) => v.labels.collection === 'messages')?.value;
    expect(await read()).toBe(100);
    expect(sumOf(body(exporter), 'aiwm_agent_messages_total')).toBeLessThanOrEqual(100);
    for (let i = 0; i < 4; i++) await exporter.poller.tick();
    expect(sumOf(body(exporter), 'aiwm_agent_messages_total')).toBe(messages);
    expect(sumOf(body(exporter), 'aiwm_agent_tasks_total')).toBe(tasks);
    expect(sumOf(body(exporter), 'aiwm_execution_completions_total')).toBe(completions);
    expect(sumOf(body(exporter), 'aiwm_agent_conversations_total')).toBe(
      fleet.collections.conversations.filter((c) => c.isDeleted !== true && typeof c.agentId === 'string').length,
    );

    // New events arrive; two more polls count them exactly once.
    const live = new LiveFleet(fleet, { seed: 2 });
    const step = await live.advance(db, 600);
    now = live.now;
    expect(step.messages.length).toBeGreaterThan(0);
    expect(step.executionsFinished.length).toBeGreaterThan(0);
    await exporter.poller.tick();
    await exporter.poller.tick();
    expect(sumOf(body(exporter), 'aiwm_agent_messages_total')).toBe(messages + step.messages.length);
    expect(sumOf(body(exporter), 'aiwm_agent_tasks_total')).toBe(tasks + step.messages.filter(countedTask).length);
    expect(sumOf(body(exporter), 'aiwm_execution_completions_total')).toBe(
      completions + step.executionsFinished.length,
    );
    const observed = step.messages.filter((m) => m.role === 'assistant' && typeof m.latency === 'number').length;
    const latencyBefore = fleet.collections.messages.filter(
      (m) => countedTask(m) && typeof m.latency === 'number',
    ).length;
    expect(sumOf(body(exporter), 'aiwm_agent_response_latency_seconds_count')).toBe(latencyBefore + observed);
  });

  it('with COUNT_EVENTS_FROM=start counts only what happens after start-up', async () => {
    const fleet = generateFleet({ seed: 3 });
    let now = fleet.now;
    const { db, exporter } = await setup(fleet, { COUNT_EVENTS_FROM: 'start' }, () => now);
    await exporter.poller.tick();
    expect(sumOf(body(exporter), 'aiwm_agent_messages_total')).toBe(0);
    expect(sumOf(body(exporter), 'aiwm_execution_completions_total')).toBe(0);
    const live = new LiveFleet(fleet, { seed: 3 });
    const step = await live.advance(db, 300);
    now = live.now;
    await exporter.poller.tick();
    expect(sumOf(body(exporter), 'aiwm_agent_messages_total')).toBe(step.messages.length);
    expect(sumOf(body(exporter), 'aiwm_execution_completions_total')).toBe(step.executionsFinished.length);
  });

  it('waits INGEST_LAG before reading, so events being written are not skipped', async () => {
    const fleet = generateFleet({ seed: 4 });
    let now = fleet.now;
    const { db, exporter } = await setup(fleet, { COUNT_EVENTS_FROM: 'start', INGEST_LAG: '30s' }, () => now);
    await exporter.poller.tick();
    const live = new LiveFleet(fleet, { seed: 4 });
    const step = await live.advance(db, 120);
    const lagged = step.messages.filter((m) => (m.createdAt as Date).getTime() <= live.now.getTime() - 30_000).length;
    now = live.now;
    await exporter.poller.tick();
    expect(sumOf(body(exporter), 'aiwm_agent_messages_total')).toBe(lagged);
    now = new Date(live.now.getTime() + 30_000);
    await exporter.poller.tick();
    expect(sumOf(body(exporter), 'aiwm_agent_messages_total')).toBe(step.messages.length);
  });
});
