/**
 * Words, colours and thresholds of every state a dashboard shows: node states (status class,
 * availability, heartbeat) and the workload and resource state sets, read from the numbers
 * `stateCode` queries write (the 1-based position of the state in the catalog's `states`). Every
 * state has a colour, so a failed or offline entity is never shown green: a state without one throws
 * when the dashboards are built.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  FAILED_EXECUTION_OUTCOMES,
  FAILED_MODEL_STATUSES,
  FAILED_STATUSES,
  M,
  type MetricDef,
} from '../queries/names.js';
import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { loadConfig } from '../exporter/src/config.js';
import type { Cell, Step } from './lib.js';

/** Grafana palette names; grey for states that are neither healthy nor a fault (stopped, inactive). */
const GREEN = 'green';
const RED = 'red';
const BLUE = 'blue';
const ORANGE = 'orange';
const YELLOW = 'yellow';
const PURPLE = 'purple';
const GREY = '#8e8e8e';

const failed = (statuses: readonly string[]) => Object.fromEntries(statuses.map((s) => [s, RED]));

/** Value mappings from a state code to the state's word and colour (0: no state holds). */
function stateMappings(stateSet: MetricDef, colors: Record<string, string>): dashboard.ValueMapping[] {
  const states = stateSet.states ?? [];
  const options: Record<string, dashboard.ValueMappingResult> = { '0': { text: 'unknown', color: GREY, index: 0 } };
  states.forEach((state, i) => {
    const color = colors[state];
    if (!color) throw new Error(`${stateSet.name}: no colour for state ${state}`);
    options[String(i + 1)] = { text: state, color, index: i + 1 };
  });
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

/** The colour of every resource status: running green, on its way blue or yellow, failed red, stopped grey. */
export const RESOURCE_STATE_COLORS: Record<string, string> = {
  queued: 'blue',
  deploying: 'blue',
  running: 'green',
  stopping: 'yellow',
  stopped: '#8e8e8e',
  other: 'purple',
  ...Object.fromEntries(FAILED_STATUSES.map((s) => [s, 'red'])),
};

/** aiwm_resource_status as `workloads.stateCode` writes it. */
export const RESOURCE_STATES = stateMappings(M.resourceStatus, RESOURCE_STATE_COLORS);

export const DEPLOYMENT_STATE_COLORS: Record<string, string> = {
  queued: BLUE,
  deploying: BLUE,
  running: GREEN,
  stopping: YELLOW,
  stopped: GREY,
  other: PURPLE,
  ...failed(FAILED_STATUSES),
};
export const DEPLOYMENT_STATES = stateMappings(M.deploymentStatus, DEPLOYMENT_STATE_COLORS);

export const MODEL_STATE_COLORS: Record<string, string> = {
  queued: BLUE,
  downloading: BLUE,
  downloaded: GREY,
  deploying: BLUE,
  validating: BLUE,
  active: GREEN,
  inactive: GREY,
  other: PURPLE,
  ...failed(FAILED_MODEL_STATUSES),
};
export const MODEL_STATES = stateMappings(M.modelStatus, MODEL_STATE_COLORS);

/** Busy is work in progress (blue); the "busy for hours" alert is its own signal. */
export const AGENT_STATE_COLORS: Record<string, string> = {
  active: GREEN,
  busy: BLUE,
  inactive: GREY,
  suspended: ORANGE,
  other: PURPLE,
};
export const AGENT_STATES = stateMappings(M.agentStatus, AGENT_STATE_COLORS);

/** NaN (a ratio, mean or quantile of nothing: no traffic in the window) shown as words in the text colour. */
export const nanAs = (text: string): dashboard.ValueMapping => ({
  type: dashboard.MappingType.SpecialValue,
  options: { match: dashboard.SpecialValueMatch.NotANumber, result: { text, color: 'text', index: 0 } },
});

/** A table column coloured by thresholds (text colour, red past the alert's threshold), NaN as words. */
export const alertCell = (unit: string, steps: Step[], nan: string): Cell => ({
  unit,
  color: 'text',
  steps,
  mappings: [nanAs(nan)],
});

/** A table column without a health meaning (plain text colour), NaN as words. */
export const plainCell = (unit: string, nan: string): Cell => ({
  unit,
  color: 'text',
  base: 'text',
  steps: [],
  mappings: [nanAs(nan)],
});

// --- nodes ------------------------------------------------------------------------------------------

/**
 * The heartbeat age at which the exporter calls a node's heartbeat stale: its HEARTBEAT_STALE_AFTER
 * default (2m). Not the 300 s poll staleness of the exporter itself.
 */
export const HEARTBEAT_STALE_SECONDS = loadConfig({}).heartbeatStaleAfterMs / 1000;
/** Heartbeat age: stale (orange) from HEARTBEAT_STALE_AFTER on, as the heartbeat state. */
export const HEARTBEAT_AGE_STEPS: Step[] = [{ value: HEARTBEAT_STALE_SECONDS, color: 'orange' }];
export const RAM_STEPS: Step[] = [
  { value: T.nodeMemory.warningRatio, color: 'orange' },
  { value: T.nodeMemory.criticalRatio, color: 'red' },
];

/**
 * The colour of every node state (status class, availability, heartbeat): working green, degraded or
 * stale orange, down, offline or never heartbeated red, maintenance blue. A state without one throws.
 */
export const NODE_STATE_COLORS: Record<string, string> = {
  up: 'green',
  online: 'green',
  fresh: 'green',
  degraded: 'orange',
  stale: 'orange',
  down: 'red',
  offline: 'red',
  never: 'red',
  maintenance: 'blue',
  provisioning: 'purple',
  unknown: '#8e8e8e',
};

/**
 * Value mappings of a node state set: by the state's word (a table column showing the state label),
 * or by its code (nodeStateCode: the 1-based position in the catalog's states) with the word.
 */
export function nodeStateMappings(stateSet: MetricDef, by: 'word' | 'code'): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  (stateSet.states ?? []).forEach((state, i) => {
    const color = NODE_STATE_COLORS[state];
    if (!color) throw new Error(`${stateSet.name}: no colour for state ${state}`);
    if (by === 'word') options[state] = { color, index: i };
    else options[String(i + 1)] = { text: state, color, index: i };
  });
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

// --- executions and alerts --------------------------------------------------------------------------

/** Execution statuses: finished well green, failed or timed out red, cancelled grey, in progress blue. */
export const EXECUTION_STATE_COLORS: Record<string, string> = {
  pending: BLUE,
  running: BLUE,
  completed: GREEN,
  cancelled: GREY,
  ...failed(FAILED_EXECUTION_OUTCOMES),
};

/** Alert severities as Alertmanager routes them: critical pages (red), warning tickets, info informs. */
export const SEVERITY_COLORS: Record<string, string> = { critical: RED, warning: ORANGE, info: BLUE };
