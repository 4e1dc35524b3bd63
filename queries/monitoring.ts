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
} from './core.js';
import { EXPORTER, EXPORTER_JOB, M, PROMETHEUS } from './names.js';

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
};
