import type { Config } from '../config.js';
import { initialWatermark, type Increment, type Watermark } from '../source/incremental.js';
import type { CollectContext } from './collector.js';

/** Per-query page size: big enough to amortise round trips, small enough to yield often. */
const PAGE = 5000;

/**
 * Drives one incremental reader: pages through new documents until it has caught up with
 * now - INGEST_LAG or spent its share of EVENT_BATCH_LIMIT. `apply` runs synchronously per page
 * right before the watermark moves, so a failure part-way never counts a document twice.
 */
export class EventStream<R> {
  private watermarkValue: Watermark;

  constructor(
    config: Config,
    startedAt: Date,
    private readonly read: (
      ctx: CollectContext,
      watermark: Watermark,
      upper: Date,
      limit: number,
    ) => Promise<Increment & { records: R[] }>,
    private readonly apply: (records: R[], ctx: CollectContext) => void | Promise<void>,
  ) {
    this.watermarkValue = initialWatermark(config.countEventsFrom, startedAt);
  }

  get watermark(): Watermark {
    return this.watermarkValue;
  }

  /** Returns the documents read. */
  async catchUp(ctx: CollectContext, collection: string): Promise<number> {
    const upper = new Date(ctx.now.getTime() - ctx.config.ingestLagMs);
    let budget = ctx.config.eventBatchLimit;
    let read = 0;
    while (budget > 0) {
      const page = await this.read(ctx, this.watermarkValue, upper, Math.min(PAGE, budget));
      await this.apply(page.records, ctx);
      this.watermarkValue = page.watermark;
      read += page.docs.length;
      ctx.countRead(collection, page.docs.length);
      budget -= page.docs.length;
      if (page.caughtUp) break;
    }
    return read;
  }
}
