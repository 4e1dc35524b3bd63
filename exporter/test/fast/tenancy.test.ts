/**
 * One tenant, one share: the entity cap and the label-value budgets are per org, so one org's flood of
 * entities or execution types never takes another org's series or names; and no label value is longer
 * than MAX_LABEL_VALUE_BYTES.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { agentsCollector } from '../../src/collectors/agents.js';
import { fairShares } from '../../src/collectors/collector.js';
import { ExecutionsCollector } from '../../src/collectors/executions.js';
import { NodesCollector } from '../../src/collectors/nodes.js';
import { MAX_LABEL_VALUE_BYTES, TRUNCATION_MARK } from '../../src/metrics/exposition.js';
import { NOW, ago, collect, family, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

const node = (n: number, org: string, fields: Record<string, unknown> = {}) => ({
  _id: oid(n),
  owner: { orgId: org },
  name: `node-${n}`,
  status: 'offline',
  ...fields,
});

/** The node ids of one org that have an aiwm_node_info series. */
function nodesWithSeries(lines: readonly string[], org: string): string[] {
  return family(lines, 'aiwm_node_info')
    .filter((line) => line.includes(`org_id="${org}"`))
    .map((line) => /node_id="([^"]+)"/.exec(line)![1]!);
}

/** Every label value of the sample lines, unescaped. */
function labelValues(lines: readonly string[]): string[] {
  return lines.flatMap((line) =>
    [...line.matchAll(/[a-zA-Z_]\w*="((?:[^"\\]|\\.)*)"/g)].map((m) =>
      m[1]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c)),
    ),
  );
}

/** What a value too long for a label reads as: its kept prefix, the mark and 8 hex digits of its SHA-256. */
const cut = (value: string, keep: number) =>
  value.slice(0, keep) + TRUNCATION_MARK + createHash('sha256').update(value).digest('hex').slice(0, 8);

describe('entity cap per org', () => {
  it("gives each org MAX_ENTITIES_PER_ORG: a flooding org never takes another org's series", async () => {
    await t.insert('nodes', [...[1, 2, 3, 4, 5].map((n) => node(n, 'org-a')), node(6, 'org-b'), node(7, 'org-b')]);
    const run = await collect(new NodesCollector(), t.db, t.config({ MAX_ENTITIES_PER_ORG: '2' }));
    expect(nodesWithSeries(run.lines, 'org-a')).toEqual([hex(1), hex(2)]);
    expect(nodesWithSeries(run.lines, 'org-b')).toEqual([hex(6), hex(7)]);
    // Aggregates still count every node.
    expect(family(run.lines, 'aiwm_nodes')).toContain(
      'aiwm_nodes{org_id="org-a",availability="offline",class="down",status="offline"} 5',
    );
    expect(run.overLimit).toEqual({ nodes: 3 });
    expect(run.overLimitByOrg).toEqual({ nodes: { 'org-a': 3 } });
  });

  it('shares MAX_ENTITIES_PER_COLLECTION fairly instead of by _id order', async () => {
    // org-a's flood comes first in _id order: before, it took the whole cap and org-b got nothing.
    await t.insert('nodes', [...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => node(n, 'org-a')), node(11, 'org-b')]);
    const run = await collect(new NodesCollector(), t.db, t.config({ MAX_ENTITIES_PER_COLLECTION: '3' }));
    expect(nodesWithSeries(run.lines, 'org-b')).toEqual([hex(11)]);
    expect(nodesWithSeries(run.lines, 'org-a')).toEqual([hex(1), hex(2)]);
    expect(run.overLimit).toEqual({ nodes: 8 });
    expect(run.overLimitByOrg).toEqual({ nodes: { 'org-a': 8 } });
  });

  it('reports no org while every org is within its share', async () => {
    await t.insert('nodes', [node(1, 'org-a'), node(2, 'org-b')]);
    const run = await collect(new NodesCollector(), t.db, t.config({ MAX_ENTITIES_PER_ORG: '1' }));
    expect(family(run.lines, 'aiwm_node_info')).toHaveLength(2);
    expect(run.overLimit).toEqual({ nodes: 0 });
    expect(run.overLimitByOrg).toEqual({ nodes: {} });
  });

  it('applies to every entity collection (agents)', async () => {
    await t.insert(
      'agents',
      [1, 2, 3, 4].map((n) => ({
        _id: oid(n),
        owner: { orgId: n < 4 ? 'org-a' : 'org-b' },
        name: `agent-${n}`,
        status: 'active',
      })),
    );
    const run = await collect(
      agentsCollector,
      t.db,
      t.config({ MAX_ENTITIES_PER_COLLECTION: '2', MAX_ENTITIES_PER_ORG: '2' }),
    );
    const agents = family(run.lines, 'aiwm_agent_info').map((line) => /agent_id="([^"]+)"/.exec(line)![1]);
    expect(agents).toEqual([hex(1), hex(4)]);
    expect(family(run.lines, 'aiwm_agents')).toContain('aiwm_agents{org_id="org-a",status="active"} 3');
    expect(run.overLimitByOrg).toEqual({ agents: { 'org-a': 2 } });
  });
});

