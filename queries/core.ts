/**
 * The PromQL grammar every query of this module is written in: selectors, aggregations, joins and
 * range functions. Callers never write PromQL themselves; they pass a selector (label matchers as
 * data) and a window, and get an expression back.
 */

/**
 * Label matchers without braces, e.g. `org_id=~"$org"` (dashboards), `org_id="org-a"` (facade) or
 * `''` (alerts and recording rules: every org).
 */
export type Selector = string;

/** A PromQL range: `5m`, `24h`, or a Grafana macro such as `$__range` and `$__rate_interval`. */
export type Window = string;

/** Every series: alerts and recording rules select across all orgs. */
export const ALL: Selector = '';

/** Joins selectors, skipping empty ones (a caller's `''` adds nothing). */
export const matchers = (...parts: Selector[]): Selector => parts.filter((p) => p !== '').join(', ');

/** `label="value"` */
export const eq = (label: string, value: string): Selector => `${label}="${value}"`;
/** `label!="value"` */
export const ne = (label: string, value: string): Selector => `${label}!="${value}"`;
/** `label=~"a|b"`: one of the values (an enum subset) or a pattern such as a Grafana variable. */
export const oneOf = (label: string, values: readonly string[] | string): Selector =>
  `${label}=~"${typeof values === 'string' ? values : values.join('|')}"`;
/** `label!~"a|b"` */
export const noneOf = (label: string, values: readonly string[]): Selector => `${label}!~"${values.join('|')}"`;

/** The label names a selector matches on. */
export const labelsOf = (s: Selector): string[] =>
  [...s.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);

/** `metric{matchers}`, or the bare name when there are none. */
export function select(metric: string, ...parts: Selector[]): string {
  const m = matchers(...parts);
  return m === '' ? metric : `${metric}{${m}}`;
}

/** The series of a state set (or info series) that hold now: `metric{...} == 1`. */
export const holds = (metric: string, ...parts: Selector[]) => `${select(metric, ...parts)} == 1`;

/** Label lists as PromQL writes them in `by (...)`, `on (...)` and `group_left (...)`. */
export type Labels = readonly string[];
const list = (labels: Labels) => labels.join(', ');

/** The identity of a node, a GPU, and of each workload entity: the join keys of every query. */
export const BY_NODE: Labels = ['org_id', 'node_id'];
export const BY_GPU: Labels = ['org_id', 'node_id', 'gpu'];
export const BY_RESOURCE: Labels = ['org_id', 'resource_id'];
export const BY_MODEL: Labels = ['org_id', 'model_id'];
export const BY_DEPLOYMENT: Labels = ['org_id', 'deployment_id'];
export const BY_AGENT: Labels = ['org_id', 'agent_id'];
export const BY_ORG: Labels = ['org_id'];

type Aggregation = 'sum' | 'count' | 'avg' | 'max' | 'min' | 'group';

/** `op(expr)`, or `op by (labels) (expr)`. */
export const agg = (op: Aggregation, expr: string, by?: Labels) =>
  by ? `${op} by (${list(by)}) (${expr})` : `${op}(${expr})`;
export const sum = (expr: string, by?: Labels) => agg('sum', expr, by);
export const count = (expr: string, by?: Labels) => agg('count', expr, by);
export const avg = (expr: string, by?: Labels) => agg('avg', expr, by);
export const max = (expr: string, by?: Labels) => agg('max', expr, by);
export const min = (expr: string, by?: Labels) => agg('min', expr, by);

/** An absent result reads 0 (a count of nothing is 0, not "no data"). */
export const orZero = (expr: string) => `${expr} or vector(0)`;

export const rate = (metric: string, window: Window, ...parts: Selector[]) =>
  `rate(${select(metric, ...parts)}[${window}])`;
export const increase = (metric: string, window: Window, ...parts: Selector[]) =>
  `increase(${select(metric, ...parts)}[${window}])`;

