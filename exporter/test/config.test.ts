import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEMO_JWT_SECRET,
  configWarnings,
  flagsToEnv,
  isLoopback,
  loadConfig,
  parseDuration,
  redactUri,
  SETTINGS,
} from '../src/config.js';
import { redactText, secretsOf } from '../src/redact.js';

const errorOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('loaded');
};
const FACADE = { PROMETHEUS_URL: 'http://127.0.0.1:9090', JWT_SECRET: 'a-secret-of-32-bytes-or-more-0123456789' };

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.mongo.database).toBe('hydra-aiwm');
    expect(config.listen).toEqual({ address: '0.0.0.0', port: 9470, maxConnections: 100 });
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
    expect(config.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
    expect(config.metricsAuth).toBeUndefined();
    expect(config.demo).toBe(false);
    // The facade's own listener: FACADE_PORT on LISTEN_ADDRESS unless FACADE_LISTEN_ADDRESS says otherwise.
    expect(loadConfig(FACADE).facade!.listen).toEqual({ address: '0.0.0.0', port: 9471, maxConnections: 1024 });
    expect(loadConfig({ ...FACADE, LISTEN_ADDRESS: '10.0.0.5' }).facade!.listen.address).toBe('10.0.0.5');
    expect(loadConfig({ ...FACADE, FACADE_LISTEN_ADDRESS: '127.0.0.1' }).facade!.listen.address).toBe('127.0.0.1');
    // One org may use the whole entity cap unless MAX_ENTITIES_PER_ORG says less.
    expect(config.maxEntitiesPerOrg).toBe(config.maxEntitiesPerCollection);
    expect(loadConfig({ MAX_ENTITIES_PER_COLLECTION: '500' }).maxEntitiesPerOrg).toBe(500);
    expect(loadConfig({ MAX_ENTITIES_PER_ORG: '50' }).maxEntitiesPerOrg).toBe(50);
  });

  it('accepts replica-set host lists', () => {
    const config = loadConfig({
      MONGODB_URI: 'mongodb://u:p%40ss@db1:27017,db2:27017,[::1]:27018/aiwm?replicaSet=rs0',
    });
    expect(config.mongo.database).toBe('aiwm');
    expect(config.mongo.redactedUri).toBe('mongodb://u:***@db1:27017,db2:27017,[::1]:27018/aiwm?replicaSet=rs0');
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
    [{ MAX_ENTITIES_PER_ORG: '0' }, /^MAX_ENTITIES_PER_ORG: /],
    [
      { MAX_ENTITIES_PER_COLLECTION: '1000', MAX_ENTITIES_PER_ORG: '1001' },
      /^MAX_ENTITIES_PER_ORG: must not exceed MAX_ENTITIES_PER_COLLECTION \(1000\)/,
    ],
    [{ PROMETHEUS_URL: 'ftp://x' }, /^PROMETHEUS_URL: must be an http\(s\) URL/],
    [{ PROMETHEUS_URL: 'http://127.0.0.1:9090' }, /^JWT_SECRET: required when PROMETHEUS_URL enables the JSON facade/],
    [{ PROMETHEUS_URL: 'http://127.0.0.1:9090', JWT_SECRET: 'short' }, /^JWT_SECRET: must be at least 16 characters$/],
    [{ FACADE_ONLY: 'true' }, /^FACADE_ONLY: needs PROMETHEUS_URL/],
    [{ FACADE_BASE_PATH: 'dashboard' }, /^FACADE_BASE_PATH: must be a path like \/dashboard$/],
    [{ FACADE_PORT: '-1' }, /^FACADE_PORT: must be an integer from 0 to 65535/],
    [{ ...FACADE, PORT: '9500', FACADE_PORT: '9500' }, /^FACADE_PORT: must differ from PORT \(9500\)/],
    [{ MAX_CONNECTIONS: '0' }, /^MAX_CONNECTIONS: must be an integer from 1/],
    [{ FACADE_MAX_CONNECTIONS: 'many' }, /^FACADE_MAX_CONNECTIONS: must be an integer from 1/],
    [{ HTTP_HEADERS_TIMEOUT: '10' }, /^HTTP_HEADERS_TIMEOUT: must be a duration/],
    [
      { HTTP_HEADERS_TIMEOUT: '1m', HTTP_REQUEST_TIMEOUT: '30s' },
      /^HTTP_HEADERS_TIMEOUT: must not exceed HTTP_REQUEST_TIMEOUT$/,
    ],
    [{ HTTP_KEEP_ALIVE_TIMEOUT: '0s' }, /^HTTP_KEEP_ALIVE_TIMEOUT: must be at least 100 ms/],
    [
      { METRICS_BEARER_TOKEN_FILE: '/nonexistent/token' },
      /^METRICS_BEARER_TOKEN_FILE: cannot read \/nonexistent\/token \(ENOENT\)$/,
    ],
    [{ METRICS_BASIC_AUTH_FILE: '/nonexistent/basic' }, /^METRICS_BASIC_AUTH_FILE: cannot read /],
    [{ DEMO: 'yes' }, /^DEMO: /],
    [{ FACADE_AUTH_NONE_ANY_ADDRESS: '1' }, /^FACADE_AUTH_NONE_ANY_ADDRESS: /],
  ])('rejects %j with one line naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  describe('the demo JWT secret', () => {
    it('is refused without DEMO=true, naming JWT_SECRET', () => {
      expect(errorOf({ ...FACADE, JWT_SECRET: DEMO_JWT_SECRET })).toMatch(
        /^JWT_SECRET: is the public demo secret from docker-compose.yml; set it to AIWM IAM's JWT secret/,
      );
      expect(errorOf({ JWT_SECRET: DEMO_JWT_SECRET, DEMO: 'false' })).toMatch(/^JWT_SECRET: is the public demo secret/);
    });

    it('is accepted with DEMO=true, with a warning', () => {
      const config = loadConfig({ ...FACADE, JWT_SECRET: DEMO_JWT_SECRET, DEMO: 'true' });
      expect(config.demo).toBe(true);
      expect(config.facade!.auth).toEqual({ kind: 'jwt', secret: DEMO_JWT_SECRET });
      expect(configWarnings(config)).toEqual([
        'DEMO=true: the public demo JWT secret is accepted; never run so against a real AIWM',
      ]);
    });
  });

  it('warns about a JWT secret shorter than 32 bytes, without the secret', () => {
    const short = 'sixteen-chars-ok-but-31-bytes-x';
    expect(Buffer.byteLength(short)).toBe(31);
    const warnings = configWarnings(loadConfig({ ...FACADE, JWT_SECRET: short }));
    expect(warnings).toEqual([
      'JWT_SECRET is shorter than 32 bytes: HS256 wants a key of at least 256 bits; give AIWM IAM and the exporter a longer one',
    ]);
    expect(warnings.join('')).not.toContain(short);
    expect(configWarnings(loadConfig({ ...FACADE, JWT_SECRET: 'x'.repeat(32) }))).toEqual([]);
    // Bytes, not characters: 16 three-byte characters are 48 bytes.
    expect(configWarnings(loadConfig({ ...FACADE, JWT_SECRET: '€'.repeat(16) }))).toEqual([]);
  });

  describe('FACADE_AUTH=none', () => {
    const none = { PROMETHEUS_URL: 'http://127.0.0.1:9090', FACADE_AUTH: 'none' };
    it.each(['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])(
      'is allowed on loopback (%s)',
      (address) => {
        expect(isLoopback(address)).toBe(true);
        expect(loadConfig({ ...none, FACADE_LISTEN_ADDRESS: address }).facade!.auth).toEqual({ kind: 'none' });
        expect(loadConfig({ ...none, LISTEN_ADDRESS: address }).facade!.auth).toEqual({ kind: 'none' });
      },
    );

    it.each(['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'example.com'])(
      'is refused on %s, naming FACADE_AUTH',
      (address) => {
        expect(isLoopback(address)).toBe(false);
        expect(errorOf({ ...none, FACADE_LISTEN_ADDRESS: address })).toBe(
          `FACADE_AUTH: none is allowed only when the facade listens on loopback (it listens on ${address}); set FACADE_LISTEN_ADDRESS=127.0.0.1, or FACADE_AUTH_NONE_ANY_ADDRESS=true to serve every org without authentication there`,
        );
      },
    );

    it('is refused by default (LISTEN_ADDRESS 0.0.0.0) and allowed anywhere with FACADE_AUTH_NONE_ANY_ADDRESS=true', () => {
      expect(errorOf(none)).toMatch(/^FACADE_AUTH: none is allowed only when the facade listens on loopback/);
      expect(loadConfig({ ...none, FACADE_AUTH_NONE_ANY_ADDRESS: 'true' }).facade!.auth).toEqual({ kind: 'none' });
      // Without the facade there is nothing to protect.
      expect(loadConfig({ FACADE_AUTH: 'none' }).facade).toBeUndefined();
    });
  });

  describe('scrape authentication files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiwm-config-'));
    let n = 0;
    const file = (text: string) => {
      const path = join(dir, `file-${n++}`);
      writeFileSync(path, text);
      return path;
    };

    it('reads a bearer token and a user:password, trimmed as Prometheus trims its credentials_file', () => {
      const config = loadConfig({
        METRICS_BEARER_TOKEN_FILE: file('  0123456789abcdef0123\n'),
        METRICS_BASIC_AUTH_FILE: file('prometheus:pass:with:colons-0123\n'),
      });
      expect(config.metricsAuth).toEqual({
        bearerToken: '0123456789abcdef0123',
        basic: { username: 'prometheus', password: 'pass:with:colons-0123' },
      });
    });

    it.each([
      ['METRICS_BEARER_TOKEN_FILE', 'short', /^METRICS_BEARER_TOKEN_FILE: .* must hold at least 16 characters$/],
      ['METRICS_BEARER_TOKEN_FILE', '\n', /^METRICS_BEARER_TOKEN_FILE: .* must hold at least 16 characters$/],
      [
        'METRICS_BASIC_AUTH_FILE',
        'no-colon-in-this-file',
        /^METRICS_BASIC_AUTH_FILE: .* must hold one line user:password$/,
      ],
      [
        'METRICS_BASIC_AUTH_FILE',
        ':no-user-0123456789',
        /^METRICS_BASIC_AUTH_FILE: .* must hold one line user:password$/,
      ],
      ['METRICS_BASIC_AUTH_FILE', 'user-0123456789:', /^METRICS_BASIC_AUTH_FILE: .* must hold one line user:password$/],
      [
        'METRICS_BASIC_AUTH_FILE',
        'a:b-0123456789\nc:d',
        /^METRICS_BASIC_AUTH_FILE: .* must hold one line user:password$/,
      ],
    ])('%s holding %j is refused, naming the setting and not the content', (name, text, message) => {
      const error = errorOf({ [name]: file(text) });
      expect(error).toMatch(message);
      if (text.trim().length > 3) expect(error).not.toContain(text.trim());
    });
  });

  describe('credentials in URIs', () => {
    it.each([
      ['a password with /', 'mongodb://admin:pa/ss@db/x', 'pa/ss'],
      ['a password with @', 'mongodb://admin:p@ss@db/x', 'p@ss'],
      ['a password with ?', 'mongodb://admin:p?ss=1@db/x', 'p?ss'],
      ['a password with a space, / and #', 'mongodb://admin:pa ss/w#rd@db/x', 'pa ss/w#rd'],
      ['a bad scheme', 'postgres://admin:hunter2@db/x', 'hunter2'],
      ['no scheme', 'admin:hunter2@db/x', 'hunter2'],
    ])('%s never shows in the configuration error', (_what, uri, secret) => {
      const message = errorOf({ MONGODB_URI: uri });
      expect(message).toMatch(/^MONGODB_URI: /);
      expect(message).not.toContain(secret);
      expect(message).toContain('admin:***@');
    });

    it('are masked in the logged URI: password, tlsCertificateKeyFilePassword, proxyPassword', () => {
      const config = loadConfig({
        MONGODB_URI:
          'mongodb://admin:hunter%202%2Fx@db:27017/aiwm?tls=true&tlsCertificateKeyFile=/k.pem&tlsCertificateKeyFilePassword=kfp-secret&proxyHost=p&proxyUsername=pu&proxyPassword=proxy-secret&authSource=admin',
      });
      expect(config.mongo.redactedUri).toBe(
        'mongodb://admin:***@db:27017/aiwm?tls=true&tlsCertificateKeyFile=/k.pem&tlsCertificateKeyFilePassword=***&proxyHost=p&proxyUsername=pu&proxyPassword=***&authSource=admin',
      );
      expect(config.mongo.secrets).toEqual(
        expect.arrayContaining(['hunter%202%2Fx', 'hunter 2/x', 'kfp-secret', 'proxy-secret']),
      );
      const unencoded = loadConfig({ MONGODB_URI: 'mongodb://admin:hunter 2@db/aiwm' });
      expect(unencoded.mongo.redactedUri).toBe('mongodb://admin:***@db/aiwm');
    });

    it.each([
      ['mongodb+srv://a:b@c/d', 'mongodb+srv://a:***@c/d'],
      [
        'mongodb://h/x?authMechanismProperties=AWS_SESSION_TOKEN:tok%2Fen,SERVICE_NAME:svc',
        'mongodb://h/x?authMechanismProperties=AWS_SESSION_TOKEN:***,SERVICE_NAME:svc',
      ],
      [
        'mongodb://h/x?authMechanismProperties=AWS_SESSION_TOKEN%3Atok%2Cen%2CSERVICE_NAME%3Asvc',
        'mongodb://h/x?authMechanismProperties=AWS_SESSION_TOKEN:***,SERVICE_NAME:svc',
      ],
      [
        'mongodb://h/x?password=p1&secret=s1&token=t1&apiKey=k1&w=majority',
        'mongodb://h/x?password=***&secret=***&token=***&apiKey=***&w=majority',
      ],
      [
        'mongodb://u@h/x?appName=me@example&tlsCertificateKeyFilePassword=k',
        'mongodb://u@h/x?appName=me@example&tlsCertificateKeyFilePassword=***',
      ],
      ['mongodb://u:p@h1:1,h2:2/x?replicaSet=rs', 'mongodb://u:***@h1:1,h2:2/x?replicaSet=rs'],
      ['mongodb://127.0.0.1:27017/hydra-aiwm', 'mongodb://127.0.0.1:27017/hydra-aiwm'],
    ])('redactUri(%j)', (uri, expected) => {
      expect(redactUri(uri)).toBe(expected);
      for (const secret of secretsOf(uri).filter((s) => s.length >= 3)) expect(expected).not.toContain(secret);
    });

    it('scrubs the secrets from free text such as driver errors', () => {
      const uri = 'mongodb://admin:pa ss@db/x?tlsCertificateKeyFilePassword=kfp-secret';
      const text = 'auth failed for admin with pa ss; key kfp-secret; uri mongodb://admin:pa ss@db/x';
      const scrubbed = redactText(text, secretsOf(uri));
      expect(scrubbed).not.toContain('pa ss');
      expect(scrubbed).not.toContain('kfp-secret');
      expect(scrubbed).toContain('auth failed for admin');
    });
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

  it('documents every setting in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(SETTINGS.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
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
