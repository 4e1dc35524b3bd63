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
  /** Rules the test needs besides this area's file (recording rules). */
  needsRecording?: boolean;
}

export interface RuleArea {
  /** File name under alerts/rules and alerts/tests, without extension. */
  file: string;
  title: string;
  groupName: string;
  alerts: AlertRule[];
}
