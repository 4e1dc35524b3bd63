/**
 * The facade under pressure: the LRU response cache with a share per org, the per-caller rate and
 * concurrency limits (429 with Retry-After), the process-wide cap on Prometheus queries, the
 * page × limit window, the cached OpenAPI document, HTTP hygiene (405, bad percent-encoding,
 * nosniff, no-store) and what the facade's listener answers before routing (early 429s, answers to
 * requests seen before). Units with their own clocks, then real HTTP over loopback against the facade
 * mounted on express, reading a stub Prometheus that can hold its answers. No timing thresholds.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { batchQueries } from '../../src/facade/batch.js';
import { ResponseCache } from '../../src/facade/cache.js';
import { mountFacade, type Facade } from '../../src/facade/index.js';
import { RequestLimiter, RetryLater, Semaphore } from '../../src/facade/limits.js';
import { PAGE_WINDOW, parse, listQuery, fullListQuery } from '../../src/facade/params.js';
import { PrometheusApi } from '../../src/facade/prometheus.js';
import { createLogger } from '../../src/logger.js';
import { createFacadeServer } from '../../src/server.js';
import { testConfig } from '../../../testing/harness.js';

const SECRET = 'facade-limits-test-secret-0123456789abcdef';
const ORG_A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const ORG_B = 'bbbbbbbbbbbbbbbbbbbbbbbb';

/** A body of `n` bytes once serialized (a JSON string of n - 2 characters). */
const bodyOf = (n: number) => 'x'.repeat(n - 2);

