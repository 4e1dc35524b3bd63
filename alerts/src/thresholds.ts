/**
 * Every alert threshold and `for` duration in one place. The rule files, their tests, the runbooks
 * and the dashboards' threshold steps all read from here.
 */
export const THRESHOLDS = {
  /**
   * The node's status class is down, or AIWM records it up/degraded while its heartbeat is stale or it
   * never sent one (the exporter's aiwm_node_availability="offline").
   */
  nodeDown: { for: '3m' },
  /** Hot GPUs, in the spirit of common DCGM practice (datacenter GPUs throttle around 85-90 C). */
  gpuTemperature: { warningCelsius: 80, criticalCelsius: 90, warningFor: '5m', criticalFor: '2m' },
  gpuMemory: { warningRatio: 0.95, for: '15m' },
  /**
   * Xid codes after which NVIDIA's Xid catalog and GPU debug guidelines call for a GPU reset, a node
   * drain or a service call (critical); any other non-zero code is a warning. 48 double-bit ECC,
   * 61/62 internal micro-controller breakpoint/halt, 63/64 row-remapping event/failure, 74 NVLink,
   * 79 fallen off the bus, 94/95 contained/uncontained ECC, 119/120 GSP RPC timeout/error,
   * 140 unrecovered ECC, 154 recovery action changed (reset or reboot required).
   */
  gpuXid: { resetCodes: [48, 61, 62, 63, 64, 74, 79, 94, 95, 119, 120, 140, 154], for: '1m' },
  /** Row remapping failed (critical), or rows were remapped after uncorrectable errors (warning). */
  gpuRowRemap: { failureFor: '1m', remappedRowsAbove: 0, remappedRowsFor: '5m' },
  /**
   * Clock-event reason bits (DCGM_CLOCKS_EVENT_REASON_*): thermal = SW thermal 0x20 (bit 5) or HW
   * thermal 0x40 (bit 6); hardware slowdown = HW slowdown 0x08 (bit 3) or HW power brake 0x80 (bit 7).
   * SW power cap (0x04) is left out: a GPU at its power limit under full load is normal.
   */
  gpuThrottle: { thermalBits: [5, 6], hardwareSlowdownBits: [3, 7], for: '10m' },
  /** AIWM lists more GPUs on a node than dcgm-exporter reports there. */
  gpuMissing: { for: '10m' },
  /** A dcgm-exporter target is down while AIWM says its node is online. */
  dcgmExporterDown: { for: '5m' },
  /** dcgm-exporter reports GPUs whose host name matches no AIWM node. */
  dcgmUnmatched: { for: '30m' },
  /** A node field reads as GB written where AIWM's node agent writes MB (exporter flag). */
  nodeImplausibleValue: { for: '1h' },
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
