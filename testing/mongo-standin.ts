/**
 * In-process MongoDB stand-in for tests.
 *
 * Speaks enough of the MongoDB wire protocol (OP_QUERY handshake + OP_MSG) for the official
 * `mongodb` driver to connect, read, write and aggregate against in-memory data. Query, projection,
 * update-operator and aggregation semantics are delegated to `mingo`; sorting uses our own comparator
 * that follows MongoDB's BSON ordering (mingo's order places ObjectId after Date and does not pick the
 * min/max element of array sort keys).
 *
 * Not a database: no transactions, no auth, no index enforcement (beyond the implicit unique `_id`),
 * no change streams, no OP_COMPRESSED. Int64 values are promoted to JS numbers on the way in.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { BSON, Binary, Long, ObjectId, Timestamp } from 'mongodb';
import { Aggregator, Context, Query, update as applyUpdateOperators } from 'mingo';
import { Lazy, type Iterator as MingoIterator } from 'mingo/lazy';
import type { Options as MingoOptions, SortSpec } from 'mingo/types';
import type { Modifier } from 'mingo/updater';

export interface MongoStandIn {
  readonly port: number;
  /** `mongodb://127.0.0.1:${port}/` (uses the configured host). */
  readonly uri: string;
  /** Close the listener and destroy every open client socket; the data stays in memory. */
  stop(): Promise<void>;
  /** Listen again on the same port with the same data (simulates a MongoDB restart). */
  start(): Promise<void>;
  /** Stop for good. */
  close(): Promise<void>;
  /** Every command received, in order (handshakes included). */
  readonly commandsSeen: ReadonlyArray<{ db: string; command: string; collection?: string }>;
  clearCommandsSeen(): void;
}

export async function startMongoStandIn(options?: { port?: number; host?: string }): Promise<MongoStandIn> {
  const standIn = new StandInServer(options?.host ?? '127.0.0.1', options?.port ?? 0);
  await standIn.start();
  return standIn;
}

// ---------------------------------------------------------------------------------------------
// Wire protocol constants

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MSG_FLAG_CHECKSUM_PRESENT = 1 << 0;
const MSG_FLAG_MORE_TO_COME = 1 << 1;
const HEADER_SIZE = 16;
/** Anything larger than this is not a message the driver would send; treat it as garbage. */
const MAX_INCOMING_MESSAGE = 64 * 1024 * 1024;

const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
const MAX_MESSAGE_SIZE = 48_000_000;
const MAX_WRITE_BATCH_SIZE = 100_000;
const MAX_WIRE_VERSION = 21; // MongoDB 7.0
const DEFAULT_FIRST_BATCH = 101;
/** Soft cap on the BSON size of one cursor batch (kept well below BSON's internal serialize buffer). */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Types and small helpers

type Doc = Record<string, unknown>;

interface CollectionState {
  docs: Doc[];
  indexes: Doc[];
}

interface CursorState {
  readonly ns: string;
  readonly docs: readonly Doc[];
  pos: number;
}

interface ConnectionState {
  readonly id: number;
}

class CommandError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly codeName: string,
  ) {
    super(message);
  }
}

const badValue = (message: string): CommandError => new CommandError(message, 2, 'BadValue');

function isPlainObject(value: unknown): value is Doc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function bsonTypeName(value: object): string | undefined {
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

function ownField(doc: Doc, key: string): unknown {
  return Object.hasOwn(doc, key) ? doc[key] : undefined;
}

/** Numeric value of a BSON number (number, Long, Int32/Double/Decimal128 wrappers, bigint). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  if (typeof value === 'object' && value !== null) {
    const tag = bsonTypeName(value);
    if (tag === 'Int32' || tag === 'Double') return Number(value.valueOf());
    if (tag === 'Decimal128') return Number.parseFloat(String(value));
  }
  return undefined;
}

function optionalNumber(cmd: Doc, field: string): number | undefined {
  const raw = ownField(cmd, field);
  if (raw === undefined || raw === null) return undefined;
  const n = toNumber(raw);
  if (n === undefined || Number.isNaN(n)) {
    throw new CommandError(`Field '${field}' must be numeric`, 14, 'TypeMismatch');
  }
  return Math.trunc(n);
}

function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const raw = ownField(cmd, field);
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainObject(raw)) throw new CommandError(`Field '${field}' must be an object`, 14, 'TypeMismatch');
  return raw;
}

function requireString(cmd: Doc, field: string): string {
  const raw = ownField(cmd, field);
  if (typeof raw !== 'string' || raw === '') {
    throw new CommandError(`Field '${field}' must be a non-empty string`, 73, 'InvalidNamespace');
  }
  return raw;
}

function docArray(cmd: Doc, field: string): Doc[] {
  const raw = ownField(cmd, field);
  if (!Array.isArray(raw) || !raw.every(isPlainObject)) {
    throw new CommandError(`Field '${field}' must be an array of objects`, 14, 'TypeMismatch');
  }
  return raw;
}

/** Deep copy of plain objects/arrays/Dates; BSON value classes are immutable and shared. */
function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => deepClone(v)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const out: Doc = {};
    for (const [k, v] of Object.entries(value)) out[k] = deepClone(v);
    return out as T;
  }
  return value;
}