describe('fair shares of the collection cap', () => {
  const shares = (sizes: Record<string, number>, perOrg: number, total: number) => {
    const fair = fairShares(new Map(Object.entries(sizes)), perOrg, total);
    return { shares: Object.fromEntries(fair.shares), otherwise: fair.otherwise };
  };

  it('gives small orgs all they have and splits the rest equally', () => {
    expect(shares({ a: 1000, b: 1, c: 10 }, 1000, 100)).toEqual({ shares: { a: 89, b: 1, c: 10 }, otherwise: 89 });
    expect(shares({ a: 1000, b: 1000, c: 5 }, 1000, 100)).toEqual({ shares: { a: 48, b: 47, c: 5 }, otherwise: 47 });
  });

  it('caps each org at the per-org share and gives the room left to orgs created since', () => {
    expect(shares({ a: 1000, b: 1000 }, 30, 100)).toEqual({ shares: { a: 30, b: 30 }, otherwise: 30 });
    expect(shares({ a: 10 }, 100, 100)).toEqual({ shares: { a: 10 }, otherwise: 90 });
  });

  it('never hands out more than the collection cap', () => {
    const fair = fairShares(new Map([...Array(7).keys()].map((i) => [`org-${i}`, 100 + i])), 1000, 50);
    expect([...fair.shares.values()].reduce((a, b) => a + b, 0)).toBe(50);
  });
});

describe('execution type budget per org', () => {
  const execution = (n: number, org: string, type: string) => ({
    _id: oid(n),
    owner: { orgId: org },
    category: 'batch',
    type,
    status: 'pending',
    createdAt: ago(60),
  });

  it("keeps EXECUTION_TYPE_LABEL_LIMIT types per org: one org's many types never turn another's into other", async () => {
    await t.insert('executions', [
      execution(1, 'org-a', 'flood-1'),
      execution(2, 'org-a', 'flood-1'),
      execution(3, 'org-a', 'flood-1'),
      execution(4, 'org-a', 'flood-2'),
      execution(5, 'org-a', 'flood-3'),
      execution(6, 'org-b', 'nightly-report'),
    ]);
    const config = t.config({ EXECUTION_TYPE_LABEL_LIMIT: '1' });
    const run = await collect(new ExecutionsCollector(config, NOW), t.db, config);
    expect(family(run.lines, 'aiwm_executions')).toEqual([
      'aiwm_executions{org_id="org-a",category="batch",type="flood-1",status="pending"} 3',
      'aiwm_executions{org_id="org-a",category="batch",type="other",status="pending"} 2',
      'aiwm_executions{org_id="org-b",category="batch",type="nightly-report",status="pending"} 1',
    ]);
  });
});

describe('label value length', () => {
  it(`cuts text longer than ${MAX_LABEL_VALUE_BYTES} bytes, counts it and keeps the document`, async () => {
    const longName = 'n'.repeat(300);
    // 2-byte characters: cut on a character boundary, within the byte budget.
    const longHost = 'é'.repeat(200);
    const longOrg = 'o'.repeat(1000);
    await t.insert('nodes', [
      node(1, 'org-a', { name: longName, hostname: longHost }),
      node(2, longOrg),
      node(3, 'org-a', { name: 'short' }),
    ]);
    const run = await collect(new NodesCollector(), t.db, t.config());
    const keep = MAX_LABEL_VALUE_BYTES - Buffer.byteLength(TRUNCATION_MARK) - 8;
    const org = cut(longOrg, keep);
    expect(family(run.lines, 'aiwm_node_info')).toEqual([
      `aiwm_node_info{org_id="org-a",node_id="${hex(1)}",node_name="${cut(longName, keep)}",hostname="${cut(longHost, Math.floor(keep / 2))}",roles="",cpu_model="",os="",daemon_version=""} 1`,
      `aiwm_node_info{org_id="${org}",node_id="${hex(2)}",node_name="node-2",hostname="",roles="",cpu_model="",os="",daemon_version=""} 1`,
      `aiwm_node_info{org_id="org-a",node_id="${hex(3)}",node_name="short",hostname="",roles="",cpu_model="",os="",daemon_version=""} 1`,
    ]);
    for (const value of labelValues(run.lines)) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(256);
    expect(run.invalid.sort()).toEqual([
      'nodes/long_value/hostname',
      'nodes/long_value/name',
      'nodes/long_value/owner.orgId',
    ]);
    expect(run.read).toEqual({ nodes: 3 });
  });

  it('cuts execution types and orgs grouped by MongoDB, and reports them with their count', async () => {
    const longType = 't'.repeat(400);
    await t.insert('executions', [
      {
        _id: oid(1),
        owner: { orgId: 'org-a' },
        category: 'batch',
        type: longType,
        status: 'pending',
        createdAt: ago(9),
      },
      {
        _id: oid(2),
        owner: { orgId: 'org-a' },
        category: 'batch',
        type: longType,
        status: 'pending',
        createdAt: ago(9),
      },
    ]);
    const config = t.config();
    const run = await collect(new ExecutionsCollector(config, NOW), t.db, config);
    const keep = MAX_LABEL_VALUE_BYTES - Buffer.byteLength(TRUNCATION_MARK) - 8;
    expect(family(run.lines, 'aiwm_executions')).toEqual([
      `aiwm_executions{org_id="org-a",category="batch",type="${cut(longType, keep)}",status="pending"} 2`,
    ]);
    expect(run.invalid).toEqual(['executions/long_value/type']);
  });
});
