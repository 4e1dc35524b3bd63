/**
 * The two listeners over real HTTP: /metrics, /healthz and /readyz on PORT; the JSON facade (and
 * its own /healthz) on FACADE_PORT, which never serves /metrics. Scrape authentication on /metrics,
 * checked by a real Prometheus. Both listeners drop trickling connections and cap their number.
 * Start-up logs carry no secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type Exporter } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { testConfig } from '../../testing/harness.js';
import { waitFor } from '../../testing/ports.js';
import { startPrometheus } from '../../testing/prometheus.js';

/** Nothing listens there: the facade's Prometheus and the exporter's MongoDB are both unreachable. */
const NOWHERE_MONGO = 'mongodb://127.0.0.1:1/hydra-aiwm';
const NOWHERE_PROMETHEUS = 'http://127.0.0.1:1';

let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.stop();
  exporter = undefined;
});

const start = async (overrides: Record<string, string> = {}) => {
  const config = testConfig(NOWHERE_MONGO, { MONGODB_TIMEOUT: '200ms', PROMETHEUS_TIMEOUT: '200ms', ...overrides });
  exporter = await startExporter(config, createLogger('silent'), { manualPolling: true });
  return exporter;
};

const get = async (port: number, path: string, init: RequestInit = {}) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
};

