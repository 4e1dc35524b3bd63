import client from 'prom-client';
import {
  MAX_LABEL_VALUE_BYTES,
  formatValue,
  labelString,
  familyHeader,
  type FamilyMeta,
  type MetricType,
} from './exposition.js';
import type { InvalidReason } from '../source/common.js';

/**
 * The exporter's own metrics, kept by prom-client and rendered at the end of each poll with the
 * entity metrics (process figures included: sampling them per scrape costs more than the scrape).
 */
export class SelfMetrics {
  readonly registry = new client.Registry();
  readonly buildInfo: client.Gauge<'version' | 'nodejs_version'>;
  readonly sourceUp: client.Gauge;
  readonly collectorSuccess: client.Gauge<'collector'>;
  readonly collectorDuration: client.Gauge<'collector'>;
  readonly collectorLastSuccess: client.Gauge<'collector'>;
  readonly lastSuccessfulPoll: client.Gauge;
  readonly polls: client.Counter<'result'>;
  readonly pollsSkipped: client.Counter;
  readonly pollDuration: client.Histogram;
  readonly documentsRead: client.Counter<'collection'>;
  readonly invalidDocuments: client.Counter<'collection' | 'reason'>;
  readonly invalidFields: client.Counter<'collection' | 'field'>;
  readonly labelValuesTruncated: client.Counter<'collection' | 'field'>;
  readonly entitiesOverLimit: client.Gauge<'collection'>;
  readonly orgEntitiesOverLimit: client.Gauge<'collection' | 'org_id'>;
  readonly watermark: client.Gauge<'collection'>;
  readonly renderDuration: client.Gauge;
  readonly exposedSeries: client.Gauge;
  readonly expositionBytes: client.Gauge<'format' | 'encoding'>;
  /** Counted and rendered per scrape outside prom-client: the rest of the registry is rendered once per poll. */
  private readonly scrapeCounts = new Map<string, number>();
  /** Per collection, the orgs that have an aiwm_exporter_org_entities_over_limit series. */
  private readonly orgsOverLimit = new Map<string, ReadonlySet<string>>();

  constructor(version: string) {
    const registers = [this.registry];
    this.buildInfo = new client.Gauge({
      name: 'aiwm_exporter_build_info',
      help: 'Exporter version; always 1.',
      labelNames: ['version', 'nodejs_version'],
      registers,
    });
    this.buildInfo.set({ version, nodejs_version: process.version }, 1);
    this.sourceUp = new client.Gauge({
      name: 'aiwm_exporter_source_up',
      help: '1 when the last poll reached MongoDB.',
      registers,
    });
    this.collectorSuccess = new client.Gauge({
      name: 'aiwm_exporter_collector_success',
      help: "1 when the collector's last run succeeded; its series are dropped while 0.",
      labelNames: ['collector'],
      registers,
    });
    this.collectorDuration = new client.Gauge({
      name: 'aiwm_exporter_collector_duration_seconds',
      help: "Duration of the collector's last run.",
      labelNames: ['collector'],
      registers,
    });
    this.collectorLastSuccess = new client.Gauge({
      name: 'aiwm_exporter_collector_last_success_timestamp_seconds',
      help: 'Unix time the collector last succeeded.',
      labelNames: ['collector'],
      registers,
    });
    this.lastSuccessfulPoll = new client.Gauge({
      name: 'aiwm_exporter_last_successful_poll_timestamp_seconds',
      help: 'Unix time of the last poll in which every collector succeeded.',
      registers,
    });
    this.polls = new client.Counter({
      name: 'aiwm_exporter_polls_total',
      help: 'Polls run, by result (success, partial, failed).',
      labelNames: ['result'],
      registers,
    });
    this.pollsSkipped = new client.Counter({
      name: 'aiwm_exporter_polls_skipped_total',
      help: 'Scheduled polls skipped because the previous one was still running.',
      registers,
    });
    this.pollDuration = new client.Histogram({
      name: 'aiwm_exporter_poll_duration_seconds',
      help: 'Wall time of a whole poll, rendering included.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.documentsRead = new client.Counter({
      name: 'aiwm_exporter_documents_read_total',
      help: 'Documents read from MongoDB, by collection.',
      labelNames: ['collection'],
      registers,
    });
    this.invalidDocuments = new client.Counter({
      name: 'aiwm_exporter_invalid_documents_total',
      help: 'Malformed documents met (skipped, or kept with an unknown enum read as "other"), by collection and reason. State collections are re-read every poll, so a lasting bad document counts once per poll.',
      labelNames: ['collection', 'reason'],
      registers,
    });
    this.invalidFields = new client.Counter({
      name: 'aiwm_exporter_invalid_fields_total',
      help: 'Fields of the wrong type that were dropped while their document was kept (informational fields such as os, hostname, cpuModel), by collection and field. Counted once per poll while the document stays bad.',
      labelNames: ['collection', 'field'],
      registers,
    });
    this.labelValuesTruncated = new client.Counter({
      name: 'aiwm_exporter_label_values_truncated_total',
      help: `Text fields longer than ${MAX_LABEL_VALUE_BYTES} bytes that were cut before becoming a label value (kept prefix, "…" and 8 hex digits of the value's SHA-256), by collection and field; the document is kept. Counted once per poll while the document stays so.`,
      labelNames: ['collection', 'field'],
      registers,
    });
    this.entitiesOverLimit = new client.Gauge({
      name: 'aiwm_exporter_entities_over_limit',
      help: "Entities that got no per-entity series in the last poll: beyond their org's share (MAX_ENTITIES_PER_ORG, and a fair share of MAX_ENTITIES_PER_COLLECTION when the collection outgrows it).",
      labelNames: ['collection'],
      registers,
    });
    this.orgEntitiesOverLimit = new client.Gauge({
      name: 'aiwm_exporter_org_entities_over_limit',
      help: "An org's entities that got no per-entity series in the last poll, beyond its share; only orgs with some (their sum is aiwm_exporter_entities_over_limit).",
      labelNames: ['collection', 'org_id'],
      registers,
    });
    this.watermark = new client.Gauge({
      name: 'aiwm_exporter_event_watermark_timestamp_seconds',
      help: 'How far the incremental reader of an event collection has counted (Unix time).',
      labelNames: ['collection'],
      registers,
    });
    this.renderDuration = new client.Gauge({
      name: 'aiwm_exporter_render_duration_seconds',
      help: 'Time the last poll spent rendering and compressing the exposition.',
      registers,
    });
    this.exposedSeries = new client.Gauge({
      name: 'aiwm_exporter_series',
      help: 'Entity series rendered by the last poll.',
      registers,
    });
    this.expositionBytes = new client.Gauge({
      name: 'aiwm_exporter_exposition_bytes',
      help: 'Size of the pre-rendered entity exposition, by format and encoding.',
      labelNames: ['format', 'encoding'],
      registers,
    });
    client.collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges `_total`, which promtool rejects; the per-type gauges without the suffix stay.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
      this.registry.removeSingleMetric(name);
  }

