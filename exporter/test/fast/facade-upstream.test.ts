/**
 * Upstream answers: a Prometheus that answers badly (not JSON, an HTML error page, the wrong shape, a
 * truncated body, an error with internal text, too large an answer, no answer) is a 503
 * `Prometheus is unavailable` with a stable `detail` code, never a 500, and never the upstream's own
 * text; that text goes to the log. Against a real HTTP server on loopback that answers each way,
 * through PrometheusApi and through the facade's HTTP listener.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { mountFacade } from '../../src/facade/index.js';
import { DEFAULT_MAX_ANSWER_BYTES, PrometheusApi } from '../../src/facade/prometheus.js';
import { mongoUnavailable } from '../../src/facade/errors.js';
import { testConfig } from '../../../testing/harness.js';

/** Text that must never reach a caller: what a misbehaving upstream says about itself. */
const LEAK = 'internal: /var/lib/prometheus wal corrupt at 10.0.0.7 token=s3cr3t';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A Prometheus stand-in on 127.0.0.1 that answers every request with `handler`. */
async function upstream(handler: Handler): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const text =
  (status: number, body: string, type = 'text/plain'): Handler =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': type }).end(body);

/** A logger whose lines the test reads. */
function capturedLog() {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  return { log, lines };
}

/** How PrometheusApi fails against `handler`: the HttpError's status, message and detail. */
async function failure(
  handler: Handler,
  options: { maxBytes?: number; timeoutMs?: number; ask?: (api: PrometheusApi) => Promise<unknown> } = {},
) {
  const { log, lines } = capturedLog();
  const api = new PrometheusApi(await upstream(handler), options.timeoutMs ?? 2000, {
    maxBytes: options.maxBytes,
    log,
  });
  const error = await (options.ask ?? ((a) => a.query('up')))(api).then(
    () => undefined,
    (e: unknown) => e as { status: number; message: string; extra: Record<string, string> },
  );
  if (!error) throw new Error('the answer was accepted');
  return { status: error.status, error: error.message, detail: error.extra.detail, log: lines.join('') };
}

const VECTOR = { status: 'success', data: { resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1, '2'] }] } };