describe('the facade listener', () => {
  it('serves the facade and its /healthz, never /metrics; PORT serves /metrics and no facade', async () => {
    const e = await start({ PROMETHEUS_URL: NOWHERE_PROMETHEUS, FACADE_AUTH: 'none' });
    expect(e.facadePort).toBeGreaterThan(0);
    expect(e.facadePort).not.toBe(e.port);
    const facade = e.facadePort!;

    for (const method of ['GET', 'HEAD'] as const) {
      const metrics = await get(facade, '/metrics', { method });
      expect(metrics.status, method).toBe(404);
      expect(metrics.headers.get('content-type')).toMatch(/^application\/json/);
    }
    const metrics = await get(facade, '/metrics?format=openmetrics');
    expect(JSON.parse(metrics.text)).toEqual({ error: 'no route for GET /metrics' });
    expect(metrics.text).not.toContain('aiwm_');
    expect((await get(facade, '/readyz')).status).toBe(404);
    expect(JSON.parse((await get(facade, '/healthz')).text)).toEqual({ status: 'ok' });
    const openapi = await get(facade, '/dashboard/openapi.json');
    expect(openapi.status).toBe(200);
    expect(JSON.parse(openapi.text)).toHaveProperty('openapi');
    // Prometheus is unreachable: a deliberate 503, from the facade's listener.
    expect((await get(facade, '/dashboard/workload/models')).status).toBe(503);
    expect(metrics.headers.get('x-content-type-options')).toBe('nosniff');

    const scrape = await get(e.port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('aiwm_exporter_build_info');
    expect(scrape.headers.get('x-content-type-options')).toBe('nosniff');
    for (const path of ['/dashboard/openapi.json', '/dashboard/overview', '/dashboard/workload/models']) {
      const response = await get(e.port, path);
      expect(response.status, path).toBe(404);
      expect(JSON.parse(response.text)).toEqual({ error: `no route for GET ${path}` });
    }
    expect((await get(e.port, '/healthz')).status).toBe(200);
  });

  it('is not opened without the facade', async () => {
    const e = await start();
    expect(e.facadePort).toBeUndefined();
    expect(e.facadeServer).toBeUndefined();
    expect((await get(e.port, '/dashboard/overview')).status).toBe(404);
  });

  it('FACADE_LISTEN_ADDRESS puts the facade on another address than /metrics', async () => {
    const e = await start({
      PROMETHEUS_URL: NOWHERE_PROMETHEUS,
      FACADE_AUTH: 'none',
      FACADE_LISTEN_ADDRESS: '127.0.0.2',
    });
    expect((e.facadeServer!.address() as net.AddressInfo).address).toBe('127.0.0.2');
    expect((e.server.address() as net.AddressInfo).address).toBe('127.0.0.1');
    const response = await fetch(`http://127.0.0.2:${e.facadePort}/healthz`);
    expect(response.status).toBe(200);
  });

  it('a facade port in use fails the start-up and leaves nothing listening', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const taken = (busy.address() as net.AddressInfo).port;
    try {
      const config = testConfig(NOWHERE_MONGO, {
        PROMETHEUS_URL: NOWHERE_PROMETHEUS,
        FACADE_AUTH: 'none',
        FACADE_PORT: String(taken),
      });
      await expect(startExporter(config, createLogger('silent'), { manualPolling: true })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});

describe('scrape authentication', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiwm-scrape-auth-'));
  const token = randomBytes(24).toString('hex');
  const password = randomBytes(24).toString('base64url');
  const tokenFile = join(dir, 'token');
  const basicFile = join(dir, 'basic');
  const passwordFile = join(dir, 'password');
  writeFileSync(tokenFile, `${token}\n`);
  writeFileSync(basicFile, `prometheus:${password}\n`);
  writeFileSync(passwordFile, `${password}\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  it('asks for the bearer token or the basic-auth user and password on /metrics only', async () => {
    const e = await start({ METRICS_BEARER_TOKEN_FILE: tokenFile, METRICS_BASIC_AUTH_FILE: basicFile });
    const scrape = (authorization?: string, method = 'GET') =>
      get(e.port, '/metrics', { method, headers: authorization ? { authorization } : {} });

    const refused = [
      undefined,
      '',
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer`,
      `Token ${token}`,
      `Bearer ${token} extra`,
      basic('prometheus', `${password}x`),
      basic('admin', password),
      basic('prometheus', ''),
      `Basic ${Buffer.from(token).toString('base64')}`,
      'Basic %%%not-base64',
    ];
    for (const authorization of refused) {
      const response = await scrape(authorization);
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="aiwm-exporter", Basic realm="aiwm-exporter", charset="UTF-8"',
      );
      expect(JSON.parse(response.text)).toEqual({ error: 'authentication required for /metrics' });
      expect(response.text).not.toContain(token);
      expect(response.text).not.toContain(password);
    }
    for (const authorization of [`Bearer ${token}`, `bearer ${token}`, basic('prometheus', password)]) {
      const response = await scrape(authorization);
      expect(response.status, authorization).toBe(200);
      expect(response.text).toContain('aiwm_exporter_build_info');
    }
    expect((await scrape(`Bearer ${token}`, 'HEAD')).status).toBe(200);
    // 405 only to a caller with credentials.
    expect((await scrape(undefined, 'POST')).status).toBe(401);
    expect((await scrape(`Bearer ${token}`, 'POST')).status).toBe(405);
    // Health and readiness stay open to orchestrators.
    expect((await get(e.port, '/healthz')).status).toBe(200);
    expect((await get(e.port, '/readyz')).status).toBe(503);
  });

  it('with a bearer token file only, announces Bearer and refuses basic auth', async () => {
    const e = await start({ METRICS_BEARER_TOKEN_FILE: tokenFile });
    const refused = await get(e.port, '/metrics', { headers: { authorization: basic('prometheus', password) } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="aiwm-exporter"');
    expect((await get(e.port, '/metrics', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('a real Prometheus scrapes with credentials_file or password_file; without credentials the target is down', async () => {
    const e = await start({ METRICS_BEARER_TOKEN_FILE: tokenFile, METRICS_BASIC_AUTH_FILE: basicFile });
    const target = `127.0.0.1:${e.port}`;
    const prometheus = await startPrometheus({
      targets: [
        { job: 'with-token', target, bearerTokenFile: tokenFile },
        { job: 'with-basic-auth', target, basicAuth: { username: 'prometheus', passwordFile } },
        { job: 'without-credentials', target },
      ],
    });
    try {
      const up = await waitFor(
        'a scrape of every job',
        async () => {
          const samples = await prometheus.query('up');
          const byJob = Object.fromEntries(samples.map((s) => [s.metric.job, s.value[1]]));
          return Object.keys(byJob).length === 3 ? byJob : undefined;
        },
        30_000,
        200,
      );
      expect(up).toEqual({ 'with-token': '1', 'with-basic-auth': '1', 'without-credentials': '0' });
      const served = await prometheus.query('aiwm_exporter_build_info');
      expect(served.map((s) => s.metric.job).sort()).toEqual(['with-basic-auth', 'with-token']);
      const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
        data: { activeTargets: Array<{ scrapePool: string; lastError: string }> };
      };
      const refused = targets.data.activeTargets.find((t) => t.scrapePool === 'without-credentials')!;
      expect(refused.lastError).toMatch(/401/);
    } finally {
      await prometheus.stop();
    }
  });
});

describe('server limits', () => {
  const CONNECTIONS = 300;
  const CAP = 50;
  let e: Exporter;
  beforeAll(async () => {
    const config = testConfig(NOWHERE_MONGO, {
      PROMETHEUS_URL: NOWHERE_PROMETHEUS,
      FACADE_AUTH: 'none',
      MAX_CONNECTIONS: String(CAP),
      FACADE_MAX_CONNECTIONS: String(CAP),
      HTTP_HEADERS_TIMEOUT: '1s',
      HTTP_REQUEST_TIMEOUT: '2s',
      HTTP_KEEP_ALIVE_TIMEOUT: '1s',
      MONGODB_TIMEOUT: '200ms',
    });
    e = await startExporter(config, createLogger('silent'), { manualPolling: true });
  });
  afterAll(async () => {
    await e.stop();
  });

  /** A client that sends its request line, then one header byte at a time, never finishing. */
  const trickle = (port: number) =>
    new Promise<{ closed: Promise<void>; socket: net.Socket }>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let timer: NodeJS.Timeout | undefined;
      const closed = new Promise<void>((done) => {
        socket.once('close', () => {
          clearInterval(timer);
          done();
        });
      });
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        timer = setInterval(() => socket.write('a'), 100);
        resolve({ closed, socket });
      });
      socket.once('close', () => resolve({ closed, socket }));
    });

  const connections = (server: net.Server) =>
    new Promise<number>((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n))));

  it.each([
    ['PORT', () => e.server, () => e.port],
    ['FACADE_PORT', () => e.facadeServer!, () => e.facadePort!],
  ])(
    '%s: 300 trickling connections are all closed, never more than the cap held, and it still answers',
    async (_name, server, port) => {
      expect(server().maxConnections).toBe(CAP);
      expect(server().headersTimeout).toBe(1000);
      expect(server().requestTimeout).toBe(2000);
      expect(server().keepAliveTimeout).toBe(1000);
      const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => trickle(port())));
      expect(await connections(server())).toBeLessThanOrEqual(CAP);
      // Beyond the cap refused at once, the others dropped when their headers do not arrive in time.
      await Promise.all(clients.map((c) => c.closed));
      for (const c of clients) expect(c.socket.destroyed).toBe(true);
      const health = await fetch(`http://127.0.0.1:${port()}/healthz`);
      expect(health.status).toBe(200);
    },
  );

  it('closes an idle keep-alive connection', async () => {
    const socket = net.connect(e.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(received).toMatch(/Keep-Alive: timeout=1/i);
  });
});

