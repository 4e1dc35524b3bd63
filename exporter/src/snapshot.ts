import { gzip, constants, type ZlibOptions } from 'node:zlib';
import { familyHeader, type FamilyMeta, type RenderedFamily } from './metrics/exposition.js';

/**
 * Gzip level for the served exposition. Level 1 costs about a third of the default level's CPU
 * on exposition text and compresses it almost as well (it is very repetitive).
 */
const GZIP_OPTIONS: ZlibOptions = { level: constants.Z_BEST_SPEED };

/**
 * Compressions in flight at once: one per libuv pool thread. Each holds about 260 KiB of deflate
 * state from the moment it is created, so thousands queued at once would cost hundreds of MiB.
 */
const GZIP_CONCURRENCY = Math.max(1, Number(process.env.UV_THREADPOOL_SIZE) || 4);

let active = 0;
const waiting: Array<() => void> = [];

/** One gzip member of `data`, compressed on the libuv thread pool (never on the event loop). */
async function compress(data: Buffer): Promise<Buffer> {
  if (active < GZIP_CONCURRENCY) active++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // the releaser hands its slot over
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      gzip(data, GZIP_OPTIONS, (error, out) => (error ? reject(error) : resolve(out)));
    });
  } finally {
    const next = waiting.shift();
    if (next) next();
    else active--;
  }
}

/**
 * Chunks below this size are compressed together with their small neighbours: a member starts
 * with an empty dictionary, so tiny members compress poorly (64 KiB members cost about 3 % more
 * than one stream on exposition text, 16 KiB ones about 14 %).
 */
const SMALL_CHUNK = 16_384;
/** Expected size of a group of small chunks. */
const GROUP_TARGET = 65_536;
/** A group of small chunks closes at this size whatever its chunks say (rare: about e^-8 of groups). */
const MAX_GROUP_BYTES = 8 * GROUP_TARGET;

/**
 * Whether a group of small chunks closes after `chunk`: on average after GROUP_TARGET bytes.
 * Decided by the chunk alone, never by its neighbours (a hash of its first series' name and labels,
 * which a new value leaves alone, and its size class): a chunk that changes moves at most the
 * boundaries beside it, and every other group keeps its buffers and so its cached member.
 */