describe('PrometheusApi against a misbehaving Prometheus', () => {
  it('reads well-formed answers: vector, scalar, matrix, alerts (annotations optional)', async () => {
    const url = await upstream((req, res) => {
      const answers: Record<string, unknown> = {
        '/api/v1/query': VECTOR,
        '/api/v1/query_range': {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: {},
                values: [
                  [1, '3'],
                  [2, 'NaN'],
                ],
              },
            ],
          },
        },
        '/api/v1/alerts': {
          status: 'success',
          data: { alerts: [{ labels: { alertname: 'A' }, state: 'firing', activeAt: '2026-01-01T00:00:00Z' }] },
        },
      };
      json(200, answers[req.url ?? ''])(req, res);
    });
    const api = new PrometheusApi(url, 2000);
    expect(await api.query('x')).toEqual([{ metric: { a: 'b' }, value: 2 }]);
    expect(await api.queryRange('x', new Date(1000), new Date(2000), 1)).toEqual([
      {
        metric: {},
        values: [
          [1, 3],
          [2, NaN],
        ],
      },
    ]);
    expect(await api.alerts()).toEqual([
      { labels: { alertname: 'A' }, annotations: {}, state: 'firing', activeAt: '2026-01-01T00:00:00Z' },
    ]);
    const scalar = new PrometheusApi(
      await upstream(json(200, { status: 'success', data: { resultType: 'scalar', result: [1, '7'] } })),
      2000,
    );
    expect(await scalar.query('vector(7)')).toEqual([{ metric: {}, value: 7 }]);
  });

  it('answers 503 malformed_answer for non-JSON, an HTML page, a truncated body and every wrong shape', async () => {
    const bad: Array<[string, Handler]> = [
      ['plain text', text(200, LEAK)],
      ['an HTML page with 200', text(200, `<html><body><h1>Welcome</h1>${LEAK}</body></html>`, 'text/html')],
      ['truncated JSON', text(200, JSON.stringify(VECTOR).slice(0, 40), 'application/json')],
      ['empty body', text(200, '', 'application/json')],
      ['null', json(200, null)],
      ['an array', json(200, [VECTOR])],
      ['no status', json(200, { data: VECTOR.data })],
      ['success without data', json(200, { status: 'success' })],
      ['data null', json(200, { status: 'success', data: null })],
      ['unknown resultType', json(200, { status: 'success', data: { resultType: 'table', result: [] } })],
      ['a matrix for an instant query', json(200, { status: 'success', data: { resultType: 'matrix', result: [] } })],
      ['result not a list', json(200, { status: 'success', data: { resultType: 'vector', result: { a: 1 } } })],
      [
        'a label that is not text',
        json(200, {
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: { a: 1 }, value: [1, '2'] }] },
        }),
      ],
      [
        'a value that is a number',
        json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 2] }] } }),
      ],
      [
        'a value without a timestamp',
        json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: ['2'] }] } }),
      ],
      [
        'labels that are a list',
        json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: ['b'], value: [1, '2'] }] } }),
      ],
      ['no metric', json(200, { status: 'success', data: { resultType: 'vector', result: [{ value: [1, '2'] }] } })],
      ['invalid UTF-8 / binary', (_req, res) => res.writeHead(200).end(Buffer.from([0xff, 0xfe, 0x00, 0x7b]))],
    ];
    for (const [name, handler] of bad) {
      const f = await failure(handler);
      expect({ status: f.status, error: f.error, detail: f.detail }, name).toEqual({
        status: 503,
        error: 'Prometheus is unavailable',
        detail: 'malformed_answer',
      });
    }
  });

  it('answers 503 malformed_answer for a range answer with any series or point of a wrong shape', async () => {
    const matrix = (values: unknown) =>
      json(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } });
    const bad: Array<[string, unknown]> = [
      ['values not a list', { a: [1, '2'] }],
      [
        'a value that is a number, after good ones',
        [
          [1, '2'],
          [2, '3'],
          [3, 4],
        ],
      ],
      ['a pair without its value', [[1, '2'], [2]]],
      ['a pair with three items', [[1, '2', 'x']]],
      ['a timestamp that is text', [['1', '2']]],
      ['a point that is an object', [{ t: 1, v: '2' }]],
      ['a null point', [[1, '2'], null]],
    ];
    const ask = (api: PrometheusApi) => api.queryRange('x', new Date(1000), new Date(3000), 1);
    for (const [name, values] of bad) {
      const f = await failure(matrix(values), { ask });
      expect({ status: f.status, detail: f.detail }, name).toEqual({ status: 503, detail: 'malformed_answer' });
    }
    const badSeries: Array<[string, unknown]> = [
      ['a series without labels', { values: [[1, '2']] }],
      ['a label that is not text', { metric: { a: 1 }, values: [[1, '2']] }],
      ['a series that is a list', [{}, [[1, '2']]]],
    ];
    for (const [name, one] of badSeries) {
      const answer = json(200, { status: 'success', data: { resultType: 'matrix', result: [one] } });
      const f = await failure(answer, { ask });
      expect({ status: f.status, detail: f.detail }, name).toEqual({ status: 503, detail: 'malformed_answer' });
    }
  });

  it('answers 503 error_status for an error answer or an HTTP error page, logging what it said and never returning it', async () => {
    const bad: Array<[string, Handler]> = [
      ['status error (bad_data, 400)', json(400, { status: 'error', errorType: 'bad_data', error: LEAK })],
      ['status error with 200', json(200, { status: 'error', errorType: 'execution', error: LEAK })],
      ['a 503 with a JSON body', json(503, { status: 'success', data: VECTOR.data, warnings: [LEAK] })],
      ['a proxy 502 HTML page', text(502, `<html><title>502 Bad Gateway</title>${LEAK}</html>`, 'text/html')],
      ['a 401 from an auth proxy', text(401, LEAK)],
    ];
    for (const [name, handler] of bad) {
      const f = await failure(handler);
      expect({ status: f.status, error: f.error, detail: f.detail }, name).toEqual({
        status: 503,
        error: 'Prometheus is unavailable',
        detail: 'error_status',
      });
      expect(f.log, name).toContain('internal: /var/lib/prometheus wal corrupt');
      expect(f.log, name).toContain('"reason":"error_status"');
    }
  });

  it('bounds the answer: 503 answer_too_large from Content-Length, a chunked stream, or a gzip bomb, and stops reading', async () => {
    expect(DEFAULT_MAX_ANSWER_BYTES).toBe(32 * 1024 * 1024);
    const big = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { pad: 'x'.repeat(4096) }, value: [1, '1'] }] },
    });
    expect((await failure(text(200, big, 'application/json'), { maxBytes: 2048 })).detail).toBe('answer_too_large');
    // The same answer under the limit is read.
    const api = new PrometheusApi(await upstream(text(200, big, 'application/json')), 2000, { maxBytes: 8192 });
    expect(await api.query('x')).toHaveLength(1);

    // Chunked, no Content-Length, never ending: reading stops at the limit and the connection closes.
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    const endless: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', closed);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    };
    const endlessFailure = await failure(endless, { maxBytes: 1024 * 1024 });
    expect(endlessFailure.detail).toBe('answer_too_large');
    expect(endlessFailure.log).toContain('"limit":1048576');
    await serverSawClose;

    // 10 MiB of JSON whitespace in 10 KiB of gzip: the limit counts what is decoded.
    const bomb = gzipSync(
      Buffer.concat([Buffer.from('{"status":"success","data":'), Buffer.alloc(10 * 1024 * 1024, 0x20)]),
    );
    expect(bomb.length).toBeLessThan(64 * 1024);
    const gzipped: Handler = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
    expect((await failure(gzipped, { maxBytes: 1024 * 1024 })).detail).toBe('answer_too_large');
  });

  it('answers 503 timeout when the body stalls after the headers, and unreachable when the connection breaks or is refused', async () => {
    const stall: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"success",');
    };
    expect((await failure(stall, { timeoutMs: 300 })).detail).toBe('timeout');

    // Content-Length promises more than comes before the connection is cut: a truncated body.
    const cut: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"status":"success",', () => res.socket?.destroy());
    };
    expect((await failure(cut)).detail).toBe('unreachable');

    const reset: Handler = (req) => req.socket.destroy();
    expect((await failure(reset)).detail).toBe('unreachable');

    const refused = await upstream(text(200, ''));
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const api = new PrometheusApi(refused, 2000);
    await expect(api.query('up')).rejects.toMatchObject({ status: 503, extra: { detail: 'unreachable' } });
  });
});