describe('start-up log', () => {
  const capture = () => {
    const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
    const raw: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        raw.push(chunk.toString());
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    return { lines, raw, log: pino({ level: 'info' }, sink) };
  };

  it('warns once about a JWT secret shorter than 32 bytes, without the secret', async () => {
    const secret = 'twenty-byte-secret!!';
    const { lines, raw, log } = capture();
    const config = testConfig(NOWHERE_MONGO, { PROMETHEUS_URL: NOWHERE_PROMETHEUS, JWT_SECRET: secret });
    exporter = await startExporter(config, log, { manualPolling: true });
    const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toEqual([
      'JWT_SECRET is shorter than 32 bytes: HS256 wants a key of at least 256 bits; give AIWM IAM and the exporter a longer one',
    ]);
    expect(raw.join('')).not.toContain(secret);
  });

  it('says nothing about a long enough secret', async () => {
    const { lines, log } = capture();
    const config = testConfig(NOWHERE_MONGO, {
      PROMETHEUS_URL: NOWHERE_PROMETHEUS,
      JWT_SECRET: randomBytes(32).toString('hex'),
    });
    exporter = await startExporter(config, log, { manualPolling: true });
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it('never shows the MongoDB password or secret options, at start-up nor when MongoDB is unreachable', async () => {
    const { lines, raw, log } = capture();
    const config = testConfig(
      'mongodb://aiwm:hunter%202%2Fsecret@127.0.0.1:1/aiwm?proxyHost=127.0.0.1&proxyPort=1&proxyUsername=px&proxyPassword=proxy-pass-secret',
      { MONGODB_TIMEOUT: '200ms' },
    );
    exporter = await startExporter(config, log, { manualPolling: true });
    await exporter.poller.tick();
    const listening = lines.find((l) => l.msg === 'aiwm exporter listening')!;
    expect(listening.mongodb).toBe(
      'mongodb://aiwm:***@127.0.0.1:1/aiwm?proxyHost=127.0.0.1&proxyPort=1&proxyUsername=px&proxyPassword=***',
    );
    expect(lines.some((l) => l.msg.startsWith('MongoDB unreachable'))).toBe(true);
    const all = raw.join('');
    for (const secret of ['hunter 2/secret', 'hunter%202%2Fsecret', 'hunter', 'proxy-pass-secret'])
      expect(all).not.toContain(secret);
  });
});
