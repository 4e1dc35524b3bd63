/**
 * The stack of the fault tests (exporter/test/faults.test.ts) with every part on a fixed loopback
 * port, each started and stopped on its own and in any order: MongoDB (the stand-in, holding the
 * fleet across restarts), a real Prometheus scraping the exporter (a fresh TSDB on each start), and
 * the exporter polling every second with the facade on. The exporter's clock is the fleet's: the
 * test moves it with `advance`, so the truth of every incremental counter is known exactly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Document } from 'mongodb';
import { renderRecordingRules } from '../alerts/src/render.js';
import { EXPORTER_JOB } from '../alerts/src/monitoring.js';
import { startExporter, type Exporter } from '../exporter/src/app.js';
import { createLogger } from '../exporter/src/logger.js';
import { FINISHED_STATUSES } from '../exporter/src/source/executions.js';
import { LiveFleet, generateFleet, loadFleet, type Fleet, type FleetOptions } from './fleet/index.js';
import { scrape, sumOf, testConfig } from './harness.js';
import { facadePortOf, probe } from './http-probe.js';
import { startMongoStandIn, type MongoStandIn } from './mongo-standin.js';
import { freePort } from './ports.js';
import { startPrometheus, type RunningPrometheus } from './prometheus.js';
import { TEST_JWT_SECRET } from './stack.js';
import { userToken } from './tokens.js';

export type Part = 'mongodb' | 'prometheus' | 'exporter';

/** What the exporter's incremental counters must read: every counted event exactly once. */
export interface Truth {
  messages: number;
  tasks: number;
  completions: number;
}

const countedMessage = (m: Document) =>
  m.isDeleted !== true &&
  typeof m.role === 'string' &&
  m.createdAt instanceof Date &&
  typeof m.conversationId === 'string' &&
  (m.latency == null || typeof m.latency === 'number');
const countedTask = (m: Document) => countedMessage(m) && m.role === 'assistant';
const countedCompletion = (e: Document) =>
  e.isDeleted !== true &&
  (FINISHED_STATUSES as readonly string[]).includes(e.status) &&
  typeof e.category === 'string' &&
  e.completedAt instanceof Date;

export interface FaultStack {
  readonly fleet: Fleet;
  readonly ports: { mongodb: number; prometheus: number; exporter: number; facade: number };
  /** The running exporter (undefined before its start). */
  readonly exporter: Exporter | undefined;
  readonly prometheus: RunningPrometheus | undefined;
  isUp(part: Part): boolean;
  start(part: Part): Promise<void>;
  /** Stopping the exporter is not a fault under test: only MongoDB and Prometheus stop mid-run. */
  stop(part: 'mongodb' | 'prometheus'): Promise<void>;
  /** Writes `seconds` of live fleet activity to MongoDB (which must be up) and moves the exporter's clock. */
  advance(seconds: number): Promise<void>;
  truth(): Truth;
  /** The exporter's /metrics body. */
  metrics(): Promise<string>;
  /** What the exporter's counters read now. */
  counted(body: string): Truth;
  /** The status of a facade request with a token of the fleet's first org. */
  facadeStatus(path: string): Promise<number>;
  close(): Promise<void>;
}

