/**
 * The worker thread of the facade's computations (computations.ts): it answers `compute` messages by
 * running the route against Prometheus and MongoDB, and sends back the answer's JSON bytes, or the
 * failure as an HttpError's parts. A MongoDB driver error becomes its 503 here, where it is logged.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { createMongoClient } from '../mongo-client.js';
import { batchQueries } from './batch.js';
import { toWire, type FromWorker, type ToWorker, type WorkerSetup } from './computations.js';
import { mongoUnavailable } from './errors.js';
import { capQueries, Semaphore } from './limits.js';
import { PrometheusApi } from './prometheus.js';
import type { FacadeContext } from './route.js';
import { ROUTES } from './routes/index.js';

/** Queries waiting for a Prometheus slot at most (beyond: 503). */
const MAX_QUEUED_QUERIES = 1000;
/**
 * The nice value of this thread: computations yield the CPU to the thread that serves requests, so a
 * flood of uncached queries waits for the CPU before cached answers do. Linux keeps a nice value per
 * thread; elsewhere it would be the whole process's, so it is left alone there.
 */
const COMPUTATIONS_NICE = 10;

const port = parentPort!;
const { config, logLevel } = workerData as WorkerSetup;
const facade = config.facade!;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
// Lines go to the main thread's logger (its destination, its tests' captures).
const log = pino({ level: logLevel }, { write: (line: string) => send({ type: 'log', line }) });
lowerPriority();

const queries = new Semaphore(facade.limits.prometheusConcurrency, MAX_QUEUED_QUERIES, facade.timeoutMs);
// Each query sent takes a slot of the cap; plain selectors asked together go out as one (batch.ts).
const prometheus = capQueries(
  new PrometheusApi(facade.prometheusUrl, facade.timeoutMs, { maxBytes: facade.prometheusMaxBytes, log }),
  queries,
);
const batching = batchQueries(prometheus);
const client = createMongoClient(config);
const db = client.db(config.mongo.database);
const routes = new Map(ROUTES.map((route) => [route.path, route]));
const encoder = new TextEncoder();

function lowerPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(COMPUTATIONS_NICE);
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'facade computations keep their CPU priority');
  }
}

async function compute(request: Extract<ToWorker, { type: 'compute' }>): Promise<void> {
  try {
    const route = routes.get(request.path);
    if (!route) throw new Error(`no route ${request.path}`);
    const ctx: FacadeContext = { prom: prometheus, db, config, scope: request.scope, now: new Date(request.now) };
    // Its own ArrayBuffer (not a slice of a shared pool), so it can be moved to the main thread.
    const json = encoder.encode(JSON.stringify(await route.handle(ctx, request.params, request.query as never)));
    send({ type: 'answer', id: request.id, json }, [json.buffer as ArrayBuffer]);
  } catch (error) {
    const mongo = mongoUnavailable(error);
    if (mongo) {
      log.warn({ path: request.path, error: (error as Error).name }, 'facade MongoDB read failed');
      // A first connection that failed leaves a closed topology, on which every read would fail for
      // good: connect() opens a new one (a no-op on an open one), so reads recover once MongoDB is back.
      void client.connect().catch(() => undefined);
    }
    send({ type: 'failed', id: request.id, error: toWire(mongo ?? error) });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'compute') void compute(message);
  else if (message.type === 'stats')
    send({
      type: 'stats',
      id: message.id,
      stats: {
        roundTrips: prometheus.roundTrips,
        queries: { load: queries.load, stats: queries.stats },
        batching,
        priority: getPriority(),
      },
    });
  else
    void client
      .close()
      .catch(() => undefined)
      .then(() => send({ type: 'closed' }));
});
