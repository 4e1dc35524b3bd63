/** Request parameters, validated with zod: a bad one is a 400 naming the field. */
import { z } from 'zod';
import { NODE_ROLES } from '../source/nodes.js';
import { RESOURCE_STATUSES, RESOURCE_TYPES } from '../source/resources.js';
import { EXECUTION_STATUSES } from '../source/executions.js';
import { badRequest } from './errors.js';
import { NODE_AVAILABILITIES } from './series.js';

export const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex ObjectId');
export const executionRef = z.union([
  objectId,
  z
    .string()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      'must be an ObjectId or an executionId UUID',
    ),
]);

export const PERIODS = { '1h': 3600, '24h': 86_400, '7d': 604_800, '30d': 2_592_000 } as const;
export const INTERVALS = { '1m': 60, '5m': 300, '1h': 3600, '1d': 86_400 } as const;
export type Period = keyof typeof PERIODS;
export type Interval = keyof typeof INTERVALS;

/** The seed names resource types vm, app-container, inference-container; AIWM's own names work too. */
const RESOURCE_TYPE_ALIASES: Record<string, (typeof RESOURCE_TYPES)[number]> = {
  vm: 'virtual-machine',
  'app-container': 'application-container',
  'inference-container': 'inference-container',
  'virtual-machine': 'virtual-machine',
  'application-container': 'application-container',
};

/** The most items one list response holds. */
export const LIST_CAP = 500;
/**
 * The deepest a list reads: `page × limit` is at most this (a 400 naming `page` beyond), so a
 * request never makes MongoDB skip, or the facade page through, more than this many items.
 */
export const PAGE_WINDOW = 10_000;
const page = z.coerce
  .number()
  .int()
  .min(1)
  .max(PAGE_WINDOW)
  .default(1)
  .describe(`page number, from 1; page × limit is at most ${PAGE_WINDOW}`);
const limitOf = (fallback: number) => z.coerce.number().int().min(1).max(LIST_CAP).default(fallback);
const limit = limitOf(10);
/** Lists the seed shows unpaginated (deployments, agents, executions): everything up to the cap by default. */
const fullLimit = limitOf(LIST_CAP);
const format = z.enum(['json', 'csv']).default('json');
const period = z.enum(Object.keys(PERIODS) as [Period, ...Period[]]);
const interval = z.enum(Object.keys(INTERVALS) as [Interval, ...Interval[]]);

/**
 * The nodes list's `status` filter: an availability (what `nodes[].status` reads), or one of the
 * provisioning statuses AIWM stores (`pending`, `installing`), matched against `recordedStatus`.
 */
export const RECORDED_STATUS_FILTERS = ['pending', 'installing'] as const;
const nodeStatusFilter = z
  .enum([...NODE_AVAILABILITIES, ...RECORDED_STATUS_FILTERS])
  .describe('an availability, as nodes[].status reads; pending and installing select nodes[].recordedStatus');

export const listQuery = z.strictObject({ page, limit, format });
export const fullListQuery = z.strictObject({ page, limit: fullLimit, format });
export const nodesQuery = z.strictObject({
  page,
  limit,
  format,
  status: nodeStatusFilter.optional(),
  role: z.enum(NODE_ROLES).optional(),
});
export const resourcesQuery = z.strictObject({
  page,
  limit,
  format,
  status: z.enum(RESOURCE_STATUSES).optional(),
  nodeId: objectId.optional(),
  resourceType: z
    .enum(Object.keys(RESOURCE_TYPE_ALIASES) as [string, ...string[]])
    .transform((t) => RESOURCE_TYPE_ALIASES[t]!)
    .optional(),
});
export const executionsQuery = z.strictObject({
  page,
  limit: fullLimit,
  format,
  status: z.enum(EXECUTION_STATUSES).optional(),
});

/** The interval a series uses when none is asked for: enough points to draw, at most a few hundred. */
export const DEFAULT_INTERVAL: Record<Period, Interval> = { '1h': '5m', '24h': '1h', '7d': '1h', '30d': '1h' };

/** A `period`/`interval` query; `interval` defaults by period (DEFAULT_INTERVAL). */
export function seriesQueryOf(defaultPeriod: Period) {
  const intervalHelp =
    'step of the series; default 5m for period 1h, 1h otherwise. ' +
    'Widened when the period would exceed 1100 points: the response echoes the step used.';
  return z.strictObject({
    period: period.default(defaultPeriod),
    interval: interval.optional().describe(intervalHelp),
  });
}
export const seriesQuery = seriesQueryOf('24h');
export const periodQuery = z.strictObject({ period: period.default('24h') });
export const noQuery = z.strictObject({});

/** A 400 naming `page` when a parsed list query reads beyond PAGE_WINDOW items (`page × limit`). */
export function checkPageWindow(query: unknown): void {
  if (typeof query !== 'object' || query === null) return;
  const { page, limit } = query as { page?: unknown; limit?: unknown };
  if (typeof page !== 'number' || typeof limit !== 'number' || page * limit <= PAGE_WINDOW) return;
  throw badRequest(
    'page',
    `page × limit must be at most ${PAGE_WINDOW} (got ${page} × ${limit} = ${page * limit}): ` +
      'narrow the list with a filter instead',
  );
}

/** Parses `input` or throws a 400 naming the first bad field (and checks a list's page window). */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    checkPageWindow(result.data);
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || where;
  const message = issue.code === 'unrecognized_keys' ? 'unknown parameter' : issue.message;
  throw badRequest(field, message);
}

/** Steps a widened interval snaps up to, so the step it echoes reads as a duration. */
const STEP_LADDER = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
/** Prometheus answers at most 11000 points per series; the facade keeps well below. */
const MAX_POINTS = 1100;

/** `3600` -> `1h`, `600` -> `10m`, `86400` -> `1d`. */
export function durationOf(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The step of a period at an interval: the interval, or the next ladder step when it would give too many points. */
function stepOf(p: Period, i: Interval): number {
  const needed = Math.ceil(PERIODS[p] / MAX_POINTS);
  if (INTERVALS[i] >= needed) return INTERVALS[i];
  return STEP_LADDER.find((s) => s >= needed) ?? needed;
}

export interface Range {
  start: Date;
  end: Date;
  /** Seconds between points. */
  step: number;
  /** Unix seconds of the points. */
  timestamps: number[];
  /** The step used, as a duration (`interval` in responses). */
  interval: string;
  /** The interval asked for, or the period's default. */
  requestedInterval: Interval;
  /** A metadata note when the step was widened, else undefined. */
  widenedNote?: string;
}

/** The range of a `period`/`interval` query and the timestamps of its points. */
export function rangeOf(p: Period, i: Interval | undefined, now: Date): Range {
  const requestedInterval = i ?? DEFAULT_INTERVAL[p];
  const seconds = PERIODS[p];
  const step = stepOf(p, requestedInterval);
  const start = new Date(now.getTime() - seconds * 1000);
  const timestamps: number[] = [];
  for (let t = start.getTime() / 1000; t <= now.getTime() / 1000 + 1e-6; t += step) timestamps.push(Math.round(t));
  const interval = step === INTERVALS[requestedInterval] ? requestedInterval : durationOf(step);
  const widenedNote =
    interval === requestedInterval
      ? undefined
      : `interval ${requestedInterval} widened to ${interval}: ` +
        `period ${p} at ${requestedInterval} exceeds ${MAX_POINTS} points.`;
  return { start, end: now, step, timestamps, interval, requestedInterval, widenedNote };
}
