import { ALERTMANAGER_JOB, EXPORTER_JOB, PROMETHEUS_JOB } from '../../queries/names.js';
import { MONITORING_ALERT as Q } from '../../queries/monitoring.js';
import type { AlertCase, AlertRule, ExpectedAlert, RuleArea } from './model.js';
import { compactValues, s, withGap, type InputSeries } from './series.js';
import { THRESHOLDS as T } from './thresholds.js';
import { DASHBOARD } from './dashboards.js';

export { EXPORTER_JOB };

/** The window over which malformed documents count (the description says 30 minutes). */
const INVALID_DOCUMENTS_WINDOW = '30m';
const target = { job: EXPORTER_JOB, instance: 'exporter:9470' };
/** Prometheus scraping itself, and Alertmanager, as prometheus.yml names them. */
const prometheus = { job: PROMETHEUS_JOB, instance: 'prometheus:9090' };
const alertmanager = { job: ALERTMANAGER_JOB, instance: 'alertmanager:9093' };
/** The `alertmanager` label of Prometheus' notification counters: the Alertmanager's API URL. */
const AM_API = { alertmanager: 'http://alertmanager:9093/api/v2/alerts' };

/** The state alerts of the exporter keep firing over a poll or two that looks healthy again. */
const KEEP_FIRING = T.stateKeepFiringFor;
const SCRAPE = T.exporterScrape;
/** Rounded: 12 x 0.8 is 9.600000000000001 in binary floating point. */
const slowScrapeSeconds = Math.round(SCRAPE.timeoutSeconds * SCRAPE.near * 1000) / 1000;
const largeScrapeSamples = SCRAPE.sampleLimit * SCRAPE.near;
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

/** A counter that grows by one every `every` steps, for `steps` steps: a slow trickle (one per window). */
const trickle = (every: number, steps: number) =>
  compactValues(Array.from({ length: steps + 1 }, (_, i) => String(Math.floor(i / every))));

/** The alert `rule` is expected to fire with `labels` and `description`. */
const fired = (rule: Pick<AlertRule, 'severity' | 'summary'>, labels: Record<string, string>, description: string) =>
  ({ labels: { severity: rule.severity, ...labels }, summary: rule.summary, description }) satisfies ExpectedAlert;

// --- the exporter's size and progress ------------------------------------------------------------------

const scrapeSlow = {
  severity: 'warning',
  summary: 'Scraping the exporter takes close to the scrape timeout',
} as const;
const scrapeSlowDescription = (instance: string, duration: string) =>
  `Prometheus took ${duration} to scrape the AIWM exporter ${instance}, close to the job's ${SCRAPE.timeoutSeconds}s scrape_timeout: beyond it the scrape fails and every AIWM series goes stale.`;

const scrapeLarge = {
  severity: 'warning',
  summary: 'The exporter serves close to the sample limit',
} as const;
const limitText = SCRAPE.sampleLimit.toLocaleString('en-US');
const scrapeLargeDescription = (instance: string, samples: string) =>
  `The AIWM exporter ${instance} served ${samples} samples in its last scrape, more than ${percent(SCRAPE.near)} of the job's sample_limit of ${limitText}: beyond the limit Prometheus rejects the whole scrape.`;

const overLimit = {
  severity: 'warning',
  summary: 'AIWM entities have no series (MAX_ENTITIES_PER_COLLECTION)',
} as const;
const overLimitDescription = (collection: string, n: string, instance = target.instance) =>
  `The exporter ${instance} left ${n} ${collection} beyond MAX_ENTITIES_PER_COLLECTION without series: they are missing from every figure and alert.`;
const overLimitSeries = (nodes: string, deployments = '0x30') => [
  s('aiwm_exporter_entities_over_limit', { ...target, collection: 'nodes' }, nodes),
  s('aiwm_exporter_entities_over_limit', { ...target, collection: 'deployments' }, deployments),
];

const skipped = { severity: 'warning', summary: 'Exporter polls are skipped' } as const;
const skippedDescription = (n: string, instance = target.instance) =>
  `The AIWM exporter ${instance} skipped ${n} scheduled polls in the last ${T.pollsSkipped.window} because the previous poll was still running.`;
const skippedSeries = (values: string) => [s('aiwm_exporter_polls_skipped_total', target, values)];

const lag = { severity: 'warning', summary: 'An exporter event reader lags behind' } as const;
const lagDescription = (collection: string, age: string, instance = target.instance) =>
  `The exporter ${instance} has counted ${collection} events only up to ${age} ago: their counters and rates are behind.`;
/** A watermark `behind` seconds behind the evaluation time (promtool's clock starts at 0), moving at real speed. */
const behind = (seconds: number, steps = 40) => `${-seconds}+60x${steps}`;
const watermark = (collection: string, values: string) =>
  s('aiwm_exporter_event_watermark_timestamp_seconds', { ...target, collection }, values);