describe('ResponseCache', () => {
  const keep = (cache: ResponseCache, org: string, key: string, body: unknown = key) =>
    cache.get(org, key, 60_000, () => Promise.resolve(body));
  const cached = (cache: ResponseCache, key: string) => {
    const found = cache.lookup(key);
    return found !== undefined && 'answer' in found;
  };

  it('evicts the least recently used entry first', async () => {
    const cache = new ResponseCache({ maxBytes: 1_000_000, maxEntries: 3, orgShare: 1 });
    for (const key of ['a', 'b', 'c']) await keep(cache, 'org', key);
    expect(cached(cache, 'a')).toBe(true); // a is now the most recently used
    await keep(cache, 'org', 'd');
    expect(['a', 'b', 'c', 'd'].filter((k) => cached(cache, k))).toEqual(['a', 'c', 'd']);
  });

  it('stays within its byte bound, counting the JSON answers', async () => {
    const cache = new ResponseCache({ maxBytes: 10_000, maxEntries: 1000, orgShare: 1 });
    for (let i = 0; i < 20; i++) await keep(cache, 'org', `k${i}`, bodyOf(1500));
    const { bytes, entries } = cache.size;
    expect(bytes).toBeLessThanOrEqual(10_000);
    // Each entry counts its 1500 JSON bytes (and its key and some overhead): at most 6 fit.
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThanOrEqual(6);
    // The newest stayed, the oldest went.
    expect(cached(cache, 'k19')).toBe(true);
    expect(cached(cache, 'k0')).toBe(false);
  });

  it("does not let one org's flood evict another org's entries", async () => {
    const cache = new ResponseCache({ maxBytes: 100_000, maxEntries: 100, orgShare: 0.25 });
    for (const key of ['b1', 'b2', 'b3']) await keep(cache, 'org:b', key, bodyOf(2000));
    for (let i = 0; i < 1000; i++) await keep(cache, 'org:a', `a${i}`, bodyOf(2000));
    expect(['b1', 'b2', 'b3'].every((k) => cached(cache, k))).toBe(true);
    const a = cache.size.orgs.get('org:a')!;
    // Org a holds at most its share of the bytes and entries, and keeps its newest.
    expect(a.bytes).toBeLessThanOrEqual(25_000);
    expect(a.entries).toBeLessThanOrEqual(25);
    expect(cached(cache, 'a999')).toBe(true);
    expect(cached(cache, 'a0')).toBe(false);
    expect(cache.size.bytes).toBeLessThanOrEqual(100_000);
  });

  it('evicts across orgs only when all of them together exceed the bound, least recently used first', async () => {
    const cache = new ResponseCache({ maxBytes: 1_000_000, maxEntries: 4, orgShare: 0.5 });
    await keep(cache, 'org:a', 'a1');
    await keep(cache, 'org:b', 'b1');
    await keep(cache, 'org:c', 'c1');
    await keep(cache, 'org:d', 'd1');
    await keep(cache, 'org:e', 'e1');
    expect(['a1', 'b1', 'c1', 'd1', 'e1'].filter((k) => cached(cache, k))).toEqual(['b1', 'c1', 'd1', 'e1']);
    expect(cache.size.orgs.has('org:a')).toBe(false);
  });

  it('shares one computation among concurrent identical requests and does not keep failures', async () => {
    const cache = new ResponseCache();
    let calls = 0;
    let finish!: (v: unknown) => void;
    const compute = () => {
      calls++;
      return new Promise((resolve) => (finish = resolve));
    };
    const all = Promise.all([1, 2, 3].map(() => cache.get('org', 'k', 60_000, compute)));
    finish({ n: 1 });
    const answers = await all;
    expect(calls).toBe(1);
    expect(answers.map((a) => a.source)).toEqual(['computed', 'shared', 'shared']);
    expect(answers.every((a) => a.answer.json.toString() === '{"n":1}')).toBe(true);
    expect((await cache.get('org', 'k', 60_000, compute)).source).toBe('cache');

    let failures = 0;
    const failing = () => {
      failures++;
      return Promise.reject(new Error('Prometheus down'));
    };
    await expect(cache.get('org', 'f', 60_000, failing)).rejects.toThrow('Prometheus down');
    await expect(cache.get('org', 'f', 60_000, failing)).rejects.toThrow('Prometheus down');
    expect(failures).toBe(2);
    expect(cache.lookup('f')).toBeUndefined();
  });

  it('serves but does not keep an answer larger than an org share, and forgets expired answers', async () => {
    let now = 1000; // lru-cache reads a start time of 0 as none
    const cache = new ResponseCache({ maxBytes: 8000, maxEntries: 100, orgShare: 0.5 }, { now: () => now });
    const big = await cache.get('org', 'big', 60_000, () => Promise.resolve(bodyOf(5000)));
    expect(big.answer.json.length).toBe(5000);
    expect(cache.lookup('big')).toBeUndefined();
    expect(cache.stats.uncacheable).toBe(1);

    await cache.get('org', 'short', 1000, () => Promise.resolve('v'));
    expect(cached(cache, 'short')).toBe(true);
    now += 1001;
    expect(cache.lookup('short')).toBeUndefined();
    expect(cache.size.orgs.has('org')).toBe(false);
  });
});

