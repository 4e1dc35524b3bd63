/**
 * Shared test plumbing: a MongoDB (TEST_MONGODB_URI when given, else the in-process stand-in),
 * an exporter wired to it with polls driven by the test, and a scrape helper.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig, type Config } from '../exporter/src/config.js';
import { createLogger } from '../exporter/src/logger.js';
import { startExporter, type Exporter } from '../exporter/src/app.js';
import { startMongoStandIn, type MongoStandIn } from './mongo-standin.js';

export interface TestDatabase {
  /** URI with the test database as its path. */
  readonly uri: string;
  readonly name: string;
  readonly client: MongoClient;
  readonly db: Db;
  /** Present when running against the stand-in (it can be stopped and restarted). */
  readonly standin: MongoStandIn | undefined;
  close(): Promise<void>;
}

/** A fresh database: on TEST_MONGODB_URI when set, else on a new in-process stand-in. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const name = `aiwm_test_${randomBytes(4).toString('hex')}`;
  const external = process.env.TEST_MONGODB_URI;
  const standin = external ? undefined : await startMongoStandIn();
  const base = external ?? standin!.uri;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const uri = url.toString();
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
  await client.connect();
  const db = client.db(name);
  return {
    uri,
    name,
    client,
    db,
    standin,
    async close() {
      if (external) await db.dropDatabase().catch(() => undefined);
      await client.close(true);
      await standin?.close();
    },
  };
}

export function testConfig(uri: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    MONGODB_URI: uri,
    MONGODB_TIMEOUT: '1s',
    LISTEN_ADDRESS: '127.0.0.1',
    PORT: '0',
    FACADE_PORT: '0',
    COUNT_EVENTS_FROM: 'all',
    INGEST_LAG: '0s',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}

/** An exporter whose polls the test triggers with `exporter.poller.tick()`; its clock is `clock`. */
export async function startTestExporter(
  uri: string,
  clock: () => Date,
  overrides: Record<string, string> = {},
): Promise<Exporter> {
  const config = testConfig(uri, overrides);
  return startExporter(config, createLogger(config.logLevel), { manualPolling: true, clock });
}

export interface Scrape {
  status: number;
  contentType: string;
  contentEncoding: string | null;
  body: string;
}

export async function scrape(
  port: number,
  options: { openMetrics?: boolean; gzip?: boolean; path?: string } = {},
): Promise<Scrape> {
  const headers: Record<string, string> = { 'accept-encoding': options.gzip ? 'gzip' : 'identity' };
  if (options.openMetrics) headers.accept = 'application/openmetrics-text; version=1.0.0';
  // node:http rather than fetch: fetch would decompress by itself, hiding what the server sent.
  const {
    status,
    headers: h,
    raw,
  } = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: Buffer }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: options.path ?? '/metrics', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  const encoding = h['content-encoding'] ?? null;
  return {
    status,
    contentType: h['content-type'] ?? '',
    contentEncoding: encoding,
    body: encoding === 'gzip' ? gunzipSync(raw).toString() : raw.toString(),
  };
}

/** Sample lines of the exposition as `name{labels}` -> value, for exact assertions. */
export function samples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Sum of the samples of `name` whose labels contain every `key="value"` in `match`. */
export function sumOf(body: string, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of samples(body)) {
    const brace = series.indexOf('{');
    const seriesName = brace === -1 ? series : series.slice(0, brace);
    if (seriesName !== name) continue;
    if (Object.entries(match).every(([k, v]) => series.includes(`{${k}="${v}"`) || series.includes(`,${k}="${v}"`)))
      total += value;
  }
  return total;
}
