/**
 * Every alert threshold and `for` duration in one place. The rule files, their tests, the runbooks
 * and the dashboards' threshold steps all read from here.
 */
export const THRESHOLDS = {
  /**
   * `keep_firing_for` of the state alerts (node down, GPU faults, failed entities...): when MongoDB is
   * briefly unreachable the exporter drops the entity series, and a firing alert must not resolve (and
   * page RESOLVED, then wait out its `for` again) over such a gap.
   */
  stateKeepFiringFor: '10m',
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
  /** A node whose status class is provisioning (pending, installing, connecting) this long is stuck. */
  nodeStuckProvisioning: { for: '1h' },
  /** A host reboot (its reported uptime went down) stays visible this long. */
  nodeRebooted: { window: '30m' },
  /** A dcgm-exporter target is down while AIWM says its node is online. */
  dcgmExporterDown: { for: '5m' },
  /** dcgm-exporter reports GPUs whose host name matches no AIWM node. */
  dcgmUnmatched: { for: '30m' },
  /** A node field reads as GB written where AIWM's node agent writes MB (exporter flag). */
  nodeImplausibleValue: { for: '1h' },
  nodeMemory: { warningRatio: 0.9, criticalRatio: 0.97, warningFor: '10m', criticalFor: '5m' },
  /**
   * A deployment failed (failed or error) within `failedWithin` and has not settled since (running,
   * stopping, stopped): `failedWithin` spans a retry, so one flipping failed -> deploying -> failed
   * fires. `ranWithin`: it was running within that window, so it crashed (pages); else a deploy
   * attempt failed (ticket). An hour after a crash the page resolves and the ticket takes over.
   */
  deploymentFailed: { for: '5m', failedWithin: '10m', ranWithin: '1h' },
  /** A deployment queued or deploying this long is stuck (pulling an image and loading weights take minutes). */
  deploymentStuck: { for: '30m' },
  deploymentLatency: { p95Seconds: 10, for: '10m', minRequestsPerSecond: 0.05 },
  deploymentErrors: { ratio: 0.05, for: '10m', minResponsesPerSecond: 0.05 },
  deploymentIdle: { for: '1h' },
  executionFailures: { ratio: 0.2, for: '15m', minCompletions: 5 },
  executionOverdue: { for: '5m' },
  /** At least `minPending` executions of a category waiting for a worker (pending), all along `for`. */
  executionBacklog: { minPending: 10, for: '30m' },
  /** A model failed within `failedWithin` and has not settled since (downloaded, active, inactive). */
  modelFailed: { for: '10m', failedWithin: '15m' },
  /** A model queued for or in its download this long (large weights take hours), or deploying or validating. */
  modelStuck: { downloadFor: '6h', deployFor: '1h' },
  agentErrors: { ratio: 0.1, for: '15m', minTasks: 10 },
  agentBusy: { for: '2h' },
  /** A live agent (active or busy) heartbeats every few seconds: one silent this long is gone. */
  agentHeartbeat: { staleSeconds: 300, for: '5m' },
  /** A VM or container failed within `failedWithin` and has not settled since (running, stopping, stopped). */
  resourceFailed: { for: '10m', failedWithin: '15m' },
  /** A VM or container queued or deploying this long is stuck. */
  resourceStuck: { for: '30m' },
  exporterDown: { for: '2m' },
  exporterAbsent: { for: '5m' },
  sourceDown: { for: '2m' },
  collectorFailing: { for: '10m' },
  pollsStale: { maxAgeSeconds: 300, for: '5m' },
  invalidDocuments: { for: '30m' },
  /**
   * prometheus.yml's `aiwm-exporter` job (deploy/test/compose.test.ts checks both files against these).
   * The scale target, 10k nodes x 8 GPUs with their workloads, renders about 1.1M series (the bench's
   * ~108 per node; `aiwm_exporter_series` tells the real size): the sample limit leaves ~1.8x headroom
   * and stops a label explosion before it takes Prometheus down. Gzipped, a 1M-series scrape takes a
   * few seconds to ingest: the timeout leaves room under the 15 s interval. The alerts warn at `near`
   * of either, long before a scrape fails (over the limit or the timeout Prometheus drops the whole
   * scrape: `up` is 0).
   */
  exporterScrape: { timeoutSeconds: 12, sampleLimit: 2_000_000, near: 0.8, for: '15m' },
  /** Entities beyond MAX_ENTITIES_PER_COLLECTION have no series. */
  entitiesOverLimit: { for: '15m' },
  /** Polls skipped because the previous one still ran: a skip in every `window` for `for`. */
  pollsSkipped: { window: '10m', for: '15m' },
  /**
   * An event reader (executions, conversations, messages) lags now by more than this. Caught up it
   * lags INGEST_LAG plus one poll interval (about 20 s by default).
   */
  eventWatermarkLag: { maxLagSeconds: 600, for: '10m' },
  /** Prometheus fails to evaluate a rule group (its alerts cannot fire). */
  ruleEvaluationFailures: { window: '5m', for: '15m' },
  /** Prometheus fails to send this share of its alerts to an Alertmanager. */
  prometheusNotificationErrors: { ratio: 0.01, window: '5m', for: '15m' },
  /** Prometheus drops alerts (queue full, or no Alertmanager takes them): a drop in every `window` for `for`. */
  prometheusNotificationsDropped: { window: '10m', for: '15m' },
  /** Alertmanager gives up on this share of its notifications to an integration. */
  alertmanagerNotificationsFailing: { ratio: 0.01, window: '5m', for: '15m' },
  /** Prometheus' or Alertmanager's last configuration reload failed: it runs the previous one. */
  configReloadFailed: { for: '10m' },
  /** Prometheus cannot scrape itself or Alertmanager. */
  monitoringTargetDown: { for: '5m' },
} as const;

export type Thresholds = typeof THRESHOLDS;
