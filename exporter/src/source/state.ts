/**
 * Incremental reading of a state collection (nodes, resources) by `updatedAt`.
 *
 * AIWM sets `updatedAt` on every write path (mongoose timestamps; heartbeats and soft deletes set it
 * too), so after one full read a poll only needs the documents whose `updatedAt` is at or after the
 * watermark (the largest `updatedAt` read so far, never past the poll's start) less a slack for clock
 * differences between AIWM replicas and writes in flight. A soft-deleted document read that way
 * removes its entity; one whose `updatedAt` is the one already read (read again within the slack) is
 * not validated or rendered again. A periodic full read (FULL_RESYNC_INTERVAL, and the first poll, and
 * the poll after a failed one or an outage) reads every live document as before: it drops the entities
 * whose documents are gone (hard deletes, invisible to incremental reads), and is the only read that
 * sees a document without `updatedAt` or written with one older than the slack.
 *
 * Malformed documents count once per poll, as when every poll read everything: a document validated
 * this poll reports what validation finds; any other repeats what its last validation found.
 */
import { ObjectId, type Collection, type Document, type Filter } from 'mongodb';
import type { z } from 'zod';
import { NOT_DELETED, scan, validate, type EnumPaths, type InvalidReason, type InvalidSink } from './common.js';

/** What an entity collection's reader reads: the collector's projection, schema and enum fields. */
export interface StateSource<S extends z.ZodType> {
  readonly projection: Document;
  readonly schema: S;
  readonly enumPaths: EnumPaths<z.output<S>>;
}

/** Where a read's results go: the collector's entities, by `_id` as 24 hex digits. */
export interface StateChanges<R> {
  /** A live, valid document read this poll (new, changed or unchanged). */
  upsert(record: R): void;
  /** The entity is gone: soft-deleted, no longer valid, or missing from a full read. */
  remove(id: string): void;
  /** The ids of every entity held. */
  ids(): Iterable<string>;
}

export interface StateReadOptions {
  /** The poll's reference time: caps the watermark, and times full reads. */
  now: Date;
  report: InvalidSink;
  /** How far before the watermark an incremental read starts (UPDATED_AT_SLACK). */
  slackMs: number;
  /** Longest time between full reads (FULL_RESYNC_INTERVAL). */
  resyncMs: number;
}

export interface StateRead {
  /** Documents read this poll. */
  read: number;
  /** True for a full read (resync). */
  full: boolean;
}

interface Report {
  readonly reason: InvalidReason;
  readonly field: string;
}

const idOf = (raw: Document): string => (raw._id instanceof ObjectId ? raw._id.toHexString() : String(raw._id));

/** A document's version: its `updatedAt` (ms), NaN without one. */
const versionOf = (raw: Document): number => (raw.updatedAt instanceof Date ? raw.updatedAt.getTime() : NaN);

/** Up to this many changed documents are fetched by `_id`; more, by their updatedAt window again. */
const BY_ID_LIMIT = 1000;

export class StateReader<S extends z.ZodType> {
  /** The largest `updatedAt` read (ms), capped at the poll's reference time; 0 before any. */
  private watermark = 0;
  /** The reference time (ms) of the last full read. */
  private lastFull: number | undefined;
  /** True until a read completes, and again after a failed poll or an outage: the next read is full. */
  private stale = true;
  /** The version of every live document at its last read (valid or not). */
  private readonly versions = new Map<string, number>();
  /** What validation reported for each document at its last read (only documents with reports). */
  private readonly reports = new Map<string, Report[]>();
  private readonly projection: Document;

  constructor(private readonly source: StateSource<S>) {
    this.projection = { ...source.projection, updatedAt: 1, isDeleted: 1 };
  }

  /** The next read is a full one (the poll failed or MongoDB was unreachable). */
  invalidate(): void {
    this.stale = true;
  }

  /** True when the next read at `now` is a full one. */
  fullReadDue(now: Date, resyncMs: number): boolean {
    const t = now.getTime();
    return this.stale || this.lastFull === undefined || t < this.lastFull || t - this.lastFull >= resyncMs;
  }

  /**
   * Reads the changes since the last read (or everything), applying them to `changes`. An incremental
   * read first reads only the version (`updatedAt`) of the documents in its window, then the whole of
   * those that are new or changed: the documents written within the slack before the watermark, read
   * again every poll until the watermark moves on, cost little.
   */
  async read(
    collection: Collection,
    options: StateReadOptions,
    changes: StateChanges<z.output<S>>,
  ): Promise<StateRead> {
    const { now, report, slackMs, resyncMs } = options;
    const full = this.fullReadDue(now, resyncMs);
    this.stale = true;
    const name = collection.collectionName;
    /** Documents read this poll, and those among them validated (whose reports are new). */
    const seen = new Set<string>();
    const validated = new Set<string>();
    let newest = 0;
    const note = (raw: Document): string => {
      const id = idOf(raw);
      seen.add(id);
      const version = versionOf(raw);
      if (version > newest) newest = version;
      return id;
    };
    let found: Report[] = [];
    const capture: InvalidSink = (c, id, reason, field, count) => {
      found.push({ reason, field });
      report(c, id, reason, field, count);
    };
    const apply = (raw: Document, id: string): void => {
      validated.add(id);
      this.reports.delete(id);
      if (raw.isDeleted === true) {
        this.versions.delete(id);
        changes.remove(id);
        return;
      }
      this.versions.set(id, versionOf(raw));
      found = [];
      const record = validate(name, this.source.schema, this.source.enumPaths, raw, capture);
      if (found.length > 0) this.reports.set(id, found);
      if (record === undefined) changes.remove(id);
      else changes.upsert(record);
    };

    if (full) {
      await scan(collection, NOT_DELETED, this.projection, (raw) => apply(raw, note(raw)));
      for (const id of [...changes.ids()]) if (!seen.has(id)) changes.remove(id);
      for (const id of [...this.versions.keys()]) if (!seen.has(id)) this.versions.delete(id);
      for (const id of [...this.reports.keys()]) if (!seen.has(id)) this.reports.delete(id);
      this.lastFull = now.getTime();
    } else {
      // MongoDB walks the { updatedAt: 1 } index; no order is needed.
      const window: Filter<Document> = { updatedAt: { $gte: new Date(Math.max(0, this.watermark - slackMs)) } };
      const changed: ObjectId[] = [];
      await scan(
        collection,
        window,
        { updatedAt: 1, isDeleted: 1 },
        (raw) => {
          const id = note(raw);
          if (raw.isDeleted === true) apply(raw, id);
          else if (this.versions.get(id) !== versionOf(raw)) changed.push(raw._id as ObjectId);
        },
        null,
      );
      if (changed.length > 0) {
        const byId = changed.length <= BY_ID_LIMIT;
        await scan(
          collection,
          byId ? { _id: { $in: changed } } : window,
          this.projection,
          (raw) => {
            const id = note(raw);
            // Read again by the window: skip what is unchanged since its last read.
            if (byId || raw.isDeleted === true || this.versions.get(id) !== versionOf(raw)) apply(raw, id);
          },
          null,
        );
      }
      // Documents not validated this poll count as their last read found them.
      for (const [id, reports] of this.reports)
        if (!validated.has(id)) for (const r of reports) report(name, id, r.reason, r.field);
    }
    // Never past the poll's start: a document written while this read ran may carry an earlier
    // updatedAt than one read after it, and one far in the future must not hide later writes.
    this.watermark = Math.max(this.watermark, Math.min(newest, now.getTime()));
    this.stale = false;
    return { read: seen.size, full };
  }
}
