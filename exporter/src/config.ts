import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import cron from 'node-cron';
import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { redactText, redactUri, secretsOf } from './redact.js';

export { redactUri } from './redact.js';

/** Parses "500ms", "15s", "2m", "1h", "7d" into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * factor;
}

const duration = (min = 0) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 15s, 2m, 1h or 7d (got "${text}")` });
      return z.NEVER;
    }
    if (ms < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${min} ms (got "${text}")` });
      return z.NEVER;
    }
    return ms;
  });

const integer = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max} (got "${text}")` });
      return z.NEVER;
    }
    return value;
  });

const collectionName = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][\w.-]{0,119}$/, 'must be a MongoDB collection name')
    .prefault(fallback);

/** Where incremental event counters (messages, finished executions) start on a fresh exporter. */
const countFrom = z.string().transform((text, ctx) => {
  if (text === 'start' || text === 'all') return { kind: text } as const;
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must be "start", "all" or a look-back duration like 24h (got "${text}")`,
    });
    return z.NEVER;
  }
  return { kind: 'lookback', ms } as const;
});

const mongoUri = z.string().transform((text, ctx) => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a mongodb:// or mongodb+srv:// URI' });
    return z.NEVER;
  }
  if (scheme !== 'mongodb' && scheme !== 'mongodb+srv') {
    ctx.addIssue({ code: 'custom', message: `must use the mongodb:// or mongodb+srv:// scheme (got "${scheme}:")` });
    return z.NEVER;
  }
  // The driver's own parser (replica-set host lists, percent-encoding rules) and its option checks
  // (a client that is never connected opens nothing), so a URI that passes here is one it takes.
  let parsed: ConnectionString;
  try {
    parsed = new ConnectionString(text);
    new MongoClient(text);
  } catch (error) {
    const reason = redactText(error instanceof Error ? error.message : String(error), secretsOf(text));
    const hint = /unescaped|invalid connection string/i.test(reason)
      ? ' (percent-encode special characters in the user name and password)'
      : '';
    ctx.addIssue({ code: 'custom', message: `is not a valid MongoDB URI: ${reason}${hint}` });
    return z.NEVER;
  }
  let database = parsed.pathname.replace(/^\//, '');
  try {
    database = decodeURIComponent(database);
  } catch {
    /* kept as written */
  }
  return { uri: text, database: database || 'hydra-aiwm', redacted: redactUri(text), secrets: secretsOf(text) };
});

/** Parses "32MiB", "512KiB", "1GiB", "64MB", "4096" (bytes) into bytes. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'B') as 'B' | 'KB' | 'KiB' | 'MB' | 'MiB' | 'GB' | 'GiB';
  const factor = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 }[unit];
  const bytes = Number(match[1]) * factor;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const size = (min: number) =>
  z.string().transform((text, ctx) => {
    const bytes = parseSize(text);
    if (bytes === undefined || bytes < min) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a size of at least ${min} bytes like 32MiB, 512KiB or 1048576 (got "${text}")`,
      });
      return z.NEVER;
    }
    return bytes;
  });

/**
 * Roles that see every org: comma-separated exact roles (`universe.owner`) or prefixes ending in `*`
 * (`universe.*`); `none` for no such role. A bare `*` (every role) is refused.
 */
