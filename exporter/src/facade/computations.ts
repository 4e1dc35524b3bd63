/**
 * The facade's computations (a route's PromQL queries and MongoDB reads, and the JSON of its answer)
 * run on a worker thread of their own. The event loop that serves requests (tokens, the cache, the
 * limits, cached answers) then never runs one: a tenant flooding uncached queries costs the other
 * tenants' cached answers no turn of that event loop, and the computations' garbage is collected on
 * the worker's heap, not in pauses of the one that serves.
 *
 * The worker (computations-worker.ts) holds what computations need: its own PrometheusApi with the
 * process-wide cap on concurrent queries and the batching of plain selectors, and its own MongoClient
 * (a second pool, opened on its first read, with the exporter's settings). Its log lines are written
 * by the main thread's logger. Answers come back as JSON bytes, moved, not copied. Its heap is bounded
 * (FACADE_WORKER_MAX_HEAP): a worker that dies (out of memory, an uncaught error) fails the
 * computations it held with a 503 and is started again for the next computation, at most once per
 * RESTART_INTERVAL_MS; the poller and /metrics, on the main thread, go on.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Scope } from './auth.js';
import type { BatchStats } from './batch.js';
import { HttpError } from './errors.js';
import { RetryLater, type SemaphoreStats } from './limits.js';

/** What the worker is started with. */
export interface WorkerSetup {
  config: Config;
  logLevel: string;
}

/** One computation: route `path` for `scope`, with parsed parameters, at `now` (epoch ms). */
export interface ComputeRequest {
  type: 'compute';
  id: number;
  path: string;
  scope: Scope;
  params: Record<string, string>;
  query: Record<string, unknown>;
  now: number;
}

export type ToWorker = ComputeRequest | { type: 'stats'; id: number } | { type: 'close' };

/** A failure as it crosses threads: an HttpError's parts, or the message of anything else (a 500). */
export type WireError =
  { status: number; message: string; extra: HttpError['extra']; retryAfterSeconds?: number } | { internal: string };

/** The worker's counters (tests and the benchmark). */
export interface WorkerStats {
  /** Prometheus requests sent. */
  roundTrips: number;
  /** The cap on concurrent Prometheus queries. */
  queries: { load: { active: number; queued: number }; stats: SemaphoreStats };
  batching: BatchStats;
  /** The worker thread's nice value (Linux keeps one per thread). */
  priority: number;
}

export type FromWorker =
  | { type: 'answer'; id: number; json: Uint8Array }
  | { type: 'failed'; id: number; error: WireError }
  | { type: 'stats'; id: number; stats: WorkerStats }
  | { type: 'log'; line: string }
  | { type: 'closed' };

