/**
 * Queries about the monitoring itself: firing alerts, the exporter's scrape and poll health.
 */
import { age, count, eq, equals, above, increase, min, ne, select, sum, andOn, type Window } from './core.js';
import { EXPORTER, EXPORTER_JOB, PROMETHEUS } from './names.js';

/** Firing alerts, the Watchdog heartbeat (severity none) excluded. */
export const firingAlerts = () => select(PROMETHEUS.alerts, eq('alertstate', 'firing'), ne('severity', 'none'));
export const firingAlertsBySeverity = () => count(firingAlerts(), ['severity']);

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