/** Returns the document with `_id` as its first field, as MongoDB stores and returns it. */
function idFirst(doc: Doc): Doc {
  if (!Object.hasOwn(doc, '_id') || Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

/** Exact-bytes key for `_id` uniqueness checks. */
function idKey(id: unknown): string {
  if (id instanceof ObjectId) return `oid:${id.toHexString()}`;
  if (typeof id === 'string') return `str:${id}`;
  if (typeof id === 'number') return `num:${id}`;
  return `bson:${Buffer.from(BSON.serialize({ id })).toString('hex')}`;
}

function sameBytes(a: Doc, b: Doc): boolean {
  return Buffer.from(BSON.serialize(a)).equals(Buffer.from(BSON.serialize(b)));
}

function describeValue(value: unknown): string {
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// BSON comparison (MongoDB order) and sorting

/** Canonical BSON type order used by MongoDB for comparisons and sorting. */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 1;
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 8;
    case 'object':
      break;
    default:
      return 12; // functions/symbols are not BSON; put them near the end.
  }
  if (Array.isArray(value)) return 5;
  if (value instanceof Date) return 9;
  if (value instanceof RegExp) return 11;
  if (value instanceof Uint8Array) return 6;
  switch (bsonTypeName(value)) {
    case 'MinKey':
      return 0;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return 2;
    case 'BSONSymbol':
      return 3;
    case 'Binary':
      return 6;
    case 'ObjectId':
      return 7;
    case 'Timestamp':
      return 10;
    case 'BSONRegExp':
      return 11;
    case 'Code':
      return 12;
    case 'MaxKey':
      return 13;
    default:
      return 4; // plain objects, DBRef
  }
}

const cmp = <T extends string | number>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

function compareNumbers(a: number, b: number): number {
  // MongoDB orders NaN before every other number.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return cmp(a, b);
}

function binaryBytes(value: unknown): Uint8Array {
  if (value instanceof Binary) return value.buffer.subarray(0, value.position);
  return value instanceof Uint8Array ? value : new Uint8Array();
}

function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const symbolValue = (value as { value?: unknown }).value;
  return typeof symbolValue === 'string' ? symbolValue : String(value);
}

function regexParts(value: unknown): [string, string] {
  if (value instanceof RegExp) return [value.source, value.flags];
  const { pattern, options } = value as { pattern?: unknown; options?: unknown };
  return [String(pattern), String(options)];
}

/** Compares two BSON values the way MongoDB does (type order first, then value). */
function compareBson(a: unknown, b: unknown): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return rankA < rankB ? -1 : 1;
  switch (rankA) {
    case 2:
      return compareNumbers(toNumber(a) ?? Number.NaN, toNumber(b) ?? Number.NaN);
    case 3:
      return cmp(stringOf(a), stringOf(b));
    case 4:
      return compareObjects(a as Doc, b as Doc);
    case 5: {
      const xs = a as unknown[];
      const ys = b as unknown[];
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareBson(xs[i], ys[i]);
        if (c !== 0) return c;
      }
      return cmp(xs.length, ys.length);
    }
    case 6: {
      const x = binaryBytes(a);
      const y = binaryBytes(b);
      if (x.length !== y.length) return cmp(x.length, y.length);
      const subA = a instanceof Binary ? a.sub_type : 0;
      const subB = b instanceof Binary ? b.sub_type : 0;
      return subA !== subB ? cmp(subA, subB) : Buffer.compare(x, y);
    }
    case 7:
      // Fixed-length lowercase hex compares exactly like the 12 raw bytes.
      return cmp((a as ObjectId).toHexString(), (b as ObjectId).toHexString());
    case 8:
      return cmp(Number(a), Number(b));
    case 9:
      return compareNumbers((a as Date).getTime(), (b as Date).getTime());
    case 10: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.t !== y.t ? cmp(x.t, y.t) : cmp(x.i, y.i);
    }
    case 11: {
      const [sourceA, flagsA] = regexParts(a);
      const [sourceB, flagsB] = regexParts(b);
      return sourceA !== sourceB ? cmp(sourceA, sourceB) : cmp(flagsA, flagsB);
    }
    case 12:
      return cmp(String(a), String(b));
    default:
      return 0; // null/undefined, MinKey, MaxKey are all equal within their type
  }
}

/** Field by field: value type, then field name, then value; the shorter object sorts first. */
function compareObjects(a: Doc, b: Doc): number {
  const xs = Object.entries(a);
  const ys = Object.entries(b);
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const [keyA, valueA] = xs[i] as [string, unknown];
    const [keyB, valueB] = ys[i] as [string, unknown];
    const rank = cmp(typeRank(valueA), typeRank(valueB));
    if (rank !== 0) return rank;
    const name = cmp(keyA, keyB);
    if (name !== 0) return name;
    const value = compareBson(valueA, valueB);
    if (value !== 0) return value;
  }
  return cmp(xs.length, ys.length);
}

/**
 * Collects the values reachable through a dotted path, traversing arrays like MongoDB does
 * (`a.b` over `a: [{b: 1}, {b: 2}]` yields 1 and 2; a leaf array yields its elements).
 * Missing leaves yield `undefined`.
 */
function collectPath(value: unknown, parts: readonly string[], index: number, out: unknown[]): void {
  if (index === parts.length) {
    if (Array.isArray(value)) out.push(...(value as unknown[]));
    else out.push(value);
    return;
  }
  const part = parts[index] as string;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(part)) collectPath((value as unknown[])[Number(part)], parts, index + 1, out);
    for (const element of value as unknown[]) {
      if (isPlainObject(element)) collectPath(element, parts, index, out);
    }
    return;
  }
  if (isPlainObject(value)) {
    collectPath(ownField(value, part), parts, index + 1, out);
    return;
  }
  out.push(undefined);
}

function pathValues(doc: Doc, path: string): unknown[] {
  const out: unknown[] = [];
  collectPath(doc, path.split('.'), 0, out);
  return out;
}

interface SortKey {
  readonly path: string;
  readonly direction: 1 | -1;
}

