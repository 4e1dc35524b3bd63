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
import { hash } from 'node:crypto';
import { BSON, ObjectId, type Collection, type Document, type Filter } from 'mongodb';
import type { z } from 'zod';
import {
  NOT_DELETED,
  scan,
  validate,
  validateField,
  type EnumPaths,
  type FieldCheck,
  type InvalidReason,
  type InvalidSink,
} from './common.js';

/** What an entity collection's reader reads: the collector's projection, schema and enum fields. */
export interface StateSource<S extends z.ZodType> {
  readonly projection: Document;
  /** The document's schema; with a stable field, the document is given to it without that field. */
  readonly schema: S;
  readonly enumPaths: EnumPaths<z.output<S>>;
  readonly stable?: StableField;
}

/**
 * A large array of subdocuments that a document's frequent writes leave as it is (nodes' gpuDevices,
 * which heartbeats do not touch). It is read as raw BSON and decoded and validated again only when
 * its bytes changed since the document's last read; otherwise the record gets the very value it got
 * then (collectors may compare it by identity), and the reports that validation made then.
 */
export interface StableField {
  readonly name: string;
  readonly schema: z.ZodType;
  /** Whether a valid value holds an enum value outside the contract (`other`). */
  hasOther(value: unknown): boolean;
}

/** The last validation of a document's stable field, by a digest of its bytes. */
interface StableCheck extends FieldCheck<unknown> {
  readonly digest: string;
}

/** How the driver decodes documents for the readers (enableUtf8Validation: false, see scan). */
const DECODE = { validation: { utf8: false } } as const;

/**
 * A digest of a stable field's raw value: SHA-1 of the bytes of its subdocuments, which the driver hands
 * over as slices of one reply, side by side. undefined for a value that is not an array of them (it
 * arrives decoded, and is validated every time).
 */
function digestOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return String(value);
  if (!Array.isArray(value) || !value.every((v) => v instanceof Uint8Array)) return undefined;
  const items = value as Uint8Array[];
  if (items.length === 0) return '[]';
  const first = items[0]!;
  const last = items[items.length - 1]!;
  if (items.some((v) => v.buffer !== first.buffer)) return undefined;
  const end = last.byteOffset + last.byteLength;
  return hash('sha1', new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset), 'base64');
}

/** The stable field's value as plain objects, as the driver would have decoded it. */
function decoded(value: unknown): unknown {
  return Array.isArray(value) ? value.map((v) => (v instanceof Uint8Array ? BSON.deserialize(v, DECODE) : v)) : value;
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
  /** Most documents of the last incremental read's window had changed: read them whole at once. */
  private mostChanged = false;
  /** The last validation of each live document's stable field. */
  private readonly stableChecks = new Map<string, StableCheck>();
  private readonly projection: Document;
  private readonly fieldsAsRaw: Record<string, boolean> | undefined;

  constructor(private readonly source: StateSource<S>) {
    this.projection = { ...source.projection, updatedAt: 1, isDeleted: 1 };
    this.fieldsAsRaw = source.stable ? { [source.stable.name]: true } : undefined;
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
   * again every poll until the watermark moves on, cost little. When most of the window changed at the
   * last read, it reads the window's whole documents at once.
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
        this.forget(id);
        changes.remove(id);
        return;
      }
      this.versions.set(id, versionOf(raw));
      found = [];
      const stable = this.source.stable;
      const field = stable ? raw[stable.name] : undefined;
      if (stable) raw[stable.name] = undefined;
      const record = validate(name, this.source.schema, this.source.enumPaths, raw, capture);
      if (record !== undefined && stable) {
        const check = this.checkStable(stable, id, field);
        for (const r of check.reports) capture(name, id, r.reason, r.field);
        if (check.unknownEnum && !found.some((r) => r.reason === 'unknown_enum')) capture(name, id, 'unknown_enum', '');
        (record as Record<string, unknown>)[stable.name] = check.value;
      }
      if (found.length > 0) this.reports.set(id, found);
      if (record === undefined) {
        this.stableChecks.delete(id);
        changes.remove(id);
      } else changes.upsert(record);
    };

    if (full) {
      await scan(collection, NOT_DELETED, this.projection, (raw) => apply(raw, note(raw)), undefined, this.fieldsAsRaw);
      for (const id of [...changes.ids()]) if (!seen.has(id)) changes.remove(id);
      for (const id of [...this.versions.keys()]) if (!seen.has(id)) this.forget(id);
      this.lastFull = now.getTime();
    } else {
      // MongoDB walks the { updatedAt: 1 } index; no order is needed.
      const window: Filter<Document> = { updatedAt: { $gte: new Date(Math.max(0, this.watermark - slackMs)) } };
      const unchanged = (raw: Document, id: string): boolean =>
        raw.isDeleted !== true && this.versions.get(id) === versionOf(raw);
      if (this.mostChanged) {
        // Most of the window changed last poll (every node heartbeats): a pass over the versions first
        // would find the same, and read the window twice.
        let applied = 0;
        await scan(
          collection,
          window,
          this.projection,
          (raw) => {
            const id = note(raw);
            if (unchanged(raw, id)) return;
            applied++;
            apply(raw, id);
          },
          null,
          this.fieldsAsRaw,
        );
        this.mostChanged = applied * 2 > seen.size;
      } else {
        const changed: ObjectId[] = [];
        await scan(
          collection,
          window,
          { updatedAt: 1, isDeleted: 1 },
          (raw) => {
            const id = note(raw);
            if (raw.isDeleted === true) apply(raw, id);
            else if (!unchanged(raw, id)) changed.push(raw._id as ObjectId);
          },
          null,
        );
        this.mostChanged = changed.length * 2 > seen.size;
        if (changed.length > 0) {
          const byId = changed.length <= BY_ID_LIMIT;
          await scan(
            collection,
            byId ? { _id: { $in: changed } } : window,
            this.projection,
            (raw) => {
              const id = note(raw);
              // Read again by the window: skip what is unchanged since its last read.
              if (byId || !unchanged(raw, id)) apply(raw, id);
            },
            null,
            this.fieldsAsRaw,
          );
        }
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

  /** A document's stable field, validated again only when its bytes changed. */
  private checkStable(stable: StableField, id: string, raw: unknown): FieldCheck<unknown> {
    const digest = digestOf(raw);
    const last = this.stableChecks.get(id);
    if (last !== undefined && digest !== undefined && last.digest === digest) return last;
    const check = validateField(stable.name, stable.schema, (v) => stable.hasOther(v), decoded(raw));
    if (digest === undefined) this.stableChecks.delete(id);
    else this.stableChecks.set(id, { ...check, digest });
    return check;
  }

  /** Drops what is kept of a document that is gone. */
  private forget(id: string): void {
    this.versions.delete(id);
    this.reports.delete(id);
    this.stableChecks.delete(id);
  }
}
