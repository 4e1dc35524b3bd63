/**
 * Every series name a query reads, and the enum subsets several readers share. Exporter series come
 * from the catalog (`M.xxx.name`), recording rules from `RULE` (queries/recording.ts builds them
 * under exactly these names); nothing else in the repository spells a series name for a query.
 */
import { M, type MetricDef } from '../exporter/src/metrics/catalog.js';
import type { NodeAvailability, NodeStatusClass } from '../exporter/src/source/nodes.js';

export { M, type MetricDef };

/** The exporter's own metrics (exporter/src/metrics/self.ts registers them; queries/test checks the names). */
export const EXPORTER = {
  sourceUp: 'aiwm_exporter_source_up',
  collectorSuccess: 'aiwm_exporter_collector_success',
  lastSuccessfulPoll: 'aiwm_exporter_last_successful_poll_timestamp_seconds',
  invalidDocuments: 'aiwm_exporter_invalid_documents_total',
  buildInfo: 'aiwm_exporter_build_info',
  collectorDuration: 'aiwm_exporter_collector_duration_seconds',
  collectorLastSuccess: 'aiwm_exporter_collector_last_success_timestamp_seconds',
  polls: 'aiwm_exporter_polls_total',
  pollsSkipped: 'aiwm_exporter_polls_skipped_total',
  pollDuration: 'aiwm_exporter_poll_duration_seconds',
  documentsRead: 'aiwm_exporter_documents_read_total',
  invalidFields: 'aiwm_exporter_invalid_fields_total',
  entitiesOverLimit: 'aiwm_exporter_entities_over_limit',
  eventWatermark: 'aiwm_exporter_event_watermark_timestamp_seconds',
  renderDuration: 'aiwm_exporter_render_duration_seconds',
  series: 'aiwm_exporter_series',
  expositionBytes: 'aiwm_exporter_exposition_bytes',
} as const;

/** Series Prometheus writes itself (`scrape_*` per scrape target, next to `up`). */
export const PROMETHEUS = {
  up: 'up',
  alerts: 'ALERTS',
  alertsSince: 'ALERTS_FOR_STATE',
  scrapeDuration: 'scrape_duration_seconds',
  scrapeSamples: 'scrape_samples_scraped',
} as const;

/** The exporter's scrape job name in prometheus.yml. */
export const EXPORTER_JOB = 'aiwm-exporter';

/**
 * Prometheus' and Alertmanager's own metrics, as Prometheus 2.42+ and Alertmanager 0.25+ expose them
 * on /metrics (prometheus.yml scrapes both; the end-to-end test checks each name exists).
 */
export const PROMETHEUS_SELF = {
  /** `rule_group="<file>;<group>"` */
  ruleEvaluationFailures: 'prometheus_rule_evaluation_failures_total',
  /** Failed sends of an alert batch, by `alertmanager` (its API URL). */
  notificationErrors: 'prometheus_notifications_errors_total',
  /** Alerts sent, failed sends included, by `alertmanager`. */
  notificationsSent: 'prometheus_notifications_sent_total',
  /** Alerts dropped: the queue was full, or no Alertmanager took them. */
  notificationsDropped: 'prometheus_notifications_dropped_total',
  configReloadSuccessful: 'prometheus_config_last_reload_successful',
} as const;
export const ALERTMANAGER_SELF = {
  /** Notifications given up after their retries, by `integration` (newer releases add `reason`). */
  notificationsFailed: 'alertmanager_notifications_failed_total',
  /** Notifications attempted, by `integration`. */
  notifications: 'alertmanager_notifications_total',
  configReloadSuccessful: 'alertmanager_config_last_reload_successful',
} as const;
/** The scrape jobs of Prometheus itself and of Alertmanager in prometheus.yml. */
export const PROMETHEUS_JOB = 'prometheus';
export const ALERTMANAGER_JOB = 'alertmanager';
/** dcgm-exporter scrape jobs: the job name contains `dcgm` (prometheus.yml). */
export const DCGM_JOB_PATTERN = '.*dcgm.*';

// --- shared enum subsets ---------------------------------------------------------------------------

/** "Failed model": every model status that means it cannot serve (docs/metrics.md, facade, alert). */
export const FAILED_MODEL_STATUSES = ['download-failed', 'deploy-failed', 'error', 'invalid-credentials'] as const;
/** "Failed deployment" and "failed resource". */
export const FAILED_STATUSES = ['failed', 'error'] as const;
/** Resources that hold their allocation (vCPUs, RAM, disk) on a node. */
export const HOLDING_RESOURCE_STATUSES = ['deploying', 'running', 'stopping'] as const;
/** Finished executions that did not succeed. */
export const FAILED_EXECUTION_OUTCOMES = ['failed', 'timeout'] as const;
/** The status classes in which AIWM claims the node works: only these can be "down behind AIWM's back". */
export const CLAIMS_UP: readonly NodeStatusClass[] = ['up', 'degraded'];
/** Heartbeat states that are not evidence of a live node. */
export const HEARTBEAT_MISSING = ['stale', 'never'] as const;
export const ONLINE: NodeAvailability = 'online';

// --- recording rules -------------------------------------------------------------------------------

/** A catalog family's name without the counter suffix: `aiwm_agent_tasks_total` -> `aiwm_agent_tasks`. */
const base = (m: MetricDef) => m.name.replace(/_total$/, '');
/** The unified per-GPU series of a catalog GPU family (dcgm-exporter joined to AIWM, or AIWM's own). */
const unified = (name: string) => `gpu:${name}:unified`;