/** The parts Prometheus stores for a histogram. */
export const bucketOf = (histogram: string) => `${histogram}_bucket`;
export const sumOf = (histogram: string) => `${histogram}_sum`;
export const countOf = (histogram: string) => `${histogram}_count`;

export const quantile = (q: number, buckets: string) => `histogram_quantile(${q}, ${buckets})`;

/** Seconds since a Unix time series. */
export const age = (timestamps: string) => `time() - ${timestamps}`;

/** Copies label `from` into `to` (e.g. a state set's `status` into a table column `state`). */
export const copyLabel = (expr: string, to: string, from: string) =>
  `label_replace(${expr}, "${to}", "$1", "${from}", "(.*)")`;
/** Sets label `name` to `value` on every series of `expr`. */
export const setLabel = (expr: string, name: string, value: string) =>
  `label_replace(${expr}, "${name}", "${value}", "", "")`;

/** A label that is always there: `or on ()` adds `<label>="none"` only when `expr` is empty. */
export const orNone = (expr: string, label: string) => `${expr} or on () ${setLabel('vector(0)', label, 'none')}`;

/** True when `expr` is one parenthesised group, e.g. `(a == 1)` but not `(a) and (b)`. */
function isOneGroup(expr: string): boolean {
  if (!expr.startsWith('(') || !expr.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '(') depth++;
    else if (expr[i] === ')') depth--;
    if (depth === 0 && i < expr.length - 1) return false;
  }
  return true;
}

/** Parenthesises an expression with operators, so a join binds to all of it (`*` binds before `and`). */
export const grouped = (expr: string) => (/\s/.test(expr) && !isOneGroup(expr) ? `(${expr})` : expr);

/** `left * on (on) group_left (labels) right`: multiplies by a 1-valued vector, adding its `labels`. */
export const timesOn = (left: string, on: Labels, right: string, labels: Labels = []) =>
  `${left} * on (${list(on)}) group_left (${list(labels)}) ${right}`;

/** `left and on (on) right`: keeps `left` where `right` has a series. */
export const andOn = (left: string, on: Labels, right: string) => `${left} and on (${list(on)}) ${right}`;

/** `left unless on (on) right`: drops `left` where `right` has a series. */
export const unlessOn = (left: string, on: Labels, right: string) => `${left} unless on (${list(on)}) ${right}`;

/**
 * Adds `labels` from an info series. The `max by` collapses duplicate info series (a label that
 * changed between two scrapes, two exporters) so the many-to-one join cannot fail.
 */
export const joinInfo = (expr: string, on: Labels, labels: Labels, info: string) =>
  timesOn(grouped(expr), on, max(info, [...on, ...labels]), labels);

/** `expr` where bit `k` of its (integer) value is set, e.g. bit 5 = 0x20. */
export const bitSet = (expr: string, k: number) => `floor(${expr} / ${2 ** k}) % 2 == 1`;

/** `expr`, keeping its value, where any of `bits` is set. */
export const anyBitSet = (expr: string, bits: readonly number[]) =>
  `${expr} and (${bits.map((k) => bitSet(expr, k)).join(' or ')})`;

/** Comparisons keep the left value where they hold (`expr > 0.9`). */
export const above = (expr: string, threshold: number | string) => `${expr} > ${threshold}`;
export const atLeast = (expr: string, threshold: number | string) => `${expr} >= ${threshold}`;
export const equals = (expr: string, value: number | string) => `${expr} == ${value}`;

/** Either expression's series (`a or b`). */
export const either = (...exprs: string[]) => exprs.join(' or ');

/** Grafana variable queries (templating), not PromQL: `label_values(...)` and `query_result(...)`. */
export const labelValues = (metric: string, label: string, ...parts: Selector[]) =>
  `label_values(${select(metric, ...parts)}, ${label})`;
export const queryResult = (expr: string) => `query_result(${expr})`;
