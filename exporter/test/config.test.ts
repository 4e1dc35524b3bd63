import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, flagsToEnv, loadConfig, parseDuration, redactUri } from '../src/config.js';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.mongo.database).toBe('hydra-aiwm');
    expect(config.listen).toEqual({ address: '0.0.0.0', port: 9470 });
    expect(config.pollSchedule).toBe('*/15 * * * * *');
    expect(config.collections).toEqual({
      nodes: 'nodes',
      resources: 'resources',
      models: 'models',
      deployments: 'deployments',
      agents: 'agents',
      executions: 'executions',
      conversations: 'conversations',
      messages: 'messages',
    });
    expect(config.heartbeatStaleAfterMs).toBe(120_000);
    expect(config.countEventsFrom).toEqual({ kind: 'start' });
  });

  it('takes the database from the URI path and overrides from variables and flags', () => {
    const config = loadConfig({
      MONGODB_URI: 'mongodb://user:pw@db.internal:27017/aiwm-prod?authSource=admin',
      COLLECTION_NODES: 'aiwm_nodes',
      HEARTBEAT_STALE_AFTER: '90s',
      COUNT_EVENTS_FROM: '24h',
      ...flagsToEnv(['--port=9999', '--poll-schedule=*/5 * * * * *']),
    });
    expect(config.mongo.database).toBe('aiwm-prod');
    expect(config.mongo.redactedUri).toBe('mongodb://user:***@db.internal:27017/aiwm-prod?authSource=admin');
    expect(config.collections.nodes).toBe('aiwm_nodes');
    expect(config.listen.port).toBe(9999);
    expect(config.pollSchedule).toBe('*/5 * * * * *');
    expect(config.heartbeatStaleAfterMs).toBe(90_000);
    expect(config.countEventsFrom).toEqual({ kind: 'lookback', ms: 86_400_000 });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT: must be an integer from 0 to 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, /^PORT: /],
    [{ POLL_SCHEDULE: 'every minute' }, /^POLL_SCHEDULE: must be a valid cron expression/],
    [{ HEARTBEAT_STALE_AFTER: 'soon' }, /^HEARTBEAT_STALE_AFTER: must be a duration/],
    [
      { MONGODB_URI: 'postgres://u:secret@h/db' },
      /^MONGODB_URI: must use the mongodb:\/\/ or mongodb\+srv:\/\/ scheme/,
    ],
    [{ COLLECTION_MESSAGES: 'bad name!' }, /^COLLECTION_MESSAGES: must be a MongoDB collection name$/],
    [{ COUNT_EVENTS_FROM: 'yesterday' }, /^COUNT_EVENTS_FROM: must be "start", "all" or a look-back duration/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    [{ MAX_ENTITIES_PER_COLLECTION: '0' }, /^MAX_ENTITIES_PER_COLLECTION: /],
    [{ PROMETHEUS_URL: 'ftp://x' }, /^PROMETHEUS_URL: must be an http\(s\) URL/],
    [{ PROMETHEUS_URL: 'http://127.0.0.1:9090' }, /^JWT_SECRET: required when PROMETHEUS_URL enables the JSON facade/],
    [{ PROMETHEUS_URL: 'http://127.0.0.1:9090', JWT_SECRET: 'short' }, /^JWT_SECRET: must be at least 16 characters$/],
    [{ FACADE_ONLY: 'true' }, /^FACADE_ONLY: needs PROMETHEUS_URL/],
    [{ FACADE_BASE_PATH: 'dashboard' }, /^FACADE_BASE_PATH: must be a path like \/dashboard$/],
  ])('rejects %j with one line naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a password from a bad URI', () => {
    let message = '';
    try {
      loadConfig({ MONGODB_URI: 'postgres://admin:hunter2@db/x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^MONGODB_URI: /);
    expect(message).not.toContain('hunter2');
    expect(redactUri('mongodb+srv://a:b@c/d')).toBe('mongodb+srv://a:***@c/d');
  });

  it('parses durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('15')).toBeUndefined();
  });

  it('rejects malformed flags', () => {
    expect(() => flagsToEnv(['--port'])).toThrow(/flags take the form --name=value/);
  });

  it('the exporter process exits 2 with one line on bad configuration', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'exporter/src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port', MONGODB_URI: 'mongodb://root:topsecret@127.0.0.1:1/x' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'aiwm-exporter: configuration error: PORT: must be an integer from 0 to 65535 (got "not-a-port")',
    ]);
    expect(run.stderr + run.stdout).not.toContain('topsecret');
  });
});