function closesGroup(chunk: Buffer): boolean {
  let hash = 0x811c9dc5;
  const end = Math.min(chunk.length, 128);
  for (let i = 0; i < end; i++) {
    const byte = chunk[i]!;
    if (byte === 0x7d /* } */ || byte === 0x0a /* \n */) break;
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  const every = Math.max(1, GROUP_TARGET >>> (31 - Math.clz32(Math.max(1, chunk.length))));
  return (hash >>> 0) % every === 0;
}

/**
 * Gzip members by the buffer they compress (for a group of small chunks, by its first chunk, with
 * the rest of the group to check). A chunk is never mutated once rendered, and collectors hand back
 * the same Buffer for an unchanged block, so an unchanged chunk is compressed once, not every poll.
 * Entries go when their chunk is collected.
 */
const members = new WeakMap<Buffer, { rest: readonly Buffer[]; member: Promise<Buffer> }>();

function memberOf(group: readonly Buffer[]): Promise<Buffer> {
  const [first, ...rest] = group as [Buffer, ...Buffer[]];
  const cached = members.get(first);
  if (cached && cached.rest.length === rest.length && cached.rest.every((b, i) => b === rest[i])) return cached.member;
  const member = compress(rest.length === 0 ? first : Buffer.concat(group));
  const entry = { rest, member };
  members.set(first, entry);
  // A failed compression is not remembered: the next request tries again.
  member.catch(() => {
    if (members.get(first) === entry) members.delete(first);
  });
  return member;
}

/** Each family's header in each format, as the Buffer every snapshot shares (so its member is cached too). */
const headers = new WeakMap<FamilyMeta, { text?: Buffer; openMetrics?: Buffer }>();

function headerOf(meta: FamilyMeta, openMetrics: boolean): Buffer {
  let entry = headers.get(meta);
  if (!entry) headers.set(meta, (entry = {}));
  const key = openMetrics ? 'openMetrics' : 'text';
  return (entry[key] ??= Buffer.from(familyHeader(meta, openMetrics)));
}

/**
 * Everything one poll produced, in the form scrapes need it: the entity families plus the
 * exporter's own metrics as of the end of the poll. Nothing is copied: a format is a list of
 * references to the families' chunks (shared by both formats) behind that format's headers.
 */
export class Snapshot {
  private readonly partsCache = new Map<boolean, Buffer[]>();
  private readonly gzipCache = new Map<boolean, Promise<Buffer[]>>();
  private readonly selfParts: Record<'text' | 'openMetrics', Buffer>;
  readonly series: number;

  constructor(
    readonly generation: number,
    private readonly families: readonly RenderedFamily[],
    selfText: string,
    selfOpenMetrics: string,
  ) {
    this.series = families.reduce((n, f) => n + f.samples, 0);
    this.selfParts = { text: Buffer.from(selfText), openMetrics: Buffer.from(selfOpenMetrics) };
  }

  private self(openMetrics: boolean): Buffer {
    return openMetrics ? this.selfParts.openMetrics : this.selfParts.text;
  }

  /**
   * The exposition as a list of buffers (no `# EOF`: the scrape appends its own tail): per family
   * its header and its chunks, then the exporter's own metrics. References only, no copy.
   */
  parts(openMetrics: boolean): Buffer[] {
    let parts = this.partsCache.get(openMetrics);
    if (!parts) {
      parts = [];
      for (const f of this.families) {
        if (f.samples === 0) continue;
        parts.push(headerOf(f.meta, openMetrics));
        for (const chunk of f.chunks) if (chunk.length > 0) parts.push(chunk);
      }
      parts.push(this.self(openMetrics));
      this.partsCache.set(openMetrics, parts);
    }
    return parts;
  }

  /** Bytes of the identity exposition (without the scrape's tail). */
  size(openMetrics: boolean): number {
    let n = this.self(openMetrics).length;
    for (const f of this.families) {
      if (f.samples === 0) continue;
      n += headerOf(f.meta, openMetrics).length;
      for (const chunk of f.chunks) n += chunk.length;
    }
    return n;
  }

  /**
   * The exposition as gzip members, in order: concatenated, they are one gzip stream (RFC 1952)
   * that decompresses to parts(). Each header, chunk (or group of small chunks) is its own member,
   * cached by its buffer, so a poll compresses only what changed; the exporter's own metrics are
   * compressed per snapshot.
   */
  gzipped(openMetrics: boolean): Promise<Buffer[]> {
    let gz = this.gzipCache.get(openMetrics);
    if (!gz) {
      const pending: Array<Promise<Buffer>> = [];
      for (const f of this.families) {
        if (f.samples === 0) continue;
        pending.push(memberOf([headerOf(f.meta, openMetrics)]));
        let group: Buffer[] = [];
        let bytes = 0;
        for (const chunk of f.chunks) {
          if (chunk.length === 0) continue;
          if (chunk.length >= SMALL_CHUNK) {
            if (group.length > 0) pending.push(memberOf(group));
            group = [];
            bytes = 0;
            pending.push(memberOf([chunk]));
            continue;
          }
          group.push(chunk);
          bytes += chunk.length;
          if (bytes >= MAX_GROUP_BYTES || closesGroup(chunk)) {
            pending.push(memberOf(group));
            group = [];
            bytes = 0;
          }
        }
        if (group.length > 0) pending.push(memberOf(group));
      }
      pending.push(compress(this.self(openMetrics)));
      gz = Promise.all(pending);
      this.gzipCache.set(openMetrics, gz);
      // Not remembered when it failed: the next scrape or poll tries again.
      gz.catch(() => {
        if (this.gzipCache.get(openMetrics) === gz) this.gzipCache.delete(openMetrics);
      });
    }
    return gz;
  }

  /** The entity metrics alone in text format (tests, benchmarks, golden files). */
  entityText(): string {
    const parts = this.parts(false);
    return Buffer.concat(parts.slice(0, -1)).toString();
  }
}
