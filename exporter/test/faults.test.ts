/**
 * Faults on real processes and sockets (testing/fault-stack.ts): every start-up order of MongoDB,
 * Prometheus and the exporter, and each dependency stopped and restarted mid-run. The exporter is
 * never restarted, and it recovers by itself: /metrics says source_up 1 again, the facade answers
 * 200 again once Prometheus is back, and every incremental counter equals the fleet's truth (no
 * event lost, none counted twice), in the exporter and in Prometheus. Waits have deadlines; nothing
 * is timed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack, type Part, type Truth } from '../../testing/fault-stack.js';
import { sumOf } from '../../testing/harness.js';
import { waitFor } from '../../testing/ports.js';

/** How long the exporter may take to recover once everything is up (many polls at 1 s). */
const RECOVERY_MS = 20_000;

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const permutations = <T>(xs: readonly T[]): T[][] =>
  xs.length <= 1
    ? [[...xs]]
    : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

const ORDERS = permutations<Part>(['mongodb', 'prometheus', 'exporter']);

/** A list request the facade has not cached (the cache would hide an outage): a new `limit` each time. */
let asked = 0;
const uncached = () => `/infrastructure/nodes?limit=${(asked++ % 500) + 1}`;

const sameTruth = (a: Truth, b: Truth) =>
  a.messages === b.messages && a.tasks === b.tasks && a.completions === b.completions;

/** The exporter reads MongoDB and counts every event once. */
async function exporterRecovered(s: FaultStack, what: string) {
  let last: Truth | undefined;
  let sourceUp: number | undefined;
  try {
    await waitFor(
      what,
      async () => {
        const body = await s.metrics();
        sourceUp = sumOf(body, 'aiwm_exporter_source_up');
        last = s.counted(body);
        return sourceUp === 1 && sameTruth(last, s.truth()) ? true : undefined;
      },
      RECOVERY_MS,
      250,
    );
  } catch (error) {
    throw new Error(
      `${String(error)} (source_up ${sourceUp}, counted ${JSON.stringify(last)}, truth ${JSON.stringify(s.truth())})`,
    );
  }
}

/** The facade answers 200 from Prometheus again. */
async function facadeRecovered(s: FaultStack, what: string) {
  let status = 0;
  await waitFor(
    what,
    async () => ((status = await s.facadeStatus(uncached())) === 200 ? true : undefined),
    RECOVERY_MS,
    250,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last facade status ${status}`);
  });
}

/** Prometheus holds the exporter's counters at their true values (scrapes flow again, nothing doubled). */
async function prometheusHasTruth(s: FaultStack, what: string) {
  let seen: string | undefined;
  await waitFor(
    what,
    async () => {
      const [sample] = await s.prometheus!.query('sum(aiwm_agent_messages_total)');
      seen = sample?.value[1];
      return seen === String(s.truth().messages) ? true : undefined;
    },
    RECOVERY_MS,
    250,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; Prometheus has ${seen}, truth ${s.truth().messages}`);
  });
}

/** Waits until the part started last has met the parts still down (one failed poll, scrape or query). */
async function metTheOthers(s: FaultStack, started: Part) {
  if (started === 'exporter' && !s.isUp('mongodb'))
    await waitFor('a poll that found MongoDB down', async () =>
      sumOf(await s.metrics(), 'aiwm_exporter_polls_total') >= 1 ? true : undefined,
    );
  if (started === 'exporter' && !s.isUp('prometheus'))
    await waitFor('the facade to answer 503 without Prometheus', async () =>
      (await s.facadeStatus(uncached())) === 503 ? true : undefined,
    );
  if (started === 'prometheus' && !s.isUp('exporter'))
    await waitFor('Prometheus to fail a scrape of the exporter', async () =>
      (await s.prometheus!.query('up == 0')).length > 0 ? true : undefined,
    );
}

