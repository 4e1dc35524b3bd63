/**
 * Nodes and resources are read incrementally by updatedAt and kept between polls with their rendered
 * lines: after any sequence of writes, a poll must show exactly what a fresh collector reading everything
 * shows (hard deletes: after the next full read), and unchanged blocks keep their Buffer objects.
 */
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { CollectContext, Collector } from '../../src/collectors/collector.js';
import { NodesCollector } from '../../src/collectors/nodes.js';
import { ResourcesCollector } from '../../src/collectors/resources.js';
import type { Config } from '../../src/config.js';
import { renderFamilies, type RenderedFamily } from '../../src/metrics/exposition.js';
import { NOW, ago, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

/** A time `seconds` after NOW. */
const at = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);

interface Poll {
  families: RenderedFamily[];
  text: string;
  read: number;
  invalid: string[];
}

async function poll(collector: Collector, config: Config, now: Date): Promise<Poll> {
  const out: Poll = { families: [], text: '', read: 0, invalid: [] };
  const ctx: CollectContext = {
    db: t.db,
    config,
    now,
    report: (collection, id, reason, field) => out.invalid.push(`${collection}/${id}/${reason}/${field}`),
    countRead: (_collection, n) => (out.read += n),
    overLimit: () => undefined,
  };
  out.families = await collector.collect(ctx);
  out.text = renderFamilies(out.families, false);
  return out;
}

const lines = (p: Poll, name: string): string[] =>
  p.text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));

const familyOf = (p: Poll, name: string): RenderedFamily => p.families.find((f) => f.meta.name === name)!;

/**
 * Documents as loaded: last written a minute apart, long before NOW, so only the newest is within
 * UPDATED_AT_SLACK of the watermark (an incremental read reads it again, and nothing else).
 */
const written = (n: number): Date => ago(1_000_000 - 60 * n);

/** A node that heartbeated 20 s before NOW. */
function node(n: number, extra: Document = {}): Document {
  return {
    _id: oid(n),
    owner: { orgId: n % 3 === 0 ? 'org-b' : 'org-a' },
    name: `node-${n}`,
    status: 'healthy',
    hostname: `gpu-${n}.dc1.example`,
    createdAt: ago(86_400),
    lastHeartbeat: ago(20),
    lastSeenAt: ago(20),
    cpuUsage: n % 100,
    ramTotal: 262_144,
    gpuDevices: [{ deviceId: `GPU-${n}`, model: 'NVIDIA H100', memoryTotal: 81_559, utilization: n % 90 }],
    updatedAt: written(n),
    ...extra,
  };
}

function resource(n: number, extra: Document = {}): Document {
  return {
    _id: oid(n),
    owner: { orgId: n % 2 === 0 ? 'org-b' : 'org-a' },
    name: `vm-${n}`,
    resourceType: 'virtual-machine',
    status: 'running',
    nodeId: hex(n % 7),
    config: { vcpus: 4, ramMB: 8192, diskGB: 50 },
    updatedAt: written(n),
    ...extra,
  };
}

const NODES = 1000; // four blocks of entities (256 each, the last 232)

/** What a collector reading everything shows at `now`. */
const fresh = async (make: () => Collector, config: Config, now: Date) => (await poll(make(), config, now)).text;

