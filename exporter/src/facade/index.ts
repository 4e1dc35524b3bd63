/**
 * The JSON facade: the seed's `GET /dashboard/...` endpoints answered from PromQL (plus small
 * indexed MongoDB reads for record-level details), scoped to the caller's org.
 *
 * Before routing (answerAtOnce, run first by the facade's listener): an early 429 for a verified caller
 * past its rate, and the cached answer of a request seen before (same token and URL).
 * A request: token (401/403) -> parameters (400) -> the cache (an answer, or a computation already
 * running for the same org and parameters, costs nothing more) -> else the caller's limits (429 with
 * Retry-After) -> the route's queries, each through the process-wide cap on concurrent Prometheus
 * queries (503 with Retry-After when Prometheus is saturated), plain selectors asked together sent as
 * one query. Every answer carries
 * `X-Content-Type-Options: nosniff` and `Cache-Control: private, no-store` (the OpenAPI document:
 * `no-cache` with an ETag); a method other than GET or HEAD on a facade path is a 405 with `Allow`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { decodeJwt } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { VerifiedTokens, type Scope } from './auth.js';
import { batchQueries, type BatchStats } from './batch.js';
import { ResponseCache, type CachedAnswer } from './cache.js';
import { toCsv } from './csv.js';
import { badRequest, HttpError, mongoUnavailable } from './errors.js';
import { capQueries, RequestLimiter, RetryLater, Semaphore } from './limits.js';
import { servedOpenApiDocument } from './openapi.js';
import { parse } from './params.js';
import { PrometheusApi } from './prometheus.js';
import type { FacadeContext, Route } from './route.js';
import { agentPerformanceRoute } from './routes/agent.js';
import { agentsRoute } from './routes/agents.js';
import { alertHistoryRoute, alertsRoute } from './routes/alerts.js';
import { deploymentMetricsRoute } from './routes/deployment.js';
import { deploymentsRoute } from './routes/deployments.js';
import { executionRoute } from './routes/execution.js';
import { executionsRoute } from './routes/executions.js';
import { healthRoute } from './routes/health.js';
import { modelsRoute } from './routes/models.js';
import { nodeRoute } from './routes/node.js';
import { nodesRoute } from './routes/nodes.js';
import { overviewRoute } from './routes/overview.js';
import { resourceRoute } from './routes/resource.js';
import { resourcesRoute } from './routes/resources.js';
import { cacheKeyOf } from './scope.js';

export { overviewRoute };

export const ROUTES: readonly Route[] = [
  overviewRoute,
  nodesRoute,
  nodeRoute,
  resourcesRoute,
  resourceRoute,
  modelsRoute,
  deploymentsRoute,
  deploymentMetricsRoute,
  agentsRoute,
  agentPerformanceRoute,
  executionsRoute,
  executionRoute,
  healthRoute,
  alertsRoute,
  alertHistoryRoute,
] as Route[];

export interface Facade {
  readonly prometheus: PrometheusApi;
  /** The response cache (its stats and size, for tests and the benchmark). */
  readonly cache: ResponseCache;
  /** The per-caller limits (their stats). */
  readonly limiter: RequestLimiter;
  /** The process-wide cap on concurrent Prometheus queries (its stats). */
  readonly queries: Semaphore;
  /** Plain selectors asked, and the queries sent for them (batch.ts). */
  readonly batching: BatchStats;
  /**
   * Answers, before the app, an early 429 or a cached answer to a request seen before; true when it
   * did. The facade's listener runs it first (createFacadeServer): without it no caller is refused early.
   */
  answerAtOnce(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * A route's answer to one request's arguments: its cache key and org, the caller whose limits its
 * computation counts against, how long it is kept, and the computation itself.
 */
interface RouteAnswer {
  key: string;
  org: string;
  callerKey: string;
  ttlMs: number;
  compute: () => Promise<unknown>;
}

/** Headers of every answer of the facade. */
const EVERY_ANSWER = { 'x-content-type-options': 'nosniff', 'cache-control': 'private, no-store' };
const JSON_TYPE = 'application/json; charset=utf-8';

/** Methods every facade path answers; any other is a 405 naming these in `Allow`. */
const ALLOWED = 'GET, HEAD';
/** Queries waiting for a Prometheus slot at most (beyond: 503). */
const MAX_QUEUED_QUERIES = 1000;

/** Whose request this is: the scope it may see, and the key its limits are counted under. */
interface Caller {
  scope: Scope;
  key: string;
}

/**
 * The limiter key of a verified token: its subject within its org (the same user's tokens share
 * one allowance), or a hash of the token when it names no subject.
 */
function tokenKey(authorization: string): string {
  const token = /^\s*bearer\s+(\S+)/i.exec(authorization)?.[1] ?? authorization;
  let claims: Record<string, unknown> = {};
  try {
    claims = decodeJwt(token); // already verified by scopeFromToken
  } catch {
    /* keyed by its hash */
  }
  const sub = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : undefined;
  const org = typeof claims.orgId === 'string' ? claims.orgId : '';
  return sub !== undefined
    ? `sub:${org}:${sub}`
    : `token:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
}

/**
 * How long a connection is not read after an early 429 (a caller past its rate): at most one refusal
 * per connection and interval, whatever the client's retry loop. Bounded by FACADE_MAX_CONNECTIONS.
 */
const REFUSAL_DELAY_MS = 500;

/**
 * Stops reading the connection of `res` for about REFUSAL_DELAY_MS once `res` is sent, a little more or
 * less for each connection so that a flood's connections are not all read again in one turn of the
 * event loop. It pauses on the turn after the response finished: node's HTTP server resumes the socket
 * for the next request when a response finishes, and that must come first.
 */
function pauseReading(res: ServerResponse): void {
  const socket: Socket | null = res.socket;
  if (!socket) return;
  // Nothing is added to the socket itself (a listener per refusal would pile up on a kept-alive
  // connection refused again and again); the timer alone holds it, for at most the delay.
  const resume = () => {
    if (!socket.destroyed) socket.resume();
  };
  res.once('finish', () =>
    setImmediate(() => {
      if (socket.destroyed) return;
      socket.pause();
      setTimeout(resume, REFUSAL_DELAY_MS * (0.8 + 0.4 * Math.random())).unref();
    }),
  );
}

/** The 400 of a path whose percent-encoding does not decode (express raises a URIError). */
const badEncoding = () => new HttpError(400, 'invalid path: malformed percent-encoding', { field: 'path' });

/** Mounts the facade under FACADE_BASE_PATH on `app`; `cacheClock` replaces the cache's TTL clock (tests). */
export function mountFacade(
  app: Express,
  config: Config,
  db: Db,
  log: Logger,
  clock: () => Date = () => new Date(),
  cacheClock?: { now(): number },
): Facade {
  const facade = config.facade!;
  const queries = new Semaphore(facade.limits.prometheusConcurrency, MAX_QUEUED_QUERIES, facade.timeoutMs);
  // Each query sent takes a slot of the cap; plain selectors asked together go out as one (batch.ts).
  const prometheus = capQueries(
    new PrometheusApi(facade.prometheusUrl, facade.timeoutMs, { maxBytes: facade.prometheusMaxBytes, log }),
    queries,
  );
  const batching = batchQueries(prometheus);
  const cache = new ResponseCache(facade.cache, cacheClock);
  const limiter = new RequestLimiter({ ...facade.limits, maxKeys: 10_000 });
  const openapi = servedOpenApiDocument(ROUTES, facade.basePath);
  const secret = facade.auth.kind === 'jwt' ? new TextEncoder().encode(facade.auth.secret) : undefined;
  const tokens = secret ? new VerifiedTokens(secret, facade.adminRoles) : undefined;
  /** The limiter key of each verified Authorization header (decoding the token once). */
  const callerKeys = new LRUCache<string, string>({ max: 10_000 });
  if (!secret) log.warn('FACADE_AUTH=none: the JSON facade serves every org to anyone who can reach it');
  const router = express.Router({ strict: true });

  const callerOf = async (req: Request): Promise<Caller> => {
    if (!tokens) return { scope: { kind: 'all' }, key: `address:${req.socket.remoteAddress ?? ''}` };
    const scope = await tokens.scopeOf(req.headers.authorization);
    const authorization = req.headers.authorization ?? '';
    let key = callerKeys.get(authorization);
    if (key === undefined) callerKeys.set(authorization, (key = tokenKey(authorization)));
    return { scope, key };
  };

  /**
   * A route's answer to these arguments. Built here, not in the request's handler: `seen` and the cache
   * keep its computation after the request, and a closure made in the handler would keep the request
   * and its response alive with it (V8 keeps a closure's whole chain of scopes).
   */
  const routeAnswer = (
    route: Route,
    caller: Caller,
    org: string,
    key: string,
    args: { params: Record<string, string>; query: Record<string, unknown> },
  ): RouteAnswer => {
    const scope = caller.scope;
    const compute = () => {
      const ctx: FacadeContext = { prom: prometheus, db, config, scope, now: clock() };
      return route.handle(ctx, args.params, args.query as never);
    };
    return { key, org, callerKey: caller.key, ttlMs: route.cacheMs, compute };
  };

  const earlyRefusal = Buffer.from(JSON.stringify({ error: 'too many requests', detail: limiter.rateDetail }));
  /**
   * Requests answered before (their Authorization and URL): what answerAtOnce needs to answer them
   * again. As many as the cache holds answers: beyond that, most would point to answers it has dropped.
   */
  const seen = new LRUCache<string, RouteAnswer>({ max: facade.cache.maxEntries });
  /** A path under the facade's base path (the path itself, or below it, or with a query). */
  const underBasePath = (url: string) =>
    url.startsWith(facade.basePath) &&
    (url.length === facade.basePath.length || '/?'.includes(url[facade.basePath.length]!));

  /**
   * Answers from memory, before express sees the request, what needs no parsing (true when it did):
   * - a verified caller past its rate gets its 429 at once, as prepared bytes: a flooding tenant then
   *   costs the event loop little, and the other tenants keep their latency. The connection's next
   *   request is read only after a pause (pauseReading), so a client that retries at once waits too,
   *   with its request in the kernel's socket buffer: nothing of it is held on the heap.
   * - a GET seen before (same Authorization, same URL) whose answer is cached gets it, as the route
   *   would send it: no routing, parsing or cache key. The token is checked again (peek: verified and
   *   not expired), and a conditional request goes the long way (ETag and 304 there).
   */
  const answerAtOnce = (req: IncomingMessage, res: ServerResponse): boolean => {
    const authorization = req.headers.authorization;
    const url = req.url ?? '';
    if (!tokens || authorization === undefined || !underBasePath(url) || !tokens.peek(authorization)) return false;
    const callerKey = callerKeys.get(authorization);
    const wait = callerKey === undefined ? undefined : limiter.refusing(callerKey);
    if (wait !== undefined) {
      pauseReading(res);
      res.writeHead(429, { ...EVERY_ANSWER, 'retry-after': String(wait), 'content-type': JSON_TYPE });
      res.end(earlyRefusal);
      return true;
    }
    if (req.method !== 'GET' || req.headers['if-none-match'] !== undefined) return false;
    const known = seen.get(`${authorization} ${url}`);
    const found = known && cache.cached(known.key);
    if (!found) return false;
    if (found.refresh) refreshAhead(known);
    const { json, etag } = found.answer;
    res.writeHead(200, { ...EVERY_ANSWER, 'content-type': JSON_TYPE, 'content-length': json.length, etag });
    res.end(json);
    return true;
  };

  /**
   * Computes a cached answer again before it expires, in the background, when its caller is within its
   * limits (it counts as one of the caller's computations); a failure leaves the cached answer as it is.
   */
  const refreshAhead = ({ callerKey, org, key, ttlMs, compute }: RouteAnswer) => {
    const release = limiter.tryAdmit(callerKey);
    if (!release) return;
    cache
      .refresh(org, key, ttlMs, compute)
      .catch((error: unknown) => log.debug({ key, error: (error as Error).message }, 'facade cache refresh failed'))
      .finally(release);
  };

  // Every answer of the facade's app, errors and 404s included (this runs before the router).
  app.use((_req, res, next) => {
    for (const [name, value] of Object.entries(EVERY_ANSWER)) res.setHeader(name, value);
    res.removeHeader('x-powered-by');
    next();
  });

  const methodNotAllowed = (req: Request, res: Response) => {
    res
      .status(405)
      .setHeader('allow', ALLOWED)
      .json({ error: `${req.method} is not allowed: ${facade.basePath}${req.path} answers ${ALLOWED}` });
  };

  // Built once: the same bytes and ETag for every request.
  router.get('/openapi.json', (req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('etag', openapi.etag);
    res.type('application/json');
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.send(openapi.body);
  });
  router.all('/openapi.json', methodNotAllowed);

  for (const route of ROUTES) {
    router.get(route.path, (req: Request, res: Response, next: NextFunction) => {
      (async () => {
        const caller = await callerOf(req);
        const params: Record<string, string> = {};
        for (const [name, schema] of Object.entries(route.params ?? {}))
          params[name] = parse(schema, req.params[name], name) as string;
        const raw = { ...(req.query as Record<string, unknown>) };
        const repeated = Object.keys(raw).find((name) => Array.isArray(raw[name]));
        if (repeated !== undefined) throw badRequest(repeated, 'given more than once');
        const format = raw.format;
        if (!route.rows && format !== undefined)
          throw new HttpError(400, 'invalid format: this endpoint has no list to export', { field: 'format' });
        const query = parse(
          route.query,
          route.rows ? raw : (({ format: _f, ...rest }) => rest)(raw),
          'query',
        ) as Record<string, unknown>;
        const org = cacheKeyOf(caller.scope);
        const key = `${route.path}|${org}|${JSON.stringify(params)}|${JSON.stringify(query)}`;
        const routed = routeAnswer(route, caller, org, key, { params, query });
        let answer: CachedAnswer;
        const found = cache.lookup(key);
        if (found && 'answer' in found) {
          answer = found.answer;
          if (found.refresh) refreshAhead(routed);
        } else if (found) answer = await found.running;
        else {
          // Only a request that computes counts against its caller's limits.
          const release = limiter.admit(caller.key);
          try {
            answer = await cache.fill(org, key, route.cacheMs, routed.compute);
          } finally {
            release();
          }
        }
        if (req.method === 'GET' && tokens && query.format !== 'csv')
          seen.set(`${req.headers.authorization} ${req.originalUrl}`, routed);
        if (query.format === 'csv' && route.rows) {
          const body = JSON.parse(answer.json.toString('utf8')) as Record<string, unknown>;
          res
            .type('text/csv')
            .setHeader(
              'content-disposition',
              `attachment; filename="${route.path.split('/').filter(Boolean).join('-')}.csv"`,
            );
          res.send(toCsv(route.rows(body)));
          return;
        }
        res.type('application/json').setHeader('etag', answer.etag);
        res.send(answer.json);
      })().catch(next);
    });
    router.all(route.path, methodNotAllowed);
  }

  router.use((req, _res, next) => next(new HttpError(404, `no route for ${req.method} ${facade.basePath}${req.path}`)));
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof URIError) error = badEncoding();
    const mongo = mongoUnavailable(error);
    if (mongo) {
      log.warn({ path: req.path, error: (error as Error).name }, 'facade MongoDB read failed');
      error = mongo;
    }
    if (error instanceof HttpError) {
      if (error.status >= 500)
        log.warn({ path: req.path, error: error.message, detail: error.extra.detail }, 'facade dependency failed');
      if (error instanceof RetryLater) res.setHeader('retry-after', String(error.retryAfterSeconds));
      res.status(error.status).json({ error: error.message, ...error.extra });
      return;
    }
    // What express itself raises for a bad request (4xx `status`): a 400-class answer, not a 500.
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad request' });
      return;
    }
    log.error({ path: req.path, err: error instanceof Error ? error.message : String(error) }, 'facade request failed');
    res.status(500).json({ error: 'internal error' });
  });
  app.use(facade.basePath, router);
  return { prometheus, cache, limiter, queries, batching, answerAtOnce };
}
