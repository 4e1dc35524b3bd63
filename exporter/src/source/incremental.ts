import { ObjectId, type Collection, type Document, type Filter } from 'mongodb';
import type { z } from 'zod';
import { validate, type EnumPaths, type InvalidSink } from './common.js';

/**
 * Position of an incremental reader: every document with (timeField, _id) up to and including
 * this pair has been counted. Ordering by the pair makes ties on the timestamp safe.
 */
export interface Watermark {
  readonly time: Date;
  readonly id: ObjectId;
}

export const MIN_OBJECT_ID = new ObjectId('000000000000000000000000');
export const MAX_OBJECT_ID = new ObjectId('ffffffffffffffffffffffff');

export function initialWatermark(
  from: { kind: 'start' } | { kind: 'all' } | { kind: 'lookback'; ms: number },
  startedAt: Date,
): Watermark {
  const time =
    from.kind === 'all' ? new Date(0) : from.kind === 'start' ? startedAt : new Date(startedAt.getTime() - from.ms);
  return { time, id: MIN_OBJECT_ID };
}

/**
 * An `_id` lower bound for collections whose only createdAt index starts with another field
 * (messages, conversations): ObjectIds embed their creation second and AIWM creates both fields
 * together, so MongoDB can walk the primary index instead of scanning history. The slack covers
 * clock skew between AIWM replicas.
 */
export function idLowerBound(watermark: Watermark, slackSeconds = 600): Filter<Document> {
  const fromSeconds = Math.floor(watermark.time.getTime() / 1000) - slackSeconds;
  return fromSeconds > 0 ? { _id: { $gte: ObjectId.createFromTime(fromSeconds) } } : {};
}

export interface IncrementQuery {
  collection: Collection;
  timeField: string;
  /** Extra conditions, e.g. status or an index-friendly lower bound. */
  filter: Filter<Document>;
  projection: Document;
  watermark: Watermark;
  /** Read nothing newer than this: documents still being written settle behind it (INGEST_LAG). */
  upper: Date;
  limit: number;
}

export interface Increment {
  docs: Document[];
  watermark: Watermark;
  /** True when everything up to `upper` has been read. */
  caughtUp: boolean;
}

/** Reads the next documents after the watermark in (timeField, _id) order. */
export async function readIncrement(q: IncrementQuery): Promise<Increment> {
  const { time, id } = q.watermark;
  if (q.upper.getTime() < time.getTime()) return { docs: [], watermark: q.watermark, caughtUp: true };
  const filter: Filter<Document> = {
    $and: [
      q.filter,
      { [q.timeField]: { $lte: q.upper } },
      { $or: [{ [q.timeField]: { $gt: time } }, { [q.timeField]: time, _id: { $gt: id } }] },
    ],
  };
  const docs = await q.collection
    .find(filter, {
      projection: q.projection,
      sort: { [q.timeField]: 1, _id: 1 },
      limit: q.limit,
      batchSize: Math.min(q.limit, 5000),
    })
    .toArray();
  if (docs.length < q.limit) return { docs, watermark: { time: q.upper, id: MAX_OBJECT_ID }, caughtUp: true };
  const last = docs[docs.length - 1]!;
  return { docs, watermark: { time: last[q.timeField] as Date, id: last._id as ObjectId }, caughtUp: false };
}

/** readIncrement, then validation: the page's documents plus the valid records among them. */
export async function readValidIncrement<S extends z.ZodType>(
  q: IncrementQuery,
  schema: S,
  enumPaths: EnumPaths<z.output<S>>,
  report: InvalidSink,
): Promise<Increment & { records: z.output<S>[] }> {
  const increment = await readIncrement(q);
  const records: z.output<S>[] = [];
  for (const doc of increment.docs) {
    const record = validate(q.collection.collectionName, schema, enumPaths, doc, report);
    if (record !== undefined) records.push(record);
  }
  return { ...increment, records };
}