function parseSortSpec(spec: Doc): SortKey[] {
  const keys: SortKey[] = [];
  for (const [path, raw] of Object.entries(spec)) {
    if (path.startsWith('$')) continue; // $natural: insertion order is what we have anyway
    if (isPlainObject(raw)) continue; // { $meta: 'textScore' }: no text search here
    const n = toNumber(raw);
    if (n !== 1 && n !== -1) throw badValue(`$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    keys.push({ path, direction: n });
  }
  return keys;
}

/** Ascending sorts use an array's smallest element, descending its largest (as MongoDB does). */
function sortKeyValue(doc: Doc, key: SortKey): unknown {
  const values = pathValues(doc, key.path);
  if (values.length === 0) return undefined;
  let best = values[0];
  for (const v of values.slice(1)) {
    const c = compareBson(v, best);
    if ((key.direction === 1 && c < 0) || (key.direction === -1 && c > 0)) best = v;
  }
  return best;
}

/** Stable sort in MongoDB order; missing fields sort like null (first when ascending). */
function sortDocuments<T>(docs: readonly T[], spec: Doc): T[] {
  const keys = parseSortSpec(spec);
  if (keys.length === 0) return docs.slice();
  const decorated = docs.map((doc, index) => ({
    doc,
    index,
    values: keys.map((key) => (isPlainObject(doc) ? sortKeyValue(doc, key) : undefined)),
  }));
  decorated.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compareBson(x.values[i], y.values[i]) * (keys[i] as SortKey).direction;
      if (c !== 0) return c;
    }
    return x.index - y.index;
  });
  return decorated.map((d) => d.doc);
}

/** Replaces mingo's `$sort` stage so aggregation pipelines sort exactly like `find` does. */
function bsonSortStage(collection: MingoIterator, sortKeys: SortSpec, _options: MingoOptions): MingoIterator {
  if (!isPlainObject(sortKeys) || Object.keys(sortKeys).length === 0)
    throw badValue('$sort stage must have at least one sort key');
  return collection.transform((items: unknown[]) => Lazy(sortDocuments(items, sortKeys)));
}

const STANDIN_CONTEXT = Context.init({ pipeline: { $sort: bsonSortStage } });

// ---------------------------------------------------------------------------------------------
// Update helpers

function isOperatorUpdate(update: Doc): boolean {
  const keys = Object.keys(update);
  const operators = keys.filter((k) => k.startsWith('$'));
  if (operators.length > 0 && operators.length !== keys.length) {
    throw new CommandError('Update document mixes operators and plain fields', 9, 'FailedToParse');
  }
  return operators.length > 0;
}

function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let target: Doc = doc;
  for (const part of parts.slice(0, -1)) {
    const next = ownField(target, part);
    if (isPlainObject(next)) {
      target = next;
    } else {
      const created: Doc = {};
      target[part] = created;
      target = created;
    }
  }
  target[parts[parts.length - 1] as string] = value;
}

/** The equality parts of a filter, which seed the document inserted by an upsert. */
function equalityFields(filter: Doc, into: Doc): Doc {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value as unknown[]) if (isPlainObject(clause)) equalityFields(clause, into);
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      if (Object.hasOwn(value, '$eq')) setPath(into, key, deepClone(value.$eq));
      continue;
    }
    setPath(into, key, deepClone(value));
  }
  return into;
}

// ---------------------------------------------------------------------------------------------
// Message framing

interface IncomingCommand {
  readonly requestId: number;
  readonly opCode: typeof OP_MSG | typeof OP_QUERY;
  readonly db: string;
  readonly body: Doc;
  readonly moreToCome: boolean;
}

function parseOpMsg(message: Buffer, requestId: number): IncomingCommand {
  const flags = message.readUInt32LE(HEADER_SIZE);
  const end = flags & MSG_FLAG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_SIZE + 4;
  let body: Doc | undefined;
  const sequences: Array<[string, Doc[]]> = [];
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    const size = message.readInt32LE(offset);
    if (kind === 0) {
      body = BSON.deserialize(message.subarray(offset, offset + size));
      offset += size;
    } else if (kind === 1) {
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      const docs: Doc[] = [];
      let cursor = nameEnd + 1;
      while (cursor < sectionEnd) {
        const docSize = message.readInt32LE(cursor);
        docs.push(BSON.deserialize(message.subarray(cursor, cursor + docSize)));
        cursor += docSize;
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw new Error(`unsupported OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new Error('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) body[identifier] = docs;
  const db = typeof body.$db === 'string' ? body.$db : 'admin';
  return { requestId, opCode: OP_MSG, db, body, moreToCome: (flags & MSG_FLAG_MORE_TO_COME) !== 0 };
}

function parseOpQuery(message: Buffer, requestId: number): IncomingCommand {
  // flags(int32) fullCollectionName(cstring) numberToSkip(int32) numberToReturn(int32) query(doc)
  const nameStart = HEADER_SIZE + 4;
  const nameEnd = message.indexOf(0, nameStart);
  const namespace = message.toString('utf8', nameStart, nameEnd);
  const queryStart = nameEnd + 1 + 8;
  const querySize = message.readInt32LE(queryStart);
  let body: Doc = BSON.deserialize(message.subarray(queryStart, queryStart + querySize));
  // Legacy drivers may wrap the command as { $query: {...}, $readPreference: ... }.
  if (isPlainObject(body.$query)) body = body.$query;
  if (!namespace.endsWith('.$cmd')) throw new Error(`OP_QUERY on ${namespace} is not supported (commands only)`);
  return { requestId, opCode: OP_QUERY, db: namespace.slice(0, -'.$cmd'.length), body, moreToCome: false };
}

function encodeOpMsg(responseTo: number, requestId: number, doc: Doc): Buffer {
  const body = BSON.serialize(doc);
  const header = Buffer.alloc(HEADER_SIZE + 5);
  header.writeInt32LE(header.length + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16); // flagBits
  header.writeUInt8(0, 20); // section kind 0: body
  return Buffer.concat([header, body]);
}

function encodeOpReply(responseTo: number, requestId: number, doc: Doc): Buffer {
  const body = BSON.serialize(doc);
  const header = Buffer.alloc(HEADER_SIZE + 20);
  header.writeInt32LE(header.length + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_REPLY, 12);
  header.writeInt32LE(0, 16); // responseFlags
  header.writeBigInt64LE(0n, 20); // cursorID
  header.writeInt32LE(0, 28); // startingFrom
  header.writeInt32LE(1, 32); // numberReturned
  return Buffer.concat([header, body]);
}

// ---------------------------------------------------------------------------------------------
// The server

type CommandHandler = (db: string, cmd: Doc, conn: ConnectionState) => Doc;

class StandInServer implements MongoStandIn {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly databases = new Map<string, Map<string, CollectionState>>();
  private readonly cursors = new Map<string, CursorState>();
  private readonly seen: Array<{ db: string; command: string; collection?: string }> = [];
  private nextCursorId = 1;
  private nextConnectionId = 1;
  private nextRequestId = 1;
  private closed = false;
  private portNumber: number;

  constructor(
    private readonly host: string,
    port: number,
  ) {
    this.portNumber = port;
  }

  get port(): number {
    return this.portNumber;
  }

  get uri(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `mongodb://${host}:${this.portNumber}/`;
  }

  get commandsSeen(): ReadonlyArray<{ db: string; command: string; collection?: string }> {
    return this.seen;
  }

  clearCommandsSeen(): void {
    this.seen.length = 0;
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('MongoStandIn has been closed');
    if (this.server) return;
    const server = net.createServer((socket) => this.accept(socket));
    // The port of a just-stopped listener can be briefly busy; retry a little before giving up.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(this.portNumber, this.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    server.on('error', () => {
      /* listener errors after startup are not actionable in tests */
    });
    this.portNumber = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // server.close() only stops accepting; the driver would keep using live sockets, so kill them.
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.cursors.clear(); // a restarted mongod has no open cursors either
    await closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  // --- connection handling ---------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const conn: ConnectionState = { id: this.nextConnectionId++ };
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // One chunk may hold a partial message or several messages.
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (length < HEADER_SIZE || length > MAX_INCOMING_MESSAGE) {
          socket.destroy();
          return;
        }
        if (pending.length < length) break;
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        try {
          this.handleMessage(socket, conn, message);
        } catch {
          // Malformed or unsupported message: behave like mongod and drop the connection.
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', () => {
      /* client went away; 'close' cleans up */
    });
    socket.on('close', () => this.sockets.delete(socket));
  }

  private handleMessage(socket: net.Socket, conn: ConnectionState, message: Buffer): void {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    let incoming: IncomingCommand;
    if (opCode === OP_MSG) incoming = parseOpMsg(message, requestId);
    else if (opCode === OP_QUERY) incoming = parseOpQuery(message, requestId);
    else throw new Error(`unsupported opCode ${opCode}`);

    const reply = this.runCommand(incoming.db, incoming.body, conn);
    if (incoming.moreToCome || socket.destroyed) return; // moreToCome: the client expects no answer
    const encode = incoming.opCode === OP_MSG ? encodeOpMsg : encodeOpReply;
    socket.write(encode(incoming.requestId, this.nextRequestId++, reply));
  }

  private runCommand(db: string, cmd: Doc, conn: ConnectionState): Doc {
    const name = Object.keys(cmd)[0] ?? '';
    const target = cmd[name];
    const collection =
      typeof target === 'string'
        ? target
        : name === 'getMore' && typeof cmd.collection === 'string'
          ? cmd.collection
          : undefined;
    this.seen.push(collection === undefined ? { db, command: name } : { db, command: name, collection });

    const handler = this.handlers[name];
    if (!handler) return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
    try {
      return handler(db, cmd, conn);
    } catch (error) {
      if (error instanceof CommandError) {
        return { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName };
      }
      // mingo reports unknown operators and malformed expressions by throwing.
      return { ok: 0, errmsg: errorMessage(error), code: 2, codeName: 'BadValue' };
    }
  }

  // --- storage ---------------------------------------------------------------------------------

  private getCollection(db: string, name: string): CollectionState | undefined {
    return this.databases.get(db)?.get(name);
  }

  private ensureCollection(db: string, name: string): { state: CollectionState; created: boolean } {
    let collections = this.databases.get(db);
    if (!collections) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    const existing = collections.get(name);
    if (existing) return { state: existing, created: false };
    const state: CollectionState = { docs: [], indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }] };
    collections.set(name, state);
    return { state, created: true };
  }

  private mingoOptions(db: string): Partial<MingoOptions> {
    return {
      context: STANDIN_CONTEXT,
      // For $lookup / $graphLookup / $unionWith: copies, so pipelines cannot touch stored docs.
      collectionResolver: (name: string) => (this.getCollection(db, name)?.docs ?? []).map((d) => deepClone(d)),
    };
  }

  private filterDocs(db: string, docs: readonly Doc[], filter: Doc | undefined): Doc[] {
    if (!filter || Object.keys(filter).length === 0) return docs.slice();
    const query = new Query(filter, this.mingoOptions(db));
    return docs.filter((doc) => query.test(doc));
  }

  private project(db: string, docs: Doc[], projection: Doc | undefined): Doc[] {
    if (!projection || Object.keys(projection).length === 0) return docs;
    const projected = new Query({}, this.mingoOptions(db)).find<Doc>(docs, projection).all();
    return projected.map(idFirst);
  }

  private runPipeline(db: string, input: readonly Doc[], pipeline: Doc[]): Doc[] {
    return new Aggregator(pipeline, this.mingoOptions(db)).run<Doc>(input.map((d) => deepClone(d)));
  }

  // --- cursors ---------------------------------------------------------------------------------

  private takeBatch(cursor: CursorState, limit: number | undefined): Doc[] {
    const batch: Doc[] = [];
    let bytes = 0;
    while (cursor.pos < cursor.docs.length && (limit === undefined || batch.length < limit)) {
      const doc = cursor.docs[cursor.pos] as Doc;
      const size = BSON.calculateObjectSize(doc);
      if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      batch.push(doc);
      bytes += size;
      cursor.pos++;
    }
    return batch;
  }

  private openCursor(ns: string, docs: readonly Doc[], batchSize: number | undefined, singleBatch = false): Doc {
    const cursor: CursorState = { ns, docs, pos: 0 };
    const firstBatch = this.takeBatch(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    let id = 0;
    if (!singleBatch && cursor.pos < docs.length) {
      id = this.nextCursorId++;
      this.cursors.set(String(id), cursor);
    }
    return { cursor: { firstBatch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  // --- command handlers ------------------------------------------------------------------------

  private readonly handlers: Record<string, CommandHandler> = {
    hello: (_db, _cmd, conn) => this.helloReply(conn),
    isMaster: (_db, _cmd, conn) => this.helloReply(conn),
    ismaster: (_db, _cmd, conn) => this.helloReply(conn),
    ping: () => ({ ok: 1 }),
    buildInfo: () => this.buildInfoReply(),
    buildinfo: () => this.buildInfoReply(),
    getParameter: (_db, cmd) => this.getParameter(cmd),
    endSessions: () => ({ ok: 1 }),
    killSessions: () => ({ ok: 1 }),
    find: (db, cmd) => this.find(db, cmd),
    getMore: (db, cmd) => this.getMore(db, cmd),
    killCursors: (db, cmd) => this.killCursors(db, cmd),
    aggregate: (db, cmd) => this.aggregate(db, cmd),
    count: (db, cmd) => this.count(db, cmd),
    distinct: (db, cmd) => this.distinct(db, cmd),
    insert: (db, cmd) => this.insert(db, cmd),
    update: (db, cmd) => this.update(db, cmd),
    delete: (db, cmd) => this.delete(db, cmd),
    findAndModify: (db, cmd) => this.findAndModify(db, cmd),
    create: (db, cmd) => this.create(db, cmd),
    drop: (db, cmd) => this.drop(db, cmd),
    dropDatabase: (db) => {
      this.databases.delete(db);
      return { dropped: db, ok: 1 };
    },
    listCollections: (db, cmd) => this.listCollections(db, cmd),
    listDatabases: (_db, cmd) => this.listDatabases(cmd),
    createIndexes: (db, cmd) => this.createIndexes(db, cmd),
    listIndexes: (db, cmd) => this.listIndexes(db, cmd),
    dropIndexes: (db, cmd) => this.dropIndexes(db, cmd),
  };

  private helloReply(conn: ConnectionState): Doc {
    return {
      helloOk: true,
      ismaster: true,
      isWritablePrimary: true,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE,
      maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: conn.id,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      ok: 1,
    };
  }

  private buildInfoReply(): Doc {
    return {
      version: '7.0.0',
      gitVersion: 'mongo-standin',
      versionArray: [7, 0, 0, 0],
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      storageEngines: ['memory'],
      ok: 1,
    };
  }

  private getParameter(cmd: Doc): Doc {
    const known: Doc = {
      featureCompatibilityVersion: { version: '7.0' },
      authenticationMechanisms: [],
      logLevel: 0,
    };
    const all =
      cmd.getParameter === '*' || (isPlainObject(cmd.getParameter) && cmd.getParameter.allParameters === true);
    const reply: Doc = {};
    for (const [key, value] of Object.entries(known)) {
      if (all || Object.hasOwn(cmd, key)) reply[key] = value;
    }
    return { ...reply, ok: 1 };
  }

  private find(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'find');
    const docs = this.getCollection(db, name)?.docs ?? [];
    let result = this.filterDocs(db, docs, optionalDoc(cmd, 'filter'));
    const sort = optionalDoc(cmd, 'sort');
    if (sort) result = sortDocuments(result, sort);
    const skip = optionalNumber(cmd, 'skip') ?? 0;
    if (skip < 0) throw badValue('skip value must be non-negative');
    const rawLimit = optionalNumber(cmd, 'limit') ?? 0;
    // A negative limit is the legacy spelling of "limit + singleBatch".
    const limit = Math.abs(rawLimit);
    result = result.slice(skip, limit > 0 ? skip + limit : undefined);
    result = this.project(db, result, optionalDoc(cmd, 'projection'));
    const singleBatch = cmd.singleBatch === true || rawLimit < 0;
    return this.openCursor(`${db}.${name}`, result, optionalNumber(cmd, 'batchSize'), singleBatch);
  }

  private getMore(db: string, cmd: Doc): Doc {
    const raw = cmd.getMore;
    const id = raw instanceof Long ? raw.toString() : typeof raw === 'number' ? String(Math.trunc(raw)) : String(raw);
    const cursor = this.cursors.get(id);
    if (!cursor) throw new CommandError(`cursor id ${id} not found`, 43, 'CursorNotFound');
    const collection = typeof cmd.collection === 'string' ? cmd.collection : '';
    if (cursor.ns !== `${db}.${collection}`) {
      throw new CommandError(
        `Requested getMore on namespace '${db}.${collection}', but cursor belongs to '${cursor.ns}'`,
        13,
        'Unauthorized',
      );
    }
    const batchSize = optionalNumber(cmd, 'batchSize');
    const nextBatch = this.takeBatch(cursor, batchSize && batchSize > 0 ? batchSize : undefined);
    const exhausted = cursor.pos >= cursor.docs.length;
    if (exhausted) this.cursors.delete(id);
    return { cursor: { nextBatch, id: exhausted ? Long.ZERO : Long.fromString(id), ns: cursor.ns }, ok: 1 };
  }

  private killCursors(_db: string, cmd: Doc): Doc {
    const ids = Array.isArray(cmd.cursors) ? (cmd.cursors as unknown[]) : [];
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of ids) {
      const id = raw instanceof Long ? raw : Long.fromNumber(toNumber(raw) ?? 0);
      (this.cursors.delete(id.toString()) ? killed : notFound).push(id);
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  private aggregate(db: string, cmd: Doc): Doc {
    const target = cmd.aggregate;
    const pipeline = docArray(cmd, 'pipeline');
    if (cmd.explain === true) return { stages: pipeline, ok: 1 };
    const cursorOptions = optionalDoc(cmd, 'cursor');
    if (!cursorOptions) throw new CommandError("The 'cursor' option is required", 9, 'FailedToParse');

    // `aggregate: 1` is a database-level pipeline (e.g. starting with $documents).
    const name = typeof target === 'string' ? target : undefined;
    if (name === undefined && toNumber(target) !== 1) throw badValue('aggregate target must be a collection name or 1');
    const input = name === undefined ? [] : (this.getCollection(db, name)?.docs ?? []);

    // mingo's $out would only write to the resolver's throwaway copy, so handle it here.
    const last = pipeline[pipeline.length - 1];
    const outTarget = last && Object.hasOwn(last, '$out') ? last.$out : undefined;
    const stages = outTarget === undefined ? pipeline : pipeline.slice(0, -1);
    const results = this.runPipeline(db, input, stages);
    const ns = `${db}.${name ?? '$cmd.aggregate'}`;
    if (outTarget !== undefined) {
      const outName = typeof outTarget === 'string' ? outTarget : isPlainObject(outTarget) ? outTarget.coll : undefined;
      const outDb = isPlainObject(outTarget) && typeof outTarget.db === 'string' ? outTarget.db : db;
      if (typeof outName !== 'string') throw badValue('$out requires a collection name');
      this.ensureCollection(outDb, outName).state.docs = results.map((d) =>
        idFirst(d._id === undefined ? { _id: new ObjectId(), ...d } : d),
      );
      return this.openCursor(ns, [], 0);
    }
    return this.openCursor(ns, results, optionalNumber(cursorOptions, 'batchSize'));
  }

  private count(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'count');
    const docs = this.getCollection(db, name)?.docs ?? [];
    let n = this.filterDocs(db, docs, optionalDoc(cmd, 'query')).length;
    n = Math.max(0, n - (optionalNumber(cmd, 'skip') ?? 0));
    const limit = Math.abs(optionalNumber(cmd, 'limit') ?? 0);
    if (limit > 0) n = Math.min(n, limit);
    return { n, ok: 1 };
  }

  private distinct(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'distinct');
    const key = requireString(cmd, 'key');
    const docs = this.filterDocs(db, this.getCollection(db, name)?.docs ?? [], optionalDoc(cmd, 'query'));
    const values = docs.flatMap((doc) => pathValues(doc, key)).filter((v) => v !== undefined);
    const sorted = sortDocuments(
      values.map((v) => ({ v })),
      { v: 1 },
    ).map((w) => w.v);
    const unique = sorted.filter((v, i) => i === 0 || compareBson(v, sorted[i - 1]) !== 0);
    return { values: unique, ok: 1 };
  }

  private insert(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'insert');
    const documents = docArray(cmd, 'documents');
    const ordered = cmd.ordered !== false;
    const { state } = this.ensureCollection(db, name);
    const ids = new Set(state.docs.map((d) => idKey(d._id)));
    const writeErrors: Doc[] = [];
    let n = 0;
    for (const [index, original] of documents.entries()) {
      const doc = idFirst(original._id === undefined ? { _id: new ObjectId(), ...original } : original);
      const key = idKey(doc._id);
      if (ids.has(key)) {
        writeErrors.push(this.duplicateKeyError(index, db, name, doc._id));
        if (ordered) break;
        continue;
      }
      ids.add(key);
      state.docs.push(doc);
      n++;
    }
    return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
  }

  private duplicateKeyError(index: number, db: string, collection: string, id: unknown): Doc {
    return {
      index,
      code: 11000,
      errmsg: `E11000 duplicate key error collection: ${db}.${collection} index: _id_ dup key: { _id: ${describeValue(id)} }`,
      keyPattern: { _id: 1 },
      keyValue: { _id: id },
    };
  }

  /** Applies an update (operators, replacement or pipeline) to a copy of `doc`. */
  private applyUpdate(db: string, doc: Doc, update: unknown, arrayFilters: Doc[] | undefined, inserting: boolean): Doc {
    if (Array.isArray(update)) {
      if (!update.every(isPlainObject)) throw badValue('update pipeline stages must be objects');
      const [result] = this.runPipeline(db, [doc], update);
      if (!result) throw badValue('update pipeline produced no document');
      return idFirst(result);
    }
    if (!isPlainObject(update)) throw new CommandError('update must be an object or a pipeline', 14, 'TypeMismatch');
    if (!isOperatorUpdate(update)) {
      const { _id: newId, ...fields } = deepClone(update);
      if (newId !== undefined && doc._id !== undefined && compareBson(newId, doc._id) !== 0) {
        throw new CommandError(
          `After applying the update, the (immutable) field '_id' was found to have been altered`,
          66,
          'ImmutableField',
        );
      }
      const id = doc._id ?? newId;
      return id === undefined ? fields : { _id: id, ...fields };
    }
    const { $setOnInsert, ...modifier } = update;
    if (inserting && isPlainObject($setOnInsert)) {
      modifier.$set = { ...(isPlainObject(modifier.$set) ? modifier.$set : {}), ...$setOnInsert };
    }
    const copy = deepClone(doc);
    if (Object.keys(modifier).length > 0) {
      try {
        applyUpdateOperators(copy, deepClone(modifier) as Modifier<Doc>, arrayFilters);
      } catch (error) {
        // mingo guards `_id` itself; report it with MongoDB's code rather than BadValue.
        if (/immutable field '_id'/.test(errorMessage(error)))
          throw new CommandError(errorMessage(error), 66, 'ImmutableField');
        throw error;
      }
    }
    if (!inserting && compareBson(copy._id, doc._id) !== 0) {
      throw new CommandError(
        `Performing an update on the path '_id' would modify the immutable field '_id'`,
        66,
        'ImmutableField',
      );
    }
    return copy;
  }

  /** Builds the document an upsert inserts: filter equalities + the update. */
  private upsertDocument(db: string, filter: Doc, update: unknown, arrayFilters: Doc[] | undefined): Doc {
    const seed = equalityFields(filter, {});
    let doc: Doc;
    if (isPlainObject(update) && !isOperatorUpdate(update)) {
      doc = deepClone(update);
      if (doc._id === undefined && seed._id !== undefined) doc._id = seed._id;
    } else {
      doc = this.applyUpdate(db, seed, update, arrayFilters, true);
    }
    return idFirst(doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc);
  }

  private update(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'update');
    const statements = docArray(cmd, 'updates');
    const ordered = cmd.ordered !== false;
    const { state } = this.ensureCollection(db, name);
    let n = 0;
    let nModified = 0;
    const upserted: Doc[] = [];
    const writeErrors: Doc[] = [];
    // Positions by ObjectId _id, built on the first `{ _id: <ObjectId> }` statement: a bulk of per-document
    // updates (heartbeats) finds each document directly instead of testing a query on every document.
    // Updates neither remove nor move documents, so positions hold for the whole command.
    let byId: Map<string, number> | undefined;
    for (const [index, statement] of statements.entries()) {
      try {
        const filter = optionalDoc(statement, 'q') ?? {};
        const update = statement.u;
        const multi = statement.multi === true;
        const arrayFilters = Array.isArray(statement.arrayFilters) ? docArray(statement, 'arrayFilters') : undefined;
        if (multi && isPlainObject(update) && !isOperatorUpdate(update)) {
          throw new CommandError('multi update is not supported for replacement-style update', 9, 'FailedToParse');
        }
        const positions: number[] = [];
        if (Object.keys(filter).length === 1 && filter._id instanceof ObjectId) {
          byId ??= new Map(state.docs.map((d, i) => [idKey(d._id), i]));
          const position = byId.get(idKey(filter._id));
          if (position !== undefined) positions.push(position);
        } else {
          const query = new Query(filter, this.mingoOptions(db));
          for (let i = 0; i < state.docs.length && (multi || positions.length === 0); i++) {
            if (query.test(state.docs[i] as Doc)) positions.push(i);
          }
        }
        // Compute every new document before storing any, so a failing update changes nothing.
        const updatedDocs = positions.map((i) =>
          this.applyUpdate(db, state.docs[i] as Doc, update, arrayFilters, false),
        );
        positions.forEach((position, k) => {
          const before = state.docs[position] as Doc;
          const after = updatedDocs[k] as Doc;
          if (!sameBytes(before, after)) {
            state.docs[position] = after;
            nModified++;
          }
        });
        n += positions.length;
        if (positions.length === 0 && statement.upsert === true) {
          const doc = this.upsertDocument(db, filter, update, arrayFilters);
          if (state.docs.some((d) => idKey(d._id) === idKey(doc._id))) {
            writeErrors.push(this.duplicateKeyError(index, db, name, doc._id));
            if (ordered) break;
            continue;
          }
          state.docs.push(doc);
          byId?.set(idKey(doc._id), state.docs.length - 1);
          upserted.push({ index, _id: doc._id });
          n++;
        }
      } catch (error) {
        writeErrors.push(this.writeError(index, error));
        if (ordered) break;
      }
    }
    const reply: Doc = { n, nModified };
    if (upserted.length > 0) reply.upserted = upserted;
    if (writeErrors.length > 0) reply.writeErrors = writeErrors;
    return { ...reply, ok: 1 };
  }

  private writeError(index: number, error: unknown): Doc {
    if (error instanceof CommandError)
      return { index, code: error.code, codeName: error.codeName, errmsg: error.message };
    return { index, code: 2, codeName: 'BadValue', errmsg: errorMessage(error) };
  }

  private delete(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'delete');
    const statements = docArray(cmd, 'deletes');
    const ordered = cmd.ordered !== false;
    const state = this.getCollection(db, name);
    let n = 0;
    const writeErrors: Doc[] = [];
    for (const [index, statement] of statements.entries()) {
      try {
        if (!state) continue;
        const limit = optionalNumber(statement, 'limit') ?? 0;
        if (limit !== 0 && limit !== 1)
          throw badValue(`The limit field in delete objects must be 0 or 1. Got ${limit}`);
        const query = new Query(optionalDoc(statement, 'q') ?? {}, this.mingoOptions(db));
        if (limit === 1) {
          const position = state.docs.findIndex((d) => query.test(d));
          if (position >= 0) {
            state.docs.splice(position, 1);
            n++;
          }
        } else {
          const kept = state.docs.filter((d) => !query.test(d));
          n += state.docs.length - kept.length;
          state.docs = kept;
        }
      } catch (error) {
        writeErrors.push(this.writeError(index, error));
        if (ordered) break;
      }
    }
    return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
  }

  private findAndModify(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'findAndModify');
    const filter = optionalDoc(cmd, 'query') ?? {};
    const fields = optionalDoc(cmd, 'fields');
    const arrayFilters = Array.isArray(cmd.arrayFilters) ? docArray(cmd, 'arrayFilters') : undefined;
    const { state } = this.ensureCollection(db, name);
    let candidates = this.filterDocs(db, state.docs, filter);
    const sort = optionalDoc(cmd, 'sort');
    if (sort) candidates = sortDocuments(candidates, sort);
    const found = candidates[0];
    const shape = (doc: Doc | undefined): Doc | null => (doc ? (this.project(db, [doc], fields)[0] ?? null) : null);

    if (cmd.remove === true) {
      if (found) state.docs.splice(state.docs.indexOf(found), 1);
      return { lastErrorObject: { n: found ? 1 : 0 }, value: shape(found), ok: 1 };
    }
    if (cmd.update === undefined)
      throw new CommandError('Either an update or remove=true must be specified', 9, 'FailedToParse');
    if (found) {
      const updated = this.applyUpdate(db, found, cmd.update, arrayFilters, false);
      state.docs[state.docs.indexOf(found)] = updated;
      return {
        lastErrorObject: { n: 1, updatedExisting: true },
        value: shape(cmd.new === true ? updated : found),
        ok: 1,
      };
    }
    if (cmd.upsert === true) {
      const doc = this.upsertDocument(db, filter, cmd.update, arrayFilters);
      if (state.docs.some((d) => idKey(d._id) === idKey(doc._id))) {
        throw new CommandError(this.duplicateKeyError(0, db, name, doc._id).errmsg as string, 11000, 'DuplicateKey');
      }
      state.docs.push(doc);
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
        value: cmd.new === true ? shape(doc) : null,
        ok: 1,
      };
    }
    return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  }

  private create(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'create');
    if (!this.ensureCollection(db, name).created) {
      throw new CommandError(`Collection ${db}.${name} already exists.`, 48, 'NamespaceExists');
    }
    return { ok: 1 };
  }

  private drop(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'drop');
    const collections = this.databases.get(db);
    const state = collections?.get(name);
    // MongoDB 7.0 answers ok:1 for a collection that does not exist.
    if (!collections || !state) return { ok: 1 };
    collections.delete(name);
    if (collections.size === 0) this.databases.delete(db);
    return { nIndexesWas: state.indexes.length, ns: `${db}.${name}`, ok: 1 };
  }

  private listCollections(db: string, cmd: Doc): Doc {
    const entries: Doc[] = [...(this.databases.get(db)?.entries() ?? [])].map(([name]) => ({
      name,
      type: 'collection',
      options: {},
      info: { readOnly: false },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    }));
    let result = this.filterDocs(db, entries, optionalDoc(cmd, 'filter'));
    if (cmd.nameOnly === true) result = result.map((c) => ({ name: c.name, type: c.type }));
    const cursorOptions = optionalDoc(cmd, 'cursor') ?? {};
    return this.openCursor(`${db}.$cmd.listCollections`, result, optionalNumber(cursorOptions, 'batchSize'));
  }

  private listDatabases(cmd: Doc): Doc {
    const all: Doc[] = [...this.databases.entries()].map(([name, collections]) => {
      let sizeOnDisk = 0;
      for (const state of collections.values()) {
        for (const doc of state.docs) sizeOnDisk += BSON.calculateObjectSize(doc);
      }
      return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    });
    const databases = this.filterDocs('admin', all, optionalDoc(cmd, 'filter'));
    if (cmd.nameOnly === true) return { databases: databases.map((d) => ({ name: d.name })), ok: 1 };
    const totalSize = databases.reduce((sum, d) => sum + (d.sizeOnDisk as number), 0);
    return { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 };
  }

  private createIndexes(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'createIndexes');
    const specs = docArray(cmd, 'indexes');
    const { state, created } = this.ensureCollection(db, name);
    const before = state.indexes.length;
    for (const spec of specs) {
      if (!isPlainObject(spec.key) || Object.keys(spec.key).length === 0)
        throw badValue('index specification must have a non-empty key');
      const indexName =
        typeof spec.name === 'string'
          ? spec.name
          : Object.entries(spec.key)
              .map(([field, dir]) => `${field}_${String(dir)}`)
              .join('_');
      const existing = state.indexes.find((ix) => ix.name === indexName);
      if (existing) {
        if (compareBson(existing.key, spec.key) !== 0) {
          throw new CommandError(
            `An existing index has the same name as the requested index: ${indexName}`,
            86,
            'IndexKeySpecsConflict',
          );
        }
        continue;
      }
      state.indexes.push({ v: 2, ...spec, name: indexName });
    }
    const reply: Doc = {
      numIndexesBefore: before,
      numIndexesAfter: state.indexes.length,
      createdCollectionAutomatically: created,
    };
    if (before === state.indexes.length) reply.note = 'all indexes already exist';
    return { ...reply, ok: 1 };
  }

  private listIndexes(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'listIndexes');
    const state = this.getCollection(db, name);
    if (!state) throw new CommandError(`ns does not exist: ${db}.${name}`, 26, 'NamespaceNotFound');
    const cursorOptions = optionalDoc(cmd, 'cursor') ?? {};
    return this.openCursor(
      `${db}.${name}`,
      state.indexes.map((ix) => deepClone(ix)),
      optionalNumber(cursorOptions, 'batchSize'),
    );
  }

  private dropIndexes(db: string, cmd: Doc): Doc {
    const name = requireString(cmd, 'dropIndexes');
    const state = this.getCollection(db, name);
    if (!state) throw new CommandError(`ns not found ${db}.${name}`, 26, 'NamespaceNotFound');
    const nIndexesWas = state.indexes.length;
    const target = cmd.index;
    if (target === '*') {
      state.indexes = state.indexes.filter((ix) => ix.name === '_id_');
      return { nIndexesWas, ok: 1 };
    }
    const targets: unknown[] = Array.isArray(target) ? (target as unknown[]) : [target];
    const positions = targets.map((t) => {
      const position = state.indexes.findIndex((ix) =>
        typeof t === 'string' ? ix.name === t : compareBson(ix.key, t) === 0,
      );
      if (position < 0) throw new CommandError(`index not found with name [${describeValue(t)}]`, 27, 'IndexNotFound');
      if (state.indexes[position]?.name === '_id_')
        throw new CommandError('cannot drop _id index', 72, 'InvalidOptions');
      return position;
    });
    state.indexes = state.indexes.filter((_, i) => !positions.includes(i));
    return { nIndexesWas, ok: 1 };
  }
}