describe('the facade over HTTP with a misbehaving Prometheus', () => {
  const SECRET = 'fast-tier-secret-0123456789-abcdef';

  async function facadeOn(prometheusUrl: string) {
    const config = testConfig('mongodb://127.0.0.1:1/unused', {
      PROMETHEUS_URL: prometheusUrl,
      JWT_SECRET: SECRET,
      PROMETHEUS_TIMEOUT: '1s',
      PROMETHEUS_MAX_ANSWER_SIZE: '64KiB',
    });
    const { log, lines } = capturedLog();
    const app = express();
    // Routes answered from Prometheus alone never touch MongoDB.
    mountFacade(app, config, undefined as never, log);
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const token = await new SignJWT({ sub: 'u1', roles: ['universe.owner'], orgId: '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: response.status, text: await response.text() };
    };
    return { get, lines };
  }

  const cases: Array<[string, Handler, string]> = [
    ['an HTML page', text(200, `<html>${LEAK}</html>`, 'text/html'), 'malformed_answer'],
    [
      'a wrong shape',
      json(200, { status: 'success', data: { resultType: 'vector', result: LEAK } }),
      'malformed_answer',
    ],
    [
      'a truncated body',
      text(200, JSON.stringify({ error: LEAK, ...VECTOR }).slice(0, 90), 'application/json'),
      'malformed_answer',
    ],
    [
      'an error with internal text',
      json(422, { status: 'error', errorType: 'execution', error: LEAK }),
      'error_status',
    ],
    [
      'too large an answer',
      text(200, JSON.stringify({ pad: 'x'.repeat(128 * 1024) }), 'application/json'),
      'answer_too_large',
    ],
  ];

  it.each(cases)(
    'answers 503 with a stable detail for %s, never 500, never the upstream text',
    async (_name, handler, detail) => {
      const facade = await facadeOn(await upstream(handler));
      for (const path of ['/overview', '/infrastructure/nodes', '/alerts', '/health']) {
        const { status, text: body } = await facade.get(path);
        expect(status, path).toBe(503);
        expect(JSON.parse(body), path).toEqual({ error: 'Prometheus is unavailable', detail });
        expect(body).not.toContain('wal corrupt');
      }
      // What the upstream said is in the log (a too large answer is not read: its size is).
      const logged = facade.lines.join('');
      if (detail === 'answer_too_large') expect(logged).toContain('"limit":65536');
      else expect(logged).toContain('wal corrupt');
    },
  );
});

describe('MongoDB errors', () => {
  const named = (name: string, code?: number) => Object.assign(new Error(`${LEAK} ${name}`), { name, code });

  it('map to 503 MongoDB is unavailable with a stable detail code, not the driver message', () => {
    const cases: Array<[Error, string]> = [
      [named('MongoServerSelectionError'), 'unreachable'],
      [named('MongoNetworkError'), 'unreachable'],
      [named('MongoTopologyClosedError'), 'unreachable'],
      [named('MongoNotConnectedError'), 'unreachable'],
      [named('MongoNetworkTimeoutError'), 'timeout'],
      [named('MongoOperationTimeoutError'), 'timeout'],
      [named('MongoServerError', 50), 'timeout'], // MaxTimeMSExpired
      [named('MongoServerError', 13), 'error_status'],
    ];
    for (const [error, detail] of cases) {
      const mapped = mongoUnavailable(error);
      expect({ status: mapped?.status, error: mapped?.message, ...mapped?.extra }, error.name).toEqual({
        status: 503,
        error: 'MongoDB is unavailable',
        detail,
      });
    }
    expect(mongoUnavailable(new TypeError('x'))).toBeUndefined();
    expect(mongoUnavailable('MongoServerError')).toBeUndefined();
  });
});
