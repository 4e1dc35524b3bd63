/**
 * Fairness and protection of the stores behind the facade:
 *
 * - `RequestLimiter`: per caller (a token's subject and org; with FACADE_AUTH=none, the client
 *   address), at most `concurrency` computations in flight and a token bucket of `ratePerSecond`
 *   with `burst`. Over either, a 429 with `Retry-After` (seconds). Only requests that compute are
 *   counted: an answer from the cache, or one that joins an identical computation already running,
 *   costs no Prometheus or MongoDB work, and refusing it would cost as much as serving it.
 * - `Semaphore`: at most `limit` Prometheus queries in flight for the whole process, the rest
 *   queued first come, first served; a query that waits longer than `maxWaitMs`, or finds the queue
 *   full, is a 503 with `Retry-After` instead of piling up on Prometheus.
 *
 * The limiter's memory is bounded: buckets live in an LRU of at most `maxKeys` callers and are
 * dropped once idle long enough to be full again (dropping one loses nothing); in-flight counts
 * exist only while a request runs.
 */
import { LRUCache } from 'lru-cache';
import { HttpError } from './errors.js';
import type { PrometheusApi } from './prometheus.js';

/** A 429 or 503 that tells the caller when to come back (`Retry-After`, seconds). */
export class RetryLater extends HttpError {
  constructor(
    status: 429 | 503,
    message: string,
    readonly retryAfterSeconds: number,
    detail?: string,
  ) {
    super(status, message, detail ? { detail } : {});
  }
}

export interface LimiterSettings {
  /** Requests per second a caller's bucket refills with; Infinity for no rate limit. */
  ratePerSecond: number;
  /** Bucket size: requests a caller may send at once after being idle. */
  burst: number;
  /** Computations one caller may have in flight; Infinity for no limit. */
  concurrency: number;
  /** Callers whose buckets are remembered at once (least recently seen dropped first). */
  maxKeys: number;
}

export const DEFAULT_LIMITER_SETTINGS: LimiterSettings = {
  ratePerSecond: 20,
  burst: 40,
  concurrency: 4,
  maxKeys: 10_000,
};

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (ms, the limiter's clock). */
  at: number;
}

export interface LimiterStats {
  admitted: number;
  rejectedRate: number;
  rejectedConcurrency: number;
}

/**
 * A caller refused this many times within a second (its concurrency or rate limit) is flooding: its
 * further requests that second are refused before any work (index.ts), cached answers included. A
 * Portal page that asks a dozen things at once stays below it.
 */
const FLOOD_REFUSALS = 20;

export class RequestLimiter {
  private readonly buckets: LRUCache<string, Bucket> | undefined;
  private readonly inFlight = new Map<string, number>();
  readonly stats: LimiterStats = { admitted: 0, rejectedRate: 0, rejectedConcurrency: 0 };

  /** `now` in milliseconds (tests pass their own clock). */
  constructor(
    readonly settings: LimiterSettings = DEFAULT_LIMITER_SETTINGS,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (Number.isFinite(settings.ratePerSecond)) {
      // After this long without a request a bucket is full again: forgetting it changes nothing.
      const refillMs = Math.ceil((settings.burst / settings.ratePerSecond) * 1000);
      this.buckets = new LRUCache<string, Bucket>({ max: settings.maxKeys, ttl: Math.max(1, refillMs) });
    }
  }

  /** Callers with a bucket or a request in flight (for tests and the benchmark). */
  get keys(): { buckets: number; inFlight: number } {
    return { buckets: this.buckets?.size ?? 0, inFlight: this.inFlight.size };
  }

  /** Refusals per caller in the current second: a caller refused this often is flooding. */
  private readonly refusals = new LRUCache<string, { count: number; since: number }>({ max: 10_000 });

  private noteRefusal(key: string): void {
    const now = this.now();
    const r = this.refusals.get(key);
    if (r && now - r.since < 1000) r.count++;
    else this.refusals.set(key, { count: 1, since: now });
  }

  /** What a 429 for the rate says. */
  get rateDetail(): string {
    return `at most ${formatRate(this.settings.ratePerSecond)} per token (bursts of ${this.settings.burst})`;
  }

  /**
   * The seconds `key` must wait when it is flooding (refused FLOOD_REFUSALS times this second) or its
   * bucket is empty now, else undefined. Such a caller is refused before any other work (index.ts),
   * so a flood costs one header lookup per request instead of a request's worth of parsing.
   */
  refusing(key: string): number | undefined {
    const flood = this.refusals.get(key);
    if (flood && flood.count >= FLOOD_REFUSALS && this.now() - flood.since < 1000) {
      this.stats.rejectedConcurrency++;
      return 1;
    }
    const bucket = this.buckets?.get(key);
    if (!bucket) return undefined;
    const { ratePerSecond, burst } = this.settings;
    const tokens = Math.min(burst, bucket.tokens + ((this.now() - bucket.at) / 1000) * ratePerSecond);
    if (tokens >= 1) return undefined;
    this.stats.rejectedRate++;
    return Math.max(1, Math.ceil((1 - tokens) / ratePerSecond));
  }

