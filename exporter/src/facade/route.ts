import type { Db } from 'mongodb';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Scope } from './auth.js';
import { notFound } from './errors.js';
import type { PrometheusApi, Sample } from './prometheus.js';
import { facade as q, type MetricDef } from '../../../queries/index.js';
import { entityMatcher } from './scope.js';

export interface FacadeContext {
  prom: PrometheusApi;
  db: Db;
  config: Config;
  scope: Scope;
  now: Date;
}

/** One GET endpoint: its parameters, its response shape and how long a response may be cached. */
export interface Route<Q extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  path: string;
  summary: string;
  description?: string;
  params?: Record<string, z.ZodType>;
  query: Q;
  response: R;
  cacheMs: number;
  /** For `?format=csv`: the rows of the list. */
  rows?: (response: z.output<R>) => Array<Record<string, unknown>>;
  handle(ctx: FacadeContext, params: Record<string, string>, query: z.output<Q>): Promise<z.output<R>>;
}

/** Awaits an object of promises concurrently: named results instead of a positional tuple. */
export async function allOf<T extends Record<string, unknown>>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settle = async ([k, p]: [string, unknown]) => [k, await (p as Promise<unknown>)] as const;
  const entries = await Promise.all(Object.entries(promises).map(settle));
  return Object.fromEntries(entries) as T;
}

/** Sorts items by name, in place (every list is ordered by name). */
export const byName = <T extends { name: string }>(xs: T[]) =>
  xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** A zod object of numbers, one per key (counts by status, severity, role...). */
export const counts = <const K extends string>(keys: readonly K[]) =>
  z.object(Object.fromEntries(keys.map((k) => [k, z.number()])) as Record<K, z.ZodNumber>);

export const defineRoute = <Q extends z.ZodType, R extends z.ZodType>(route: Route<Q, R>): Route<Q, R> => route;

/** Present in every response: which sources answered and which seed fields AIWM cannot supply. */
export const metadataSchema = z.object({
  sources: z.array(z.string()),
  unavailable: z.array(z.object({ field: z.string(), reason: z.string() })),
  units: z.record(z.string(), z.string()).optional(),
  notes: z.array(z.string()).optional(),
});
export type Metadata = z.output<typeof metadataSchema>;
export type Unavailable = Metadata['unavailable'][number];

/** Series responses echo the step used and the interval asked for (they differ when it was widened). */
export const seriesEcho = { interval: z.string(), requestedInterval: z.string() };

const NO_LATENCY =
  'messages.latency is only written when the client that stores a message supplies it; AIWM never computes it';

/**
 * Latency over `responses` responses of which `samples` carried a latency: the average in ms, or
 * null, with a reason when there were responses but none had a latency (unknown, not zero).
 */
export function latencyOf(field: string, responses: number | null, samples: number | null, seconds: number | null) {
  const avg = samples !== null && samples > 0 && seconds !== null ? round((seconds / samples) * 1000) : null;
  const gap: Unavailable | undefined =
    avg === null && responses !== null && responses > 0
      ? { field, reason: `${round(responses, 0)} responses without a latency sample: ${NO_LATENCY}` }
      : undefined;
  return { avg, gap };
}

/** One reason for a list field: the items (ids) with responses but no latency sample. */
export function listLatencyGap(field: string, ids: string[]): Unavailable | undefined {
  if (ids.length === 0) return undefined;
  const shown = ids.slice(0, 10).join(', ') + (ids.length > 10 ? `, and ${ids.length - 10} more` : '');
  return { field, reason: `null for ${ids.length} with responses but no latency sample (${shown}): ${NO_LATENCY}` };
}

/** The reason entries of `gaps` that are set. */
export const gapsOf = (...gaps: Array<Unavailable | undefined>): Unavailable[] =>
  gaps.filter((g): g is Unavailable => g !== undefined);

export const paginationSchema = z.object({ page: z.number().int(), limit: z.number().int(), total: z.number().int() });

export const nullableNumber = z.number().nullable();

export function paginate<T>(
  items: T[],
  page: number,
  limit: number,
): { items: T[]; pagination: z.output<typeof paginationSchema> } {
  return { items: items.slice((page - 1) * limit, page * limit), pagination: { page, limit, total: items.length } };
}

/** Rounds for display: percent and milliseconds to 1 decimal, gigabytes to 2. */
export const round = (v: number | null, digits = 1): number | null =>
  v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits;
export const GIB = 1_073_741_824;
export const toGB = (bytes: number | null | undefined) => (bytes == null ? null : round(bytes / GIB, 2));
export const pct = (ratio: number | null | undefined) => (ratio == null ? null : round(ratio * 100));

/**
 * The `_info` series of an entity of the caller's org (any org's for a platform administrator). The
 * org is in the query itself: another org's entity is a 404, like an id no org has, so the answer
 * never reveals that an id exists elsewhere.
 */
export async function ownedEntity(
  ctx: FacadeContext,
  info: MetricDef,
  idLabel: string,
  id: string,
  what: string,
): Promise<Sample> {
  const [mine] = await ctx.prom.query(q.entityInfo(info, entityMatcher(ctx.scope, idLabel, id)));
  if (!mine) throw notFound(what);
  return mine;
}