describe('ResponseCache refresh-ahead', () => {
  it('asks for a refresh in the last fifth of the TTL, once at a time, and serves the cached answer until replaced', async () => {
    let now = 1000;
    const cache = new ResponseCache(undefined, { now: () => now });
    let version = 1;
    const compute = () => Promise.resolve({ version });
    await cache.get('org', 'k', 10_000, compute);
    const hit = () => cache.lookup('k') as { answer: { json: Buffer }; refresh: boolean };
    now += 7_999; // 2.001 s of 10 s left
    expect(hit().refresh).toBe(false);
    now += 2; // under 2 s left
    expect(hit().refresh).toBe(true);
    version = 2;
    let finish!: () => void;
    const refreshed = cache.refresh('org', 'k', 10_000, () => new Promise((r) => (finish = () => r({ version }))));
    // While it runs, hits get the cached answer and no second refresh.
    expect([hit().answer.json.toString(), hit().refresh]).toEqual(['{"version":1}', false]);
    finish();
    await refreshed;
    expect([hit().answer.json.toString(), hit().refresh]).toEqual(['{"version":2}', false]);
    expect(cache.stats.refreshes).toBe(1);
    // A failed refresh leaves the answer until its TTL ends, and never past it.
    now += 8_500;
    expect(hit().refresh).toBe(true);
    await expect(cache.refresh('org', 'k', 10_000, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(hit().answer.json.toString()).toBe('{"version":2}');
    now += 1_501;
    expect(cache.lookup('k')).toBeUndefined();
  });
});

describe('RequestLimiter', () => {
  const settings = { ratePerSecond: 2, burst: 3, concurrency: 2, maxKeys: 100 };
  const refused = (f: () => unknown): RetryLater => {
    try {
      f();
    } catch (error) {
      if (error instanceof RetryLater) return error;
      throw error;
    }
    throw new Error('admitted');
  };

  it('refuses past the burst with a 429 saying when a request will be admitted again', () => {
    let now = 0;
    const limiter = new RequestLimiter(settings, () => now);
    for (let i = 0; i < 3; i++) limiter.admit('a')();
    const error = refused(() => limiter.admit('a'));
    expect(error.status).toBe(429);
    expect(error.retryAfterSeconds).toBe(1); // one token at 2/s: 0.5 s, rounded up
    now += 500;
    limiter.admit('a')();
    expect(refused(() => limiter.admit('a')).status).toBe(429);
    expect(limiter.stats.rejectedRate).toBe(2);
  });

  it('gives each key its own bucket and its own concurrency', () => {
    const limiter = new RequestLimiter(settings, () => 0);
    const first = limiter.admit('a');
    limiter.admit('a');
    expect(refused(() => limiter.admit('a')).extra.detail).toMatch(/in flight/);
    const other = limiter.admit('b');
    first();
    first(); // releasing twice frees one slot only
    const again = limiter.admit('a');
    expect(refused(() => limiter.admit('a')).status).toBe(429);
    again();
    other();
  });

  it('bounds its memory: idle buckets and finished requests are forgotten', () => {
    let now = 0;
    const limiter = new RequestLimiter({ ...settings, maxKeys: 10 }, () => now);
    for (let i = 0; i < 1000; i++) limiter.admit(`caller-${i}`)();
    expect(limiter.keys).toEqual({ buckets: 10, inFlight: 0 });
    now += 10_000; // every bucket refilled: nothing left to remember
    limiter.admit('late')();
    expect(limiter.keys.buckets).toBeLessThanOrEqual(10);
  });
});

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once, in arrival order, and refuses with 503 when the queue is full', async () => {
    const gate = new Semaphore(2, 3, 60_000);
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const task = (n: number) =>
      gate.run(
        () =>
          new Promise<void>((resolve) => {
            order.push(n);
            releases.push(resolve);
          }),
      );
    const running = [1, 2, 3, 4, 5].map(task);
    await Promise.resolve();
    expect(gate.load).toEqual({ active: 2, queued: 3 });
    await expect(task(6)).rejects.toMatchObject({ status: 503, retryAfterSeconds: 1 });
    while (releases.length > 0 || gate.load.active > 0) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(running);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(gate.stats.peak).toBe(2);
  });

  it('gives up on a wait longer than its bound with a 503', async () => {
    const gate = new Semaphore(1, 10, 20);
    let release!: () => void;
    const held = gate.run(() => new Promise<void>((r) => (release = r)));
    await expect(gate.run(() => Promise.resolve())).rejects.toMatchObject({
      status: 503,
      message: 'Prometheus is busy',
    });
    release();
    await held;
    expect(gate.load).toEqual({ active: 0, queued: 0 });
  });
});

describe('page window', () => {
  it('caps page × limit with a 400 naming page', () => {
    expect(parse(fullListQuery, { page: String(PAGE_WINDOW / 500), limit: '500' }, 'query').page).toBe(20);
    expect(() => parse(fullListQuery, { page: '21', limit: '500' }, 'query')).toThrow(/^invalid page: page × limit/);
    expect(() => parse(listQuery, { page: '5000000' }, 'query')).toThrow(/^invalid page/);
  });
});