  /**
   * Admits one computation for `key`, or throws a 429 `RetryLater`. Returns the function that
   * ends it (call it once the computation settles; calling it again does nothing).
   */
  admit(key: string): () => void {
    const admitted = this.take(key);
    if (typeof admitted === 'function') return admitted;
    this.noteRefusal(key);
    if (admitted.kind === 'concurrency') {
      this.stats.rejectedConcurrency++;
      const { concurrency } = this.settings;
      throw new RetryLater(429, 'too many requests', 1, `at most ${concurrency} requests in flight per token`);
    }
    this.stats.rejectedRate++;
    throw new RetryLater(429, 'too many requests', admitted.waitSeconds, this.rateDetail);
  }

  /**
   * Admits one computation that nobody waits for (a cache refresh-ahead) when `key` is within its
   * limits; undefined when it is not, counted as no refusal: the caller asked for nothing.
   */
  tryAdmit(key: string): (() => void) | undefined {
    const admitted = this.take(key);
    return typeof admitted === 'function' ? admitted : undefined;
  }

  private take(key: string): (() => void) | { kind: 'concurrency' } | { kind: 'rate'; waitSeconds: number } {
    const { concurrency, ratePerSecond, burst } = this.settings;
    const running = this.inFlight.get(key) ?? 0;
    if (running >= concurrency) return { kind: 'concurrency' };
    if (this.buckets) {
      const now = this.now();
      const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
      const tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
      if (tokens < 1) {
        this.buckets.set(key, { tokens, at: now });
        return { kind: 'rate', waitSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerSecond)) };
      }
      this.buckets.set(key, { tokens: tokens - 1, at: now });
    }
    this.stats.admitted++;
    this.inFlight.set(key, running + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }
}

/** `20/s`, `2/m`, `0.5/s`. */
function formatRate(perSecond: number): string {
  if (perSecond >= 1) return `${Math.round(perSecond * 100) / 100} requests/s`;
  if (perSecond * 60 >= 1) return `${Math.round(perSecond * 6000) / 100} requests/min`;
  return `${Math.round(perSecond * 360_000) / 100} requests/h`;
}

export interface SemaphoreStats {
  /** The most holders at once. */
  peak: number;
  /** Waits that ended in a 503 (queue full or waited too long). */
  rejected: number;
}

/** At most `limit` holders at once; waiters are served in arrival order, for at most `maxWaitMs`. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<{ admit: () => void }> = [];
  readonly stats: SemaphoreStats = { peak: 0, rejected: 0 };

  constructor(
    readonly limit: number,
    readonly maxQueue: number,
    readonly maxWaitMs: number,
    private readonly what = 'Prometheus',
  ) {}

  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      await this.turn();
      return await task();
    } finally {
      this.release();
    }
  }

  /** Tasks waiting for their turn of the event loop to start. */
  private readonly starting: Array<() => void> = [];

  /**
   * Resolves on a later turn of the event loop, one task per turn: a request that asks for many
   * queries at once then starts them between other requests' work instead of all in one go (which
   * would hold every other caller, cached answers included, for the whole fan-out).
   */
  private turn(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.starting.push(resolve) === 1) setImmediate(this.startNext);
    });
  }

  private readonly startNext = (): void => {
    this.starting.shift()?.();
    if (this.starting.length > 0) setImmediate(this.startNext);
  };

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.take();
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueue) {
      this.stats.rejected++;
      return Promise.reject(this.busy(`more than ${this.maxQueue} queries queued`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        admit: () => {
          clearTimeout(timer);
          this.take();
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        this.stats.rejected++;
        reject(this.busy(`no query slot within ${this.maxWaitMs} ms`));
      }, this.maxWaitMs);
      this.waiting.push(waiter);
    });
  }

  private take() {
    this.active++;
    if (this.active > this.stats.peak) this.stats.peak = this.active;
  }

  private release() {
    this.active--;
    this.waiting.shift()?.admit();
  }

  private busy(detail: string) {
    return new RetryLater(503, `${this.what} is busy`, 1, detail);
  }
}

/**
 * Routes every query of `api` through `gate` (the process-wide cap on concurrent Prometheus
 * queries). The same object is returned, so what is remembered per PrometheusApi (the rule probe)
 * still is.
 */
export function capQueries(api: PrometheusApi, gate: Semaphore): PrometheusApi {
  const query = api.query.bind(api);
  const queryRange = api.queryRange.bind(api);
  const alerts = api.alerts.bind(api);
  api.query = (...args) => gate.run(() => query(...args));
  api.queryRange = (...args) => gate.run(() => queryRange(...args));
  api.alerts = <A>() => gate.run(() => alerts<A>());
  return api;
}