describe('every start-up order recovers without restarting the exporter', () => {
  it.each(ORDERS.map((order) => [order.join(' → '), order] as const))('%s', async (_name, order) => {
    stack = await startFaultStack();
    const s = stack;
    for (const part of order) {
      await s.start(part);
      await metTheOthers(s, part);
    }
    const exporter = s.exporter!;
    await exporterRecovered(s, 'source_up 1 and the counters at the truth');
    await facadeRecovered(s, 'the facade to answer 200');
    await prometheusHasTruth(s, 'Prometheus to hold the true message count');
    // And it keeps counting each new event once.
    await s.advance(120);
    await exporterRecovered(s, 'the new events counted once');
    expect(s.exporter).toBe(exporter);
    expect(exporter.server.listening).toBe(true);
  });
});

describe('a dependency stopped and restarted mid-run', () => {
  it('MongoDB: source_up 0 and 503 from MongoDB reads while down, each event counted once after', async () => {
    stack = await startFaultStack();
    const s = stack;
    for (const part of ['mongodb', 'prometheus', 'exporter'] as const) await s.start(part);
    await exporterRecovered(s, 'the first polls');
    await s.advance(60);
    await exporterRecovered(s, 'the first events counted');
    const malformed = new Set(s.fleet.malformed.map((m) => m._id.toHexString()));
    const execution = String(
      s.fleet.collections.executions.find(
        (e) => e.owner?.orgId === s.fleet.orgIds[0] && e.isDeleted !== true && !malformed.has(String(e._id)),
      )!._id,
    );
    expect(await s.facadeStatus(`/workload/executions/${execution}`)).toBe(200);

    await s.stop('mongodb');
    await waitFor('source_up 0', async () =>
      sumOf(await s.metrics(), 'aiwm_exporter_source_up') === 0 ? true : undefined,
    );
    // A facade read from MongoDB says 503 (a dependency is down), never 500.
    await waitFor('the execution detail to answer 503', async () =>
      (await s.facadeStatus(`/workload/executions/${execution}`)) === 503 ? true : undefined,
    );
    expect((await s.metrics()).includes('aiwm_exporter_source_up 0')).toBe(true);

    await s.start('mongodb');
    await s.advance(120);
    await exporterRecovered(s, 'source_up 1 and each event counted once after the outage');
    expect(await s.facadeStatus(`/workload/executions/${execution}`)).toBe(200);
    await prometheusHasTruth(s, 'Prometheus to hold the true message count');
  });

  it('Prometheus: the facade answers 503 while it is down and 200 again after, /metrics never stops', async () => {
    stack = await startFaultStack();
    const s = stack;
    for (const part of ['mongodb', 'prometheus', 'exporter'] as const) await s.start(part);
    await exporterRecovered(s, 'the first polls');
    await facadeRecovered(s, 'the facade to answer 200');

    await s.stop('prometheus');
    await waitFor('the facade to answer 503', async () =>
      (await s.facadeStatus(uncached())) === 503 ? true : undefined,
    );
    expect(await s.facadeStatus('/overview?period=7d')).toBe(503);
    await s.advance(60);
    await exporterRecovered(s, '/metrics serving and counting without Prometheus');

    await s.start('prometheus');
    await facadeRecovered(s, 'the facade to answer 200 again');
    await prometheusHasTruth(s, 'the new Prometheus to hold the true message count');
  });

  it('both down, back in the other order: MongoDB after Prometheus', async () => {
    stack = await startFaultStack();
    const s = stack;
    for (const part of ['mongodb', 'prometheus', 'exporter'] as const) await s.start(part);
    await exporterRecovered(s, 'the first polls');
    await s.stop('mongodb');
    await s.stop('prometheus');
    await waitFor('source_up 0', async () =>
      sumOf(await s.metrics(), 'aiwm_exporter_source_up') === 0 ? true : undefined,
    );
    await s.start('prometheus');
    await waitFor('the facade to answer again (Prometheus up, MongoDB down)', async () =>
      [200, 503].includes(await s.facadeStatus(uncached())) ? true : undefined,
    );
    await s.start('mongodb');
    await s.advance(60);
    await exporterRecovered(s, 'recovery after both outages');
    await facadeRecovered(s, 'the facade to answer 200');
    await prometheusHasTruth(s, 'Prometheus to hold the true message count');
  });
});
