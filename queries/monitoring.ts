/**
 * Queries about the monitoring itself: firing alerts, the exporter's scrape and poll health.
 */
import {
  age,
  count,
  eq,
  type Selector,
  equals,
  above,
  increase,
  min,
  ne,
  select,
  sum,
  andOn,
  type Window,
  max,
  either,
  quantile,
  rate,
  bucketOf,
  copyLabel,
  grouped,
  oneOf,
} from './core.js';
import {
  ALERTMANAGER_JOB,
  ALERTMANAGER_SELF,
  EXPORTER,
  EXPORTER_JOB,
  M,
  PROMETHEUS,
  PROMETHEUS_JOB,
  PROMETHEUS_SELF,
} from './names.js';

/**
 * Every org the exporter reports: any entity's info series or an execution count carries `org_id`,
 * so an org with models but no nodes is listed too (a Grafana `label_values` variable query).
 */
const ORG_SOURCES = [M.nodeInfo, M.resourceInfo, M.modelInfo, M.deploymentInfo, M.agentInfo, M.executions];
export const orgIds = () => `label_values({__name__=~"${ORG_SOURCES.map((m) => m.name).join('|')}"}, org_id)`;

/**
 * Firing alerts, the Watchdog heartbeat (severity none) excluded, of the orgs `s` selects. A
 * dashboard's `org_id=~"$org"` with All (`.*`) also matches the alerts without an org (the
 * exporter's own), one org does not.
 */
export const firingAlerts = (s: Selector = '') =>
  select(PROMETHEUS.alerts, eq('alertstate', 'firing'), ne('severity', 'none'), s);
export const firingAlertsBySeverity = (s: Selector = '') => count(firingAlerts(s), ['severity']);
/** Firing alerts as annotations on time series: `ALERTS` is 1 while an alert fires. */
export const alertAnnotations = (s: Selector) => firingAlerts(s);

/** Whether every exporter reaches AIWM's MongoDB (1) or one does not (0). */
export const exporterSourceUp = () => min(EXPORTER.sourceUp);

const exporterUp = select(PROMETHEUS.up, eq('job', EXPORTER_JOB));
const BY_TARGET = ['job', 'instance'];
/** Alertmanager's notification counters per integration (newer releases split failures by `reason`). */
const BY_INTEGRATION = [...BY_TARGET, 'integration'];
/** What Prometheus records about its scrapes of the exporter (`scrape_duration_seconds`, ...). */
const exporterScrape = (series: string) => select(series, eq('job', EXPORTER_JOB));
/** `numerator / (denominator > 0)`: no result, never NaN or +Inf, where the denominator is 0. */
const ratioOf = (numerator: string, denominator: string) => `${grouped(numerator)} / (${denominator} > 0)`;

