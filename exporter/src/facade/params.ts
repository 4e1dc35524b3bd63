/** Request parameters, validated with zod: a bad one is a 400 naming the field. */
import { z } from 'zod';
import { NODE_ROLES, NODE_STATUSES } from '../source/nodes.js';
import { RESOURCE_STATUSES, RESOURCE_TYPES } from '../source/resources.js';
import { EXECUTION_STATUSES } from '../source/executions.js';
import { badRequest } from './errors.js';

export const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex ObjectId');
export const executionRef = z.union([objectId, z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an ObjectId or an executionId UUID')]);

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

const page = z.coerce.number().int().min(1).max(100_000).default(1);
const limit = z.coerce.number().int().min(1).max(500).default(10);
const format = z.enum(['json', 'csv']).default('json');
const period = z.enum(Object.keys(PERIODS) as [Period, ...Period[]]);
const interval = z.enum(Object.keys(INTERVALS) as [Interval, ...Interval[]]);

export const listQuery = z.strictObject({ page, limit, format });
export const nodesQuery = z.strictObject({ page, limit, format, status: z.enum(NODE_STATUSES).optional(), role: z.enum(NODE_ROLES).optional() });
export const resourcesQuery = z.strictObject({
  page,
  limit,
  format,
  status: z.enum(RESOURCE_STATUSES).optional(),
  nodeId: objectId.optional(),
  resourceType: z.enum(Object.keys(RESOURCE_TYPE_ALIASES) as [string, ...string[]]).transform((t) => RESOURCE_TYPE_ALIASES[t]!).optional(),
});
export const executionsQuery = z.strictObject({ page, limit, format, status: z.enum(EXECUTION_STATUSES).optional() });
export const seriesQuery = z.strictObject({ period: period.default('24h'), interval: interval.default('1h') });
export const periodQuery = z.strictObject({ period: period.default('24h') });
export const noQuery = z.strictObject({});

/** Parses `input` or throws a 400 naming the first bad field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || where;
  const message = issue.code === 'unrecognized_keys' ? 'unknown parameter' : issue.message;
  throw badRequest(field, message);
}

/**
 * The range of a `period`/`interval` query and the timestamps (Unix seconds) of its points. The
 * step never yields more than 1100 points (Prometheus caps a query at 11000).
 */
export function rangeOf(p: Period, i: Interval, now: Date): { start: Date; end: Date; step: number; timestamps: number[] } {
  const seconds = PERIODS[p];
  const step = Math.max(INTERVALS[i], Math.ceil(seconds / 1100));
  const start = new Date(now.getTime() - seconds * 1000);
  const timestamps: number[] = [];
  for (let t = start.getTime() / 1000; t <= now.getTime() / 1000 + 1e-6; t += step) timestamps.push(Math.round(t));
  return { start, end: now, step, timestamps };
}
