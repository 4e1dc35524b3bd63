import { z } from 'zod';
import cron from 'node-cron';

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
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a mongodb:// or mongodb+srv:// URI' });
    return z.NEVER;
  }
  if (url.protocol !== 'mongodb:' && url.protocol !== 'mongodb+srv:') {
    ctx.addIssue({
      code: 'custom',
      message: `must use the mongodb:// or mongodb+srv:// scheme (got "${url.protocol}")`,
    });
    return z.NEVER;
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'hydra-aiwm';
  return { uri: text, database, redacted: redactUri(text) };
});

/** Text with the password of every `scheme://user:password@` in it replaced, safe to log. */
export function redactUri(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@/\s]*@/gi, '$1:***@');
}

const envSchema = z.object({
  MONGODB_URI: mongoUri.prefault('mongodb://127.0.0.1:27017/hydra-aiwm'),
  MONGODB_TIMEOUT: duration(100).prefault('5s'),
  LISTEN_ADDRESS: z.string().min(1).prefault('0.0.0.0'),
  PORT: integer(0, 65535).prefault('9470'),
  POLL_SCHEDULE: z
    .string()
    .refine((expr) => cron.validate(expr), 'must be a valid cron expression (node-cron, seconds field allowed)')
    .prefault('*/15 * * * * *'),
  HEARTBEAT_STALE_AFTER: duration(1000).prefault('2m'),
  MAX_ENTITIES_PER_COLLECTION: integer(1, 10_000_000).prefault('100000'),
  EXECUTION_TYPE_LABEL_LIMIT: integer(1, 1000).prefault('30'),
  COUNT_EVENTS_FROM: countFrom.prefault('start'),
  EVENT_BATCH_LIMIT: integer(100, 10_000_000).prefault('50000'),
  INGEST_LAG: duration(0).prefault('5s'),
  EXECUTION_MAX_RUNTIME: duration(60_000).prefault('7d'),
  PROMETHEUS_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL of the Prometheus HTTP API' })
    .optional(),
  PROMETHEUS_TIMEOUT: duration(100).prefault('5s'),
  FACADE_BASE_PATH: z
    .string()
    .regex(/^\/[a-z0-9/_-]*[a-z0-9_-]$/, 'must be a path like /dashboard')
    .prefault('/dashboard'),
  FACADE_AUTH: z.enum(['jwt', 'none']).prefault('jwt'),
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
  mongo: { uri: string; database: string; redactedUri: string; timeoutMs: number };
  listen: { address: string; port: number };
  pollSchedule: string;
  heartbeatStaleAfterMs: number;
  maxEntitiesPerCollection: number;
  executionTypeLabelLimit: number;
  countEventsFrom: { kind: 'start' } | { kind: 'all' } | { kind: 'lookback'; ms: number };
  eventBatchLimit: number;
  ingestLagMs: number;
  executionMaxRuntimeMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The JSON facade, enabled when PROMETHEUS_URL is set. */
  facade:
    | {
        prometheusUrl: string;
        timeoutMs: number;
        basePath: string;
        auth: { kind: 'jwt'; secret: string } | { kind: 'none' };
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

export class ConfigError extends Error {}

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
      timeoutMs: e.MONGODB_TIMEOUT,
    },
    listen: { address: e.LISTEN_ADDRESS, port: e.PORT },
    pollSchedule: e.POLL_SCHEDULE,
    heartbeatStaleAfterMs: e.HEARTBEAT_STALE_AFTER,
    maxEntitiesPerCollection: e.MAX_ENTITIES_PER_COLLECTION,
    executionTypeLabelLimit: e.EXECUTION_TYPE_LABEL_LIMIT,
    countEventsFrom: e.COUNT_EVENTS_FROM,
    eventBatchLimit: e.EVENT_BATCH_LIMIT,
    ingestLagMs: e.INGEST_LAG,
    executionMaxRuntimeMs: e.EXECUTION_MAX_RUNTIME,
    logLevel: e.LOG_LEVEL,
    facade: e.PROMETHEUS_URL
      ? {
          prometheusUrl: e.PROMETHEUS_URL.replace(/\/+$/, ''),
          timeoutMs: e.PROMETHEUS_TIMEOUT,
          basePath: e.FACADE_BASE_PATH,
          auth: e.FACADE_AUTH === 'jwt' ? { kind: 'jwt', secret: e.JWT_SECRET! } : { kind: 'none' },
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