/** Per-GPU unified series, by what they measure. */
export const GPU = {
  info: unified(M.gpuInfo.name),
  utilization: unified(M.gpuUtilization.name),
  memoryUsed: unified(M.gpuMemoryUsed.name),
  memoryTotal: unified(M.gpuMemoryTotal.name),
  temperature: unified(M.gpuTemperature.name),
  power: unified(M.gpuPower.name),
  // Health signals exist in dcgm-exporter only: no catalog family of the exporter carries them.
  xidLast: unified('aiwm_gpu_xid_last'),
  rowRemapFailure: unified('aiwm_gpu_row_remap_failure'),
  uncorrectableRemappedRows: unified('aiwm_gpu_uncorrectable_remapped_rows'),
  clockEventReasons: unified('aiwm_gpu_clock_event_reasons'),
} as const;
export type GpuSeries = keyof typeof GPU;

/** Recorded deployment latency quantiles (5-minute windows), by percentile. */
const latencyQuantile = (p: number) => `deployment:${M.deploymentLatency.name}:p${p}_5m`;

/** Every recording rule's name (`level:metric:operations`). */
export const RULE = {
  // The dcgm-exporter join.
  nodeOfHost: `hostname:${M.nodeHostname.name}:unique`,
  dcgmGpus: 'hostname_gpu:aiwm_dcgm_gpu_info:group',
  dcgmNodes: 'node:aiwm_dcgm_gpus:count',
  dcgmUnmatchedByHost: 'hostname:aiwm_dcgm_gpus_unmatched:count',
  dcgmUnmatched: 'cluster:aiwm_dcgm_gpus_unmatched:count',
  // Node and org roll-ups.
  nodeGpuUtilization: `node:${M.gpuUtilization.name}:avg`,
  nodeGpuMemoryUsed: `node:${M.gpuMemoryUsed.name}:sum`,
  orgGpuUtilizationOnline: `org:${M.gpuUtilization.name}:avg_online`,
  orgGpusActive: 'org:aiwm_gpus_active:count',
  orgCpuOnline: `org:${M.nodeCpuUsage.name}:avg_online`,
  orgRamOnline: `org:${M.nodeRamUsage.name}:avg_online`,
  // Sums and counts behind the online averages: an average over several orgs is sum / count, never
  // an average of org averages (the facade's platform-wide callers read these).
  orgCpuOnlineSum: `org:${M.nodeCpuUsage.name}:sum_online`,
  orgCpuOnlineCount: `org:${M.nodeCpuUsage.name}:count_online`,
  orgRamOnlineSum: `org:${M.nodeRamUsage.name}:sum_online`,
  orgRamOnlineCount: `org:${M.nodeRamUsage.name}:count_online`,
  orgGpuUtilizationOnlineSum: `org:${M.gpuUtilization.name}:sum_online`,
  orgGpuUtilizationOnlineCount: `org:${M.gpuUtilization.name}:count_online`,
  // Per-org counts of per-entity series, so an overview reads a few series whatever the fleet size.
  orgNodeRoles: `org_role:${M.nodeRole.name}:count`,
  orgGpusBySource: 'org_source:aiwm_gpus:count',
  // aiwm_resources carries node_id: one series per node and state. The overview needs org totals.
  orgResourcesByTypeStatus: `org_type_status:${M.resources.name}:sum`,
  // aiwm_executions carries category and type: the overview needs org totals by status.
  orgExecutionsByStatus: `org_status:${M.executions.name}:sum`,
  // Deployments and agents, 5-minute windows.
  deploymentRequests5m: `deployment:${base(M.deploymentRequests)}:rate5m`,
  deploymentTokens5m: `deployment:${base(M.deploymentTokens)}:rate5m`,
  deploymentResponses5m: `deployment:${base(M.deploymentResponses)}:rate5m`,
  deploymentErrorRatio5m: `deployment:${base(M.deploymentResponses)}:error_ratio_5m`,
  deploymentLatencyBuckets5m: `deployment:${M.deploymentLatency.name}_bucket:rate5m`,
  deploymentLatencyP50: latencyQuantile(50),
  deploymentLatencyP95: latencyQuantile(95),
  deploymentLatencyP99: latencyQuantile(99),
  agentTasks5m: `agent:${base(M.agentTasks)}:rate5m`,
  agentLatencyBuckets5m: `agent:${M.agentLatency.name}_bucket:rate5m`,
  agentLatencyP95: `agent:${M.agentLatency.name}:p95_5m`,
  // 30-minute and 24-hour windows.
  agentTasks30m: `agent:${base(M.agentTasks)}:increase30m`,
  agentFailureRatio30m: `agent:${base(M.agentTaskFailures)}:ratio_30m`,
  executionCompletions30m: `org_category:${base(M.executionCompletions)}:increase30m`,
  executionFailureRatio30m: 'org_category:aiwm_execution_failures:ratio_30m',
  orgDeploymentRequests24h: `org:${base(M.deploymentRequests)}:increase24h`,
  orgAgentTasks24h: `org:${base(M.agentTasks)}:increase24h`,
} as const;

/** The recorded latency quantiles a deployment panel shows, by percentile. */
export const DEPLOYMENT_LATENCY_QUANTILES: ReadonlyArray<{ p: number; record: string }> = [50, 95, 99].map((p) => ({
  p,
  record: latencyQuantile(p),
}));