export function toWire(error: unknown): WireError {
  if (error instanceof RetryLater)
    return {
      status: error.status,
      message: error.message,
      extra: error.extra,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  if (error instanceof HttpError) return { status: error.status, message: error.message, extra: error.extra };
  return { internal: error instanceof Error ? error.message : String(error) };
}

export function fromWire(wire: WireError): Error {
  if ('internal' in wire) return new Error(wire.internal);
  if (wire.retryAfterSeconds !== undefined && (wire.status === 429 || wire.status === 503))
    return new RetryLater(wire.status, wire.message, wire.retryAfterSeconds, wire.extra.detail);
  return new HttpError(wire.status, wire.message, wire.extra);
}

/** A worker is started again at most this often; computations asked sooner get a 503. */
const RESTART_INTERVAL_MS = 1000;

/** The worker's module, compiled (dist/) or, under tsx and vitest, its TypeScript source. */
function startWorker(setup: WorkerSetup): Worker {
  const self = import.meta.url;
  const options = { workerData: setup };
  if (!self.endsWith('.ts')) return new Worker(new URL('./computations-worker.js', self), options);
  // The TypeScript source (tsx and vitest, never in the image): the worker registers tsx, a
  // development dependency, before it loads the entry.
  const require = createRequire(self);
  const tsxPackage = require.resolve('tsx/package.json');
  const { exports } = require(tsxPackage) as { exports: Record<string, { import: { default: string } }> };
  const tsx = new URL(exports['./esm/api']!.import.default, pathToFileURL(tsxPackage)).href;
  const entry = new URL('./computations-worker.ts', self).href;
  const bootstrap =
    `import(${JSON.stringify(tsx)})` + `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

interface Waiting {
  resolve(value: never): void;
  reject(error: Error): void;
}

export class Computations {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private lastStart = -Infinity;
  private closing: Promise<void> | undefined;
  /** Resolves `closing` when the worker says its MongoDB client is closed. */
  private closed: (() => void) | undefined;
  /** Workers started, the first included. */
  started = 0;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.running();
  }

  /** Route `path`'s answer as JSON bytes; rejects with the route's HttpError, or a 503 when the worker died. */
  compute(
    path: string,
    scope: Scope,
    params: Record<string, string>,
    query: Record<string, unknown>,
    now: Date,
  ): Promise<Buffer> {
    return this.ask<Buffer>((id) => ({ type: 'compute', id, path, scope, params, query, now: now.getTime() }));
  }

  /** The worker's counters. */
  stats(): Promise<WorkerStats> {
    return this.ask<WorkerStats>((id) => ({ type: 'stats', id }));
  }

  /** Stops the worker once it has closed its MongoDB client; computations still running fail. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      const closed = new Promise<void>((resolve) => {
        this.closed = resolve;
        worker.once('exit', () => resolve());
        setTimeout(resolve, this.config.mongo.timeoutMs).unref();
      });
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await closed;
      await worker.terminate();
    })();
    return this.closing;
  }

  private ask<T>(message: (id: number) => ToWorker): Promise<T> {
    const worker = this.running();
    if (!worker) return Promise.reject(restarting());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage(message(id));
    });
  }

  /** The worker, started (again) when there is none and the last start is long enough ago. */
  private running(): Worker | undefined {
    if (this.worker || this.closing) return this.worker;
    if (performance.now() - this.lastStart < RESTART_INTERVAL_MS) return undefined;
    this.lastStart = performance.now();
    const worker = startWorker({ config: this.config, logLevel: this.log.level });
    this.started++;
    worker.unref(); // the listeners keep the process alive, not the worker
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => this.log.error({ err: error.message }, 'facade computations worker failed'));
    worker.once('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (!this.closing) this.log.error({ code }, 'facade computations worker exited; started again on demand');
      for (const [id, waiting] of this.waiting) {
        this.waiting.delete(id);
        waiting.reject(restarting());
      }
    });
    this.worker = worker;
    return worker;
  }

  private receive(message: FromWorker): void {
    if (message.type === 'log') return this.write(message.line);
    if (message.type === 'closed') return this.closed?.();
    const waiting = this.waiting.get(message.id);
    if (!waiting) return;
    this.waiting.delete(message.id);
    if (message.type === 'failed') waiting.reject(fromWire(message.error));
    else if (message.type === 'stats') waiting.resolve(message.stats as never);
    else {
      const { buffer, byteOffset, byteLength } = message.json;
      waiting.resolve(Buffer.from(buffer, byteOffset, byteLength) as never);
    }
  }

  /** A log line of the worker, written by this thread's logger at its level. */
  private write(line: string): void {
    const {
      level,
      msg,
      time: _time,
      pid: _pid,
      hostname: _host,
      service: _service,
      ...fields
    } = JSON.parse(line) as Record<string, unknown>;
    const label = this.log.levels.labels[level as number] ?? 'info';
    (this.log as unknown as Record<string, (fields: object, msg?: unknown) => void>)[label]?.(fields, msg);
  }
}

const restarting = () => new RetryLater(503, 'the facade is restarting its computations', 1, 'computations_restarting');