export async function startFaultStack(fleetOptions: FleetOptions = {}): Promise<FaultStack> {
  const fleet = generateFleet({ now: new Date(), orgs: 2, nodes: 8, agents: 4, executions: 30, ...fleetOptions });
  const truth: Truth = {
    messages: fleet.collections.messages.filter(countedMessage).length,
    tasks: fleet.collections.messages.filter(countedTask).length,
    completions: fleet.collections.executions.filter(countedCompletion).length,
  };
  let now = fleet.now;
  const live = new LiveFleet(fleet, { seed: 11 });

  // MongoDB holds the fleet before anything starts, then goes down: "starting MongoDB" brings it
  // up with its data, as a real mongod with its data directory would.
  const standin: MongoStandIn = await startMongoStandIn();
  const uri = `mongodb://127.0.0.1:${standin.port}/aiwm_faults`;
  const loader = new MongoClient(uri);
  await loadFleet(loader.db(), fleet);
  await loader.close(true);
  await standin.stop();
  let mongoUp = false;
  let client: MongoClient | undefined;

  const ports = {
    mongodb: standin.port,
    prometheus: await freePort(),
    exporter: await freePort(),
    facade: await freePort(),
  };
  const rulesDir = mkdtempSync(join(tmpdir(), 'aiwm-fault-rules-'));
  writeFileSync(join(rulesDir, 'recording.yml'), renderRecordingRules({ intervalOverride: '1s' }));

  let prometheus: RunningPrometheus | undefined;
  let exporter: Exporter | undefined;
  const config = testConfig(uri, {
    POLL_SCHEDULE: '* * * * * *',
    PORT: String(ports.exporter),
    FACADE_PORT: String(ports.facade),
    FACADE_LISTEN_ADDRESS: '127.0.0.1',
    PROMETHEUS_URL: `http://127.0.0.1:${ports.prometheus}`,
    PROMETHEUS_TIMEOUT: '2s',
    JWT_SECRET: TEST_JWT_SECRET,
    MONGODB_TIMEOUT: '1s',
    COUNT_EVENTS_FROM: 'all',
    INGEST_LAG: '0s',
  });
  const token = userToken(TEST_JWT_SECRET, fleet.orgIds[0]!);

  const stack: FaultStack = {
    fleet,
    ports,
    get exporter() {
      return exporter;
    },
    get prometheus() {
      return prometheus;
    },
    isUp: (part) => (part === 'mongodb' ? mongoUp : part === 'prometheus' ? !!prometheus : !!exporter),
    async start(part) {
      if (part === 'mongodb') {
        await standin.start();
        mongoUp = true;
      } else if (part === 'prometheus') {
        prometheus = await startPrometheus({
          port: ports.prometheus,
          targets: [{ job: EXPORTER_JOB, target: `127.0.0.1:${ports.exporter}` }],
          ruleFiles: [join(rulesDir, 'recording.yml')],
        });
      } else {
        exporter = await startExporter(config, createLogger(config.logLevel), { clock: () => now });
      }
    },
    async stop(part) {
      if (part === 'mongodb') {
        mongoUp = false;
        await standin.stop();
      } else {
        await prometheus?.stop();
        prometheus = undefined;
      }
    },
    async advance(seconds) {
      client ??= new MongoClient(uri, { serverSelectionTimeoutMS: 5000, heartbeatFrequencyMS: 500 });
      const step = await live.advance(client.db(), seconds);
      truth.messages += step.messages.filter(countedMessage).length;
      truth.tasks += step.messages.filter(countedTask).length;
      truth.completions += step.executionsFinished.filter(countedCompletion).length;
      now = live.now;
    },
    truth: () => ({ ...truth }),
    async metrics() {
      const answer = await scrape(ports.exporter);
      if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
      return answer.body;
    },
    counted: (body) => ({
      messages: sumOf(body, 'aiwm_agent_messages_total'),
      tasks: sumOf(body, 'aiwm_agent_tasks_total'),
      completions: sumOf(body, 'aiwm_execution_completions_total'),
    }),
    async facadeStatus(path) {
      if (!exporter) return 0;
      const answer = await probe(facadePortOf(exporter), {
        path: `/dashboard${path}`,
        headers: { authorization: `Bearer ${token}` },
      });
      return answer.status;
    },
    async close() {
      await exporter?.stop().catch(() => undefined);
      await prometheus?.stop().catch(() => undefined);
      await client?.close(true).catch(() => undefined);
      await standin.close();
      rmSync(rulesDir, { recursive: true, force: true });
    },
  };
  return stack;
}