describe('incremental state collectors', () => {
  it('reflect changes, new, soft- and hard-deleted nodes, and keep unchanged blocks', async () => {
    // Every 10th id left free for later inserts in the middle.
    await t.insert(
      'nodes',
      Array.from({ length: NODES }, (_, i) => node(10 * (i + 1))),
    );
    const config = t.config({ FULL_RESYNC_INTERVAL: '5m', UPDATED_AT_SLACK: '10s' });
    const nodes = new NodesCollector();
    const first = await poll(nodes, config, NOW);
    expect(first.read).toBe(NODES);
    expect(first.text).toBe(await fresh(() => new NodesCollector(), config, NOW));
    const gpuInfo = familyOf(first, 'aiwm_gpu_info');
    expect(gpuInfo.chunks).toHaveLength(4);

    // Nothing written: only the newest document read again (within the slack), the very same Buffers.
    const idle = await poll(nodes, config, at(15));
    expect(idle.read).toBe(1);
    expect(idle.text).toBe(first.text);
    for (const [i, f] of idle.families.entries()) {
      expect(f.chunks.length).toBe(first.families[i]!.chunks.length);
      f.chunks.forEach((chunk, j) => expect(chunk).toBe(first.families[i]!.chunks[j]));
    }

    // One node changes, one is soft-deleted, one is new in the middle, one new at the end.
    const coll = t.db.collection('nodes');
    await coll.updateOne({ _id: oid(20) }, { $set: { cpuUsage: 77, updatedAt: at(20) } });
    await coll.updateOne({ _id: oid(5000) }, { $set: { isDeleted: true, updatedAt: at(20) } });
    await coll.insertMany([node(15, { updatedAt: at(20) }), node(9999, { updatedAt: at(20) })]);
    const changed = await poll(nodes, config, at(30));
    expect(changed.read).toBe(5); // the four written, and the newest of before (within the slack)
    expect(changed.text).toBe(await fresh(() => new NodesCollector(), config, at(30)));
    expect(lines(changed, 'aiwm_node_cpu_usage_ratio')).toContain(
      `aiwm_node_cpu_usage_ratio{org_id="org-a",node_id="${hex(20)}"} 0.77`,
    );
    expect(changed.text).not.toContain(`node_id="${hex(5000)}"`);
    expect(changed.text).toContain(`node_id="${hex(15)}"`);
    expect(changed.text).toContain(`node_id="${hex(9999)}"`);
    // GPU info changed only in the blocks that gained or lost a node (the first, second and last): the
    // third block keeps its Buffer.
    const after = familyOf(changed, 'aiwm_gpu_info').chunks;
    expect(after).toHaveLength(4);
    expect(after[2]).toBe(gpuInfo.chunks[2]);
    for (const i of [0, 1, 3]) expect(after[i]).not.toBe(gpuInfo.chunks[i]);
    // The CPU family changed only in the first block (node 20's value; the node gained and lost there).
    const cpu = (p: Poll) => familyOf(p, 'aiwm_node_cpu_usage_ratio').chunks;
    expect(cpu(changed)[2]).toBe(cpu(first)[2]);

    // Re-read within the slack (updatedAt at(20) >= watermark - 10s) but unchanged: same Buffers again.
    const again = await poll(nodes, config, at(45));
    expect(again.read).toBe(4);
    for (const [i, f] of again.families.entries())
      if (f.meta.name !== 'aiwm_nodes' && f.meta.name !== 'aiwm_node_hostname')
        f.chunks.forEach((chunk, j) => expect(chunk).toBe(changed.families[i]!.chunks[j]));

    // A hard delete is invisible to incremental reads ...
    await coll.deleteOne({ _id: oid(30) });
    await coll.updateOne({ _id: oid(40) }, { $set: { cpuUsage: 1, updatedAt: at(50) } });
    const beforeResync = await poll(nodes, config, at(60));
    expect(beforeResync.read).toBe(5); // node 40, and the four written at(20), within the slack
    expect(beforeResync.text).toContain(`node_id="${hex(40)}"} 0.01`);
    expect(beforeResync.text).toContain(`node_id="${hex(30)}"`);
    // ... and gone after the next full read, within FULL_RESYNC_INTERVAL of the previous one.
    const resync = await poll(nodes, config, at(300));
    expect(resync.read).toBe(NODES); // two new, one soft- and one hard-deleted
    expect(resync.text).not.toContain(`node_id="${hex(30)}"`);
    expect(resync.text).toBe(await fresh(() => new NodesCollector(), config, at(300)));
  });

  it('match a full read after rounds of random writes (patched blocks, multi-byte text)', async () => {
    // A fixed PRNG (mulberry32): the same writes every run.
    let seed = 7;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
    };
    const pick = (n: number) => Math.floor(random() * n);
    const names = ['a', 'ü', 'ノード', '🚀-node', 'x'.repeat(40), 'é"\\'];
    let live = Array.from({ length: 600 }, (_, i) => 2 * (i + 1));
    await t.insert(
      'nodes',
      live.map((n) => node(n)),
    );
    const config = t.config();
    const nodes = new NodesCollector();
    await poll(nodes, config, NOW);
    const coll = t.db.collection('nodes');
    for (let round = 1; round <= 6; round++) {
      const written = at(20 * round - 5);
      // Rounds 2 and 3: every node heartbeats (the next reads take the whole window at once), then few again.
      if (round === 2 || round === 3) await coll.updateMany({}, { $set: { uptimeSeconds: round, updatedAt: written } });
      for (let k = 0; k < 25; k++) {
        const n = live[pick(live.length)]!;
        // Each kind of write touches other families: usage, identity, sizes and GPUs, status, owner.
        const changes: Array<() => Document> = [
          () => ({ cpuUsage: pick(100), ramUsage: pick(100), uptimeSeconds: pick(1e6) }),
          () => ({ name: names[pick(names.length)]! + n }),
          () => ({
            gpuDevices: Array.from({ length: pick(4) }, (_, g) => ({
              deviceId: `G${g}`,
              utilization: pick(100),
              memoryTotal: pick(2) === 0 ? 512 : 81_559,
            })),
          }),
          () => ({ status: ['healthy', 'offline', 'maintenance', 'busy'][pick(4)], lastHeartbeat: written }),
          () => ({ ramTotal: pick(2) === 0 ? 2048 : 262_144, ramFree: pick(1000), cpuCores: pick(128) }),
          () => ({ role: [['worker'], ['controller', 'worker'], []][pick(3)] }),
          () => ({ os: { distro: 'Ubuntu', version: `2${pick(5)}.04` } }),
          () => ({ hostname: `h-${pick(50)}.dc${pick(2)}.example` }),
          () => ({ 'owner.orgId': ['org-a', 'org-b', 'org-c'][pick(3)] }),
        ];
        const set = changes[pick(changes.length)]!();
        await coll.updateOne({ _id: oid(n) }, { $set: { ...set, updatedAt: written } });
      }
      const gone = live.splice(pick(live.length), 1)[0]!;
      await coll.updateOne({ _id: oid(gone) }, { $set: { isDeleted: true, updatedAt: written } });
      const added = 2 * pick(700) + 1; // odd: a new id among the others
      if (!live.includes(added)) {
        live = [...live, added].sort((a, b) => a - b);
        await coll.insertOne(node(added, { updatedAt: written }));
      }
      const now = at(20 * round);
      const incremental = await poll(nodes, config, now);
      const full = await poll(new NodesCollector(), config, now);
      expect(incremental.text).toBe(full.text);
      expect(incremental.families.map((f) => f.samples)).toEqual(full.families.map((f) => f.samples));
    }
  });

  it('renders a node again when its heartbeat goes stale with no write', async () => {
    await t.insert('nodes', [
      node(1, { updatedAt: ago(20) }),
      node(2, { lastHeartbeat: ago(5), lastSeenAt: ago(5), updatedAt: ago(5) }),
    ]);
    const config = t.config({ HEARTBEAT_STALE_AFTER: '2m' });
    const nodes = new NodesCollector();
    const first = await poll(nodes, config, NOW);
    const n1 = `org_id="org-a",node_id="${hex(1)}"`;
    expect(lines(first, 'aiwm_node_heartbeat_state')).toContain(`aiwm_node_heartbeat_state{${n1},state="fresh"} 1`);
    expect(lines(first, 'aiwm_node_availability')).toContain(`aiwm_node_availability{${n1},availability="online"} 1`);
    // Node 1 heartbeated 20 s before NOW: stale after 100 s more. Node 2 five seconds before NOW (the
    // newest write: read again, within the slack).
    const later = await poll(nodes, config, at(110));
    expect(later.read).toBe(1);
    expect(lines(later, 'aiwm_node_heartbeat_state')).toContain(`aiwm_node_heartbeat_state{${n1},state="stale"} 1`);
    expect(lines(later, 'aiwm_node_availability')).toContain(`aiwm_node_availability{${n1},availability="offline"} 1`);
    expect(lines(later, 'aiwm_nodes')).toContain(
      'aiwm_nodes{org_id="org-a",availability="offline",class="up",status="healthy"} 1',
    );
    expect(later.text).toBe(await fresh(() => new NodesCollector(), config, at(110)));
    // The families the clock does not touch keep their Buffers.
    expect(familyOf(later, 'aiwm_gpu_info').chunks[0]).toBe(familyOf(first, 'aiwm_gpu_info').chunks[0]);
    expect(familyOf(later, 'aiwm_node_heartbeat_state').chunks[0]).not.toBe(
      familyOf(first, 'aiwm_node_heartbeat_state').chunks[0],
    );
  });

  it('reflect changed, new, soft- and hard-deleted resources', async () => {
    await t.insert(
      'resources',
      Array.from({ length: 600 }, (_, i) => resource(i + 1)),
    );
    const config = t.config({ FULL_RESYNC_INTERVAL: '1m' });
    const resources = new ResourcesCollector();
    const first = await poll(resources, config, NOW);
    expect(first.read).toBe(600);
    const coll = t.db.collection('resources');
    await coll.updateOne({ _id: oid(7) }, { $set: { status: 'stopped', updatedAt: at(1) } });
    await coll.updateOne({ _id: oid(8) }, { $set: { isDeleted: true, updatedAt: at(1) } });
    await coll.insertOne(resource(1000, { updatedAt: at(1) }));
    const changed = await poll(resources, config, at(15));
    expect(changed.read).toBe(4); // the three written, and the newest of before (within the slack)
    expect(lines(changed, 'aiwm_resource_status')).toContain(
      `aiwm_resource_status{org_id="org-a",resource_id="${hex(7)}",status="stopped"} 1`,
    );
    expect(changed.text).not.toContain(`resource_id="${hex(8)}"`);
    expect(changed.text).toContain(`resource_id="${hex(1000)}"`);
    expect(lines(changed, 'aiwm_resources')).not.toEqual(lines(first, 'aiwm_resources'));
    expect(changed.text).toBe(await fresh(() => new ResourcesCollector(), config, at(15)));
    // Unchanged blocks keep their Buffers (the first block holds resources 7 and 8, the last gained 1000).
    const vcpus = (p: Poll) => familyOf(p, 'aiwm_resource_allocated_vcpus').chunks;
    expect(vcpus(changed)[1]).toBe(vcpus(first)[1]);
    expect(vcpus(changed)[0]).not.toBe(vcpus(first)[0]);

    await coll.deleteOne({ _id: oid(9) });
    const beforeResync = await poll(resources, config, at(30));
    expect(beforeResync.text).toContain(`resource_id="${hex(9)}"`);
    const resync = await poll(resources, config, at(61));
    expect(resync.read).toBe(599);
    expect(resync.text).not.toContain(`resource_id="${hex(9)}"`);
    expect(resync.text).toBe(await fresh(() => new ResourcesCollector(), config, at(61)));
  });

  it('counts a malformed document once per poll, read or not', async () => {
    await t.insert('nodes', [node(1), node(2, { status: undefined }), node(3, { os: 42 })]);
    const config = t.config();
    const nodes = new NodesCollector();
    const expected = [`nodes/${hex(2)}/missing_field/status`, `nodes/${hex(3)}/bad_field/os`];
    for (const [i, now] of [NOW, at(15), at(30)].entries()) {
      const p = await poll(nodes, config, now);
      // Node 3, the newest, is read again each poll (within the slack); node 2 is not.
      expect(p.read).toBe(i === 0 ? 3 : 1);
      expect(p.invalid.sort()).toEqual(expected.sort());
    }
    // Fixed: counted no more.
    await t.db.collection('nodes').updateOne({ _id: oid(2) }, { $set: { status: 'online', updatedAt: at(40) } });
    const fixed = await poll(nodes, config, at(45));
    expect(fixed.read).toBe(2);
    expect(fixed.invalid).toEqual([`nodes/${hex(3)}/bad_field/os`]);
    expect((await poll(nodes, config, at(60))).invalid).toEqual([`nodes/${hex(3)}/bad_field/os`]);
    expect(fixed.text).toContain(`node_id="${hex(2)}"`);
  });

  it('validates a GPU list again only when it changed, and reports what it found every poll', async () => {
    const broken = [{ deviceId: 'GPU-a', temperature: 'hot', status: 'melting' }, { deviceId: 'GPU-b' }];
    await t.insert('nodes', [
      node(1, { gpuDevices: broken }),
      node(2, { status: 'weird', gpuDevices: [{ deviceId: 'GPU-c', status: 'melting' }] }),
      node(3, { gpuDevices: 'none' }),
    ]);
    const config = t.config();
    const nodes = new NodesCollector();
    const expected = [
      `nodes/${hex(1)}/bad_field/gpuDevices[].temperature`,
      `nodes/${hex(1)}/unknown_enum/`,
      `nodes/${hex(2)}/unknown_enum/`, // once per document, though both its status and a GPU's are unknown
      `nodes/${hex(3)}/bad_field/gpuDevices`,
    ].sort();
    const first = await poll(nodes, config, NOW);
    expect(first.invalid.sort()).toEqual(expected);
    // Heartbeats: the GPU lists are the same bytes, so their last validation stands, reports included.
    const coll = t.db.collection('nodes');
    for (const n of [1, 2, 3]) await coll.updateOne({ _id: oid(n) }, { $set: { cpuUsage: 50 + n, updatedAt: at(10) } });
    const beat = await poll(nodes, config, at(15));
    expect(beat.read).toBe(3);
    expect(beat.invalid.sort()).toEqual(expected);
    expect(beat.text).toBe(await fresh(() => new NodesCollector(), config, at(15)));
    expect(familyOf(beat, 'aiwm_gpu_info').chunks[0]).toBe(familyOf(first, 'aiwm_gpu_info').chunks[0]);
    // Node 1's GPUs fixed: validated again, and no longer reported.
    await coll.updateOne(
      { _id: oid(1) },
      { $set: { gpuDevices: [{ deviceId: 'GPU-a', temperature: 71 }, { deviceId: 'GPU-b' }], updatedAt: at(20) } },
    );
    const fixed = await poll(nodes, config, at(30));
    expect(fixed.invalid.sort()).toEqual(expected.filter((r) => !r.includes(hex(1))));
    expect(lines(fixed, 'aiwm_gpu_temperature_celsius')).toEqual([
      `aiwm_gpu_temperature_celsius{org_id="org-a",node_id="${hex(1)}",gpu="0"} 71`,
    ]);
    expect(fixed.text).toBe(await fresh(() => new NodesCollector(), config, at(30)));
  });

  it('reads everything again after a failed poll or an outage, and sees documents without updatedAt then', async () => {
    await t.insert('nodes', [node(1), node(2)]);
    const config = t.config();
    const nodes = new NodesCollector();
    expect((await poll(nodes, config, NOW)).read).toBe(2);
    await t.db.collection('nodes').insertOne(node(3, { updatedAt: undefined }));
    const incremental = await poll(nodes, config, at(15));
    expect(incremental.read).toBe(1); // node 2, the newest write
    expect(incremental.text).not.toContain(`node_id="${hex(3)}"`);
    nodes.sourceLost();
    const full = await poll(nodes, config, at(30));
    expect(full.read).toBe(3);
    expect(full.text).toContain(`node_id="${hex(3)}"`);
    expect((await poll(nodes, config, at(45))).read).toBe(1);
    // A poll that fails part-way (here after its read) leaves the next one a full read.
    const failing: CollectContext = {
      db: t.db,
      config,
      now: at(60),
      report: () => undefined,
      countRead: () => {
        throw new Error('boom');
      },
      overLimit: () => undefined,
    };
    await expect(nodes.collect(failing)).rejects.toThrow('boom');
    expect((await poll(nodes, config, at(75))).read).toBe(3);
    expect((await poll(nodes, config, at(90))).read).toBe(1);
  });

  it('falls back to a full render while the entity cap binds', async () => {
    await t.insert(
      'nodes',
      Array.from({ length: 30 }, (_, i) => node(i + 1)),
    );
    const config = t.config({ MAX_ENTITIES_PER_ORG: '12' });
    const nodes = new NodesCollector();
    const first = await poll(nodes, config, NOW);
    expect(first.text).toBe(await fresh(() => new NodesCollector(), config, NOW));
    expect(lines(first, 'aiwm_node_info')).toHaveLength(22); // 12 of org-a's 20, all 10 of org-b's
    // Org-a shrinks under its cap: every node has series again.
    await t.db
      .collection('nodes')
      .updateMany(
        { _id: { $in: [1, 2, 4, 5, 7, 8, 10, 11, 13].map(oid) } },
        { $set: { isDeleted: true, updatedAt: at(1) } },
      );
    const under = await poll(nodes, config, at(15));
    expect(lines(under, 'aiwm_node_info')).toHaveLength(21);
    expect(under.text).toBe(await fresh(() => new NodesCollector(), config, at(15)));
  });
});
