/**
 * The facade's response cache: least recently used, bounded in entries and in bytes of the JSON
 * answers, with a share per org so that one tenant cannot evict everyone else's entries.
 *
 * Two lru-cache instances cooperate: `entries` holds every answer and enforces the global bounds;
 * one `shares` index per org lists that org's keys in its own LRU order and enforces the org's share
 * (FACADE_CACHE_ORG_SHARE of the global bounds). An org that fills its share evicts its own oldest
 * entries, never another org's; the global bound evicts across orgs only when every org together
 * exceeds it. So the entries of the other orgs always keep at least (1 - share) of the cache.
 *
 * Concurrent identical requests share one computation (and so one set of Prometheus round trips);
 * failures are not cached. Keys carry the org (scope), so no org is ever answered from another's.
 *
 * Refresh-ahead: a hit in the last REFRESH_AHEAD of an answer's TTL says so, and the facade computes
 * the answer again in the background while the cached one is served. An answer in use is then replaced
 * before it expires, and its callers never wait for a computation; none is ever served past its TTL.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A cached answer: its JSON bytes, sent as they are on every hit, and their ETag. */
export interface CachedAnswer {
  readonly org: string;
  readonly json: Buffer;
  readonly etag: string;
  /** How long it is kept. */
  readonly ttlMs: number;
}

/** The last fraction of an answer's TTL in which a hit asks for it to be computed again. */
export const REFRESH_AHEAD = 0.2;

export interface CacheLimits {
  /** Bytes of cached JSON answers (keys included), all orgs together. */
  maxBytes: number;
  /** Cached answers, all orgs together. */
  maxEntries: number;
  /** The fraction (0 < share <= 1) of both bounds that one org may hold. */
  orgShare: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxBytes: 32 * 1024 * 1024, maxEntries: 5000, orgShare: 0.25 };

/** Bytes an entry counts for beyond its JSON: the key and the bookkeeping around it, roughly. */
const OVERHEAD_BYTES = 256;

/** A weak ETag of a JSON body, as express writes them. */
export function etagOf(body: Buffer): string {
  return `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"`;
}

export interface CacheStats {
  hits: number;
  /** Requests that joined a computation already running for the same key. */
  shared: number;
  misses: number;
  /** Answers too large for an org's share: served, not cached. */
  uncacheable: number;
  /** Computations started ahead of an answer's expiry. */
  refreshes: number;
}

/** Where an answer came from. */
export type AnswerSource = 'cache' | 'shared' | 'computed';

export class ResponseCache {
  private readonly entries: LRUCache<string, CachedAnswer>;
  private readonly shares = new Map<string, LRUCache<string, true>>();
  private readonly pending = new Map<string, Promise<CachedAnswer>>();
  private readonly orgMaxBytes: number;
  private readonly orgMaxEntries: number;
  readonly stats: CacheStats = { hits: 0, shared: 0, misses: 0, uncacheable: 0, refreshes: 0 };

