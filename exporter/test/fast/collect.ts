/**
 * The fast tier's plumbing: one collector run against a handful of documents in the in-process MongoDB
 * stand-in (no process started), its exposition returned as sample lines.
 */
import { ObjectId, type Db, type Document } from 'mongodb';
import { afterAll, beforeEach } from 'vitest';
import type { CollectContext, Collector } from '../../src/collectors/collector.js';
import type { Config } from '../../src/config.js';
import { renderFamilies } from '../../src/metrics/exposition.js';
import { openTestDatabase, testConfig, type TestDatabase } from '../../../testing/harness.js';

/** The reference time of every fast collector test. */
export const NOW = new Date('2026-01-15T12:00:00Z');

/** `ObjectId` 0000...000n: short ids that read well in expected lines. */
export const oid = (n: number): ObjectId => new ObjectId(n.toString(16).padStart(24, '0'));

/** The same id as its label value. */
export const hex = (n: number): string => oid(n).toHexString();

/** A date `seconds` before NOW. */
export const ago = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

export interface CollectorRun {
  /** Sample lines, in exposition order (HELP and TYPE lines left out). */
  lines: string[];
  /** Malformed documents reported: `collection/reason/field`. */
  invalid: string[];
  /** Documents read per collection. */
  read: Record<string, number>;
  /** Entities left without series by the entity cap, per collection. */
  overLimit: Record<string, number>;
  /** The same per collection and org (orgs with some only). */
  overLimitByOrg: Record<string, Record<string, number>>;
}

export interface FastDatabase {
  readonly db: Db;
  config(overrides?: Record<string, string>): Config;
  insert(collection: string, docs: Document[]): Promise<void>;
}

/** A stand-in database for one test file, emptied before each test. */
export function useDatabase(): FastDatabase {
  let t: TestDatabase | undefined;
  const open = async (): Promise<TestDatabase> => (t ??= await openTestDatabase());
  beforeEach(async () => {
    const { db } = await open();
    for (const c of await db.collections()) await c.deleteMany({});
  });
  afterAll(async () => {
    await t?.close();
  });
  return {
    get db() {
      if (!t) throw new Error('the database opens before the first test');
      return t.db;
    },
    config: (overrides = {}) => testConfig(t!.uri, overrides),
    async insert(collection, docs) {
      await (await open()).db.collection(collection).insertMany(docs);
    },
  };
}

/** One collect() of `collector` at NOW. */
export async function collect(collector: Collector, db: Db, config: Config): Promise<CollectorRun> {
  const run: CollectorRun = { lines: [], invalid: [], read: {}, overLimit: {}, overLimitByOrg: {} };
  const ctx: CollectContext = {
    db,
    config,
    now: NOW,
    report: (collection, _id, reason, field) => run.invalid.push(`${collection}/${reason}/${field}`),
    countRead: (collection, n) => (run.read[collection] = (run.read[collection] ?? 0) + n),
    overLimit: (collection, n, byOrg) => {
      run.overLimit[collection] = n;
      run.overLimitByOrg[collection] = Object.fromEntries(byOrg);
    },
  };
  const text = renderFamilies(await collector.collect(ctx), false);
  run.lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  return run;
}

/** Lines of one family (a histogram's `_bucket`, `_sum` and `_count` series included). */
export function family(lines: readonly string[], name: string): string[] {
  return lines.filter((line) => {
    const sample = /^[^{ ]+/.exec(line)![0];
    return sample === name || [`${name}_bucket`, `${name}_sum`, `${name}_count`].includes(sample);
  });
}
