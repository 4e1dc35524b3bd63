/**
 * The fast tier's PromQL store for facade routes: an HTTP server on 127.0.0.1 that answers the
 * Prometheus query API from a table keyed by query string (built with the same queries/ functions
 * the facade calls), and the alerts API from a list. A query missing from the table is answered
 * with an error and recorded, so a test sees exactly which query it did not expect.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from 'mongodb';
import { afterEach } from 'vitest';
import type { Scope } from '../../src/facade/auth.js';
import { PrometheusApi } from '../../src/facade/prometheus.js';
import type { FacadeContext } from '../../src/facade/route.js';
import { testConfig } from '../../../testing/harness.js';

/** One answer: a vector of samples, each its labels and value. */
export type Answer = Array<[labels: Record<string, string>, value: number]>;

/** One range answer (`/api/v1/query_range`): a matrix of series, each its labels and `[unix seconds, value]` points. */
export type RangeAnswer = Array<[labels: Record<string, string>, points: Array<[t: number, value: number]>]>;

export interface PromAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state: 'firing' | 'pending';
}

export interface StubStore {
  url: string;
  /** Queries the facade sent, in order. */
  asked: string[];
  /** Queries the table had no answer for. */
  unexpected: string[];
  /** Stubbed queries (instant or range) the facade never sent: answers a test expected to be read. */
  unasked(): string[];
  close(): Promise<void>;
}

const T = 1_768_478_400; // 2026-01-15T12:00:00Z, the fast tier's reference time
/** The fast tier's reference time, the `now` of contextOf. */
export const STUB_NOW = new Date(T * 1000);

function reply(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * Starts the stub; stopped after each test. `ranges` answers range queries (keyed by query string,
 * whatever the start, end and step); a range query missing from it is unexpected, like any other.
 */
export async function stubStore(
  table: Record<string, Answer>,
  alerts: PromAlert[] = [],
  ranges: Record<string, RangeAnswer> = {},
): Promise<StubStore> {
  const asked: string[] = [];
  const unexpected: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/api/v1/alerts')
        return reply(res, 200, { status: 'success', data: { alerts: alerts.map((a) => ({ annotations: {}, ...a })) } });
      const query = new URLSearchParams(body).get('query') ?? '';
      asked.push(query);
      const range = ranges[query];
      if (req.url === '/api/v1/query_range' && range) {
        const result = range.map(([metric, points]) => ({ metric, values: points.map(([t, v]) => [t, String(v)]) }));
        return reply(res, 200, { status: 'success', data: { resultType: 'matrix', result } });
      }
      const answer = table[query];
      if (req.url !== '/api/v1/query' || !answer) {
        unexpected.push(query);
        return reply(res, 400, { status: 'error', error: `no stubbed answer for ${query}` });
      }
      const result = answer.map(([metric, v]) => ({ metric, value: [T, String(v)] }));
      reply(res, 200, { status: 'success', data: { resultType: 'vector', result } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const store: StubStore = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    unexpected,
    unasked: () => [...Object.keys(table), ...Object.keys(ranges)].filter((query) => !asked.includes(query)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  opened.push(store);
  return store;
}

const opened: StubStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/**
 * A request context against the stub: a fresh PrometheusApi, so no rule probe is remembered across
 * tests. `db` is for routes that also read MongoDB (the in-process stand-in).
 */
export function contextOf(store: StubStore, scope: Scope, now = STUB_NOW, db?: Db): FacadeContext {
  const config = testConfig('mongodb://127.0.0.1:1/unused', {
    PROMETHEUS_URL: store.url,
    JWT_SECRET: 'fast-tier-secret-0123456789',
    PROMETHEUS_TIMEOUT: '2s',
  });
  // Routes answered from Prometheus alone never touch MongoDB.
  return { prom: new PrometheusApi(store.url, 2000), db: db ?? (undefined as never), config, scope, now };
}

/** Empty answers (no series) for the given queries: what a store answers for a figure it has no data for. */
export const noAnswers = (...queries: string[]): Record<string, Answer> =>
  Object.fromEntries(queries.map((query) => [query, []]));
