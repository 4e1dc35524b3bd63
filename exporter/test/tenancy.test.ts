/**
 * One tenant, one share, end to end: an exporter over the real driver and HTTP, one org flooding the
 * entity cap and the execution-type budget with an over-long name among its documents. The other org
 * keeps its series, operators see which org hit its share, and the scrape passes promtool.
 */
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exporter } from '../src/app.js';
import { MAX_LABEL_VALUE_BYTES } from '../src/metrics/exposition.js';
import {
  openTestDatabase,
  samples,
  scrape,
  startTestExporter,
  sumOf,
  type TestDatabase,
} from '../../testing/harness.js';
import { promtool } from '../../testing/promtool.js';

const NOW = new Date('2026-01-15T12:00:00Z');
const oid = (n: number) => new ObjectId(n.toString(16).padStart(24, '0'));
const FLOOD = 'org-flood';
const QUIET = 'org-quiet';
/** Quotes, a backslash and a newline, all escaped in the exposition, in a name far over the bound. */
const LONG_NAME = `flood "node" \\ one\n${'x'.repeat(400)}`;

let t: TestDatabase;
let exporter: Exporter;

beforeAll(async () => {
  t = await openTestDatabase();
  await t.db.collection('nodes').insertMany([
    ...[1, 2, 3, 4, 5, 6].map((n) => ({
      _id: oid(n),
      owner: { orgId: FLOOD },
      name: n === 1 ? LONG_NAME : `flood-${n}`,
      status: 'offline',
    })),
    { _id: oid(7), owner: { orgId: QUIET }, name: 'quiet-1', status: 'offline' },
  ]);
  await t.db.collection('executions').insertMany([
    ...[1, 2, 3, 4, 5].map((n) => ({
      _id: oid(100 + n),
      owner: { orgId: FLOOD },
      category: 'batch',
      type: `flood-type-${n}`,
      status: 'pending',
      createdAt: NOW,
    })),
    { _id: oid(200), owner: { orgId: QUIET }, category: 'batch', type: 'nightly', status: 'pending', createdAt: NOW },
  ]);
  exporter = await startTestExporter(t.uri, () => NOW, {
    MAX_ENTITIES_PER_COLLECTION: '4',
    MAX_ENTITIES_PER_ORG: '3',
    EXECUTION_TYPE_LABEL_LIMIT: '2',
  });
  await exporter.poller.tick();
});

afterAll(async () => {
  await exporter?.stop();
  await t?.close();
});

describe("one org's flood", () => {
  it("leaves the other org's entities and execution types their series", () => {
    const body = exporter.poller.snapshot!.entityText();
    expect(sumOf(body, 'aiwm_node_info', { org_id: QUIET })).toBe(1);
    expect(sumOf(body, 'aiwm_node_info', { org_id: FLOOD })).toBe(3);
    expect(sumOf(body, 'aiwm_nodes', { org_id: FLOOD })).toBe(6);
    expect(sumOf(body, 'aiwm_executions', { org_id: QUIET, type: 'nightly' })).toBe(1);
    expect(sumOf(body, 'aiwm_executions', { org_id: FLOOD, type: 'other' })).toBe(3);
  });

  it('shows operators which org hit its share, and counts the cut name', async () => {
    const { body } = await scrape(exporter.port);
    const s = samples(body);
    expect(s.get('aiwm_exporter_entities_over_limit{collection="nodes"}')).toBe(3);
    expect(s.get(`aiwm_exporter_org_entities_over_limit{collection="nodes",org_id="${FLOOD}"}`)).toBe(3);
    expect([...s.keys()].filter((k) => k.startsWith('aiwm_exporter_org_entities_over_limit{'))).toHaveLength(1);
    expect(s.get('aiwm_exporter_label_values_truncated_total{collection="nodes",field="name"}')).toBe(1);
  });

  it(`writes no label value over ${MAX_LABEL_VALUE_BYTES} bytes and passes promtool check metrics`, async () => {
    const { body } = await scrape(exporter.port);
    const info = body
      .split('\n')
      .find((line) => line.startsWith(`aiwm_node_info{org_id="${FLOOD}",node_id="${oid(1).toHexString()}"`));
    const name = /node_name="((?:[^"\\]|\\.)*)"/
      .exec(info!)![1]!
      .replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    expect(LONG_NAME.startsWith(name.slice(0, 100))).toBe(true);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
    const result = await promtool(['check', 'metrics'], body);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it("drops an org's over-limit series once it is back within its share", async () => {
    // As AIWM's soft delete writes it: updatedAt too (the nodes are read incrementally by it).
    await t.db
      .collection('nodes')
      .updateMany({ _id: { $in: [oid(4), oid(5), oid(6)] } }, { $set: { isDeleted: true, updatedAt: NOW } });
    await exporter.poller.tick();
    const s = samples((await scrape(exporter.port)).body);
    expect(s.get('aiwm_exporter_entities_over_limit{collection="nodes"}')).toBe(0);
    expect([...s.keys()].filter((k) => k.startsWith('aiwm_exporter_org_entities_over_limit{'))).toEqual([]);
  });
});