describe('batchQueries', () => {
  /** A store whose every series is `name{org_id="o", id="1"} 1` for each name its selector asks for. */
  async function namedStore(fail = false) {
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const query = new URLSearchParams(body).get('query') ?? '';
        asked.push(query);
        if (fail) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"error","error":"down"}');
          return;
        }
        const names = /__name__=~"([^"]+)"/.exec(query)?.[1]?.split('|') ?? [
          /__name__="([^"]+)"/.exec(query)?.[1] ?? /^[\w:]+/.exec(query)?.[0] ?? '',
        ];
        const result = names.map((name) => ({ metric: { __name__: name, org_id: 'o', id: '1' }, value: [1, '1'] }));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const api = new PrometheusApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 5000);
    return { api, asked, stats: batchQueries(api) };
  }

  it('sends plain selectors with the same matchers, asked together, as one query', async () => {
    const { api, asked, stats } = await namedStore();
    const [cpu, ram, gpu, again, other, sum] = await Promise.all([
      api.query('aiwm_node_cpu_usage_ratio{org_id="o"}'),
      api.query('aiwm_node_memory_usage_ratio{org_id="o"}'),
      api.query('gpu:aiwm_gpu_info:unified{org_id="o"}'),
      api.query('aiwm_node_cpu_usage_ratio{org_id="o"}'),
      api.query('aiwm_node_cpu_usage_ratio{org_id="p"}'),
      api.query('sum(aiwm_nodes{org_id="o"})'),
    ]);
    expect(asked.sort()).toEqual([
      'aiwm_node_cpu_usage_ratio{org_id="p"}',
      'sum(aiwm_nodes{org_id="o"})',
      '{__name__=~"aiwm_node_cpu_usage_ratio|aiwm_node_memory_usage_ratio|gpu:aiwm_gpu_info:unified", org_id="o"}',
    ]);
    expect(api.roundTrips).toBe(3);
    expect(stats).toEqual({ asked: 5, sent: 2 });
    // Each caller gets the series of its name only, as the query alone would have answered.
    expect(cpu).toEqual([{ metric: { __name__: 'aiwm_node_cpu_usage_ratio', org_id: 'o', id: '1' }, value: 1 }]);
    expect(ram.map((x) => x.metric.__name__)).toEqual(['aiwm_node_memory_usage_ratio']);
    expect(gpu.map((x) => x.metric.__name__)).toEqual(['gpu:aiwm_gpu_info:unified']);
    expect(again).toEqual(cpu);
    expect(again).not.toBe(cpu);
    expect(other).toHaveLength(1);
    expect(sum).toHaveLength(1);
  });

  it('keeps quoted values whole, leaves selectors that already match on __name__ alone, and fails every caller of a failed batch', async () => {
    const { api, asked } = await namedStore();
    const tricky = 'org_id="a{b}\\"c", node_id="x"';
    await Promise.all([
      api.query(`aiwm_a{${tricky}}`),
      api.query(`aiwm_b{${tricky}}`),
      api.query('{__name__="aiwm_c"}'),
    ]);
    expect(asked).toContain(`{__name__=~"aiwm_a|aiwm_b", ${tricky}}`);
    expect(asked).toContain('{__name__="aiwm_c"}');

    const down = await namedStore(true);
    const results = await Promise.allSettled([down.api.query('aiwm_a{x="1"}'), down.api.query('aiwm_b{x="1"}')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(down.asked).toHaveLength(1);
  });
});

// ---- over HTTP ---------------------------------------------------------------------------------