const adminRoles = z.string().transform((text, ctx) => {
  if (text.trim() === 'none') return [] as string[];
  const patterns = text.split(',').map((p) => p.trim());
  const bad = patterns.find((p) => !/^[A-Za-z0-9_.:-]+\*?$/.test(p));
  if (bad !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must be comma-separated roles or prefixes like universe.* (letters, digits, _ . : -; one trailing *), or none (got "${bad}")`,
    });
    return z.NEVER;
  }
  return patterns;
});

/** A request rate per caller: "20/s", "300/m", "1000/h", or "off". Requests per second, Infinity when off. */
const requestRate = z.string().transform((text, ctx) => {
  if (text.trim() === 'off') return Infinity;
  const match = /^(\d+(?:\.\d+)?)\/(s|m|h)$/.exec(text.trim());
  const perSecond = match ? Number(match[1]) / { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'] : NaN;
  if (!(perSecond > 0)) {
    ctx.addIssue({ code: 'custom', message: `must be a rate like 20/s, 300/m or 1000/h, or off (got "${text}")` });
    return z.NEVER;
  }
  return perSecond;
});

const envSchema = z.object({
  MONGODB_URI: mongoUri.prefault('mongodb://127.0.0.1:27017/hydra-aiwm'),
  MONGODB_TIMEOUT: duration(100).prefault('5s'),
  LISTEN_ADDRESS: z.string().min(1).prefault('0.0.0.0'),
  PORT: integer(0, 65535).prefault('9470'),
  FACADE_LISTEN_ADDRESS: z.string().min(1).optional(),
  FACADE_PORT: integer(0, 65535).prefault('9471'),
  MAX_CONNECTIONS: integer(1, 1_000_000).prefault('100'),
  FACADE_MAX_CONNECTIONS: integer(1, 1_000_000).prefault('1024'),
  HTTP_HEADERS_TIMEOUT: duration(100).prefault('10s'),
  HTTP_REQUEST_TIMEOUT: duration(100).prefault('30s'),
  HTTP_KEEP_ALIVE_TIMEOUT: duration(100).prefault('5s'),
  METRICS_BEARER_TOKEN_FILE: z.string().min(1).optional(),
  METRICS_BASIC_AUTH_FILE: z.string().min(1).optional(),
  POLL_SCHEDULE: z
    .string()
    .refine((expr) => cron.validate(expr), 'must be a valid cron expression (node-cron, seconds field allowed)')
    .prefault('*/15 * * * * *'),
  HEARTBEAT_STALE_AFTER: duration(1000).prefault('2m'),
  MAX_ENTITIES_PER_COLLECTION: integer(1, 10_000_000).prefault('100000'),
  MAX_ENTITIES_PER_ORG: integer(1, 10_000_000).optional(),
  EXECUTION_TYPE_LABEL_LIMIT: integer(1, 1000).prefault('30'),
  COUNT_EVENTS_FROM: countFrom.prefault('start'),
  EVENT_BATCH_LIMIT: integer(100, 10_000_000).prefault('50000'),
  INGEST_LAG: duration(0).prefault('5s'),
  FULL_RESYNC_INTERVAL: duration(0).prefault('5m'),
  UPDATED_AT_SLACK: duration(0).prefault('10s'),
  EXECUTION_MAX_RUNTIME: duration(60_000).prefault('7d'),
  PROMETHEUS_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL of the Prometheus HTTP API' })
    .optional(),
  PROMETHEUS_TIMEOUT: duration(100).prefault('5s'),
  PROMETHEUS_MAX_ANSWER_SIZE: size(1024).prefault('32MiB'),
  FACADE_ADMIN_ROLES: adminRoles.prefault('universe.*'),
  FACADE_BASE_PATH: z
    .string()
    .regex(/^\/[a-z0-9/_-]*[a-z0-9_-]$/, 'must be a path like /dashboard')
    .prefault('/dashboard'),
  FACADE_AUTH: z.enum(['jwt', 'none']).prefault('jwt'),
  FACADE_CACHE_SIZE: size(64 * 1024).prefault('32MiB'),
  FACADE_CACHE_ENTRIES: integer(1, 1_000_000).prefault('5000'),
  FACADE_CACHE_ORG_SHARE_PERCENT: integer(1, 100).prefault('25'),
  FACADE_RATE_LIMIT: requestRate.prefault('20/s'),
  FACADE_RATE_BURST: integer(1, 1_000_000).prefault('40'),
  FACADE_CONCURRENCY_PER_TOKEN: integer(0, 100_000).prefault('4'),
  FACADE_PROMETHEUS_CONCURRENCY: integer(1, 10_000).prefault('10'),
  FACADE_AUTH_NONE_ANY_ADDRESS: z.enum(['true', 'false']).prefault('false'),
  DEMO: z.enum(['true', 'false']).prefault('false'),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  FACADE_ONLY: z.enum(['true', 'false']).prefault('false'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'),
  COLLECTION_NODES: collectionName('nodes'),
  COLLECTION_RESOURCES: collectionName('resources'),
  COLLECTION_MODELS: collectionName('models'),
  COLLECTION_DEPLOYMENTS: collectionName('deployments'),
  COLLECTION_AGENTS: collectionName('agents'),
  COLLECTION_EXECUTIONS: collectionName('executions'),
  COLLECTION_CONVERSATIONS: collectionName('conversations'),
  COLLECTION_MESSAGES: collectionName('messages'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  mongo: {
    uri: string;
    database: string;
    redactedUri: string;
    /** The password and secret options of the URI, scrubbed from logged error text. */
    secrets: string[];
    timeoutMs: number;
  };
  /** The listener of /metrics, /healthz and /readyz. */
  listen: Listen;
  /** Limits of both HTTP listeners. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  /** Credentials /metrics asks for (METRICS_BEARER_TOKEN_FILE, METRICS_BASIC_AUTH_FILE); undefined: open. */
  metricsAuth: MetricsAuth | undefined;
  /** DEMO=true: the demo's public JWT secret is accepted. */
  demo: boolean;
  pollSchedule: string;
  heartbeatStaleAfterMs: number;
  maxEntitiesPerCollection: number;
  /** Per-entity series one org may have per collection (MAX_ENTITIES_PER_ORG; default the collection's cap). */
  maxEntitiesPerOrg: number;
  executionTypeLabelLimit: number;
  countEventsFrom: { kind: 'start' } | { kind: 'all' } | { kind: 'lookback'; ms: number };
  eventBatchLimit: number;
  ingestLagMs: number;
  /** Nodes and resources: longest time between full reads (hard deletes show within it). */
  fullResyncIntervalMs: number;
  /** Nodes and resources: incremental reads start this long before the newest updatedAt read. */
  updatedAtSlackMs: number;
  executionMaxRuntimeMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The JSON facade, enabled when PROMETHEUS_URL is set. */
  facade:
    | {
        prometheusUrl: string;
        timeoutMs: number;
        basePath: string;
        auth: { kind: 'jwt'; secret: string } | { kind: 'none' };
        /** The response cache: bytes and entries in all, and the share (0-1] of both one org may hold. */
        cache: { maxBytes: number; maxEntries: number; orgShare: number };
        /**
         * Per caller (token subject and org; client address with FACADE_AUTH=none): requests per
         * second (Infinity: no rate limit), burst, computations in flight (Infinity: no limit); and
         * Prometheus queries in flight for the whole process.
         */
        limits: { ratePerSecond: number; burst: number; concurrency: number; prometheusConcurrency: number };
        /** The facade's own listener (never /metrics). */
        listen: Listen;
        /** Largest Prometheus answer read (bytes); a larger one is a 503. */
        prometheusMaxBytes: number;
        /** Token roles that see every org: exact roles, or prefixes ending in `*`; [] for none. */
        adminRoles: string[];
      }
    | undefined;
  /** Serve the facade only: no collectors (another exporter instance feeds Prometheus). */
  facadeOnly: boolean;
  collections: {
    nodes: string;
    resources: string;
    models: string;
    deployments: string;
    agents: string;
    executions: string;
    conversations: string;
    messages: string;
  };
}

export interface Listen {
  address: string;
  port: number;
  maxConnections: number;
}

export interface MetricsAuth {
  bearerToken?: string;
  basic?: { username: string; password: string };
}

/** docker-compose.yml's demo JWT secret: public, so refused unless DEMO=true. */
export const DEMO_JWT_SECRET = 'demo-jwt-secret-change-me-0123456789';

/** HS256 wants a key of at least 256 bits (RFC 7518, 3.2). */
export const JWT_SECRET_MIN_BYTES = 32;

export class ConfigError extends Error {}

/** 127.0.0.0/8, ::1 and localhost: only this host can connect. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (a === 'localhost' || a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** A credential file's content, trimmed (as Prometheus trims its credentials_file). */
function readSecretFile(name: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`${name}: cannot read ${path} (${code})`);
  }
  if (text.length < 16) throw new ConfigError(`${name}: ${path} must hold at least 16 characters`);
  return text;
}

function metricsAuthOf(tokenFile: string | undefined, basicFile: string | undefined): MetricsAuth | undefined {
  if (!tokenFile && !basicFile) return undefined;
  const auth: MetricsAuth = {};
  if (tokenFile) auth.bearerToken = readSecretFile('METRICS_BEARER_TOKEN_FILE', tokenFile);
  if (basicFile) {
    const text = readSecretFile('METRICS_BASIC_AUTH_FILE', basicFile);
    const colon = text.indexOf(':');
    if (text.includes('\n') || colon < 1 || colon === text.length - 1)
      throw new ConfigError(`METRICS_BASIC_AUTH_FILE: ${basicFile} must hold one line user:password`);
    auth.basic = { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return auth;
}

/** Start-up warnings about a configuration that works but should not (no secret in them). */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const auth = config.facade?.auth;
  if (auth?.kind === 'jwt' && Buffer.byteLength(auth.secret) < JWT_SECRET_MIN_BYTES)
    warnings.push(
      `JWT_SECRET is shorter than ${JWT_SECRET_MIN_BYTES} bytes: HS256 wants a key of at least 256 bits; give AIWM IAM and the exporter a longer one`,
    );
  if (auth?.kind === 'jwt' && auth.secret === DEMO_JWT_SECRET)
    warnings.push('DEMO=true: the public demo JWT secret is accepted; never run so against a real AIWM');
  return warnings;
}

/** CLI flags mirror the variables: `--poll-schedule="*\/5 * * * * *"` sets POLL_SCHEDULE. Flags win over the environment. */
export function flagsToEnv(argv: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const arg of argv) {
    const match = /^--([a-z][a-z0-9-]*)=(.*)$/s.exec(arg);
    if (!match) throw new ConfigError(`${arg}: flags take the form --name=value (for example --port=9470)`);
    env[match[1]!.replace(/-/g, '_').toUpperCase()] = match[2]!;
  }
  return env;
}

/** Validates the settings; throws ConfigError with one line naming the setting. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const known = new Set(Object.keys(envSchema.shape));
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = source[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const shown = name === 'MONGODB_URI' ? ` (value ${redactUri(input[name] ?? '')})` : '';
    throw new ConfigError(`${name}: ${issue.message}${shown}`);
  }
  const e = parsed.data;
  if (e.JWT_SECRET === DEMO_JWT_SECRET && e.DEMO !== 'true')
    throw new ConfigError(
      "JWT_SECRET: is the public demo secret from docker-compose.yml; set it to AIWM IAM's JWT secret (DEMO=true accepts it, for the demo only)",
    );
  if (e.HTTP_HEADERS_TIMEOUT > e.HTTP_REQUEST_TIMEOUT)
    throw new ConfigError('HTTP_HEADERS_TIMEOUT: must not exceed HTTP_REQUEST_TIMEOUT');
  const facadeAddress = e.FACADE_LISTEN_ADDRESS ?? e.LISTEN_ADDRESS;
  if (e.PROMETHEUS_URL && e.FACADE_PORT !== 0 && e.FACADE_PORT === e.PORT)
    throw new ConfigError(
      `FACADE_PORT: must differ from PORT (${e.PORT}): /metrics and the facade have their own listeners`,
    );
  if (
    e.PROMETHEUS_URL &&
    e.FACADE_AUTH === 'none' &&
    !isLoopback(facadeAddress) &&
    e.FACADE_AUTH_NONE_ANY_ADDRESS !== 'true'
  )
    throw new ConfigError(
      `FACADE_AUTH: none is allowed only when the facade listens on loopback (it listens on ${facadeAddress}); set FACADE_LISTEN_ADDRESS=127.0.0.1, or FACADE_AUTH_NONE_ANY_ADDRESS=true to serve every org without authentication there`,
    );
  if (e.MAX_ENTITIES_PER_ORG !== undefined && e.MAX_ENTITIES_PER_ORG > e.MAX_ENTITIES_PER_COLLECTION)
    throw new ConfigError(
      `MAX_ENTITIES_PER_ORG: must not exceed MAX_ENTITIES_PER_COLLECTION (${e.MAX_ENTITIES_PER_COLLECTION}), the cap of all orgs together`,
    );
  if (e.FACADE_ONLY === 'true' && !e.PROMETHEUS_URL)
    throw new ConfigError('FACADE_ONLY: needs PROMETHEUS_URL (the facade answers from Prometheus)');
  if (e.PROMETHEUS_URL && e.FACADE_AUTH === 'jwt' && !e.JWT_SECRET) {
    throw new ConfigError(
      'JWT_SECRET: required when PROMETHEUS_URL enables the JSON facade (or set FACADE_AUTH=none to run it without authentication)',
    );
  }
  return {
    mongo: {
      uri: e.MONGODB_URI.uri,
      database: e.MONGODB_URI.database,
      redactedUri: e.MONGODB_URI.redacted,
      secrets: e.MONGODB_URI.secrets,
      timeoutMs: e.MONGODB_TIMEOUT,
    },
    listen: { address: e.LISTEN_ADDRESS, port: e.PORT, maxConnections: e.MAX_CONNECTIONS },
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT,
    },
    metricsAuth: metricsAuthOf(e.METRICS_BEARER_TOKEN_FILE, e.METRICS_BASIC_AUTH_FILE),
    demo: e.DEMO === 'true',
    pollSchedule: e.POLL_SCHEDULE,
    heartbeatStaleAfterMs: e.HEARTBEAT_STALE_AFTER,
    maxEntitiesPerCollection: e.MAX_ENTITIES_PER_COLLECTION,
    maxEntitiesPerOrg: e.MAX_ENTITIES_PER_ORG ?? e.MAX_ENTITIES_PER_COLLECTION,
    executionTypeLabelLimit: e.EXECUTION_TYPE_LABEL_LIMIT,
    countEventsFrom: e.COUNT_EVENTS_FROM,
    eventBatchLimit: e.EVENT_BATCH_LIMIT,
    ingestLagMs: e.INGEST_LAG,
    fullResyncIntervalMs: e.FULL_RESYNC_INTERVAL,
    updatedAtSlackMs: e.UPDATED_AT_SLACK,
    executionMaxRuntimeMs: e.EXECUTION_MAX_RUNTIME,
    logLevel: e.LOG_LEVEL,
    facade: e.PROMETHEUS_URL
      ? {
          prometheusUrl: e.PROMETHEUS_URL.replace(/\/+$/, ''),
          timeoutMs: e.PROMETHEUS_TIMEOUT,
          basePath: e.FACADE_BASE_PATH,
          auth: e.FACADE_AUTH === 'jwt' ? { kind: 'jwt', secret: e.JWT_SECRET! } : { kind: 'none' },
          cache: {
            maxBytes: e.FACADE_CACHE_SIZE,
            maxEntries: e.FACADE_CACHE_ENTRIES,
            orgShare: e.FACADE_CACHE_ORG_SHARE_PERCENT / 100,
          },
          limits: {
            ratePerSecond: e.FACADE_RATE_LIMIT,
            burst: e.FACADE_RATE_BURST,
            concurrency: e.FACADE_CONCURRENCY_PER_TOKEN === 0 ? Infinity : e.FACADE_CONCURRENCY_PER_TOKEN,
            prometheusConcurrency: e.FACADE_PROMETHEUS_CONCURRENCY,
          },
          listen: { address: facadeAddress, port: e.FACADE_PORT, maxConnections: e.FACADE_MAX_CONNECTIONS },
          prometheusMaxBytes: e.PROMETHEUS_MAX_ANSWER_SIZE,
          adminRoles: e.FACADE_ADMIN_ROLES,
        }
      : undefined,
    facadeOnly: e.FACADE_ONLY === 'true',
    collections: {
      nodes: e.COLLECTION_NODES,
      resources: e.COLLECTION_RESOURCES,
      models: e.COLLECTION_MODELS,
      deployments: e.COLLECTION_DEPLOYMENTS,
      agents: e.COLLECTION_AGENTS,
      executions: e.COLLECTION_EXECUTIONS,
      conversations: e.COLLECTION_CONVERSATIONS,
      messages: e.COLLECTION_MESSAGES,
    },
  };
}

/** The documented settings, for the README and `--help`. */
export const SETTINGS = Object.keys(envSchema.shape);