// --- Prometheus and Alertmanager -------------------------------------------------------------------------

const ruleGroup = { rule_group: '/etc/prometheus/alerts/rules/nodes.yml;aiwm.nodes' };
const otherGroup = { rule_group: '/etc/prometheus/alerts/rules/gpus.yml;aiwm.gpus' };
const ruleFailures = { severity: 'critical', summary: 'Prometheus fails to evaluate alert rules' } as const;
const ruleFailuresDescription = (n: string) =>
  `Prometheus prometheus:9090 failed ${n} rule evaluations of ${ruleGroup.rule_group} in the last ${T.ruleEvaluationFailures.window}: the alerts of that group cannot fire.`;
const ruleFailureSeries = (failing: string) => [
  s('prometheus_rule_evaluation_failures_total', { ...prometheus, ...ruleGroup }, failing),
  s('prometheus_rule_evaluation_failures_total', { ...prometheus, ...otherGroup }, '0x40'),
];

const promNotify = { severity: 'critical', summary: 'Prometheus cannot send alerts to Alertmanager' } as const;
const promNotifyDescription = (share: string) =>
  `Prometheus prometheus:9090 failed to send ${share} of its alerts to ${AM_API.alertmanager} over the last ${T.prometheusNotificationErrors.window}: pages may not arrive.`;
/** Prometheus' counters per Alertmanager: failed batches, and alerts sent (the failed ones included) per minute. */
const promNotifySeries = (errorsPerMinute: number, sentPerMinute: number, steps = 30) => [
  s('prometheus_notifications_errors_total', { ...prometheus, ...AM_API }, `0+${errorsPerMinute}x${steps}`),
  s('prometheus_notifications_sent_total', { ...prometheus, ...AM_API }, `0+${sentPerMinute}x${steps}`),
];

const dropped = { severity: 'warning', summary: 'Prometheus drops alerts' } as const;
const droppedDescription = (n: string) =>
  `Prometheus prometheus:9090 dropped ${n} alerts in the last ${T.prometheusNotificationsDropped.window} (its notification queue was full, or no Alertmanager took them).`;
const droppedSeries = (values: string) => [s('prometheus_notifications_dropped_total', prometheus, values)];

const amNotify = { severity: 'critical', summary: 'Alertmanager cannot deliver notifications' } as const;
const amNotifyDescription = (integration: string, share: string) =>
  `Alertmanager alertmanager:9093 gave up on ${share} of its ${integration} notifications over the last ${T.alertmanagerNotificationsFailing.window}: pages and tickets are not arriving.`;
/**
 * Alertmanager's counters as it exposes them: every integration at 0, the webhook's notifications
 * and failures (after their retries) per minute. `reasons` splits failures by `reason` as newer releases do.
 */
const amNotifySeries = (failedPerMinute: number, totalPerMinute: number, reasons?: string[]) => [
  ...(reasons ?? ['']).map((reason, i) =>
    s(
      'alertmanager_notifications_failed_total',
      { ...alertmanager, integration: 'webhook', ...(reason ? { reason } : {}) },
      `0+${i === 0 ? failedPerMinute : 0}x30`,
    ),
  ),
  s('alertmanager_notifications_total', { ...alertmanager, integration: 'webhook' }, `0+${totalPerMinute}x30`),
  s('alertmanager_notifications_failed_total', { ...alertmanager, integration: 'email' }, '0x30'),
  s('alertmanager_notifications_total', { ...alertmanager, integration: 'email' }, '0x30'),
];

const reload = {
  severity: 'warning',
  summary: 'Prometheus or Alertmanager failed to reload its configuration',
} as const;
const reloadDescription = (job: string, instance: string) =>
  `${job} at ${instance} failed to reload its configuration: it still runs the previous one.`;
const reloadSeries = (prom: string, am: string) => [
  s('prometheus_config_last_reload_successful', prometheus, prom),
  s('alertmanager_config_last_reload_successful', alertmanager, am),
];

const targetDown = { severity: 'critical', summary: 'Prometheus cannot scrape Prometheus or Alertmanager' } as const;
const targetDownDescription = (job: string, instance: string) =>
  `Prometheus cannot scrape ${job} at ${instance}: if Alertmanager is down, no notification goes out.`;
const upSeries = (prom: string, am: string, exporter = '1x20') => [
  s('up', prometheus, prom),
  s('up', alertmanager, am),
  s('up', target, exporter),
];

