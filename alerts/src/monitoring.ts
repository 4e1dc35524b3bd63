import { EXPORTER_JOB } from '../../queries/names.js';
import { MONITORING_ALERT as Q } from '../../queries/monitoring.js';
import type { RuleArea } from './model.js';
import { s } from './series.js';
import { THRESHOLDS as T } from './thresholds.js';
import { DASHBOARD } from './dashboards.js';

export { EXPORTER_JOB };

/** The window over which malformed documents count (the description says 30 minutes). */
const INVALID_DOCUMENTS_WINDOW = '30m';
const target = { job: EXPORTER_JOB, instance: 'exporter:9470' };

export const MONITORING: RuleArea = {
  file: 'monitoring',
  title: 'The monitoring itself',
  groupName: 'aiwm.monitoring',
  alerts: [
    {
      alert: 'AIWMExporterDown',
      severity: 'critical',
      expr: Q.exporterDown(),
      for: T.exporterDown.for,
      summary: 'AIWM exporter is down',
      description:
        'Prometheus cannot scrape the AIWM exporter at {{ $labels.instance }}: every AIWM metric and alert is blind.',
      anchor: 'aiwmexporterdown',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning: 'Prometheus gets no answer from the exporter, so no AIWM metric is fresh and no AIWM alert can fire.',
        check: [
          'Prometheus → Status → Targets: the scrape error.',
          '`docker compose ps exporter` and `docker compose logs exporter` (a configuration error exits with code 2 and names the setting).',
          '`curl -s http://EXPORTER:9470/healthz`.',
        ],
        act: ['Fix the configuration or restart the exporter; it needs no state to start.'],
      },
      test: {
        series: [s('up', target, '0x10')],
        quietAt: '1m',
        firingAt: '3m',
        alerts: [
          {
            labels: { severity: 'critical', ...target },
            summary: 'AIWM exporter is down',
            description:
              'Prometheus cannot scrape the AIWM exporter at exporter:9470: every AIWM metric and alert is blind.',
          },
        ],
      },
    },
    {
      alert: 'AIWMExporterAbsent',
      severity: 'critical',
      expr: Q.exporterAbsent(),
      for: T.exporterAbsent.for,
      summary: 'AIWM exporter is not scraped',
      description: `Prometheus has no scrape target for job ${EXPORTER_JOB}: check prometheus.yml and service discovery.`,
      anchor: 'aiwmexporterabsent',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'Prometheus does not scrape the exporter at all (the target vanished from its configuration or service discovery), so nothing about AIWM is monitored.',
        check: ['Prometheus → Status → Targets and Configuration: is the `aiwm-exporter` job there?'],
        act: [
          'Restore the scrape job (prometheus.yml in this repository) and reload Prometheus (`curl -X POST :9090/-/reload`).',
        ],
      },
      test: {
        series: [s('up', { job: 'node', instance: 'other:9100' }, '1x10')],
        quietAt: '4m',
        firingAt: '6m',
        alerts: [
          {
            labels: { severity: 'critical', job: EXPORTER_JOB },
            summary: 'AIWM exporter is not scraped',
            description:
              'Prometheus has no scrape target for job aiwm-exporter: check prometheus.yml and service discovery.',
          },
        ],
      },
    },
    {
      alert: 'AIWMMongoDBSourceDown',
      severity: 'critical',
      expr: Q.sourceDown(),
      for: T.sourceDown.for,
      summary: "Exporter cannot reach AIWM's MongoDB",
      description:
        'The AIWM exporter {{ $labels.instance }} cannot reach MongoDB: AIWM entity metrics are gone until it returns.',
      anchor: 'aiwmmongodbsourcedown',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          "The exporter runs but its polls cannot reach AIWM's MongoDB. It keeps serving its own metrics and drops the AIWM series, so dashboards go empty rather than showing old values. AIWM itself probably fails too if the database is down.",
        check: [
          "The exporter log (`MongoDB unreachable` with the driver's error, password redacted).",
          'MongoDB health (`mongosh --eval "db.runCommand({ping:1})"`), DNS and network from the exporter, and the credentials in MONGODB_URI.',
        ],
        act: [
          'Restore MongoDB or the network path. The exporter reconnects by itself; event counters resume without double counting.',
        ],
      },
      test: {
        series: [s('aiwm_exporter_source_up', target, '0x10')],
        quietAt: '1m',
        firingAt: '3m',
        alerts: [
          {
            labels: { severity: 'critical', ...target },
            summary: "Exporter cannot reach AIWM's MongoDB",
            description:
              'The AIWM exporter exporter:9470 cannot reach MongoDB: AIWM entity metrics are gone until it returns.',
          },
        ],
      },
    },
    {
      alert: 'AIWMExporterCollectorFailing',
      severity: 'warning',
      expr: Q.collectorFailing(),
      for: T.collectorFailing.for,
      summary: 'An exporter collector keeps failing',
      description:
        'The {{ $labels.collector }} collector of the AIWM exporter {{ $labels.instance }} fails while MongoDB is reachable: its metrics are missing.',
      anchor: 'aiwmexportercollectorfailing',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning: 'One collector fails on every poll while the others work, so one area of the dashboards is empty.',
        check: [
          '`AIWM / Exporter › Collector status`: which collector fails, since when.',
          'The exporter log: `collector failed` with the collector name and error (a missing index, a permission, a renamed collection: see the COLLECTION_* settings).',
        ],
        act: ['Fix the cause (permissions, collection name settings); the collector recovers on the next poll.'],
      },
      test: {
        series: [
          s('aiwm_exporter_collector_success', { ...target, collector: 'executions' }, '0x15'),
          s('aiwm_exporter_collector_success', { ...target, collector: 'nodes' }, '1x15'),
          s('aiwm_exporter_source_up', target, '1x15'),
        ],
        quietAt: '8m',
        firingAt: '11m',
        alerts: [
          {
            labels: { severity: 'warning', ...target, collector: 'executions' },
            summary: 'An exporter collector keeps failing',
            description:
              'The executions collector of the AIWM exporter exporter:9470 fails while MongoDB is reachable: its metrics are missing.',
          },
        ],
      },
    },
    {
      alert: 'AIWMExporterPollsStale',
      severity: 'warning',
      expr: Q.pollsStale(T.pollsStale.maxAgeSeconds),
      for: T.pollsStale.for,
      summary: 'Exporter polls are stale',
      description:
        'The AIWM exporter {{ $labels.instance }} last completed a full poll {{ $value | humanizeDuration }} ago.',
      anchor: 'aiwmexporterpollsstale',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'The exporter has not finished a poll in which every collector succeeded for a while: polls are failing, or take longer than the schedule (skipped polls).',
        check: [
          '`AIWM / Exporter › Poll duration` and `AIWM / Exporter › Polls per second` (partial, failed and skipped polls): a poll slower than POLL_SCHEDULE means MongoDB is slow or the fleet outgrew the settings; `AIWM / Exporter › Collector duration` names the slow collector.',
          '`AIWM / Exporter › Collector status` and the exporter log for collector errors.',
        ],
        act: [
          'Fix failing collectors; for slow polls lengthen POLL_SCHEDULE or add the indexes listed in docs/metrics.md.',
        ],
      },
      test: {
        series: [s('aiwm_exporter_last_successful_poll_timestamp_seconds', target, '0x20')],
        quietAt: '9m',
        firingAt: '12m',
        alerts: [
          {
            labels: { severity: 'warning', ...target },
            summary: 'Exporter polls are stale',
            description: 'The AIWM exporter exporter:9470 last completed a full poll 12m 0s ago.',
          },
        ],
      },
    },
    {
      alert: 'AIWMExporterInvalidDocuments',
      severity: 'warning',
      expr: Q.invalidDocuments(INVALID_DOCUMENTS_WINDOW),
      for: T.invalidDocuments.for,
      summary: 'AIWM documents do not match the data contract',
      description:
        'The exporter {{ $labels.instance }} met {{ $value | humanize }} malformed {{ $labels.collection }} documents ({{ $labels.reason }}) in the last 30 minutes.',
      anchor: 'aiwmexporterinvaliddocuments',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          "Documents in AIWM's MongoDB do not match the data contract (a missing required field, a wrong type, an unknown enum value). The exporter skips them, or reads an unknown enum as `other`, so their entities are missing or mislabelled. Often a sign that AIWM changed its schema.",
        check: [
          '`AIWM / Exporter › Invalid documents per second`: which collection and reason, since when.',
          'The exporter log names each bad document by `_id`, field and reason (once per document).',
          'Compare with shared/aiwm-data-contract.md and the AIWM release notes.',
        ],
        act: [
          "Fix the documents, or update the exporter's schemas if AIWM changed on purpose. State collections are re-read every poll, so a lasting bad document keeps this alert up until it is fixed.",
        ],
      },
      test: {
        series: [
          s(
            'aiwm_exporter_invalid_documents_total',
            { ...target, collection: 'nodes', reason: 'wrong_type' },
            '0+1x60',
          ),
        ],
        quietAt: '20m',
        firingAt: '35m',
        alerts: [
          {
            labels: { severity: 'warning', ...target, collection: 'nodes', reason: 'wrong_type' },
            summary: 'AIWM documents do not match the data contract',
            description:
              'The exporter exporter:9470 met 30 malformed nodes documents (wrong_type) in the last 30 minutes.',
          },
        ],
      },
    },
    {
      alert: 'Watchdog',
      severity: 'none',
      expr: Q.watchdog(),
      for: '0s',
      summary: 'Alerting pipeline heartbeat',
      description:
        "Always firing: proves Prometheus evaluates rules and Alertmanager delivers. Page when it stops arriving (dead man's switch).",
      anchor: 'watchdog',
      dashboard: DASHBOARD.overview,
      runbook: {
        meaning:
          "A heartbeat that always fires. Alertmanager sends it to its own receiver (a dead man's switch service) every few minutes; the page comes from that service when the heartbeat stops.",
        check: [
          "If the dead man's switch pages: is Prometheus up and evaluating rules (Status → Rules), is Alertmanager up, can it reach the receiver?",
        ],
        act: ['Restore whichever part of Prometheus → Alertmanager → receiver is broken.'],
      },
      test: {
        series: [],
        firingAt: '1m',
        alerts: [
          {
            labels: { severity: 'none' },
            summary: 'Alerting pipeline heartbeat',
            description:
              "Always firing: proves Prometheus evaluates rules and Alertmanager delivers. Page when it stops arriving (dead man's switch).",
          },
        ],
      },
    },
  ],
};
