/**
 * Every alert threshold and `for` duration in one place. The rule files, their tests, the runbooks
 * and the dashboards' threshold steps all read from here.
 */
export const THRESHOLDS = {
  /** AIWM's own node status says offline, or the heartbeat is stale while it says online. */
  nodeDown: { for: '3m' },
  /** Hot GPUs, in the spirit of common DCGM practice (datacenter GPUs throttle around 85-90 C). */
  gpuTemperature: { warningCelsius: 80, criticalCelsius: 90, warningFor: '5m', criticalFor: '2m' },
  gpuMemory: { warningRatio: 0.95, for: '15m' },
  nodeMemory: { warningRatio: 0.9, criticalRatio: 0.97, warningFor: '10m', criticalFor: '5m' },
  deploymentFailed: { for: '5m' },
  deploymentLatency: { p95Seconds: 10, for: '10m', minRequestsPerSecond: 0.05 },
  deploymentErrors: { ratio: 0.05, for: '10m', minResponsesPerSecond: 0.05 },
  deploymentIdle: { for: '1h' },
  executionFailures: { ratio: 0.2, for: '15m', minCompletions: 5 },
  executionOverdue: { for: '5m' },
  modelFailed: { for: '10m' },
  agentErrors: { ratio: 0.1, for: '15m', minTasks: 10 },
  agentBusy: { for: '2h' },
  resourceFailed: { for: '10m' },
  exporterDown: { for: '2m' },
  exporterAbsent: { for: '5m' },
  sourceDown: { for: '2m' },
  collectorFailing: { for: '10m' },
  pollsStale: { maxAgeSeconds: 300, for: '5m' },
  invalidDocuments: { for: '30m' },
} as const;

export type Thresholds = typeof THRESHOLDS;

/** Where runbook links point (docs/runbooks.md as published with the repository). */
export const RUNBOOK_BASE_URL = 'https://github.com/aiwm/aiwm-observability/blob/main/docs/runbooks.md';
