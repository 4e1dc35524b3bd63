import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import * as monitoring from '../queries/monitoring.js';
import { Board, RATE, UID, onOff } from './lib.js';

/** A poll or collector success older than this is what AIWMExporterPollsStale fires on. */
const STALE = [{ value: T.pollsStale.maxAgeSeconds, color: 'red' }];

/** Words and colours for a health stat that reads -1 when there is nothing to read (see queries/monitoring.ts). */
const health = (missing: string, missingColor: string, off: string, on: string): dashboard.ValueMapping[] => [
  {
    type: dashboard.MappingType.ValueToText,
    options: {
      '-1': { text: missing, color: missingColor, index: 0 },
      '0': { text: off, color: 'red', index: 1 },
      '1': { text: on, color: 'green', index: 2 },
    },
  },
];

/** The operators' dashboard: the exporter's own health, polls, reads, exposition and monitoring alerts. */
export function exporter() {
  const description =
    "The AIWM exporter's own health for the people who run it: scrape target, MongoDB reachability, poll " +
    'age and duration, collectors, documents read and rejected, exposition size and the monitoring alerts. ' +
    'It has no org variable: these series describe the exporter, not an org.';
  return new Board(UID.exporter, 'AIWM / Exporter', description, { withoutOrg: true, time: 'now-6h' })
    .row(100, 'Health now')
    .stat({
      id: 1,
      title: 'Exporter up',
      description:
        'Whether Prometheus scraped every aiwm-exporter target at its last scrape (up{job="aiwm-exporter"}, ' +
        'the lowest over targets). Bad: "down" (the scrape fails: AIWMExporterDown) or "not scraped" (no ' +
        'such target: AIWMExporterAbsent). While it is not "up", every other panel here shows old or no data.',
      unit: 'none',
      targets: [{ expr: monitoring.exporterUpOrAbsent() }],
      mappings: health('not scraped', 'red', 'down', 'up'),
      base: 'red',
      steps: [{ value: 1, color: 'green' }],
    })
    .stat({
      id: 2,
      title: 'MongoDB reachable',
      description:
        "Whether the exporter's last poll reached AIWM's MongoDB (aiwm_exporter_source_up, the lowest over " +
        'exporters). Bad: "unreachable" (AIWMMongoDBSourceDown: the AIWM series are dropped until it returns). ' +
        '"unknown" means no exporter reports: see Exporter up.',
      unit: 'none',
      targets: [{ expr: monitoring.exporterSourceUpOrUnknown() }],
      mappings: health('unknown', 'orange', 'unreachable', 'reachable'),
      base: 'red',
      steps: [{ value: 1, color: 'green' }],
    })
    .stat({
      id: 3,
      title: 'Last successful poll',
      description:
        'Seconds since the last poll in which every collector succeeded (time() minus ' +
        'aiwm_exporter_last_successful_poll_timestamp_seconds, the oldest over exporters; while no exporter ' +
        'is scraped, since the newest such poll Prometheus saw in the last 24 h). Normal: under one ' +
        `POLL_SCHEDULE interval (15 s by default). Red from ${T.pollsStale.maxAgeSeconds} s, where ` +
        'AIWMExporterPollsStale starts counting. No data: no successful poll in 24 h.',
      unit: 's',
      targets: [{ expr: monitoring.exporterLastPollAge() }],
      steps: STALE,
      noValue: 'none in 24 h',
    })
    .stat({
      id: 4,
      title: 'Collectors failing',
      description:
        'Collectors whose last run failed (aiwm_exporter_collector_success == 0). Bad: 1 or more; their ' +
        'series are dropped until they recover (AIWMExporterCollectorFailing). All of them fail while ' +
        'MongoDB is unreachable. No data: the exporter is not scraped.',
      unit: 'none',
      targets: [{ expr: monitoring.exporterCollectorsFailing() }],
      steps: [{ value: 1, color: 'red' }],
      noValue: 'no data',
    })
    .stat({
      id: 5,
      title: 'Entities over limit',
      description:
        'Entities beyond MAX_ENTITIES_PER_COLLECTION that got no per-entity series in the last poll, all ' +
        'collections together (aiwm_exporter_entities_over_limit). Bad: above 0, those entities are missing ' +
        'from every dashboard; raise the limit or check the fleet size. By collection: see "Entities over ' +
        'limit by collection".',
      unit: 'none',
      targets: [{ expr: monitoring.exporterEntitiesOverLimitTotal() }],
      steps: [{ value: 1, color: 'orange' }],
      noValue: 'no data',
    })
    .stat(
      {
        id: 6,
        title: 'Exporter version',
        description:
          'The exporter version and Node.js version every running exporter reports (aiwm_exporter_build_info). ' +
          'Two versions at once mean a rollout in progress or a stale replica.',
        unit: 'none',
        targets: [{ expr: monitoring.exporterBuildInfo(), legend: '{{version}} (Node.js {{nodejs_version}})' }],
        base: 'blue',
        noValue: 'no data',
      },
      { textMode: common.BigValueTextMode.Name },
    )
    .row(101, 'Polls')
    .timeseries({
      id: 7,
      title: 'Poll duration',
      description:
        'Wall time of a whole poll, rendering included: the 50th, 95th and 99th percentile over the rate ' +
        'interval, from the aiwm_exporter_poll_duration_seconds histogram (buckets 0.05 s to 30 s; a ' +
        'percentile in the top bucket reads 30 s). Bad: close to or above the POLL_SCHEDULE interval (15 s by ' +
        'default): the next poll is skipped and the data ages.',
      unit: 's',
      targets: [50, 95, 99].map((p) => ({
        expr: monitoring.exporterPollDurationQuantile(p / 100, RATE),
        legend: `p${p}`,
      })),
      min: 0,
    })
    .heatmap({
      id: 8,
      title: 'Poll duration distribution',
      description:
        'Polls per second in each aiwm_exporter_poll_duration_seconds bucket over time (upper bound on the ' +
        'y axis, seconds). Bad: polls moving into the upper buckets, towards the POLL_SCHEDULE interval.',
      unit: 's',
      targets: [{ expr: monitoring.exporterPollDurationBuckets(RATE) }],
    })
    .timeseries({
      id: 9,
      title: 'Polls per second',
      description:
        'Polls run per second by result (aiwm_exporter_polls_total: success = every collector succeeded, ' +
        'partial = some failed, failed = all failed), and scheduled polls skipped because the previous one ' +
        'was still running (aiwm_exporter_polls_skipped_total). Bad: any partial, failed or skipped.',
      unit: 'ops',
      targets: [
        { expr: monitoring.exporterPollsPerSecond(RATE), legend: '{{result}}' },
        { expr: monitoring.exporterSkippedPollsPerSecond(RATE), legend: 'skipped' },
      ],
      min: 0,
    })
    .timeseries({
      id: 10,
      title: 'Last successful poll age',
      description:
        'Seconds since the last poll in which every collector succeeded, over time (the oldest over ' +
        'exporters; while no exporter is scraped it keeps rising from the newest poll Prometheus saw). ' +
        'Normal: a saw-tooth below the POLL_SCHEDULE interval. Bad: a rising line; from the red band at ' +
        `${T.pollsStale.maxAgeSeconds} s AIWMExporterPollsStale starts counting.`,
      unit: 's',
      targets: [{ expr: monitoring.exporterLastPollAge(), legend: 'age' }],
      steps: STALE,
      min: 0,
    })
    .row(102, 'Collectors')
    .timeline({
      id: 11,
      title: 'Collector status',
      description:
        "Each collector's last run over time (aiwm_exporter_collector_success): ok (green) or failed (red). " +
        'A failed collector drops its series until it recovers. Bad: red on one collector while MongoDB ' +
        'is reachable (AIWMExporterCollectorFailing after 10 min); red on all of them: MongoDB unreachable.',
      unit: 'none',
      targets: [{ expr: monitoring.exporterCollectorSuccess(), legend: '{{collector}}' }],
      mappings: onOff('failed', 'ok'),
      base: 'red',
      steps: [{ value: 1, color: 'green' }],
    })
    .timeseries({
      id: 12,
      title: 'Collector duration',
      description:
        "Seconds each collector's last run took (aiwm_exporter_collector_duration_seconds, the slowest over " +
        'exporters). Collectors run in parallel, so the slowest sets the poll duration. Bad: one collector ' +
        'growing towards the POLL_SCHEDULE interval (a missing index, a growing collection).',
      unit: 's',
      targets: [{ expr: monitoring.exporterCollectorDuration(), legend: '{{collector}}' }],
      min: 0,
    })
    .timeseries({
      id: 13,
      title: 'Time since collector success',
      description:
        'Seconds since each collector last succeeded (time() minus ' +
        'aiwm_exporter_collector_last_success_timestamp_seconds). Normal: below the POLL_SCHEDULE interval. ' +
        `Bad: a rising line; past the red band at ${T.pollsStale.maxAgeSeconds} s its entities have been ` +
        'missing for minutes. A collector that never succeeded has no line.',
      unit: 's',
      targets: [{ expr: monitoring.exporterCollectorSuccessAge(), legend: '{{collector}}' }],
      steps: STALE,
      min: 0,
    })
    .row(103, 'MongoDB reads and data quality')
    .timeseries({
      id: 14,
      title: 'Documents read per second',
      description:
        'Documents read from MongoDB per second, by collection (aiwm_exporter_documents_read_total). State ' +
        'collections are re-read every poll, event collections (executions, conversations, messages) only ' +
        'from their watermark on. Bad: a sudden rise (a fleet or history that grew) or a collection at 0 ' +
        'while its collector succeeds.',
      unit: 'rps',
      targets: [{ expr: monitoring.exporterDocumentsReadPerSecond(RATE), legend: '{{collection}}' }],
      min: 0,
    })
    .timeseries({
      id: 15,
      title: 'Event watermark lag',
      description:
        'Seconds between now and how far the incremental reader of each event collection has counted ' +
        '(time() minus aiwm_exporter_event_watermark_timestamp_seconds). Normal: about INGEST_LAG plus one ' +
        'POLL_SCHEDULE interval. Bad: a rising line: the reader falls behind (EVENT_BATCH_LIMIT per poll) ' +
        'and event counters are late.',
      unit: 's',
      targets: [{ expr: monitoring.exporterEventWatermarkLag(), legend: '{{collection}}' }],
      min: 0,
    })
    .timeseries({
      id: 16,
      title: 'Invalid documents per second',
      description:
        'Malformed documents met per second, by collection and reason (aiwm_exporter_invalid_documents_total: ' +
        'skipped, or kept with an unknown enum read as "other"). State collections are re-read every poll, ' +
        'so a lasting bad document is counted once per poll. Bad: anything above 0 ' +
        '(AIWMExporterInvalidDocuments); the exporter log names each document.',
      unit: 'suffix: docs/s',
      targets: [{ expr: monitoring.exporterInvalidDocumentsPerSecond(RATE), legend: '{{collection}} {{reason}}' }],
      min: 0,
    })
    .timeseries({
      id: 17,
      title: 'Invalid fields per second',
      description:
        'Fields of the wrong type dropped per second while their document was kept, by collection and field ' +
        '(aiwm_exporter_invalid_fields_total; informational fields such as os, hostname, cpuModel). Counted ' +
        'once per poll while the document stays bad. Bad: above 0 means AIWM writes a field in another ' +
        'type than the data contract says; the exporter log names each document.',
      unit: 'suffix: fields/s',
      targets: [{ expr: monitoring.exporterInvalidFieldsPerSecond(RATE), legend: '{{collection}} {{field}}' }],
      min: 0,
    })
    .row(104, 'Exposition and scrape')
    .timeseries({
      id: 18,
      title: 'Series exposed and samples scraped',
      description:
        'Entity series rendered by the last poll (aiwm_exporter_series) and the samples Prometheus took ' +
        "from the exporter's last scrape, its own metrics included (scrape_samples_scraped). Bad: a jump " +
        'that the fleet does not explain (a label that took many values), or a drop to the self-metrics ' +
        'alone (collectors failing).',
      unit: 'short',
      targets: [
        { expr: monitoring.exporterSeries(), legend: 'entity series' },
        { expr: monitoring.exporterSamplesScraped(), legend: 'samples scraped' },
      ],
      min: 0,
    })
    .timeseries({
      id: 19,
      title: 'Exposition size',
      description:
        'Size of the pre-rendered entity exposition the exporter serves, by format (text, openmetrics) and ' +
        'encoding (identity, gzip when a scraper asked for it) (aiwm_exporter_exposition_bytes). Bad: ' +
        'growing faster than the fleet; tens of MB make scrapes slow.',
      unit: 'bytes',
      targets: [{ expr: monitoring.exporterExpositionBytes(), legend: '{{format}} {{encoding}}' }],
      min: 0,
    })
    .timeseries({
      id: 20,
      title: 'Render and scrape duration',
      description:
        'Seconds the last poll spent rendering and compressing the exposition ' +
        "(aiwm_exporter_render_duration_seconds), and seconds Prometheus' last scrape of the exporter took " +
        '(scrape_duration_seconds; scrapes serve the pre-rendered exposition). Bad: a scrape near the ' +
        'scrape timeout (Prometheus then marks the target down) or rendering taking a large share of the poll.',
      unit: 's',
      targets: [
        { expr: monitoring.exporterRenderDuration(), legend: 'render' },
        { expr: monitoring.exporterScrapeDuration(), legend: 'scrape' },
      ],
      min: 0,
    })
    .timeseries({
      id: 21,
      title: 'Entities over limit by collection',
      description:
        'Entities beyond MAX_ENTITIES_PER_COLLECTION that got no per-entity series in the last poll, by ' +
        'collection (aiwm_exporter_entities_over_limit). Bad: above 0 (orange band): those entities are ' +
        'missing from every dashboard and alert.',
      unit: 'none',
      targets: [{ expr: monitoring.exporterEntitiesOverLimit(), legend: '{{collection}}' }],
      steps: [{ value: 1, color: 'orange' }],
      min: 0,
    })
    .row(105, 'Monitoring alerts')
    .table({
      id: 22,
      title: 'Firing alerts without an org',
      description:
        "Alerts firing now that carry no org, one row each: the monitoring's own (exporter down or absent, " +
        'MongoDB unreachable, collector failing, polls stale, invalid documents) and cluster-wide ones, with ' +
        'how long each has been active (since its condition first held, ALERTS_FOR_STATE). The Watchdog ' +
        'heartbeat is left out. Bad: any row; each alert has its runbook in docs/runbooks.md under its name.',
      unit: 'none',
      targets: [{ expr: monitoring.firingAlertsWithoutOrgActiveFor(), table: true }],
      columns: {
        alertname: 'Alert',
        severity: 'Severity',
        Value: 'Active for',
        instance: 'Instance',
        collector: 'Collector',
        collection: 'Collection',
        reason: 'Reason',
      },
      cells: {
        severity: {
          color: 'text',
          mappings: [
            {
              type: dashboard.MappingType.ValueToText,
              options: {
                critical: { text: 'critical', color: 'red', index: 0 },
                warning: { text: 'warning', color: 'orange', index: 1 },
                info: { text: 'info', color: 'blue', index: 2 },
              },
            },
          ],
        },
        // A panel with one table query names its value column "Value" (Grafana's Prometheus transform).
        Value: { unit: 's' },
      },
      noValue: 'none firing',
    })
    .build();
}
