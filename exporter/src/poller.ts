import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Db } from 'mongodb';
import { redactUri, type Config } from './config.js';
import type { Logger } from './logger.js';
import type { Collector, CollectContext } from './collectors/collector.js';
import { renderFamilies, type RenderedFamily } from './metrics/exposition.js';
import type { SelfMetrics } from './metrics/self.js';
import type { InvalidSink } from './source/common.js';

const gzip = promisify(gzipCallback);

/** The entity exposition of one poll, rendered and compressed once, served to every scrape. */
export interface Snapshot {
  readonly generation: number;
  readonly text: Buffer;
  readonly textGzip: Buffer;
  readonly openMetrics: Buffer;
  readonly openMetricsGzip: Buffer;
}

/** Remembered ids of logged malformed documents, so a lasting one is logged once, not every poll. */
const LOGGED_IDS_LIMIT = 10_000;

function countLines(families: readonly RenderedFamily[]): number {
  let lines = 0;
  for (const f of families) for (let i = f.body.indexOf('\n'); i !== -1; i = f.body.indexOf('\n', i + 1)) lines++;
  return lines;
}

export class Poller {
  private running: Promise<void> | undefined;
  private generation = 0;
  private readonly lastFamilies = new Map<string, RenderedFamily[]>();
  private readonly loggedInvalid = new Set<string>();
  private current: Snapshot | undefined;

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly collectors: readonly Collector[],
    private readonly self: SelfMetrics,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    for (const c of collectors) self.collectorSuccess.set({ collector: c.name }, 0);
    self.sourceUp.set(0);
  }

  /** The latest snapshot; undefined until the first poll has finished. */
  get snapshot(): Snapshot | undefined {
    return this.current;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Runs one poll unless one is still running, in which case the tick is skipped and counted. */
  tick(): Promise<void> {
    if (this.running) {
      this.self.pollsSkipped.inc();
      this.log.warn('poll skipped: the previous poll is still running');
      return this.running;
    }
    this.running = this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Waits for the poll in flight, if any. */
  async idle(): Promise<void> {
    await this.running;
  }

  private readonly report: InvalidSink = (collection, id, reason, field, count = 1) => {
    this.self.invalidDocuments.inc({ collection, reason }, count);
    const key = `${collection}/${id ?? 'group'}/${reason}`;
    if (this.loggedInvalid.has(key)) return;
    if (this.loggedInvalid.size < LOGGED_IDS_LIMIT) this.loggedInvalid.add(key);
    // Only the id and the field name: document contents may hold user data.
    this.log.warn({ collection, id, reason, field, count }, id ? 'malformed document skipped or kept as "other"' : 'malformed documents in an aggregation');
  };

  private async poll(): Promise<void> {
    const started = performance.now();
    const now = this.clock();
    const ctx: CollectContext = {
      db: this.db,
      config: this.config,
      now,
      report: this.report,
      countRead: (collection, n) => this.self.documentsRead.inc({ collection }, n),
      overLimit: (collection, n) => this.self.entitiesOverLimit.set({ collection }, n),
    };
    let reachable = true;
    try {
      await this.db.command({ ping: 1 });
    } catch (error) {
      reachable = false;
      this.log.error({ err: messageOf(error) }, 'MongoDB unreachable: serving the exporter metrics only until it returns');
    }
    this.self.sourceUp.set(reachable ? 1 : 0);

    let failures = 0;
    await Promise.all(
      this.collectors.map(async (collector) => {
        const t0 = performance.now();
        try {
          if (!reachable) throw new Error('MongoDB unreachable');
          const families = await collector.collect(ctx);
          this.lastFamilies.set(collector.name, families);
          this.self.collectorSuccess.set({ collector: collector.name }, 1);
          this.self.collectorLastSuccess.set({ collector: collector.name }, Date.now() / 1000);
        } catch (error) {
          failures++;
          // Dropping the series lets Prometheus mark them stale instead of drawing old values as current.
          this.lastFamilies.delete(collector.name);
          this.self.collectorSuccess.set({ collector: collector.name }, 0);
          if (reachable) this.log.error({ collector: collector.name, err: messageOf(error) }, 'collector failed');
        } finally {
          this.self.collectorDuration.set({ collector: collector.name }, (performance.now() - t0) / 1000);
        }
      }),
    );
    for (const c of this.collectors) {
      for (const [collection, time] of Object.entries(c.watermarks?.() ?? {})) this.self.watermark.set({ collection }, time.getTime() / 1000);
    }
    await this.render();
    const result = failures === 0 ? 'success' : failures === this.collectors.length ? 'failed' : 'partial';
    this.self.polls.inc({ result });
    if (result === 'success') this.self.lastSuccessfulPoll.set(Date.now() / 1000);
    this.self.pollDuration.observe((performance.now() - started) / 1000);
  }

  private async render(): Promise<void> {
    const t0 = performance.now();
    const families: RenderedFamily[] = [];
    for (const c of this.collectors) families.push(...(this.lastFamilies.get(c.name) ?? []));
    const text = Buffer.from(renderFamilies(families, false));
    const openMetrics = Buffer.from(renderFamilies(families, true));
    // zlib runs on the libuv thread pool: compression never blocks scrapes.
    const [textGzip, openMetricsGzip] = await Promise.all([gzip(text), gzip(openMetrics)]);
    this.current = { generation: ++this.generation, text, textGzip, openMetrics, openMetricsGzip };
    this.self.exposedSeries.set(countLines(families));
    this.self.expositionBytes.set({ format: 'text', encoding: 'identity' }, text.length);
    this.self.expositionBytes.set({ format: 'text', encoding: 'gzip' }, textGzip.length);
    this.self.expositionBytes.set({ format: 'openmetrics', encoding: 'identity' }, openMetrics.length);
    this.self.expositionBytes.set({ format: 'openmetrics', encoding: 'gzip' }, openMetricsGzip.length);
    this.self.renderDuration.set((performance.now() - t0) / 1000);
  }
}

/** Error text without passwords (the driver can echo the URI). */
export function messageOf(error: unknown): string {
  return redactUri(error instanceof Error ? error.message : String(error));
}
