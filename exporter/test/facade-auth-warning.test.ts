/** Running the facade without authentication must be explicit and loud. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startExporter } from '../src/app.js';
import { testConfig } from '../../testing/harness.js';

describe('FACADE_AUTH=none', () => {
  it('logs a warning at start-up and serves without a token', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const config = testConfig('mongodb://127.0.0.1:1/hydra-aiwm', {
      PROMETHEUS_URL: 'http://127.0.0.1:1',
      FACADE_AUTH: 'none',
      PROMETHEUS_TIMEOUT: '200ms',
      MONGODB_TIMEOUT: '200ms',
    });
    const exporter = await startExporter(config, pino({ level: 'warn' }, sink), { manualPolling: true });
    try {
      const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 40);
      expect(warning?.msg).toBe('FACADE_AUTH=none: the JSON facade serves every org to anyone who can reach it');
      // No token needed (Prometheus is unreachable here, hence 503 rather than 401).
      expect((await fetch(`http://127.0.0.1:${exporter.facadePort}/dashboard/workload/models`)).status).toBe(503);
    } finally {
      await exporter.stop();
    }
  });

  it('is not the default: a facade without JWT_SECRET does not start', () => {
    expect(() => testConfig('mongodb://127.0.0.1:1/x', { PROMETHEUS_URL: 'http://127.0.0.1:1' })).toThrow(
      /^JWT_SECRET: required/,
    );
  });
});