interface Store {
  url: string;
  /** Query requests received. */
  received: number;
  /** Hold every answer until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** A PromQL store with no series: empty vectors, matrices and alerts; it can hold its answers. */
async function emptyStore(): Promise<Store> {
  let held: Array<() => void> | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url !== '/api/v1/alerts') store.received++;
      const data =
        req.url === '/api/v1/alerts'
          ? { alerts: [] }
          : { resultType: req.url === '/api/v1/query_range' ? 'matrix' : 'vector', result: [] };
      const answer = () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
      if (held) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const store: Store = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: 0,
    hold: () => (held = []),
    release: () => {
      const answers = held ?? [];
      held = undefined;
      for (const answer of answers) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return store;
}

interface Served {
  base: string;
  facade: Facade;
  store: Store;
  /** The server's side of every connection. */
  sockets: Socket[];
  server: http.Server;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(env: Record<string, string> = {}, cacheClock?: { now(): number }): Promise<Served> {
  const store = await emptyStore();
  closers.push(() => store.close());
  const config = testConfig('mongodb://127.0.0.1:1/unused', {
    PROMETHEUS_URL: store.url,
    JWT_SECRET: SECRET,
    PROMETHEUS_TIMEOUT: '5s',
    ...env,
  });
  let facade!: Facade;
  // The facade's own listener, as the exporter runs it (answerAtOnce before the app).
  const server = createFacadeServer({
    limits: { ...config.http, maxConnections: config.facade!.listen.maxConnections },
    mount: (app) =>
      (facade = mountFacade(app, config, undefined as never, createLogger('silent'), undefined, cacheClock)),
  });
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard`,
    facade,
    store,
    sockets,
    server,
  };
}

/** V8's collector, callable: what a test needs to see that an object is no longer held. */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const token = (orgId: string, sub = 'user-1') =>
  new SignJWT({ sub, orgId, roles: ['organization.viewer'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: string; field?: string; detail?: string } & Record<string, unknown>;
  text: string;
}

async function call(url: string, bearer?: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, {
    ...init,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(init.headers ?? {}) },
  });
  const text = await response.text();
  let body = {};
  try {
    body = JSON.parse(text) as object;
  } catch {
    /* not JSON */
  }
  return { status: response.status, headers: response.headers, body, text };
}

/**
 * A conditional GET with node's http client: fetch() turns a request with If-None-Match into a
 * `Cache-Control: no-cache` one (the Fetch standard), which a server must answer in full.
 */
function revalidate(url: string, etag: string, bearer?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'if-none-match': etag };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Resolves once `f()` holds, checking after every turn of the event loop. */
async function until(f: () => boolean): Promise<void> {
  while (!f()) await new Promise((r) => setTimeout(r, 5));
}

describe('per-token limits over HTTP', () => {
  it('answers 429 with Retry-After to the requests past a token’s concurrency, not to another token', async () => {
    const { base, store, facade } = await serve({ FACADE_CONCURRENCY_PER_TOKEN: '2', FACADE_RATE_LIMIT: 'off' });
    const [a, a2, b] = await Promise.all([token(ORG_A), token(ORG_A), token(ORG_B)]);
    store.hold();
    // Two computations of token a's subject (distinct pages: no shared computation), held by the store.
    const running = [1, 2].map((page) => call(`${base}/workload/models?page=${page}`, a));
    await until(() => facade.limiter.stats.admitted === 2);
    expect(facade.limiter.keys.inFlight).toBe(1);
    // A third, even with another token of the same subject and org, is refused at once.
    const refused = await Promise.all([3, 4].map((page) => call(`${base}/workload/models?page=${page}`, a2)));
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.body.error).toBe('too many requests');
      expect(r.body.detail).toMatch(/2 requests in flight per token/);
    }
    // Another org's user is not refused while a is at its limit.
    const other = call(`${base}/workload/models?page=1`, b);
    await until(() => facade.limiter.keys.inFlight === 2);
    store.release();
    const done = await Promise.all([...running, other]);
    expect(done.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(facade.limiter.keys.inFlight).toBe(0);
    // With its requests finished, a computes again.
    expect((await call(`${base}/workload/models?page=5`, a)).status).toBe(200);
  });

  it('answers 429 past a token’s rate, to everything of that token and nothing of another', async () => {
    const { base, facade } = await serve({ FACADE_RATE_LIMIT: '1/h', FACADE_RATE_BURST: '3' });
    const [a, b] = await Promise.all([token(ORG_A), token(ORG_B, 'user-2')]);
    for (const page of [1, 2, 3]) expect((await call(`${base}/workload/models?page=${page}`, a)).status).toBe(200);
    const refused = await call(`${base}/workload/models?page=4`, a);
    expect(refused.status).toBe(429);
    // One token a hour: the next one comes in an hour (less the second or so the requests took).
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3590);
    expect(retryAfter).toBeLessThanOrEqual(3600);

    expect(refused.body.detail).toMatch(/per token \(bursts of 3\)/);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    // Another tenant is not refused.
    expect((await call(`${base}/workload/models?page=4`, b)).status).toBe(200);
    // Past its rate a caller is refused outright, before any other work: even an answer already
    // cached (a flood then costs one header lookup per request).
    const hits = facade.cache.stats.hits;
    const early = await call(`${base}/workload/models?page=2`, a);
    expect(early.status).toBe(429);
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(retryAfter - 1);
    expect(early.body).toEqual({ error: 'too many requests', detail: refused.body.detail });
    expect([
      early.headers.get('content-type'),
      early.headers.get('x-content-type-options'),
      early.headers.get('cache-control'),
    ]).toEqual(['application/json; charset=utf-8', 'nosniff', 'private, no-store']);
    expect(facade.cache.stats.hits).toBe(hits);
    expect(facade.limiter.stats.rejectedRate).toBe(2);
  });

  it('reads the connection of an early 429 again only after a pause, and other connections at once', async () => {
    const { base, sockets } = await serve({ FACADE_RATE_LIMIT: '1/h', FACADE_RATE_BURST: '1' });
    const [a, b] = await Promise.all([token(ORG_A), token(ORG_B, 'user-2')]);
    expect((await call(`${base}/workload/models`, a)).status).toBe(200);
    expect((await call(`${base}/workload/models?page=2`, a)).status).toBe(429); // a is past its rate
    // One kept-alive connection for a: an early 429 on it, then its next request on the same connection.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const viaAgent = (url: string, bearer: string) =>
      new Promise<{ status: number; port: number | undefined }>((resolve, reject) => {
        http
          .get(url, { agent, headers: { authorization: `Bearer ${bearer}` } }, (res) => {
            const port = res.socket.localPort; // which connection (the agent takes it back at the end)
            res.resume();
            res.once('end', () => resolve({ status: res.statusCode!, port }));
          })
          .once('error', reject);
      });
    const early = await viaAgent(`${base}/workload/models?page=3`, a);
    expect(early.status).toBe(429);
    const order: string[] = [];
    const next = viaAgent(`${base}/workload/models?page=4`, a).then((r) => (order.push('a'), r));
    // b's request, on a connection of its own, computes and is answered while a's waits unread.
    const other = call(`${base}/workload/models?page=4`, b).then((r) => (order.push('b'), r));
    const [again, answered] = await Promise.all([next, other]);
    expect([again.status, answered.status]).toEqual([429, 200]);
    expect(again.port).toBe(early.port);
    expect(order).toEqual(['b', 'a']);
    // A connection refused again and again keeps what it holds: nothing piles up on its socket.
    const [refusedSocket] = sockets.filter((s) => s.remotePort === early.port);
    const listeners = () => refusedSocket!.eventNames().map((name) => refusedSocket!.listenerCount(name));
    const held = listeners();
    for (const page of [5, 6, 7]) expect((await viaAgent(`${base}/workload/models?page=${page}`, a)).status).toBe(429);
    expect(listeners()).toEqual(held);
    agent.destroy();
  });

  it('computes a cached answer again before it expires, in the background, within the caller’s limits', async () => {
    let now = 1000;
    const { base, store, facade } = await serve(
      { FACADE_CONCURRENCY_PER_TOKEN: '1', FACADE_RATE_LIMIT: 'off' },
      { now: () => now },
    );
    const a = await token(ORG_A);
    const first = await call(`${base}/workload/models`, a);
    expect(first.status).toBe(200);
    const asked = store.received;
    // Within the last fifth of the TTL: the cached answer at once, and the queries sent again behind it.
    now += 50_000;
    const near = await call(`${base}/workload/models`, a);
    expect([near.status, near.text]).toEqual([200, first.text]);
    await until(() => facade.cache.stats.refreshes === 1 && facade.limiter.keys.inFlight === 0);
    expect(store.received).toBe(2 * asked);
    // Replaced: fresh for a whole TTL again, so no refresh and no query.
    now += 40_000;
    expect((await call(`${base}/workload/models`, a)).status).toBe(200);
    expect([facade.cache.stats.refreshes, store.received]).toEqual([1, 2 * asked]);
    // A caller at its concurrency limit gets its cached answer and no refresh, and is not counted as refused.
    now += 10_000;
    store.hold();
    const running = call(`${base}/workload/models?page=2`, a);
    await until(() => facade.limiter.keys.inFlight === 1);
    expect((await call(`${base}/workload/models`, a)).status).toBe(200);
    expect([facade.cache.stats.refreshes, facade.limiter.stats.rejectedConcurrency]).toEqual([1, 0]);
    store.release();
    expect((await running).status).toBe(200);
  });

  it('counts by client address with FACADE_AUTH=none', async () => {
    const { base } = await serve({ FACADE_AUTH: 'none', FACADE_RATE_LIMIT: '1/h', FACADE_RATE_BURST: '1' });
    expect((await call(`${base}/workload/models?page=1`)).status).toBe(200);
    expect((await call(`${base}/workload/models?page=2`)).status).toBe(429);
  });

  it('keeps every org’s answers apart in the cache', async () => {
    const { base, store, facade } = await serve();
    const [a, b] = await Promise.all([token(ORG_A), token(ORG_B)]);
    await call(`${base}/workload/models`, a);
    const afterA = store.received;
    await call(`${base}/workload/models`, b);
    const afterB = store.received;
    expect(afterB).toBeGreaterThan(afterA); // b computed its own
    await call(`${base}/workload/models`, a);
    await call(`${base}/workload/models`, b);
    expect(store.received).toBe(afterB); // and both are cached, each for its org
    expect([...facade.cache.size.orgs.keys()].sort()).toEqual([`org:${ORG_A}`, `org:${ORG_B}`]);
  });
});

describe('Prometheus query cap over HTTP', () => {
  it('holds at most FACADE_PROMETHEUS_CONCURRENCY queries in flight, whatever the fan-out', async () => {
    const { base, store, facade } = await serve({
      FACADE_PROMETHEUS_CONCURRENCY: '2',
      FACADE_CONCURRENCY_PER_TOKEN: '0',
      FACADE_RATE_LIMIT: 'off',
    });
    const t = await token(ORG_A);
    // The rule probe first (remembered for a minute): afterwards each request sends its queries at once.
    expect((await call(`${base}/workload/models?page=9`, t)).status).toBe(200);
    const before = store.received;
    store.hold();
    const requests = [1, 2, 3].map((page) => call(`${base}/workload/models?page=${page}`, t));
    await until(() => store.received - before >= 2 && facade.queries.load.queued > 0);
    expect(store.received - before).toBe(2);
    expect(facade.queries.load.active).toBe(2);
    // Answer everything from now on; the queued queries go out two at a time.
    store.release();
    expect((await Promise.all(requests)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(facade.queries.stats.peak).toBe(2);
  });
});

describe('HTTP hygiene', () => {
  it('answers other methods on facade paths with 405 and Allow', async () => {
    const { base } = await serve();
    const t = await token(ORG_A);
    for (const [method, path] of [
      ['POST', '/overview'],
      ['PUT', '/infrastructure/nodes'],
      ['DELETE', `/infrastructure/nodes/${ORG_A}`],
      ['PATCH', '/openapi.json'],
      ['OPTIONS', '/workload/models'],
    ] as const) {
      const r = await call(`${base}${path}`, t, { method });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
      expect(r.body.error).toMatch(new RegExp(`^${method} is not allowed`));
    }
    const head = await fetch(`${base}/workload/models`, { method: 'HEAD', headers: { authorization: `Bearer ${t}` } });
    expect(head.status).toBe(200);
    expect((await call(`${base}/nope`, t, { method: 'POST' })).status).toBe(404);
  });

  it('answers malformed percent-encoding and repeated parameters with 400 naming the field', async () => {
    const { base } = await serve();
    const t = await token(ORG_A);
    const path = await call(`${base}/infrastructure/nodes/%E0%A4%A`, t);
    expect(path.status).toBe(400);
    expect(path.body).toEqual({ error: 'invalid path: malformed percent-encoding', field: 'path' });
    expect((await call(`${base}/workload/agents/%zz/performance`, t)).status).toBe(400);
    const query = await call(`${base}/overview?period=%E0%A4%A`, t);
    expect(query.status).toBe(400);
    expect(query.body.field).toBe('period');
    const repeated = await call(`${base}/infrastructure/nodes?page=1&page=2`, t);
    expect(repeated.status).toBe(400);
    expect(repeated.body).toEqual({ error: 'invalid page: given more than once', field: 'page' });
    const window = await call(`${base}/workload/agents?page=21`, t);
    expect(window.status).toBe(400);
    expect(window.body.field).toBe('page');
  });

  it('marks every answer nosniff and tenant data private, no-store', async () => {
    const { base } = await serve();
    const t = await token(ORG_A);
    for (const [path, bearer, status] of [
      ['/workload/models', t, 200],
      ['/workload/models?format=csv', t, 200],
      ['/workload/models', undefined, 401],
      ['/workload/models?page=0', t, 400],
      ['/nope', t, 404],
    ] as const) {
      const r = await call(`${base}${path}`, bearer);
      expect(r.status, path).toBe(status);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('cache-control'), path).toBe('private, no-store');
    }
    const csv = await call(`${base}/workload/models?format=csv`, t);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  });

  it('answers a cached answer with the same bytes and ETag, and 304 to a matching If-None-Match', async () => {
    const { base } = await serve();
    const t = await token(ORG_A);
    const first = await call(`${base}/workload/models`, t);
    const second = await call(`${base}/workload/models`, t);
    expect(second.text).toBe(first.text);
    const etag = first.headers.get('etag')!;
    expect(second.headers.get('etag')).toBe(etag);
    expect(await revalidate(`${base}/workload/models`, etag, t)).toEqual({ status: 304, body: '' });
  });

  it('answers a request seen before from its cached answer with the headers the route sends, token checked again', async () => {
    const { base, store } = await serve();
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const t = await new SignJWT({ sub: 'user-1', orgId: ORG_A, roles: ['organization.viewer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(SECRET));
    const first = await call(`${base}/workload/models?page=1`, t); // routed and computed
    const asked = store.received;
    const again = await call(`${base}/workload/models?page=1`, t); // the same request: answered at once
    expect(store.received).toBe(asked);
    expect([again.status, again.text]).toEqual([first.status, first.text]);
    const headers = (r: Answer) =>
      ['content-type', 'content-length', 'etag', 'cache-control', 'x-content-type-options', 'x-powered-by'].map(
        (name) => r.headers.get(name),
      );
    expect(headers(again)).toEqual(headers(first));
    // Once the token has expired, the answer still cached is not served to it.
    while (Date.now() / 1000 < expiresAt + 0.1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await call(`${base}/workload/models?page=1`, t)).status).toBe(401);
  });

  it('keeps no request or response once answered, though it keeps how to answer them again', async () => {
    const { base, server, store } = await serve();
    const answered: Array<WeakRef<object>> = [];
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) =>
      answered.push(new WeakRef(req), new WeakRef(res)),
    );
    const t = await token(ORG_A);
    for (let page = 1; page <= 10; page++)
      expect((await call(`${base}/workload/models?page=${page}`, t)).status).toBe(200);
    expect(answered).toHaveLength(20);
    server.closeAllConnections();
    // A weakly held object is collected only after the job that made or read the WeakRef has ended.
    const gc = collectGarbage();
    for (let round = 0; round < 5 && answered.some((ref) => ref.deref()); round++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
    }
    expect(answered.filter((ref) => ref.deref()).length).toBe(0);
    // What it kept still answers them: from the cache, Prometheus not asked.
    const asked = store.received;
    expect((await call(`${base}/workload/models?page=3`, t)).status).toBe(200);
    expect(store.received).toBe(asked);
  });

  it('serves the OpenAPI document built once: the same bytes and ETag, 304 when unchanged', async () => {
    const { base, store } = await serve();
    const first = await call(`${base}/openapi.json`);
    const second = await call(`${base}/openapi.json`);
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(second.headers.get('etag')).toBe(etag);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await revalidate(`${base}/openapi.json`, etag)).toEqual({ status: 304, body: '' });
    const doc = first.body as { paths: Record<string, { get: { responses: Record<string, unknown> } }> };
    expect(Object.keys(doc.paths['/dashboard/overview']!.get.responses)).toContain('429');
    expect(store.received).toBe(0);
  });
});