/** The monitoring alert conditions. */
export const MONITORING_ALERT = {
  exporterDown: () => equals(exporterUp, 0),
  exporterAbsent: () => `absent(${exporterUp})`,
  sourceDown: () => equals(EXPORTER.sourceUp, 0),
  collectorFailing: () => andOn(equals(EXPORTER.collectorSuccess, 0), BY_TARGET, equals(EXPORTER.sourceUp, 1)),
  pollsStale: (maxAgeSeconds: number) => above(age(EXPORTER.lastSuccessfulPoll), maxAgeSeconds),
  invalidDocuments: (window: Window) =>
    above(sum(increase(EXPORTER.invalidDocuments, window), [...BY_TARGET, 'collection', 'reason']), 0),
  /** Always true: the alerting pipeline's heartbeat. */
  watchdog: () => 'vector(1)',

  // --- the exporter's size and progress -------------------------------------------------------------
  /** Prometheus' scrapes of the exporter take longer than `seconds` (close to the job's scrape_timeout). */
  exporterScrapeSlow: (seconds: number) => above(exporterScrape(PROMETHEUS.scrapeDuration), seconds),
  /** The exporter's scrapes carry more than `samples` samples (close to the job's sample_limit). */
  exporterScrapeLarge: (samples: number) => above(exporterScrape(PROMETHEUS.scrapeSamples), samples),
  /** Collections with entities beyond MAX_ENTITIES_PER_COLLECTION (the exporter writes 0 for the others). */
  entitiesOverLimit: () => above(EXPORTER.entitiesOverLimit, 0),
  /** Scheduled polls skipped in `window` because the previous poll was still running. */
  pollsSkipped: (window: Window) => above(increase(EXPORTER.pollsSkipped, window), 0),
  /** Event collections whose incremental reader is more than `seconds` behind now. */
  eventWatermarkLag: (seconds: number) => above(age(EXPORTER.eventWatermark), seconds),

  // --- Prometheus and Alertmanager themselves (jobs `prometheus` and `alertmanager`) ----------------
  /** Rule groups with failed evaluations in `window` (a rule errors: its alerts cannot fire). */
  ruleEvaluationFailures: (window: Window) => above(increase(PROMETHEUS_SELF.ruleEvaluationFailures, window), 0),
  /** Failed sends per alert sent from Prometheus to each Alertmanager, above `ratio`. */
  prometheusNotificationErrors: (ratio: number, window: Window) =>
    above(
      ratioOf(rate(PROMETHEUS_SELF.notificationErrors, window), rate(PROMETHEUS_SELF.notificationsSent, window)),
      ratio,
    ),
  /** Alerts Prometheus dropped in `window` (its queue overflowed, or no Alertmanager took them). */
  prometheusNotificationsDropped: (window: Window) => above(increase(PROMETHEUS_SELF.notificationsDropped, window), 0),
  /** Alertmanager's share of failed notifications per integration, above `ratio`. */
  alertmanagerNotificationsFailing: (ratio: number, window: Window) =>
    above(
      ratioOf(
        sum(rate(ALERTMANAGER_SELF.notificationsFailed, window), BY_INTEGRATION),
        sum(rate(ALERTMANAGER_SELF.notifications, window), BY_INTEGRATION),
      ),
      ratio,
    ),
  /** Prometheus or Alertmanager whose last configuration reload failed (it runs the previous one). */
  configReloadFailed: () =>
    either(equals(PROMETHEUS_SELF.configReloadSuccessful, 0), equals(ALERTMANAGER_SELF.configReloadSuccessful, 0)),
  /** Prometheus (scraping itself) or Alertmanager does not answer its scrape. */
  monitoringTargetDown: () => equals(select(PROMETHEUS.up, oneOf('job', [PROMETHEUS_JOB, ALERTMANAGER_JOB])), 0),
};

// --- the exporter dashboard: the exporter's own series and Prometheus' about its target (no org) ------

/** What Grafana reads for "nothing there" in the exporter's health stats: a mapped -1, never a blank. */
const NO_TARGET = 'vector(-1)';

/** 1 when every exporter target answered its last scrape, 0 when one did not, -1 when Prometheus scrapes none. */
export const exporterUpOrAbsent = () => either(min(exporterUp), NO_TARGET);
/** 1 when every exporter's last poll reached MongoDB, 0 when one did not, -1 when no exporter reports. */
export const exporterSourceUpOrUnknown = () => either(min(EXPORTER.sourceUp), NO_TARGET);
/** Collectors whose last run failed; 0 when all succeeded, nothing when no exporter reports. */
export const exporterCollectorsFailing = () =>
  either(count(equals(EXPORTER.collectorSuccess, 0)), `${min(EXPORTER.collectorSuccess)} * 0`);
/** Each collector's last run: 1 succeeded, 0 failed (the worst over exporters). */
export const exporterCollectorSuccess = () => min(EXPORTER.collectorSuccess, ['collector']);
/** Seconds each collector's last run took (the slowest over exporters). */
export const exporterCollectorDuration = () => max(EXPORTER.collectorDuration, ['collector']);
/** Seconds since each collector last succeeded (the oldest over exporters). */
export const exporterCollectorSuccessAge = () => max(age(EXPORTER.collectorLastSuccess), ['collector']);
/** Quantile `q` of the whole-poll duration over `window`, from the histogram's buckets. */
export const exporterPollDurationQuantile = (q: number, window: Window) =>
  quantile(q, sum(rate(bucketOf(EXPORTER.pollDuration), window), ['le']));
/** The poll-duration histogram's buckets per second, by `le` (a heatmap). */
export const exporterPollDurationBuckets = (window: Window) =>
  sum(rate(bucketOf(EXPORTER.pollDuration), window), ['le']);
