import type { Collection, Document } from 'mongodb';
import { z } from 'zod';
import {
  NOT_DELETED,
  OTHER,
  baseFields,
  enumField,
  optionalDate,
  optionalNumber,
  optionalString,
  orgOf,
  type InvalidSink,
} from './common.js';
import { readValidIncrement, type Increment, type Watermark } from './incremental.js';
import { boundLabelValue } from '../metrics/exposition.js';

export const EXECUTION_CATEGORIES = ['deployment', 'model', 'agent', 'maintenance', 'batch'] as const;
export const EXECUTION_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout'] as const;
export const FINISHED_STATUSES = ['completed', 'failed', 'cancelled', 'timeout'] as const;

export const finishedExecutionSchema = z.object({
  ...baseFields,
  category: enumField(EXECUTION_CATEGORIES),
  status: enumField(EXECUTION_STATUSES),
  type: optionalString,
  startedAt: optionalDate,
  completedAt: z.date(),
  retryCount: optionalNumber,
});

export type FinishedExecution = z.output<typeof finishedExecutionSchema>;

const finishedProjection = {
  category: 1,
  status: 1,
  type: 1,
  startedAt: 1,
  completedAt: 1,
  retryCount: 1,
  'owner.orgId': 1,
};

/**
 * Executions finished since the watermark, in completedAt order. The createdAt lower bound keeps the
 * scan on the {status, createdAt} index: an execution that ran longer than EXECUTION_MAX_RUNTIME
 * before finishing is not counted (documented in docs/metrics.md).
 */
export async function readFinishedExecutions(
  collection: Collection,
  watermark: Watermark,
  upper: Date,
  limit: number,
  maxRuntimeMs: number,
  report: InvalidSink,
): Promise<Increment & { records: FinishedExecution[] }> {
  const createdFrom = watermark.time.getTime() - maxRuntimeMs;
  // Documents without a usable category are reported by countExecutions, not read here.
  const filter: Document = { ...NOT_DELETED, status: { $in: [...FINISHED_STATUSES] }, category: { $type: 'string' } };
  if (createdFrom > 0) filter.createdAt = { $gte: new Date(createdFrom) };
  return readValidIncrement(
    { collection, timeField: 'completedAt', filter, projection: finishedProjection, watermark, upper, limit },
    finishedExecutionSchema,
    [],
    report,
  );
}

export interface ExecutionGroup {
  orgId: string;
  category: string;
  type: string;
  status: string;
  count: number;
}

const known = <T extends readonly string[]>(values: T, value: unknown): string | undefined =>
  typeof value === 'string' ? ((values as readonly string[]).includes(value) ? value : OTHER) : undefined;

/** Checks a grouped key the way validate() checks a document; returns undefined for groups to skip. */
function groupKey(
  collection: string,
  id: Document,
  count: number,
  report: InvalidSink,
): Omit<ExecutionGroup, 'count' | 'type'> | undefined {
  const category = known(EXECUTION_CATEGORIES, id.category);
  const status = known(EXECUTION_STATUSES, id.status);
  if (category === undefined || status === undefined) {
    const bad = category === undefined ? id.category : id.status;
    const reason = bad === null || bad === undefined ? 'missing_field' : 'wrong_type';
    report(collection, null, reason, category === undefined ? 'category' : 'status', count);
    return undefined;
  }
  if (category === OTHER || status === OTHER) report(collection, null, 'unknown_enum', '', count);
  const orgId = groupOrg(id.orgId, () => report(collection, null, 'long_value', 'owner.orgId', count));
  return { orgId, category, status };
}

/** A grouped `owner.orgId` read as orgOf reads a document's, cut to a label value's length (`onCut` told). */
function groupOrg(orgId: unknown, onCut?: () => void): string {
  const bounded = typeof orgId === 'string' ? boundLabelValue(orgId) : null;
  if (bounded !== null && bounded !== orgId) onCut?.();
  return orgOf({ owner: { orgId: bounded } });
}

/**
 * Current executions by org, category, type and status, counted by MongoDB (executions accumulate
 * forever, so they are never loaded). This aggregation sees every execution every poll, so it is
 * where malformed category, status and progress values are reported, once per document.
 */
export async function countExecutions(collection: Collection, report: InvalidSink): Promise<ExecutionGroup[]> {
  const rows = await collection
    .aggregate([
      { $match: NOT_DELETED },
      {
        $group: {
          _id: { orgId: '$owner.orgId', category: '$category', type: '$type', status: '$status' },
          count: { $sum: 1 },
          badProgress: {
            $sum: {
              $cond: [{ $or: [{ $isNumber: '$progress' }, { $eq: [{ $ifNull: ['$progress', null] }, null] }] }, 0, 1],
            },
          },
        },
      },
    ])
    .toArray();
  const groups: ExecutionGroup[] = [];
  for (const row of rows) {
    // A non-numeric progress reads as 0 in the running average: reported, the execution still counted.
    if ((row.badProgress as number) > 0)
      report(collection.collectionName, null, 'wrong_type', 'progress', row.badProgress as number);
    const key = groupKey(collection.collectionName, row._id as Document, row.count as number, report);
    if (!key) continue;
    const type = (row._id as Document).type;
    const bounded = typeof type === 'string' && type !== '' ? boundLabelValue(type) : 'unknown';
    if (typeof type === 'string' && bounded !== type)
      report(collection.collectionName, null, 'long_value', 'type', row.count as number);
    groups.push({ ...key, type: bounded, count: row.count as number });
  }
  return groups;
}

export interface RunningGroup {
  orgId: string;
  category: string;
  running: number;
  progressSum: number;
  overdue: number;
}

/** Running executions: summed progress and how many are past their timeoutAt, by org and category. */
export async function summarizeRunning(collection: Collection, now: Date): Promise<RunningGroup[]> {
  const rows = await collection
    .aggregate([
      { $match: { ...NOT_DELETED, status: 'running' } },
      {
        $group: {
          _id: { orgId: '$owner.orgId', category: '$category' },
          running: { $sum: 1 },
          progressSum: { $sum: { $cond: [{ $isNumber: '$progress' }, '$progress', 0] } },
          overdue: {
            $sum: {
              $cond: [{ $and: [{ $eq: [{ $type: '$timeoutAt' }, 'date'] }, { $lt: ['$timeoutAt', now] }] }, 1, 0],
            },
          },
        },
      },
    ])
    .toArray();
  const groups: RunningGroup[] = [];
  for (const row of rows) {
    const id = row._id as Document;
    const category = known(EXECUTION_CATEGORIES, id.category);
    if (category === undefined) continue; // already reported by countExecutions
    groups.push({
      // A long org id is reported by countExecutions, which sees every execution.
      orgId: groupOrg(id.orgId),
      category,
      running: row.running as number,
      progressSum: row.progressSum as number,
      overdue: row.overdue as number,
    });
  }
  return groups;
}
