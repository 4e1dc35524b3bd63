import http from 'node:http';
import { gzipSync } from 'node:zlib';
import express, { type Express } from 'express';
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
 * rendered now. Gzip members may be concatenated (RFC 1952), so the small tail is compressed on
 * its own and appended without touching the large buffer.
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
    body = [await snapshot.gzipped(openMetrics), gzipSync(tail, TAIL_GZIP)];
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

export interface ServerOptions {
  source: MetricsSource;
  self: SelfMetrics;
  log: Logger;
  /** True once the first poll has finished. */
  ready: () => boolean;
  /** Extra routes (the JSON facade) mounted before the 404 handler. */
  mount?: (app: Express) => void;
}

export function createApp(options: ServerOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    if (options.ready()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'starting', error: 'the first poll has not finished yet' });
  });
  options.mount?.(app);
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  return app;
}

/** The HTTP server: /metrics skips express (it is the hot path), everything else goes through it. */
export function createServer(options: ServerOptions): http.Server {
  const app = createApp(options);
  return http.createServer((req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (path !== '/metrics') {
      app(req, res);
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
  });
}
