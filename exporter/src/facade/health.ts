import { z } from 'zod';
import { facade as q } from '../../../queries/index.js';
import type { PromAlert } from './prometheus.js';
import type { FacadeContext } from './route.js';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;

/**
 * Alert types in the seed's dotted style, by alert name (every alert of alerts/rules has one;
 * exporter/test/fast/facade-health.test.ts checks it). An alert without one shows its name.
 */
export const ISSUE_TYPES: Record<string, string> = {
  AIWMNodeDown: 'node.down',
  AIWMNodeMemoryPressure: 'node.memory',
  AIWMNodeStuckProvisioning: 'node.stuck',
  AIWMNodeRebooted: 'node.rebooted',
  AIWMNodeImplausibleValue: 'node.implausible_value',
  AIWMGPUTemperatureHigh: 'node.gpu.temperature',
  AIWMGPUMemoryNearlyFull: 'node.gpu.memory',
  AIWMGPUXidError: 'node.gpu.xid',
  AIWMGPUUncorrectableECC: 'node.gpu.ecc',
  AIWMGPUThrottled: 'node.gpu.throttled',
  AIWMGPUMissing: 'node.gpu.missing',
  AIWMGPUExporterDown: 'node.gpu.exporter_down',
  AIWMGPUUnmatched: 'node.gpu.unmatched',
  AIWMDeploymentFailed: 'deployment.failed',
  AIWMDeploymentStuck: 'deployment.stuck',
  AIWMDeploymentLatencyHigh: 'deployment.latency',
  AIWMDeploymentErrorRatioHigh: 'deployment.errors',
  AIWMDeploymentIdle: 'deployment.idle',
  AIWMExecutionFailureRatioHigh: 'execution.failures',
  AIWMExecutionOverdue: 'execution.overdue',
  AIWMExecutionBacklog: 'execution.backlog',
  AIWMModelFailed: 'model.failed',
  AIWMModelStuck: 'model.stuck',
  AIWMAgentErrorRatioHigh: 'agent.errors',
  AIWMAgentBusyTooLong: 'agent.busy',
  AIWMAgentHeartbeatStale: 'agent.heartbeat',
  AIWMResourceFailed: 'resource.failed',
  AIWMResourceStuck: 'resource.stuck',
  AIWMExporterDown: 'monitoring.exporter_down',
  AIWMExporterAbsent: 'monitoring.exporter_absent',
  AIWMMongoDBSourceDown: 'monitoring.source_down',
  AIWMExporterCollectorFailing: 'monitoring.collector_failing',
  AIWMExporterPollsStale: 'monitoring.polls_stale',
  AIWMExporterInvalidDocuments: 'monitoring.invalid_documents',
  AIWMExporterScrapeSlow: 'monitoring.scrape_slow',
  AIWMExporterScrapeTooLarge: 'monitoring.scrape_too_large',
  AIWMExporterEntitiesOverLimit: 'monitoring.entities_over_limit',
  AIWMExporterPollsSkipped: 'monitoring.polls_skipped',
  AIWMExporterEventWatermarkLag: 'monitoring.watermark_lag',
  AIWMPrometheusRuleFailures: 'monitoring.rule_failures',
  AIWMPrometheusNotificationsFailing: 'monitoring.notifications_failing',
  AIWMPrometheusNotificationsDropped: 'monitoring.notifications_dropped',
  AIWMAlertmanagerNotificationsFailing: 'monitoring.notifications_failing',
  AIWMMonitoringConfigReloadFailed: 'monitoring.config_reload_failed',
  AIWMMonitoringTargetDown: 'monitoring.target_down',
  Watchdog: 'monitoring.watchdog',
};

export const alertSchema = z.object({
  name: z.string(),
  type: z.string(),
  severity: z.string(),
  state: z.string(),
  message: z.string(),
  summary: z.string().nullable(),
  runbookUrl: z.string().nullable(),
  activeAt: z.string().nullable(),
  orgId: z.string().nullable(),
  nodeId: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
});
export type Alert = z.output<typeof alertSchema>;

/**
 * Alerts the caller may see: those labelled with its org; platform-wide ones (exporter, Watchdog)
 * only for platform administrators. From Prometheus' alerts API (with annotations) when the
 * backend has one, else from the ALERTS series (labels only).
 */
export async function visibleAlerts(ctx: FacadeContext): Promise<{ alerts: Alert[]; source: string }> {
  let raw: PromAlert[];
  let source = 'prometheus:/api/v1/alerts';
  try {
    raw = await ctx.prom.alerts();
  } catch {
    source = 'promql:ALERTS';
    const series = await ctx.prom.query(q.activeAlerts());
    raw = series.map((s) => ({ labels: s.metric, annotations: {}, state: s.metric.alertstate ?? 'firing' }));
  }
  const scope = ctx.scope;
  const visible = raw.filter(
    (a) => a.labels.alertname !== 'Watchdog' && (scope.kind === 'all' || a.labels.org_id === scope.orgId),
  );
  return {
    source,
    alerts: visible.map((a) => {
      const { __name__: _n, alertstate: _s, ...labels } = a.labels;
      return {
        name: labels.alertname ?? 'unknown',
        type: ISSUE_TYPES[labels.alertname ?? ''] ?? labels.alertname ?? 'unknown',
        severity: labels.severity ?? 'none',
        state: a.state,
        message: a.annotations.description ?? a.annotations.summary ?? labels.alertname ?? '',
        summary: a.annotations.summary ?? null,
        runbookUrl: a.annotations.runbook_url ?? null,
        activeAt: a.activeAt ?? null,
        orgId: labels.org_id ?? null,
        nodeId: labels.node_id ?? null,
        labels,
      };
    }),
  };
}

export function countBySeverity(alerts: Alert[]): Record<(typeof SEVERITIES)[number], number> {
  const firing = alerts.filter((a) => a.state === 'firing');
  return {
    critical: firing.filter((a) => a.severity === 'critical').length,
    warning: firing.filter((a) => a.severity === 'warning').length,
    info: firing.filter((a) => a.severity === 'info').length,
  };
}

/**
 * systemHealth (0-100): 100, minus 20 per firing critical alert, 5 per warning and 1 per info,
 * never below 0; 0 when the exporter cannot read AIWM's MongoDB (nothing is known then).
 */
export function systemHealth(counts: Record<(typeof SEVERITIES)[number], number>, sourceUp: boolean): number {
  if (!sourceUp) return 0;
  return Math.max(0, 100 - 20 * counts.critical - 5 * counts.warning - counts.info);
}
