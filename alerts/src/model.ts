/** Types for rule definitions: each alert carries its runbook and its promtool test case. */

export type Severity = 'critical' | 'warning' | 'info' | 'none';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface RecordingGroup {
  name: string;
  /** Evaluation interval when not the global one (expensive groups run less often). */
  interval?: string;
  rules: RecordingRule[];
}

export interface Runbook {
  /** What the alert means. */
  meaning: string;
  /** What to check, in order. */
  check: string[];
  /** What to do. */
  act: string[];
}

export interface ExpectedAlert {
  labels: Record<string, string>;
  summary: string;
  description: string;
}

/** A promtool alert_rule_test case (1m input interval). */
export interface AlertCase {
  /** What the case shows (negative cases: why nothing fires). */
  name?: string;
  series: Array<{ series: string; values: string }>;
  /** Before `for` has elapsed: nothing fires (absent for alerts that fire at once, like Watchdog). */
  quietAt?: string;
  /** After: exactly `alerts` fire. */
  firingAt: string;
  alerts: ExpectedAlert[];
}

export interface AlertRule {
  alert: string;
  severity: Severity;
  expr: string;
  for: string;
  /** Labels besides severity (e.g. reason). */
  labels?: Record<string, string>;
  summary: string;
  /** Go template; `$labels` and `$value` as Prometheus renders them. */
  description: string;
  /** Runbook section anchor in docs/runbooks.md; alerts sharing a name share it. */
  anchor: string;
  runbook: Runbook;
  test: AlertCase;
  /**
   * More promtool cases, mostly negative ones (`alerts: []`): below the threshold, low traffic, each
   * status alternative, quiet neighbours, series with extra `job`/`instance` labels, gaps and flapping.
   */
  cases?: AlertCase[];
  /** Rules the test needs besides this area's file (recording rules). */
  needsRecording?: boolean;
  /**
   * Keeps the alert firing this long after its condition stops holding, so a poll gap (MongoDB briefly
   * unreachable: the exporter drops entity series) does not send RESOLVED and restart the `for`.
   */
  keepFiringFor?: string;
  /** The dashboard the `dashboard_url` annotation opens, with the entity's variables taken from the alert's labels. */
  dashboard: AlertDashboard;
  /**
   * Mutants of `expr` (alerts/src/mutants.ts) that no test can kill, each with the reason: e.g. a guard
   * that only matters for series the exporter cannot emit. Keyed by the mutant's id.
   */
  survivingMutants?: Record<string, string>;
}

/** A Grafana dashboard and the variables it needs, each filled from one label of the alert. */
export interface AlertDashboard {
  uid: string;
  /** Grafana variable -> alert label, e.g. `{ node: 'node_id' }`. `org` is always filled from `org_id` when the alert has it. */
  vars?: Record<string, string>;
}

export interface RuleArea {
  /** File name under alerts/rules and alerts/tests, without extension. */
  file: string;
  title: string;
  groupName: string;
  alerts: AlertRule[];
}