  /** Counts one malformed or cut field or document a source module reported (see InvalidSink). */
  countInvalid(collection: string, reason: InvalidReason, field: string, count: number): void {
    if (reason === 'bad_field') this.invalidFields.inc({ collection, field }, count);
    else if (reason === 'long_value') this.labelValuesTruncated.inc({ collection, field }, count);
    else this.invalidDocuments.inc({ collection, reason }, count);
  }

  /**
   * The poll's over-limit figures of one collection: the total, and one series per org with entities left
   * out (an org back within its share loses its series).
   */
  setEntitiesOverLimit(collection: string, total: number, byOrg: ReadonlyMap<string, number>): void {
    this.entitiesOverLimit.set({ collection }, total);
    for (const org of this.orgsOverLimit.get(collection) ?? [])
      if (!byOrg.has(org)) this.orgEntitiesOverLimit.remove({ collection, org_id: org });
    for (const [org, n] of byOrg) this.orgEntitiesOverLimit.set({ collection, org_id: org }, n);
    this.orgsOverLimit.set(collection, new Set(byOrg.keys()));
  }

  /** Counts one scrape and renders the scrape counter, the only self-metric that changes between polls. */
  countScrape(format: 'text' | 'openmetrics', encoding: 'gzip' | 'identity', openMetrics: boolean): string {
    const key = labelString(SCRAPES.labels, [format, encoding]);
    this.scrapeCounts.set(key, (this.scrapeCounts.get(key) ?? 0) + 1);
    let out = familyHeader(SCRAPES, openMetrics);
    for (const [labels, count] of this.scrapeCounts) out += `${SCRAPES.name}{${labels}} ${count}\n`;
    return out;
  }

  /** Renders the registry in the exporter's own writer, so both formats agree with the entity metrics. */
  async render(openMetrics: boolean): Promise<string> {
    const metrics = await this.registry.getMetricsAsJSON();
    let out = '';
    for (const metric of metrics) {
      const type = String(metric.type) as MetricType;
      if (type !== 'gauge' && type !== 'counter' && type !== 'histogram') continue;
      const meta: FamilyMeta = { name: metric.name, type, help: metric.help, unit: unitOf(metric.name), labels: [] };
      out += familyHeader(meta, openMetrics);
      for (const v of metric.values) {
        const labels = v.labels as Record<string, string | number>;
        const names = Object.keys(labels);
        const ls = labelString(
          names,
          names.map((n) => (typeof labels[n] === 'number' ? formatValue(labels[n] as number) : String(labels[n]))),
        );
        const name = (v as { metricName?: string }).metricName ?? metric.name;
        out += ls === '' ? `${name} ${formatValue(v.value)}\n` : `${name}{${ls}} ${formatValue(v.value)}\n`;
      }
    }
    return out;
  }
}

export const SCRAPES: FamilyMeta = {
  name: 'aiwm_exporter_scrapes_total',
  type: 'counter',
  help: 'Scrapes of /metrics, by format and encoding.',
  unit: '',
  labels: ['format', 'encoding'],
};

function unitOf(name: string): string {
  const base = name.replace(/_total$/, '');
  for (const unit of ['seconds', 'bytes', 'ratio']) if (base.endsWith('_' + unit)) return unit;
  return '';
}