const none = (name: string, series: InputSeries[], firingAt: string): AlertCase => ({
  name,
  series,
  firingAt,
  alerts: [],
});

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
          `A scrape over the job's sample_limit (${limitText} samples) or its ${SCRAPE.timeoutSeconds}s scrape_timeout fails as a whole: \`AIWMExporterScrapeTooLarge\` or \`AIWMExporterScrapeSlow\` fire with it then.`,
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
      cases: [
        none('the exporter answers, Prometheus and Alertmanager are down', upSeries('0x10', '0x10', '1x10'), '5m'),
      ],
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
      cases: [none('the exporter is scraped, even while down', upSeries('1x10', '1x10', '0x10'), '8m')],
    },
    {
      alert: 'AIWMMongoDBSourceDown',
      severity: 'critical',
      expr: Q.sourceDown(),
      for: T.sourceDown.for,
      keepFiringFor: KEEP_FIRING,
      summary: "Exporter cannot reach AIWM's MongoDB",
      description:
        'The AIWM exporter {{ $labels.instance }} cannot reach MongoDB: AIWM entity metrics are gone until it returns.',
      anchor: 'aiwmmongodbsourcedown',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          "The exporter runs but its polls cannot reach AIWM's MongoDB. It keeps serving its own metrics and drops the AIWM series, so the figures go empty rather than showing old values. AIWM itself probably fails too if the database is down. " +
          `The alert keeps firing for ${KEEP_FIRING} after a poll reaches MongoDB again, so a flapping connection pages once. ` +
          'While it fires, Alertmanager mutes the exporter alerts it causes on the same exporter (polls stale or skipped, collectors failing, event readers lagging).',
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
      cases: [
        none('MongoDB reachable', [s('aiwm_exporter_source_up', target, '1x10')], '5m'),
        {
          name: 'one poll reaches MongoDB in between: keeps firing (keep_firing_for), no new pending wait',
          series: [s('aiwm_exporter_source_up', target, '0x5 1 0x10')],
          quietAt: '1m',
          firingAt: '8m',
          alerts: [
            {
              labels: { severity: 'critical', ...target },
              summary: "Exporter cannot reach AIWM's MongoDB",
              description:
                'The AIWM exporter exporter:9470 cannot reach MongoDB: AIWM entity metrics are gone until it returns.',
            },
          ],
        },
      ],
    },
    {
      alert: 'AIWMExporterCollectorFailing',
      severity: 'warning',
      expr: Q.collectorFailing(),
      for: T.collectorFailing.for,
      keepFiringFor: KEEP_FIRING,
      summary: 'An exporter collector keeps failing',
      description:
        'The {{ $labels.collector }} collector of the AIWM exporter {{ $labels.instance }} fails while MongoDB is reachable: its metrics are missing.',
      anchor: 'aiwmexportercollectorfailing',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'One collector fails on every poll while the others work, so one area of the figures is empty. ' +
          `The alert keeps firing for ${KEEP_FIRING} after the collector succeeds again, so a collector that fails most polls pages once.`,
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
      cases: [
        none(
          'MongoDB unreachable: every collector fails, AIWMMongoDBSourceDown says why',
          [
            s('aiwm_exporter_collector_success', { ...target, collector: 'executions' }, '0x15'),
            s('aiwm_exporter_collector_success', { ...target, collector: 'nodes' }, '0x15'),
            s('aiwm_exporter_source_up', target, '0x15'),
          ],
          '12m',
        ),
        {
          name: 'one successful run in between: keeps firing (keep_firing_for)',
          series: [
            s('aiwm_exporter_collector_success', { ...target, collector: 'executions' }, '0x11 1 0x10'),
            s('aiwm_exporter_collector_success', { ...target, collector: 'nodes' }, '1x22'),
            s('aiwm_exporter_source_up', target, '1x22'),
          ],
          quietAt: '8m',
          firingAt: '14m',
          alerts: [
            {
              labels: { severity: 'warning', ...target, collector: 'executions' },
              summary: 'An exporter collector keeps failing',
              description:
                'The executions collector of the AIWM exporter exporter:9470 fails while MongoDB is reachable: its metrics are missing.',
            },
          ],
        },
        {
          name: 'keeps firing while the exporter series vanish for 3 minutes (exporter restarting)',
          series: withGap(
            [
              s('aiwm_exporter_collector_success', { ...target, collector: 'executions' }, '0x22'),
              s('aiwm_exporter_source_up', target, '1x22'),
            ],
            12,
            3,
          ),
          quietAt: '8m',
          firingAt: '14m',
          alerts: [
            {
              labels: { severity: 'warning', ...target, collector: 'executions' },
              summary: 'An exporter collector keeps failing',
              description:
                'The executions collector of the AIWM exporter exporter:9470 fails while MongoDB is reachable: its metrics are missing.',
            },
          ],
        },
      ],
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
          'The exporter has not finished a poll in which every collector succeeded for a while: polls are failing, or take longer than the schedule (skipped polls). Muted while `AIWMMongoDBSourceDown` fires for the same exporter.',
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
      cases: [
        none(
          'a full poll every minute',
          [s('aiwm_exporter_last_successful_poll_timestamp_seconds', target, '0+60x20')],
          '15m',
        ),
      ],
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
      cases: [
        none(
          'malformed documents long ago, none since (the counter stays where it was)',
          [
            s(
              'aiwm_exporter_invalid_documents_total',
              { ...target, collection: 'nodes', reason: 'wrong_type' },
              '12x80',
            ),
          ],
          '70m',
        ),
        {
          name: 'one malformed execution every 30 minutes still fires',
          series: [
            s(
              'aiwm_exporter_invalid_documents_total',
              { ...target, collection: 'executions', reason: 'missing_field' },
              trickle(30, 80),
            ),
          ],
          firingAt: '70m',
          alerts: [
            {
              labels: { severity: 'warning', ...target, collection: 'executions', reason: 'missing_field' },
              summary: 'AIWM documents do not match the data contract',
              description:
                'The exporter exporter:9470 met 1 malformed executions documents (missing_field) in the last 30 minutes.',
            },
          ],
        },
      ],
    },
    {
      alert: 'AIWMExporterScrapeSlow',
      ...scrapeSlow,
      expr: Q.exporterScrapeSlow(slowScrapeSeconds),
      for: SCRAPE.for,
      description: scrapeSlowDescription('{{ $labels.instance }}', '{{ $value | humanizeDuration }}'),
      anchor: 'aiwmexporterscrapeslow',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning: `Prometheus' scrapes of the exporter take more than ${percent(SCRAPE.near)} of the job's ${SCRAPE.timeoutSeconds}s scrape_timeout (prometheus.yml). The exporter serves a pre-rendered, pre-compressed exposition, so a slow scrape means a very large one, a slow network, or a Prometheus short of CPU to ingest it. Past the timeout the whole scrape fails, \`AIWMExporterDown\` fires and every AIWM series goes stale.`,
        check: [
          '`AIWM / Exporter › Render and scrape duration` and `AIWM / Exporter › Series exposed and samples scraped`: did the scrape grow with the series?',
          "Prometheus' own CPU and the network between Prometheus and the exporter.",
        ],
        act: [
          'Give Prometheus more CPU, or cut series (MAX_ENTITIES_PER_COLLECTION, EXECUTION_TYPE_LABEL_LIMIT).',
          'Raise `scrape_timeout` of the `aiwm-exporter` job (at most its `scrape_interval`) together with `THRESHOLDS.exporterScrape.timeoutSeconds` in alerts/src/thresholds.ts, and regenerate the rules.',
        ],
      },
      test: {
        series: [s('scrape_duration_seconds', target, '11x30')],
        quietAt: '10m',
        firingAt: '16m',
        alerts: [fired(scrapeSlow, target, scrapeSlowDescription('exporter:9470', '11s'))],
      },
      cases: [
        none(
          'below the warning level, and a slower dcgm-exporter (not this job)',
          [
            s('scrape_duration_seconds', target, '9x30'),
            s('scrape_duration_seconds', { job: 'dcgm-exporter', instance: 'gpu-node-01:9400' }, '11x30'),
          ],
          '20m',
        ),
        {
          name: 'timed out: the scrape failed (up 0) and took the whole timeout',
          series: [s('scrape_duration_seconds', target, `${SCRAPE.timeoutSeconds}x30`), s('up', target, '0x30')],
          firingAt: '16m',
          alerts: [fired(scrapeSlow, target, scrapeSlowDescription('exporter:9470', `${SCRAPE.timeoutSeconds}s`))],
        },
      ],
    },
    {
      alert: 'AIWMExporterScrapeTooLarge',
      ...scrapeLarge,
      expr: Q.exporterScrapeLarge(largeScrapeSamples),
      for: SCRAPE.for,
      description: scrapeLargeDescription('{{ $labels.instance }}', '{{ $value | humanize }}'),
      anchor: 'aiwmexporterscrapetoolarge',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning: `The exporter's scrape carries more than ${percent(SCRAPE.near)} of the \`sample_limit\` of the \`aiwm-exporter\` job (${limitText} samples, prometheus.yml; sized for about 1.1M series at 10k nodes x 8 GPUs with headroom). Past the limit Prometheus rejects the whole scrape: \`up\` goes to 0 and \`AIWMExporterDown\` fires, while this alert keeps naming the cause (Prometheus still counts the samples of a rejected scrape).`,
        check: [
          '`AIWM / Exporter › Series exposed and samples scraped`: steady growth (a bigger fleet) or a jump (a label with many values)?',
          '`AIWM / Exporter › Entities over limit by collection` and the per-collection counts in docs/metrics.md.',
        ],
        act: [
          'A bigger fleet: raise `sample_limit` in prometheus.yml and prometheus.local.yml together with `THRESHOLDS.exporterScrape.sampleLimit` in alerts/src/thresholds.ts (a test checks they agree), and make sure Prometheus has the memory for it.',
          'A label explosion: find the family in the exposition (`curl -s EXPORTER:9470/metrics | cut -d{ -f1 | sort | uniq -c | sort -n | tail`) and cap it (EXECUTION_TYPE_LABEL_LIMIT, MAX_ENTITIES_PER_COLLECTION).',
        ],
      },
      test: {
        series: [s('scrape_samples_scraped', target, '1700000x30')],
        quietAt: '10m',
        firingAt: '16m',
        alerts: [fired(scrapeLarge, target, scrapeLargeDescription('exporter:9470', '1.7M'))],
      },
      cases: [
        none(
          'below the warning level, and a bigger scrape of another job',
          [
            s('scrape_samples_scraped', target, '1500000x30'),
            s('scrape_samples_scraped', { job: 'dcgm-exporter', instance: 'gpu-node-01:9400' }, '1700000x30'),
          ],
          '20m',
        ),
        {
          name: 'over the limit: the scrape is rejected (up 0) and the alert names the cause',
          series: [s('scrape_samples_scraped', target, '2100000x30'), s('up', target, '0x30')],
          firingAt: '16m',
          alerts: [fired(scrapeLarge, target, scrapeLargeDescription('exporter:9470', '2.1M'))],
        },
      ],
    },
    {
      alert: 'AIWMExporterEntitiesOverLimit',
      ...overLimit,
      expr: Q.entitiesOverLimit(),
      for: T.entitiesOverLimit.for,
      description: overLimitDescription(
        '{{ $labels.collection }}',
        '{{ $value | humanize }}',
        '{{ $labels.instance }}',
      ),
      anchor: 'aiwmexporterentitiesoverlimit',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'A collection holds more entities than MAX_ENTITIES_PER_COLLECTION: the ones beyond it get no per-entity series, so they are missing from the figures and can raise no alert (a node beyond the cap can be down unnoticed). The cap protects Prometheus from a runaway collection.',
        check: [
          '`AIWM / Exporter › Entities over limit by collection`: which collection, how many.',
          'Is the collection really that big (a grown fleet), or does it hold leftovers (soft-deleted documents are not counted; test or orphaned documents are)?',
        ],
        act: [
          'Raise MAX_ENTITIES_PER_COLLECTION if Prometheus has room (check `AIWMExporterScrapeTooLarge` and the sample_limit), or clean up the collection.',
        ],
      },
      test: {
        series: overLimitSeries('250x30'),
        quietAt: '10m',
        firingAt: '16m',
        alerts: [fired(overLimit, { ...target, collection: 'nodes' }, overLimitDescription('nodes', '250'))],
      },
      cases: [
        {
          name: 'a single entity over the cap',
          series: overLimitSeries('1x30'),
          firingAt: '16m',
          alerts: [fired(overLimit, { ...target, collection: 'nodes' }, overLimitDescription('nodes', '1'))],
        },
        none('every collection under the cap (the exporter writes 0)', overLimitSeries('0x30'), '20m'),
      ],
    },
    {
      alert: 'AIWMExporterPollsSkipped',
      ...skipped,
      expr: Q.pollsSkipped(T.pollsSkipped.window),
      for: T.pollsSkipped.for,
      description: skippedDescription('{{ $value | humanize }}', '{{ $labels.instance }}'),
      anchor: 'aiwmexporterpollsskipped',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'Polls take longer than the POLL_SCHEDULE interval, again and again: the exporter skips the next poll while one still runs, so its figures are refreshed less often than scheduled (and `AIWMExporterPollsStale` follows if polls stop completing). A single slow poll does not raise it. Muted while `AIWMMongoDBSourceDown` fires for the same exporter.',
        check: [
          '`AIWM / Exporter › Poll duration` against the schedule, and `AIWM / Exporter › Collector duration`: which collector is slow.',
          'MongoDB load and the indexes listed in docs/metrics.md; EVENT_BATCH_LIMIT when the event readers catch up after a start.',
        ],
        act: [
          'Lengthen POLL_SCHEDULE to above the usual poll duration, add the missing indexes, or lower EVENT_BATCH_LIMIT so a catch-up spreads over more polls.',
        ],
      },
      test: {
        series: skippedSeries('0+2x40'),
        quietAt: '10m',
        firingAt: '17m',
        alerts: [fired(skipped, target, skippedDescription('20'))],
      },
      cases: [
        {
          name: 'one skip every 10 minutes, for good: still fires',
          series: skippedSeries(trickle(10, 40)),
          firingAt: '30m',
          alerts: [fired(skipped, target, skippedDescription('1'))],
        },
        none('skips long ago, none since', skippedSeries('7x40'), '30m'),
        none('a single skip (one slow poll)', skippedSeries('0x10 1x30'), '20m'),
      ],
    },
    {
      alert: 'AIWMExporterEventWatermarkLag',
      ...lag,
      expr: Q.eventWatermarkLag(T.eventWatermarkLag.maxLagSeconds),
      for: T.eventWatermarkLag.for,
      description: lagDescription(
        '{{ $labels.collection }}',
        '{{ $value | humanizeDuration }}',
        '{{ $labels.instance }}',
      ),
      anchor: 'aiwmexportereventwatermarklag',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'The incremental reader of an event collection (executions, conversations, messages) has counted documents only up to its watermark, and the watermark is far behind now. Caught up, it lags INGEST_LAG plus one poll interval. It falls behind when a poll reads EVENT_BATCH_LIMIT documents and stops (a burst, or a start with COUNT_EVENTS_FROM=all or a lookback: it resolves once the reader has caught up), or when its collector fails (the watermark stands still). Completion, message and conversation counters and rates are behind by that much. Muted while `AIWMMongoDBSourceDown` fires for the same exporter.',
        check: [
          '`AIWM / Exporter › Event watermark lag`: growing steadily (stuck) or shrinking (catching up)?',
          '`AIWM / Exporter › Collector status` for the executions or activity collector, and `AIWM / Exporter › Documents read per second`.',
        ],
        act: [
          'A stuck reader: fix its collector (see `AIWMExporterCollectorFailing`). A reader that cannot keep up: raise EVENT_BATCH_LIMIT, or poll more often.',
        ],
      },
      test: {
        series: [watermark('executions', '0x40'), watermark('messages', behind(20))],
        quietAt: '18m',
        firingAt: '22m',
        alerts: [fired(lag, { ...target, collection: 'executions' }, lagDescription('executions', '22m 0s'))],
      },
      cases: [
        {
          name: 'a reader that keeps pace just beyond the threshold',
          series: [watermark('conversations', behind(700))],
          firingAt: '15m',
          alerts: [fired(lag, { ...target, collection: 'conversations' }, lagDescription('conversations', '11m 40s'))],
        },
        none('readers that keep pace within the threshold', [watermark('executions', behind(500))], '30m'),
      ],
    },
    {
      alert: 'AIWMPrometheusRuleFailures',
      ...ruleFailures,
      expr: Q.ruleEvaluationFailures(T.ruleEvaluationFailures.window),
      for: T.ruleEvaluationFailures.for,
      description:
        'Prometheus {{ $labels.instance }} failed {{ $value | humanize }} rule evaluations of {{ $labels.rule_group }} in the last ' +
        `${T.ruleEvaluationFailures.window}: the alerts of that group cannot fire.`,
      anchor: 'aiwmprometheusrulefailures',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'Prometheus fails to evaluate rules of a group (the `rule_group` label: file and group): an alert or recording rule errors, typically "found duplicate series for the match group" in a join or "many-to-many matching not allowed". While it errors, the alert cannot fire and the recorded series has gaps.',
        check: [
          'Prometheus → Status → Rules: the failing rule shows its last error.',
          'The Prometheus log (`Evaluating rule failed`) names the rule and the error.',
          'Two exporters or two info series for one entity (a restart overlap, a second scrape job) are the usual cause of duplicate series.',
        ],
        act: [
          'Remove the duplicate scrape, or fix the rule in alerts/src (every `_info` join goes through `joinInfo`, which collapses duplicates) and regenerate.',
        ],
      },
      test: {
        series: ruleFailureSeries('0+3x40'),
        quietAt: '10m',
        firingAt: '17m',
        alerts: [fired(ruleFailures, { ...prometheus, ...ruleGroup }, ruleFailuresDescription('15'))],
      },
      cases: [
        {
          name: 'one failure every 5 minutes, for good: still fires',
          series: ruleFailureSeries(trickle(5, 40)),
          firingAt: '25m',
          alerts: [fired(ruleFailures, { ...prometheus, ...ruleGroup }, ruleFailuresDescription('1'))],
        },
        none('failures long ago, none since', ruleFailureSeries('12x40'), '30m'),
      ],
    },
    {
      alert: 'AIWMPrometheusNotificationsFailing',
      ...promNotify,
      expr: Q.prometheusNotificationErrors(T.prometheusNotificationErrors.ratio, T.prometheusNotificationErrors.window),
      for: T.prometheusNotificationErrors.for,
      description:
        'Prometheus {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its alerts to {{ $labels.alertmanager }} ' +
        `over the last ${T.prometheusNotificationErrors.window}: pages may not arrive.`,
      anchor: 'aiwmprometheusnotificationsfailing',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning: `Prometheus fails to deliver more than ${percent(T.prometheusNotificationErrors.ratio)} of its alerts to an Alertmanager (the \`alertmanager\` label is its API URL). With one Alertmanager, alerts are lost: this one may only show in Prometheus and in \`AIWM / Exporter › Firing alerts without an org\`, and the dead man's switch should page as the Watchdog stops.`,
        check: [
          'Is Alertmanager up (`AIWMMonitoringTargetDown`, `docker compose ps alertmanager`)?',
          'The Prometheus log: `Error sending alert` with the HTTP error; the `alerting.alertmanagers` address in prometheus.yml.',
        ],
        act: ['Restore Alertmanager or the network path; Prometheus resends the alerts that still fire.'],
      },
      test: {
        series: promNotifySeries(1, 50),
        quietAt: '10m',
        firingAt: '17m',
        alerts: [fired(promNotify, { ...prometheus, ...AM_API }, promNotifyDescription('2%'))],
      },
      cases: [
        {
          name: 'just above the threshold, with alerts above one per second',
          series: promNotifySeries(1, 80),
          firingAt: '17m',
          alerts: [fired(promNotify, { ...prometheus, ...AM_API }, promNotifyDescription('1.25%'))],
        },
        none('below the threshold', promNotifySeries(1, 150), '20m'),
        none('no alert to send', promNotifySeries(0, 0), '20m'),
      ],
      survivingMutants: {
        'threshold:0-1':
          'The `> 0` guard keeps a ratio from reading 0/0. Prometheus counts every alert of a batch in `prometheus_notifications_sent_total`, failed ones included, so errors never grow while sent stays flat, and without the guard 0/0 is NaN, which does not fire either: no series Prometheus can expose tells the two apart.',
      },
    },
    {
      alert: 'AIWMPrometheusNotificationsDropped',
      ...dropped,
      expr: Q.prometheusNotificationsDropped(T.prometheusNotificationsDropped.window),
      for: T.prometheusNotificationsDropped.for,
      description:
        'Prometheus {{ $labels.instance }} dropped {{ $value | humanize }} alerts in the last ' +
        `${T.prometheusNotificationsDropped.window} (its notification queue was full, or no Alertmanager took them).`,
      anchor: 'aiwmprometheusnotificationsdropped',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'Prometheus keeps dropping alerts instead of sending them: its notification queue overflows (Alertmanager too slow, or a flood of alerts), or no Alertmanager is configured or reachable. Dropped alerts are lost until their next resend. A few drops at start-up, before Alertmanager is discovered, do not raise it.',
        check: [
          'Prometheus → Status → Runtime & Build Information: the Alertmanagers discovered.',
          'The `alerting` section of prometheus.yml, and `AIWMPrometheusNotificationsFailing` or `AIWMMonitoringTargetDown` for Alertmanager.',
          "A flood of alerts: `AIWM / Exporter › Firing alerts without an org` and Alertmanager's alert list.",
        ],
        act: [
          'Restore Alertmanager, or fix the `alerting` section and reload Prometheus. For a flood, fix its cause (an inhibition that should hold, a rule that fires per series by mistake).',
        ],
      },
      test: {
        series: droppedSeries('0+5x40'),
        quietAt: '10m',
        firingAt: '17m',
        alerts: [fired(dropped, prometheus, droppedDescription('50'))],
      },
      cases: [
        {
          name: 'one drop every 10 minutes, for good: still fires',
          series: droppedSeries(trickle(10, 40)),
          firingAt: '30m',
          alerts: [fired(dropped, prometheus, droppedDescription('1'))],
        },
        none('drops at start-up only', droppedSeries('0 3x40'), '30m'),
      ],
    },
    {
      alert: 'AIWMAlertmanagerNotificationsFailing',
      ...amNotify,
      expr: Q.alertmanagerNotificationsFailing(
        T.alertmanagerNotificationsFailing.ratio,
        T.alertmanagerNotificationsFailing.window,
      ),
      for: T.alertmanagerNotificationsFailing.for,
      description:
        'Alertmanager {{ $labels.instance }} gave up on {{ $value | humanizePercentage }} of its {{ $labels.integration }} notifications ' +
        `over the last ${T.alertmanagerNotificationsFailing.window}: pages and tickets are not arriving.`,
      anchor: 'aiwmalertmanagernotificationsfailing',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning: `Alertmanager gives up on more than ${percent(T.alertmanagerNotificationsFailing.ratio)} of its notifications through one integration (webhook, email, ...) after retrying them: the receiver is down, rejects the request, or the URL or credentials are wrong. This alert may itself not get through; it shows in Alertmanager, Prometheus and \`AIWM / Exporter › Firing alerts without an org\`.`,
        check: [
          'The Alertmanager log: `Notify for alerts failed` names the receiver, integration and error.',
          'Without ALERT_WEBHOOK_URL the receivers keep their `.invalid` placeholder URLs and every notification fails (alerts/alertmanager-entrypoint.sh).',
          'The receiver service itself (status page, API key expiry).',
        ],
        act: [
          'Fix the receiver URL or credentials (ALERT_WEBHOOK_URL, WATCHDOG_WEBHOOK_URL, alerts/alertmanager.yml) and restart Alertmanager, or restore the receiver.',
        ],
      },
      test: {
        series: amNotifySeries(1, 4),
        quietAt: '10m',
        firingAt: '17m',
        alerts: [fired(amNotify, { ...alertmanager, integration: 'webhook' }, amNotifyDescription('webhook', '25%'))],
      },
      cases: [
        {
          name: 'failures split by reason (newer Alertmanager releases): one alert per integration',
          series: amNotifySeries(1, 4, ['serverError', 'clientError']),
          firingAt: '17m',
          alerts: [fired(amNotify, { ...alertmanager, integration: 'webhook' }, amNotifyDescription('webhook', '25%'))],
        },
        {
          name: 'just above the threshold, with notifications above one per second',
          series: amNotifySeries(1, 80),
          firingAt: '17m',
          alerts: [
            fired(amNotify, { ...alertmanager, integration: 'webhook' }, amNotifyDescription('webhook', '1.25%')),
          ],
        },
        none('below the threshold', amNotifySeries(1, 150), '20m'),
        none('nothing fails', amNotifySeries(0, 4), '20m'),
      ],
      survivingMutants: {
        'threshold:0-1':
          'The `> 0` guard keeps a ratio from reading 0/0. Alertmanager counts a notification in `alertmanager_notifications_total` before it can fail, so failures never grow while the total stays flat, and without the guard 0/0 is NaN, which does not fire either: no series Alertmanager can expose tells the two apart.',
      },
    },
    {
      alert: 'AIWMMonitoringConfigReloadFailed',
      ...reload,
      expr: Q.configReloadFailed(),
      for: T.configReloadFailed.for,
      description: reloadDescription('{{ $labels.job }}', '{{ $labels.instance }}'),
      anchor: 'aiwmmonitoringconfigreloadfailed',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'Prometheus (`job="prometheus"`) or Alertmanager (`job="alertmanager"`) rejected its configuration at the last reload and keeps running the previous one: a rule, scrape target, route or receiver change has not taken effect. It would fail to start with the file as it is now.',
        check: [
          'The log of the service: `Error reloading config` / `Loading configuration file failed` with the reason.',
          '`promtool check config prometheus.yml` or `amtool check-config alerts/alertmanager.yml` on the deployed files; `npm test` checks the committed ones.',
        ],
        act: [
          'Fix the file and reload (`curl -X POST :9090/-/reload`, `curl -X POST :9093/-/reload`) or restart the service.',
        ],
      },
      test: {
        series: reloadSeries('0x20', '1x20'),
        quietAt: '5m',
        firingAt: '12m',
        alerts: [fired(reload, prometheus, reloadDescription('prometheus', 'prometheus:9090'))],
      },
      cases: [
        {
          name: "Alertmanager's reload failed",
          series: reloadSeries('1x20', '0x20'),
          firingAt: '12m',
          alerts: [fired(reload, alertmanager, reloadDescription('alertmanager', 'alertmanager:9093'))],
        },
        none('both reloaded', reloadSeries('1x20', '1x20'), '15m'),
      ],
    },
    {
      alert: 'AIWMMonitoringTargetDown',
      ...targetDown,
      expr: Q.monitoringTargetDown(),
      for: T.monitoringTargetDown.for,
      description: targetDownDescription('{{ $labels.job }}', '{{ $labels.instance }}'),
      anchor: 'aiwmmonitoringtargetdown',
      dashboard: DASHBOARD.exporter,
      runbook: {
        meaning:
          'Prometheus cannot scrape Alertmanager (`job="alertmanager"`: it is probably down, and then no notification goes out, this one included: the dead man\'s switch pages as the Watchdog stops) or itself (`job="prometheus"`: its web listener or the self-scrape configuration is broken).',
        check: [
          'Prometheus → Status → Targets: the scrape error.',
          '`docker compose ps alertmanager prometheus` and their logs.',
        ],
        act: ['Restart the service or fix its address in prometheus.yml.'],
      },
      test: {
        series: upSeries('1x20', '0x20'),
        quietAt: '3m',
        firingAt: '7m',
        alerts: [fired(targetDown, alertmanager, targetDownDescription('alertmanager', 'alertmanager:9093'))],
      },
      cases: [
        {
          name: 'Prometheus cannot scrape itself',
          series: upSeries('0x20', '1x20'),
          firingAt: '7m',
          alerts: [fired(targetDown, prometheus, targetDownDescription('prometheus', 'prometheus:9090'))],
        },
        none('both up, the exporter down (AIWMExporterDown covers it)', upSeries('1x20', '1x20', '0x20'), '10m'),
      ],
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