/** Polls run per second, by result (success, partial, failed). */
export const exporterPollsPerSecond = (window: Window) => sum(rate(EXPORTER.polls, window), ['result']);
/** Scheduled polls skipped per second because the previous poll was still running. */
export const exporterSkippedPollsPerSecond = (window: Window) => sum(rate(EXPORTER.pollsSkipped, window));
/** Documents read from MongoDB per second, by collection. */
export const exporterDocumentsReadPerSecond = (window: Window) =>
  sum(rate(EXPORTER.documentsRead, window), ['collection']);
/** Malformed documents met per second, by collection and reason. */
export const exporterInvalidDocumentsPerSecond = (window: Window) =>
  sum(rate(EXPORTER.invalidDocuments, window), ['collection', 'reason']);
/** Fields of the wrong type dropped per second, by collection and field. */
export const exporterInvalidFieldsPerSecond = (window: Window) =>
  sum(rate(EXPORTER.invalidFields, window), ['collection', 'field']);
/** Entities beyond MAX_ENTITIES_PER_COLLECTION without series in the last poll, by collection. */
export const exporterEntitiesOverLimit = () => max(EXPORTER.entitiesOverLimit, ['collection']);
/** Entities over the limit, all collections together. */
export const exporterEntitiesOverLimitTotal = () => sum(exporterEntitiesOverLimit());
/** Seconds the incremental reader of each event collection lags behind now (the furthest behind). */
export const exporterEventWatermarkLag = () => max(age(EXPORTER.eventWatermark), ['collection']);
/** Entity series rendered by the last poll (the largest exporter). */
export const exporterSeries = () => max(EXPORTER.series);
/** Samples Prometheus took from the exporter's last scrape, self-metrics included (the largest target). */
export const exporterSamplesScraped = () => max(exporterScrape(PROMETHEUS.scrapeSamples));
/** Bytes of the pre-rendered entity exposition, by format and encoding. */
export const exporterExpositionBytes = () => max(EXPORTER.expositionBytes, ['format', 'encoding']);
/** Seconds the last poll spent rendering and compressing the exposition. */
export const exporterRenderDuration = () => max(EXPORTER.renderDuration);
/** Seconds Prometheus' last scrape of the exporter took (the slowest target). */
export const exporterScrapeDuration = () => max(exporterScrape(PROMETHEUS.scrapeDuration));
/** The running exporter versions: one series per version and Node.js version. */
export const exporterBuildInfo = () => max(EXPORTER.buildInfo, ['version', 'nodejs_version']);

/** Firing alerts that carry no org (the monitoring's own), each valued with the seconds it has been active. */
export const firingAlertsWithoutOrgActiveFor = () => firingAlertsActiveFor(eq('org_id', ''));

// --- the overview's on-call panels (org-scoped alerts; the exporter's health beside them) ------------

/**
 * Seconds each firing alert of the orgs `s` selects has been active (ALERTS_FOR_STATE's activeAt:
 * since its condition first held, its `for` before it fired), with all the alert's labels and
 * `runbook`, a copy of `alertname` a table maps to the runbook anchor; the arithmetic drops `__name__`.
 */
export const firingAlertsActiveFor = (s: Selector) =>
  copyLabel(
    age(`(${select(PROMETHEUS.alertsSince, s)} and ignoring (alertstate) ${firingAlerts(s)})`),
    'runbook',
    'alertname',
  );

/**
 * 1 when the exporter answers its scrape and its last poll reached MongoDB, 0 when that poll did not,
 * -1 when no exporter answers (its series are stale then, so nothing is known): never a blank.
 */
export const exporterReachesSource = () => either(`${min(EXPORTER.sourceUp)} * ${min(exporterUp)}`, NO_TARGET);

/**
 * Seconds since the last successful poll: the oldest over the exporters that report now, else (every
 * exporter down or gone, their series stale) since the newest poll any exporter reported in `window`.
 */
export const exporterLastPollAge = (window: Window = '24h') =>
  either(max(age(EXPORTER.lastSuccessfulPoll)), age(max(`last_over_time(${EXPORTER.lastSuccessfulPoll}[${window}])`)));
