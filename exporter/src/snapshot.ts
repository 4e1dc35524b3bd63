import { createGzip, constants } from 'node:zlib';
import { expositionParts, type RenderedFamily } from './metrics/exposition.js';

/**
 * Gzip level for the served exposition. Level 1 costs about a third of the default level's CPU
 * on exposition text and compresses it almost as well (it is very repetitive).
 */
const GZIP_LEVEL = constants.Z_BEST_SPEED;

/** Compresses on the libuv thread pool, part by part: the event loop only moves buffers around. */
export function gzipParts(parts: readonly Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip({ level: GZIP_LEVEL });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    gzip.once('end', () => resolve(Buffer.concat(out)));
    gzip.once('error', reject);
    for (const part of parts) gzip.write(part);
    gzip.end();
  });
}

const COALESCED_SIZE = 1_048_576;

function coalesce(parts: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let group: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    group.push(part);
    size += part.length;
    if (size >= COALESCED_SIZE) {
      out.push(group.length === 1 ? group[0]! : Buffer.concat(group, size));
      group = [];
      size = 0;
    }
  }
  if (group.length > 0) out.push(group.length === 1 ? group[0]! : Buffer.concat(group, size));
  return out;
}

/**
 * Everything one poll produced, in the form scrapes need it: the entity families plus the
 * exporter's own metrics as of the end of the poll. Each format is assembled, and compressed,
 * at most once per poll.
 */
export class Snapshot {
  private readonly partsCache = new Map<boolean, Buffer[]>();
  private readonly gzipCache = new Map<boolean, Promise<Buffer>>();
  readonly series: number;

  constructor(
    readonly generation: number,
    private readonly families: readonly RenderedFamily[],
    private readonly selfText: string,
    private readonly selfOpenMetrics: string,
  ) {
    this.series = families.reduce((n, f) => n + f.samples, 0);
  }

  /**
   * The exposition as a list of buffers (no `# EOF`: the scrape appends its own tail), coalesced
   * into pieces of about 1 MiB so a scrape writes a few large buffers instead of thousands of small ones.
   */
  parts(openMetrics: boolean): Buffer[] {
    let parts = this.partsCache.get(openMetrics);
    if (!parts) {
      parts = coalesce([
        ...expositionParts(this.families, openMetrics),
        Buffer.from(openMetrics ? this.selfOpenMetrics : this.selfText),
      ]);
      this.partsCache.set(openMetrics, parts);
    }
    return parts;
  }

  size(openMetrics: boolean): number {
    return this.parts(openMetrics).reduce((n, p) => n + p.length, 0);
  }

  gzipped(openMetrics: boolean): Promise<Buffer> {
    let gz = this.gzipCache.get(openMetrics);
    if (!gz) {
      gz = gzipParts(this.parts(openMetrics));
      this.gzipCache.set(openMetrics, gz);
    }
    return gz;
  }

  /** The entity metrics alone in text format (tests, benchmarks, golden files). */
  entityText(): string {
    return Buffer.concat(expositionParts(this.families, false)).toString();
  }
}
