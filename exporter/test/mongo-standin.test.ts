import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSON, MongoClient, MongoServerError, ObjectId, type Document } from 'mongodb';
import { startMongoStandIn, type MongoStandIn } from '../../testing/mongo-standin.js';

let standIn: MongoStandIn;
let client: MongoClient;

beforeAll(async () => {
  standIn = await startMongoStandIn();
  client = new MongoClient(standIn.uri, { serverSelectionTimeoutMS: 2000 });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await standIn?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

describe('mongo stand-in: basics', () => {
  it('connects and answers ping, buildInfo and hello', async () => {
    expect(standIn.uri).toBe(`mongodb://127.0.0.1:${standIn.port}/`);
    const admin = client.db('admin');
    expect(await admin.command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(await admin.command({ buildInfo: 1 })).toMatchObject({ ok: 1, version: '7.0.0' });
    const hello = await admin.command({ hello: 1 });
    expect(hello).toMatchObject({ ok: 1, isWritablePrimary: true, maxWireVersion: 21, readOnly: false });
    expect(hello.setName).toBeUndefined();
    expect(standIn.commandsSeen.some((c) => c.command === 'ismaster' && c.db === 'admin')).toBe(true);
  });

  it('reports unknown commands and bad operators without crashing', async () => {
    const db = client.db('errors');
    await expect(db.command({ noSuchThing: 1 })).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound' });
    await db.collection('c').insertOne({ a: 1 });
    await expect(
      db
        .collection('c')
        .find({ a: { $bogus: 1 } })
        .toArray(),
    ).rejects.toMatchObject({ code: 2 });
    await expect(
      db
        .collection('c')
        .aggregate([{ $bogusStage: {} }])
        .toArray(),
    ).rejects.toBeInstanceOf(MongoServerError);
    expect(await db.command({ ping: 1 })).toMatchObject({ ok: 1 });
  });
});

describe('mongo stand-in: reads', () => {
  it('finds with filter, inclusion/exclusion projections, sort, skip and limit', async () => {
    const coll = client.db('reads').collection('workers');
    await coll.insertMany(
      Array.from({ length: 6 }, (_, n) => ({
        n,
        status: n % 2 === 0 ? 'active' : 'idle',
        owner: { orgId: `org-${n % 3}`, name: `owner-${n}` },
        gpuDevices: [{ model: 'H100', index: n }],
        apiConfig: { secret: 's3cr3t' },
      })),
    );

    const projected = await coll
      .find({ status: 'active' }, { projection: { 'owner.orgId': 1, gpuDevices: 1, _id: 0 } })
      .sort({ n: -1 })
      .limit(2)
      .toArray();
    expect(projected).toEqual([
      { owner: { orgId: 'org-1' }, gpuDevices: [{ model: 'H100', index: 4 }] },
      { owner: { orgId: 'org-2' }, gpuDevices: [{ model: 'H100', index: 2 }] },
    ]);

    const excluded = await coll
      .find({ n: { $gte: 3 } }, { projection: { apiConfig: 0 } })
      .sort({ n: 1 })
      .skip(1)
      .toArray();
    expect(excluded.map((d) => d.n)).toEqual([4, 5]);
    for (const doc of excluded) {
      expect(doc.apiConfig).toBeUndefined();
      expect(doc._id).toBeInstanceOf(ObjectId);
      expect(Object.keys(doc)[0]).toBe('_id');
    }

    const withId = await coll.findOne({ n: 1 }, { projection: { 'owner.name': 1 } });
    expect(Object.keys(withId ?? {}).sort()).toEqual(['_id', 'owner']);
    expect(withId?.owner).toEqual({ name: 'owner-1' });
  });

  it('pages a cursor through several getMore batches', async () => {
    const coll = client.db('reads').collection('many');
    await coll.insertMany(Array.from({ length: 1000 }, (_, i) => ({ i })));
    standIn.clearCommandsSeen();
    const all = await coll.find({}).sort({ i: 1 }).batchSize(100).toArray();
    expect(all).toHaveLength(1000);
    expect(all.map((d) => d.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const getMores = standIn.commandsSeen.filter((c) => c.command === 'getMore');
    expect(getMores).toHaveLength(9);
    expect(getMores[0]).toEqual({ db: 'reads', command: 'getMore', collection: 'many' });

    const small: number[] = [];
    for await (const doc of coll.find({ i: { $lt: 5 } }, { batchSize: 2 })) small.push(doc.i as number);
    expect(small).toEqual([0, 1, 2, 3, 4]);

    // An abandoned cursor is killed by the driver.
    const cursor = coll.find({}, { batchSize: 10 });
    await cursor.next();
    await cursor.close();
    expect(standIn.commandsSeen.some((c) => c.command === 'killCursors')).toBe(true);
  });

  it('compares ObjectIds byte-wise and sorts by {createdAt, _id}', async () => {
    const coll = client.db('reads').collection('oids');
    // Insertion order deliberately differs from hex order.
    const hexes = [
      '650000000000000000000002',
      '0a0000000000000000000000',
      'ff0000000000000000000000',
      '650000000000000000000001',
      '6500000000000000000000aa',
      '100000000000000000000000',
    ];
    const day = (d: number): Date => new Date(Date.UTC(2024, 0, d));
    const docs = hexes.map((hex, k) => ({ _id: new ObjectId(hex), k, createdAt: day(k % 3) }));
    await coll.insertMany(docs);

    const pivot = new ObjectId('650000000000000000000001');
    const greater = await coll
      .find({ _id: { $gt: pivot } })
      .sort({ _id: 1 })
      .toArray();
    expect(greater.map((d) => d._id.toHexString())).toEqual([
      '650000000000000000000002',
      '6500000000000000000000aa',
      'ff0000000000000000000000',
    ]);

    const byCreatedThenId = await coll.find({}).sort({ createdAt: 1, _id: 1 }).toArray();
    const expected = [...docs]
      .sort(
        (a, b) =>
          a.createdAt.getTime() - b.createdAt.getTime() || a._id.toHexString().localeCompare(b._id.toHexString()),
      )
      .map((d) => d.k);
    expect(byCreatedThenId.map((d) => d.k)).toEqual(expected);

    const descending = await coll.find({}).sort({ _id: -1 }).limit(2).toArray();
    expect(descending.map((d) => d.k)).toEqual([2, 4]);

    const picked = await coll.find({ _id: { $in: [new ObjectId(hexes[1]), new ObjectId(hexes[5])] } }).toArray();
    expect(picked.map((d) => d.k).sort()).toEqual([1, 5]);
    expect((await coll.findOne({ _id: new ObjectId(hexes[2]) }))?.k).toBe(2);

    // Aggregation $sort uses the same ordering.
    const aggregated = await coll.aggregate([{ $sort: { _id: -1 } }, { $limit: 3 }, { $project: { k: 1 } }]).toArray();
    expect(aggregated.map((d) => d.k)).toEqual([2, 4, 0]);
  });

  it('filters on Date ranges and sorts Dates with missing fields first', async () => {
    const coll = client.db('reads').collection('dates');
    const at = (h: number): Date => new Date(Date.UTC(2024, 5, 1, h));
    await coll.insertMany([
      { name: 'a', seenAt: at(3) },
      { name: 'b', seenAt: at(1) },
      { name: 'c' },
      { name: 'd', seenAt: at(2) },
      { name: 'e', seenAt: at(4) },
    ]);
    const inRange = await coll
      .find({ seenAt: { $gt: at(1), $lte: at(3) } })
      .sort({ seenAt: 1 })
      .toArray();
    expect(inRange.map((d) => d.name)).toEqual(['d', 'a']);
    const sorted = await coll.find({}).sort({ seenAt: 1 }).toArray();
    expect(sorted.map((d) => d.name)).toEqual(['c', 'b', 'd', 'a', 'e']);
    expect(sorted[1]?.seenAt).toBeInstanceOf(Date);
    expect(await coll.countDocuments({ seenAt: { $lt: at(2) } })).toBe(1);
  });
});

describe('mongo stand-in: aggregation and counting', () => {
  it('aggregates with $match, $group (count and sum) and $sort', async () => {
    const db = client.db('agg');
    const jobs = db.collection('jobs');
    const orgA = new ObjectId();
    const orgB = new ObjectId();
    await jobs.insertMany([
      { org: orgA, status: 'done', gpuHours: 2 },
      { org: orgA, status: 'done', gpuHours: 3 },
      { org: orgB, status: 'done', gpuHours: 10 },
      { org: orgB, status: 'failed', gpuHours: 1 },
      { org: orgA, status: 'failed', gpuHours: 7 },
    ]);
    standIn.clearCommandsSeen();
    const grouped = await jobs
      .aggregate([
        { $match: { status: 'done' } },
        { $group: { _id: '$org', count: { $sum: 1 }, hours: { $sum: '$gpuHours' } } },
        { $sort: { hours: -1 } },
      ])
      .toArray();
    expect(grouped).toEqual([
      { _id: orgB, count: 1, hours: 10 },
      { _id: orgA, count: 2, hours: 5 },
    ]);
    expect(standIn.commandsSeen).toContainEqual({ db: 'agg', command: 'aggregate', collection: 'jobs' });

    await db.collection('orgs').insertMany([
      { _id: orgA, name: 'alpha' },
      { _id: orgB, name: 'beta' },
    ]);
    const joined = await jobs
      .aggregate([
        { $match: { status: 'failed' } },
        { $lookup: { from: 'orgs', localField: 'org', foreignField: '_id', as: 'orgDoc' } },
        { $unwind: '$orgDoc' },
        { $addFields: { orgName: '$orgDoc.name' } },
        { $project: { _id: 0, orgName: 1, gpuHours: 1 } },
        { $sort: { orgName: 1 } },
      ])
      .toArray();
    expect(joined).toEqual([
      { gpuHours: 7, orgName: 'alpha' },
      { gpuHours: 1, orgName: 'beta' },
    ]);

    const [facets] = await jobs
      .aggregate([
        {
          $facet: {
            total: [{ $count: 'n' }],
            top: [{ $sort: { gpuHours: -1 } }, { $skip: 1 }, { $limit: 1 }, { $project: { _id: 0, gpuHours: 1 } }],
          },
        },
      ])
      .toArray();
    expect(facets).toEqual({ total: [{ n: 5 }], top: [{ gpuHours: 7 }] });

    const paged = await jobs.aggregate([{ $sort: { gpuHours: 1 } }], { cursor: { batchSize: 2 } }).toArray();
    expect(paged.map((d) => d.gpuHours)).toEqual([1, 2, 3, 7, 10]);
  });

  it('supports countDocuments, estimatedDocumentCount and distinct', async () => {
    const coll = client.db('agg').collection('counts');
    await coll.insertMany([
      { kind: 'a', tags: ['x', 'y'] },
      { kind: 'b', tags: ['y'] },
      { kind: 'a', tags: [] },
      { kind: 'c' },
    ]);
    expect(await coll.countDocuments()).toBe(4);
    expect(await coll.countDocuments({ kind: 'a' })).toBe(2);
    expect(await coll.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect(await coll.estimatedDocumentCount()).toBe(4);
    expect(await coll.distinct('kind')).toEqual(['a', 'b', 'c']);
    expect(await coll.distinct('tags', { kind: { $ne: 'c' } })).toEqual(['x', 'y']);
    expect(await client.db('agg').collection('absent').countDocuments()).toBe(0);
  });
});

describe('mongo stand-in: writes', () => {
  it('updates, upserts, replaces and deletes', async () => {
    interface NodeDoc {
      name: string;
      gpus: number;
      state?: string;
      meta?: { rack: number };
      tags?: string[];
    }
    const coll = client.db('writes').collection<NodeDoc>('nodes');
    await coll.insertMany([
      { name: 'n1', gpus: 8, state: 'up', meta: { rack: 1 } },
      { name: 'n2', gpus: 4, state: 'up', meta: { rack: 1 } },
      { name: 'n3', gpus: 4, state: 'down', meta: { rack: 2 } },
    ]);

    const one = await coll.updateOne({ name: 'n1' }, { $set: { 'meta.rack': 9 }, $inc: { gpus: 1 } });
    expect(one).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await coll.findOne({ name: 'n1' }, { projection: { _id: 0 } })).toEqual({
      name: 'n1',
      gpus: 9,
      state: 'up',
      meta: { rack: 9 },
    });

    const many = await coll.updateMany({ gpus: 4 }, { $set: { state: 'drained' } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    const noop = await coll.updateMany({ gpus: 4 }, { $set: { state: 'drained' } });
    expect(noop).toMatchObject({ matchedCount: 2, modifiedCount: 0 });

    const upsert = await coll.updateOne(
      { name: 'n4' },
      { $set: { gpus: 2 }, $setOnInsert: { state: 'new' } },
      { upsert: true },
    );
    expect(upsert.upsertedCount).toBe(1);
    expect(upsert.upsertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ _id: upsert.upsertedId! }, { projection: { _id: 0 } })).toEqual({
      name: 'n4',
      gpus: 2,
      state: 'new',
    });

    const replaced = await coll.replaceOne({ name: 'n4' }, { name: 'n4', gpus: 16 });
    expect(replaced).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await coll.findOne({ name: 'n4' }, { projection: { _id: 0 } })).toEqual({ name: 'n4', gpus: 16 });

    const after = await coll.findOneAndUpdate({ name: 'n2' }, { $push: { tags: 'hot' } }, { returnDocument: 'after' });
    expect(after?.tags).toEqual(['hot']);

    await expect(coll.updateOne({ name: 'n3' }, { $set: { _id: new ObjectId() } })).rejects.toMatchObject({ code: 66 });
    await expect(coll.updateOne({ name: 'n3' }, { $frobnicate: { gpus: 1 } } as never)).rejects.toMatchObject({
      code: 2,
    });

    const deletedOne = await coll.deleteOne({ state: 'drained' });
    expect(deletedOne.deletedCount).toBe(1);
    const deletedMany = await coll.deleteMany({ gpus: { $gte: 9 } });
    expect(deletedMany.deletedCount).toBe(2);
    expect((await coll.find({}).toArray()).map((d) => d.name)).toEqual(['n3']);
  });

  it('rejects duplicate _id values like the unique _id index', async () => {
    const coll = client.db('writes').collection('dupes');
    const _id = new ObjectId();
    await coll.insertOne({ _id, v: 1 });
    await expect(coll.insertOne({ _id, v: 2 })).rejects.toMatchObject({ code: 11000 });
    expect(await coll.countDocuments()).toBe(1);
  });

  it('manages collections, databases and indexes', async () => {
    const db = client.db('admin_ops');
    await db.createCollection('jobs');
    await expect(db.createCollection('jobs')).rejects.toMatchObject({ code: 48 });
    await db.collection('nodes').insertOne({ a: 1 });
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    expect(names).toEqual(['jobs', 'nodes']);
    expect(await db.listCollections({ name: 'jobs' }).toArray()).toHaveLength(1);

    expect(await db.collection('jobs').createIndex({ createdAt: 1, _id: 1 })).toBe('createdAt_1__id_1');
    const indexNames = (await db.collection('jobs').listIndexes().toArray()).map((ix) => ix.name);
    expect(indexNames).toEqual(['_id_', 'createdAt_1__id_1']);
    await db.collection('jobs').dropIndex('createdAt_1__id_1');
    expect((await db.collection('jobs').indexes()).map((ix) => ix.name)).toEqual(['_id_']);

    const dbs = await client.db().admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).toContain('admin_ops');

    expect(await db.collection('jobs').drop()).toBe(true);
    expect((await db.listCollections().toArray()).map((c) => c.name)).toEqual(['nodes']);
    await db.dropDatabase();
    expect((await client.db().admin().listDatabases()).databases.map((d) => d.name)).not.toContain('admin_ops');
  });
});

// --- raw wire-protocol helpers -------------------------------------------------------------------

function opMsg(
  requestId: number,
  body: Document,
  options: { flags?: number; sequence?: [string, Document[]] } = {},
): Buffer {
  const flags = options.flags ?? 0;
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(BSON.serialize(body))];
  if (options.sequence) {
    const [identifier, docs] = options.sequence;
    const payload = Buffer.concat([Buffer.from(`${identifier}\0`), ...docs.map((d) => Buffer.from(BSON.serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  if (flags & 1) parts.push(Buffer.alloc(4)); // checksum placeholder (not verified by the stand-in)
  const header = Buffer.alloc(20);
  const sections = Buffer.concat(parts);
  header.writeInt32LE(20 + sections.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  header.writeUInt32LE(flags, 16);
  return Buffer.concat([header, sections]);
}

/** Sends `payload` in tiny chunks and collects `expected` OP_MSG replies (then waits for strays). */
async function rawExchange(
  port: number,
  payload: Buffer,
  expected: number,
): Promise<Array<{ responseTo: number; body: Document }>> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const replies: Array<{ responseTo: number; body: Document }> = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const length = pending.readInt32LE(0);
      replies.push({ responseTo: pending.readInt32LE(8), body: BSON.deserialize(pending.subarray(21, length)) });
      pending = pending.subarray(length);
    }
  });
  for (let offset = 0; offset < payload.length; offset += 7) {
    socket.write(payload.subarray(offset, offset + 7));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + 2000;
  while (replies.length < expected && Date.now() < deadline) await sleep(10);
  await sleep(50);
  socket.destroy();
  return replies;
}

describe('mongo stand-in: wire protocol', () => {
  it('reassembles split messages, splits batched ones, honours checksum, moreToCome and document sequences', async () => {
    const payload = Buffer.concat([
      opMsg(11, { ping: 1, $db: 'admin' }, { flags: 2 }), // moreToCome: must not be answered
      opMsg(12, { ping: 1, $db: 'admin' }, { flags: 1 }), // checksum present
      opMsg(13, { insert: 'seq', ordered: true, $db: 'wire' }, { sequence: ['documents', [{ _id: 1 }, { _id: 2 }]] }),
    ]);
    const replies = await rawExchange(standIn.port, payload, 2);
    expect(replies.map((r) => r.responseTo)).toEqual([12, 13]);
    expect(replies[0]?.body).toEqual({ ok: 1 });
    expect(replies[1]?.body).toEqual({ n: 2, ok: 1 });
    expect(await client.db('wire').collection('seq').countDocuments()).toBe(2);
  });
});

describe('mongo stand-in: restarts', () => {
  it('stop() makes operations fail fast and start() restores the same data on the same port', async () => {
    const local = await startMongoStandIn();
    const localClient = new MongoClient(local.uri, { serverSelectionTimeoutMS: 500 });
    try {
      const coll = localClient.db('restart').collection('items');
      await coll.insertMany([{ i: 1 }, { i: 2 }, { i: 3 }]);
      const port = local.port;

      await local.stop();
      const started = Date.now();
      await expect(coll.findOne({})).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);

      await local.start();
      expect(local.port).toBe(port);
      // The driver's monitor needs one heartbeat to see the server again.
      expect(await eventually(() => coll.countDocuments())).toBe(3);
      expect((await coll.find({}).sort({ i: -1 }).toArray()).map((d) => d.i)).toEqual([3, 2, 1]);
    } finally {
      await localClient.close();
      await local.close();
    }
  });

  it('lets client.close() finish although endSessions is never answered', async () => {
    const local = await startMongoStandIn();
    const localClient = new MongoClient(local.uri, { serverSelectionTimeoutMS: 500 });
    try {
      await localClient.db('closing').collection('c').insertOne({ a: 1 });
      const started = Date.now();
      await localClient.close();
      expect(Date.now() - started).toBeLessThan(2000);
      await eventually(async () => {
        expect(local.commandsSeen.map((c) => c.command)).toContain('endSessions');
      }, 2000);
    } finally {
      await local.close();
    }
  });
});
