import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import express, { type Express } from 'express';
import type { MetricsAuth } from './config.js';
import type { Logger } from './logger.js';
import { OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE } from './metrics/exposition.js';
import type { SelfMetrics } from './metrics/self.js';
import type { Snapshot } from './snapshot.js';

export interface MetricsSource {
  readonly snapshot: Snapshot | undefined;
  wantGzip(openMetrics: boolean): void;
}

/** The per-scrape tail is a few hundred bytes: a small zlib window and memory level make compressing it cheap. */
const TAIL_GZIP = { level: 1, memLevel: 1, windowBits: 9 } as const;

function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/openmetrics-text');
}

function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * /metrics: the poll's prepared (and pre-compressed) exposition followed by the scrape counter
 * rendered now. Gzip members may be concatenated (RFC 1952): the snapshot's members (one per
 * header and chunk, cached across polls) are written as they are, and the small tail is
 * compressed on its own and appended as one more member.
 */
export async function serveMetrics(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  source: MetricsSource,
  self: SelfMetrics,
): Promise<void> {
  // `?format=text|openmetrics` overrides the Accept header: Prometheus 2.x always asks for OpenMetrics first.
  const format = new URL(req.url ?? '/', 'http://localhost').searchParams.get('format');
  const openMetrics = format === 'openmetrics' || (format !== 'text' && wantsOpenMetrics(req.headers.accept));
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  const tail =
    self.countScrape(openMetrics ? 'openmetrics' : 'text', gzip ? 'gzip' : 'identity', openMetrics) +
    (openMetrics ? '# EOF\n' : '');
  const snapshot = source.snapshot;
  let body: Buffer[];
  if (!snapshot) {
    // Before the first poll: the exporter's own metrics, rendered now.
    const text = Buffer.from((await self.render(openMetrics)) + tail);
    body = [gzip ? gzipSync(text) : text];
  } else if (gzip) {
    source.wantGzip(openMetrics);
    body = [...(await snapshot.gzipped(openMetrics)), gzipSync(tail, TAIL_GZIP)];
  } else {
    body = [...snapshot.parts(openMetrics), Buffer.from(tail)];
  }
  const headers: http.OutgoingHttpHeaders = {
    'content-type': openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE,
    'content-length': body.reduce((n, b) => n + b.length, 0),
    vary: 'Accept, Accept-Encoding',
  };
  if (gzip) headers['content-encoding'] = 'gzip';
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.cork();
  for (const part of body) res.write(part);
  res.uncork();
  res.end();
}

/** Timeouts and the connection cap of one listener (HTTP_*_TIMEOUT, MAX_CONNECTIONS, FACADE_MAX_CONNECTIONS). */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/** What /readyz answers: ready, or why not. */
export type Readiness = { ready: true } | { ready: false; status: 'starting' | 'unavailable'; error: string };

export interface ServerOptions {
  source: MetricsSource;
  self: SelfMetrics;
  log: Logger;
  limits: ServerLimits;
  readiness: () => Readiness;
  /** Credentials /metrics asks for; undefined: open. */
  metricsAuth?: MetricsAuth;
}

/**
 * An http.Server with the limits applied: a client must send its headers within headersTimeout
 * and its whole request within requestTimeout (the first check runs every second, not Node's
 * default 30 s), an idle keep-alive connection closes after keepAliveTimeout, a connection idle
 * for requestTimeout is dropped, and connections beyond maxConnections are refused.
 */
export function limitedServer(handler: http.RequestListener, limits: ServerLimits): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    handler,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.requestTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

const nosniff = (_req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
  res.setHeader('x-content-type-options', 'nosniff');
  next();
};

const notFound = (req: express.Request, res: express.Response) => {
  res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
};

/** /healthz and /readyz of the metrics listener. */
export function createApp(options: Pick<ServerOptions, 'readiness'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(nosniff);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const readiness = options.readiness();
    if (readiness.ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: readiness.status, error: readiness.error });
  });
  app.use(notFound);
  return app;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Checks `Authorization` against the configured bearer token and/or basic-auth user and password.
 * Both sides are hashed to equal length and compared with timingSafeEqual, so the time taken says
 * nothing about how much of a guess was right.
 */
export function scrapeAuthorizer(auth: MetricsAuth): (header: string | undefined) => boolean {
  const token = auth.bearerToken === undefined ? undefined : digest(auth.bearerToken);
  const user = auth.basic ? digest(auth.basic.username) : undefined;
  const password = auth.basic ? digest(auth.basic.password) : undefined;
  return (header) => {
    if (!header) return false;
    const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
    if (!match) return false;
    const scheme = match[1]!.toLowerCase();
    if (scheme === 'bearer' && token) return timingSafeEqual(digest(match[2]!), token);
    if (scheme === 'basic' && user && password) {
      const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      // Both comparisons run whatever the first one says.
      const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), user);
      const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), password);
      return userOk && passwordOk;
    }
    return false;
  };
}

/**
 * The metrics listener: /metrics skips express (it is the hot path), /healthz and /readyz go
 * through it. It never serves the facade, which has its own listener (createFacadeServer).
 */
export function createServer(options: ServerOptions): http.Server {
  const app = createApp(options);
  const authorized = options.metricsAuth ? scrapeAuthorizer(options.metricsAuth) : undefined;
  const challenge = [
    ...(options.metricsAuth?.bearerToken !== undefined ? ['Bearer realm="aiwm-exporter"'] : []),
    ...(options.metricsAuth?.basic ? ['Basic realm="aiwm-exporter", charset="UTF-8"'] : []),
  ];
  return limitedServer((req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (path !== '/metrics') {
      app(req, res);
      return;
    }
    res.setHeader('x-content-type-options', 'nosniff');
    if (authorized && !authorized(req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': challenge });
      res.end(JSON.stringify({ error: 'authentication required for /metrics' }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
      res.end(JSON.stringify({ error: `${req.method} is not allowed on /metrics` }));
      return;
    }
    serveMetrics(req, res, options.source, options.self).catch((error: unknown) => {
      options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'serving /metrics failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error while rendering metrics' }));
    });
  }, options.limits);
}

export interface FacadeServerOptions {
  limits: ServerLimits;
  /**
   * Mounts the JSON facade (mountFacade) on the listener's app; what it returns may answer a request
   * before the app sees it (`answerAtOnce`: true when it did).
   */
  mount: (app: Express) => { answerAtOnce?(req: http.IncomingMessage, res: http.ServerResponse): boolean } | void;
}

/**
 * The facade's own listener (FACADE_LISTEN_ADDRESS:FACADE_PORT): its /healthz and the facade,
 * nothing else. /metrics holds every org's inventory, so it is never served here (404).
 */
export function createFacadeServer(options: FacadeServerOptions): http.Server {
  const app = express();
  app.disable('x-powered-by');
  app.use(nosniff);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const mounted = options.mount(app);
  app.use(notFound);
  const atOnce = mounted?.answerAtOnce;
  const handler: http.RequestListener = atOnce
    ? (req, res) => {
        if (!atOnce(req, res)) app(req, res);
      }
    : app;
  return limitedServer(handler, options.limits);
}
