import { KEY_LABELS, M } from '../metrics/catalog.js';
import {
  HistogramSeries,
  SampleFamily,
  labelSchema,
  renderHistogram,
  type LabelString,
  type RenderedFamily,
} from '../metrics/exposition.js';
import type { Config } from '../config.js';
import { OTHER, orgOf } from '../source/common.js';
import {
  countExecutions,
  readFinishedExecutions,
  summarizeRunning,
  type FinishedExecution,
} from '../source/executions.js';
import { Tally, type CollectContext, type Collector } from './collector.js';
import { EventStream } from './events.js';

/** org_id and category: every execution family starts with them. */
const EXECUTION_LABELS = labelSchema(KEY_LABELS.execution);
type ExecutionLabels = LabelString<typeof KEY_LABELS.execution>;

interface FinishedTotals {
  labels: ExecutionLabels;
  byOutcome: Map<string, number>;
  duration: HistogramSeries<typeof KEY_LABELS.execution>;
  retries: number;
  retried: number;
}

/**
 * Workflow executions: current counts and running progress are aggregated by MongoDB every poll;
 * completions, durations and retries are counted once each from the finished-executions stream.
 */
export class ExecutionsCollector implements Collector {
  readonly name = 'executions';
  readonly families = [
    M.executions,
    M.executionProgress,
    M.executionOverdue,
    M.executionCompletions,
    M.executionDuration,
    M.executionRetries,
    M.executionRetried,
  ];
  /**
   * Execution `type` is free text: in each org, the first EXECUTION_TYPE_LABEL_LIMIT types seen keep their
   * name and later ones read "other". The budget is per org, so one org's many types never turn another
   * org's into "other".
   */
  private readonly admittedTypes = new Map<string, Set<string>>();
  private readonly finished = new Map<string, FinishedTotals>();
  private readonly stream: EventStream<FinishedExecution>;

  constructor(
    private readonly config: Config,
    startedAt: Date,
  ) {
    this.stream = new EventStream(
      config,
      startedAt,
      (ctx, wm, upper, limit) =>
        readFinishedExecutions(
          ctx.db.collection(config.collections.executions),
          wm,
          upper,
          limit,
          config.executionMaxRuntimeMs,
          ctx.report,
        ),
      (records) => {
        for (const e of records) this.applyFinished(e);
      },
    );
  }

  watermarks(): Record<string, Date> {
    return { [this.config.collections.executions]: this.stream.watermark.time };
  }

  private typeLabel(org: string, type: string): string {
    let admitted = this.admittedTypes.get(org);
    if (!admitted) this.admittedTypes.set(org, (admitted = new Set()));
    if (admitted.has(type)) return type;
    if (admitted.size < this.config.executionTypeLabelLimit) {
      admitted.add(type);
      return type;
    }
    return OTHER;
  }

  private applyFinished(e: FinishedExecution): void {
    const org = orgOf(e);
    const key = `${org}\u0000${e.category}`;
    let t = this.finished.get(key);
    if (!t) {
      const labels = EXECUTION_LABELS.of(org, e.category);
      t = {
        labels,
        byOutcome: new Map(),
        duration: new HistogramSeries(labels, M.executionDuration.buckets!),
        retries: 0,
        retried: 0,
      };
      this.finished.set(key, t);
    }
    t.byOutcome.set(e.status, (t.byOutcome.get(e.status) ?? 0) + 1);
    if (e.startedAt) {
      const seconds = (e.completedAt.getTime() - e.startedAt.getTime()) / 1000;
      if (seconds >= 0) t.duration.observe(seconds);
    }
    const retries = e.retryCount ?? 0;
    t.retries += retries;
    if (retries > 0) t.retried++;
  }

  async collect(ctx: CollectContext): Promise<RenderedFamily[]> {
    const collection = ctx.db.collection(ctx.config.collections.executions);
    const [groups, running] = await Promise.all([
      countExecutions(collection, ctx.report),
      summarizeRunning(collection, ctx.now),
    ]);
    await this.stream.catchUp(ctx, collection.collectionName);

    const executions = new SampleFamily(M.executions);
    const counts = new Tally(executions);
    // Admit types by size so each org's budget keeps its most common ones when it first applies.
    for (const g of [...groups].sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1))) {
      counts.add(executions.labels.of(g.orgId, g.category, this.typeLabel(g.orgId, g.type), g.status), g.count);
    }
    counts.write();

    const progress = new SampleFamily(M.executionProgress);
    const overdue = new SampleFamily(M.executionOverdue);
    for (const r of running.sort((a, b) => (a.orgId + a.category < b.orgId + b.category ? -1 : 1))) {
      const labels = EXECUTION_LABELS.of(r.orgId, r.category);
      progress.add(labels, r.running > 0 ? r.progressSum / r.running / 100 : 0);
      overdue.add(labels, r.overdue);
    }

    const completions = new SampleFamily(M.executionCompletions);
    const retries = new SampleFamily(M.executionRetries);
    const retried = new SampleFamily(M.executionRetried);
    const totals = [...this.finished.values()].sort((a, b) => (a.labels < b.labels ? -1 : 1));
    for (const t of totals) {
      for (const [outcome, count] of [...t.byOutcome].sort())
        completions.add(completions.labels.after(t.labels, outcome), count);
      retries.add(t.labels, t.retries);
      retried.add(t.labels, t.retried);
    }
    return [
      ...[executions, progress, overdue, completions].map((f) => f.rendered()),
      renderHistogram(
        M.executionDuration,
        totals.map((t) => t.duration),
      ),
      ...[retries, retried].map((f) => f.rendered()),
    ];
  }
}
