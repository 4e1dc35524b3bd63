import type { Db } from 'mongodb';
import type { Config } from './config.js';
import { redactText } from './redact.js';
import type { Logger } from './logger.js';
import type { Collector, CollectContext } from './collectors/collector.js';
import type { RenderedFamily } from './metrics/exposition.js';
import type { SelfMetrics } from './metrics/self.js';
import { Snapshot } from './snapshot.js';
import type { InvalidReason, InvalidSink } from './source/common.js';

/** Remembered ids of logged malformed documents, so a lasting one is logged once, not every poll. */
const LOGGED_IDS_LIMIT = 10_000;

export class Poller {
  private running: Promise<void> | undefined;
  private generation = 0;
  private readonly lastFamilies = new Map<string, RenderedFamily[]>();
  private readonly loggedInvalid = new Set<string>();
  private current: Snapshot | undefined;
  private reachable = false;
  private stopped = false;
  /** Compressed formats scrapes have asked for; prepared before each new snapshot is published. Prometheus asks for gzipped OpenMetrics. */
  private readonly wantedGzip = new Set<boolean>([true]);

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

  /** Called by the server: this compressed format will be prepared ahead for the next polls. */
  wantGzip(openMetrics: boolean): void {
    this.wantedGzip.add(openMetrics);
  }

  /** Whether the last finished poll reached MongoDB (false before the first). */
  get sourceReachable(): boolean {
    return this.reachable;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Runs one poll unless one is still running, in which case the tick is skipped and counted. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
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

  /** No more polls (the client is about to close); waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private readonly report: InvalidSink = (collection, id, reason, field, count = 1) => {
    this.self.countInvalid(collection, reason, field, count);
    const key = `${collection}/${id ?? 'group'}/${reason}/${reason === 'bad_field' || reason === 'long_value' ? field : ''}`;
    if (this.loggedInvalid.has(key)) return;
    if (this.loggedInvalid.size < LOGGED_IDS_LIMIT) this.loggedInvalid.add(key);
    // Only the id and the field name: document contents may hold user data.
    this.log.warn({ collection, id, reason, field, count }, messageFor(reason, id));
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
      overLimit: (collection, n, byOrg) => this.self.setEntitiesOverLimit(collection, n, byOrg),
    };
    let reachable = true;
    try {
      // A first connection that failed leaves the client with a closed topology, on which every
      // operation fails ("Topology is closed") for good: connect() opens a new one then, and is a
      // no-op on an open one (whose monitors find a restarted server by themselves). So whatever
      // the order of start-up, the first poll after MongoDB is back reaches it; the facade's reads
      // share this client and recover with it.
      await this.db.client.connect();
      await this.db.command({ ping: 1 });
    } catch (error) {
      reachable = false;
      this.log.error(
        { err: messageOf(error, this.config.mongo.secrets) },
        'MongoDB unreachable: serving the exporter metrics only until it returns',
      );
    }
    this.self.sourceUp.set(reachable ? 1 : 0);

    let failures = 0;
    await Promise.all(
      this.collectors.map(async (collector) => {
        const t0 = performance.now();
        try {
          if (!reachable) {
            collector.sourceLost?.();
            throw new Error('MongoDB unreachable');
          }
          const families = await collector.collect(ctx);
          this.lastFamilies.set(collector.name, families);
          this.self.collectorSuccess.set({ collector: collector.name }, 1);
          this.self.collectorLastSuccess.set({ collector: collector.name }, Date.now() / 1000);
        } catch (error) {
          failures++;
          // Dropping the series lets Prometheus mark them stale instead of drawing old values as current.
          this.lastFamilies.delete(collector.name);
          this.self.collectorSuccess.set({ collector: collector.name }, 0);
          if (reachable)
            this.log.error(
              { collector: collector.name, err: messageOf(error, this.config.mongo.secrets) },
              'collector failed',
            );
        } finally {
          this.self.collectorDuration.set({ collector: collector.name }, (performance.now() - t0) / 1000);
        }
      }),
    );
    for (const c of this.collectors) {
      for (const [collection, time] of Object.entries(c.watermarks?.() ?? {}))
        this.self.watermark.set({ collection }, time.getTime() / 1000);
    }
    const result = failures === 0 ? 'success' : failures === this.collectors.length ? 'failed' : 'partial';
    this.self.polls.inc({ result });
    if (result === 'success') this.self.lastSuccessfulPoll.set(Date.now() / 1000);
    await this.publish(started);
    this.reachable = reachable;
  }

  /** Builds the next snapshot, compresses the wanted formats, then swaps it in for scrapes. */
  private async publish(pollStarted: number): Promise<void> {
    const t0 = performance.now();
    const families: RenderedFamily[] = [];
    for (const c of this.collectors) families.push(...(this.lastFamilies.get(c.name) ?? []));
    const series = families.reduce((n, f) => n + f.samples, 0);
    this.self.exposedSeries.set(series);
    this.self.pollDuration.observe((performance.now() - pollStarted) / 1000);
    const [selfText, selfOpenMetrics] = await Promise.all([this.self.render(false), this.self.render(true)]);
    const next = new Snapshot(++this.generation, families, selfText, selfOpenMetrics);
    // Only the wanted formats are compressed, and of them only the members whose chunks changed
    // (the others are cached); the compression runs on the libuv pool, not on the event loop.
    const wanted = [...this.wantedGzip];
    const gzipped = await Promise.all(wanted.map((openMetrics) => next.gzipped(openMetrics)));
    this.current = next;
    for (const openMetrics of [false, true]) {
      const format = openMetrics ? 'openmetrics' : 'text';
      // Summed over the shared chunks: nothing is assembled for this.
      this.self.expositionBytes.set({ format, encoding: 'identity' }, next.size(openMetrics));
    }
    wanted.forEach((openMetrics, i) => {
      const format = openMetrics ? 'openmetrics' : 'text';
      const bytes = gzipped[i]!.reduce((n, member) => n + member.length, 0);
      this.self.expositionBytes.set({ format, encoding: 'gzip' }, bytes);
    });
    this.self.renderDuration.set((performance.now() - t0) / 1000);
  }
}

/** Error text without the URI's password or secret options (the driver can echo the URI). */
export function messageOf(error: unknown, secrets: readonly string[] = []): string {
  return redactText(error instanceof Error ? error.message : String(error), secrets);
}

function messageFor(reason: InvalidReason, id: string | null): string {
  if (reason === 'bad_field') return 'field of the wrong type dropped; the document and its other series are kept';
  if (reason === 'long_value') return 'text too long for a label value was cut; the document is kept';
  return id ? 'malformed document skipped or kept as "other"' : 'malformed documents in an aggregation';
}