  /** `perf` replaces the clock of the TTLs (tests). */
  constructor(
    readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS,
    private readonly perf?: { now(): number },
  ) {
    if (!(limits.orgShare > 0 && limits.orgShare <= 1)) throw new RangeError('orgShare must be in (0, 1]');
    this.orgMaxBytes = Math.max(1, Math.floor(limits.maxBytes * limits.orgShare));
    this.orgMaxEntries = Math.max(1, Math.floor(limits.maxEntries * limits.orgShare));
    this.entries = new LRUCache<string, CachedAnswer>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      // A clock of its own (tests) is read on every check, not cached for a millisecond.
      ...(perf ? { perf, ttlResolution: 0 } : {}),
      // Whatever removed an entry (global eviction, expiry, deletion), its org's index forgets it.
      disposeAfter: (entry, key, reason) => {
        if (reason === 'set') return;
        const share = this.shares.get(entry.org);
        share?.delete(key);
        if (share?.size === 0) this.shares.delete(entry.org);
      },
    });
  }

  /** Entries and bytes held, in all and per org. */
  get size(): { entries: number; bytes: number; orgs: Map<string, { entries: number; bytes: number }> } {
    const orgs = new Map([...this.shares].map(([org, s]) => [org, { entries: s.size, bytes: s.calculatedSize }]));
    return { entries: this.entries.size, bytes: this.entries.calculatedSize, orgs };
  }

  /**
   * A fresh cached answer (`refresh`: it is near its expiry and nothing computes it yet), or the
   * computation running for `key`; undefined when neither.
   */
  lookup(key: string): { answer: CachedAnswer; refresh: boolean } | { running: Promise<CachedAnswer> } | undefined {
    const cached = this.cached(key);
    if (cached) return cached;
    const running = this.pending.get(key);
    if (running) {
      this.stats.shared++;
      return { running };
    }
    return undefined;
  }

  /** A fresh cached answer (`refresh` as for lookup), or undefined; a computation running is not looked at. */
  cached(key: string): { answer: CachedAnswer; refresh: boolean } | undefined {
    const answer = this.entries.get(key);
    if (!answer) return undefined;
    this.shares.get(answer.org)?.get(key); // most recently used within its org too
    this.stats.hits++;
    const refresh = !this.pending.has(key) && this.entries.getRemainingTTL(key) < answer.ttlMs * REFRESH_AHEAD;
    return { answer, refresh };
  }

  /**
   * Runs `compute` for `key` (org `org`), lets identical requests share it while it runs, and keeps
   * its answer for `ttlMs`. A failure is not kept: the next request computes again.
   */
  fill(org: string, key: string, ttlMs: number, compute: () => Promise<unknown>): Promise<CachedAnswer> {
    this.stats.misses++;
    return this.run(org, key, ttlMs, compute);
  }

  /**
   * Computes a cached answer again ahead of its expiry (lookup said `refresh`); the one cached stays
   * until the new one replaces it, or until it expires if this fails.
   */
  refresh(org: string, key: string, ttlMs: number, compute: () => Promise<unknown>): Promise<CachedAnswer> {
    this.stats.refreshes++;
    return this.run(org, key, ttlMs, compute);
  }

  private run(org: string, key: string, ttlMs: number, compute: () => Promise<unknown>): Promise<CachedAnswer> {
    const running = (async () => {
      const text = JSON.stringify(await compute());
      // Its own memory, not a slice of the shared 8 KiB pool: a small cached answer must not pin a slab.
      const json = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
      json.write(text);
      const answer: CachedAnswer = { org, json, etag: etagOf(json), ttlMs };
      this.keep(key, answer, ttlMs);
      return answer;
    })();
    this.pending.set(key, running);
    const forget = () => {
      if (this.pending.get(key) === running) this.pending.delete(key);
    };
    running.then(forget, forget);
    return running;
  }

  /** A cached answer, a shared computation, or a new one: `lookup`, then `fill`. */
  async get(
    org: string,
    key: string,
    ttlMs: number,
    compute: () => Promise<unknown>,
  ): Promise<{ answer: CachedAnswer; source: AnswerSource }> {
    const found = this.lookup(key);
    if (found && 'answer' in found) return { answer: found.answer, source: 'cache' };
    if (found) return { answer: await found.running, source: 'shared' };
    return { answer: await this.fill(org, key, ttlMs, compute), source: 'computed' };
  }

  private keep(key: string, answer: CachedAnswer, ttlMs: number) {
    const size = answer.json.length + key.length + OVERHEAD_BYTES;
    if (size > this.orgMaxBytes || ttlMs <= 0) {
      this.stats.uncacheable++;
      return;
    }
    let share = this.shares.get(answer.org);
    if (!share) {
      share = new LRUCache<string, true>({
        max: this.orgMaxEntries,
        maxSize: this.orgMaxBytes,
        // An org over its share drops its own least recently used answers.
        disposeAfter: (_v, k, reason) => {
          if (reason === 'evict') this.entries.delete(k);
        },
      });
      this.shares.set(answer.org, share);
    }
    this.entries.set(key, answer, { size, ttl: ttlMs });
    // The global bound may have evicted this org's last entries (and dropped its index) meanwhile.
    if (!this.shares.has(answer.org)) this.shares.set(answer.org, share);
    share.set(key, true, { size });
  }
}
