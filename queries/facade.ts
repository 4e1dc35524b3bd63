/**
 * The JSON facade's queries. Every function takes the caller's org matcher as its selector (plus
 * an entity matcher where a route shows one node, deployment or agent) and, for activity, a window.
 * Figures a recording rule holds come in two forms, chosen by `rules`: the rule (flat cost,
 * whatever the fleet size) or the raw series (a PromQL store without a rule evaluator).
 */
import {
  BY_NODE,
  BY_RESOURCE,
  andOn,
  avg,
  count,
  countOf,
  eq,
  holds,
  increase,
  matchers,
  max,
  ne,
  oneOf,
  quantile,
  rate,
  select,
  sum,
  sumOf,
  bucketOf,
  timesOn,
  type Labels,
  type Selector,
  type Window,
} from './core.js';
import {
  EXPORTER_JOB,
  GPU,
  HOLDING_RESOURCE_STATUSES,
  M,
  PROMETHEUS,
  RULE,
  type GpuSeries,
  type MetricDef,
} from './names.js';
import { onOnlineNodes } from './nodes.js';
import { increaseOver, ratePerSecond } from './workloads.js';

/** Whether the store holds the recording rules' series (facade/rules.ts probes it). */
export type RuleUse = boolean;

/** A recorded series that exists whenever a rule evaluator runs (`... or vector(0)`): the probe. */
export const rulesProbe = () => select(RULE.dcgmUnmatched);

// --- entities --------------------------------------------------------------------------------------

/** The series of one entity kind (info, gauge) as stored, e.g. `aiwm_node_info{org}`. */
export const series = (family: MetricDef, s: Selector) => select(family.name, s);
/** A state set's current state (`x{org} == 1`): one series per entity, its state in `status`. */
export const stateNow = (stateSet: MetricDef, s: Selector) => holds(stateSet.name, s);
/**
 * The current state of the entities on one node: the state set carries no node_id, so it is kept
 * only where the entity's info series (which does) is on the node; the answer is the node's, not the org's.
 */
export const stateOnNode = (stateSet: MetricDef, info: MetricDef, on: Labels, org: Selector, node: Selector) =>
  andOn(stateNow(stateSet, org), on, select(info.name, node));
/** A count family (or gauge) summed by labels, e.g. resources by status and type. */
export const totalsBy = (family: MetricDef, by: Labels, s: Selector) => sum(select(family.name, s), by);
/** Entities of an info series by labels, e.g. deployments per node. */
export const entitiesBy = (info: MetricDef, by: Labels, s: Selector) => count(select(info.name, s), by);
/**
 * The info series of one entity of the caller's org: `entity` carries the org matcher with the id
 * (facade/scope.ts entityMatcher), so another org's entity has no answer, the same as an unknown id.
 */
export const entityInfo = (info: MetricDef, entity: Selector) => select(info.name, entity);
/** A unified per-GPU series. */
export const gpu = (name: GpuSeries, s: Selector) => select(GPU[name], s);

// --- online averages and GPU roll-ups ------------------------------------------------------------

/**
 * Average of a node- or GPU-level series over online nodes: from the per-org sum and count rules
 * (sum / count is exact over any set of orgs, where an average of org averages is not), or raw.
 */
function onlineAverage(raw: string, sumRule: string, countRule: string, s: Selector, rules: RuleUse): string {
  return rules ? `${sum(select(sumRule, s))} / ${sum(select(countRule, s))}` : avg(onOnlineNodes(select(raw, s), s));
}
export const onlineCpu = (s: Selector, rules: RuleUse) =>
  onlineAverage(M.nodeCpuUsage.name, RULE.orgCpuOnlineSum, RULE.orgCpuOnlineCount, s, rules);
export const onlineRam = (s: Selector, rules: RuleUse) =>
  onlineAverage(M.nodeRamUsage.name, RULE.orgRamOnlineSum, RULE.orgRamOnlineCount, s, rules);
export const onlineGpu = (s: Selector, rules: RuleUse) =>
  onlineAverage(GPU.utilization, RULE.orgGpuUtilizationOnlineSum, RULE.orgGpuUtilizationOnlineCount, s, rules);

/** GPUs with utilization above 0: a sum of per-org counts is the fleet's count. */
export const gpusActive = (s: Selector, rules: RuleUse) =>
  rules ? sum(select(RULE.orgGpusActive, s)) : count(`${select(GPU.utilization, s)} > 0`);
/** GPUs by telemetry source (`dcgm`, `aiwm`): `metadata.sources` and the GPU total. */
export const gpusBySource = (s: Selector, rules: RuleUse) =>
  rules ? sum(select(RULE.orgGpusBySource, s), ['source']) : count(select(GPU.info, s), ['source']);
/** Resources by status and type, summed over nodes (the per-org rule, or the per-node counts). */
export const resourcesByStatusAndType = (s: Selector, rules: RuleUse) =>
  rules
    ? sum(select(RULE.orgResourcesByTypeStatus, s), ['status', 'resource_type'])
    : sum(select(M.resources.name, s), ['status', 'resource_type']);
/** Executions by status, summed over categories and types (the per-org rule, or the counts). */
export const executionsByStatus = (s: Selector, rules: RuleUse) =>
  rules ? sum(select(RULE.orgExecutionsByStatus, s), ['status']) : sum(select(M.executions.name, s), ['status']);
/** Nodes by role (a node with several roles counts in each). */
export const nodesByRole = (s: Selector, rules: RuleUse) =>
  rules ? sum(select(RULE.orgNodeRoles, s), ['role']) : count(select(M.nodeRole.name, s), ['role']);

/** Per node: the average utilization and the memory in use of its GPUs (node roll-up rules). */
export const nodeGpuUtilization = (s: Selector, rules: RuleUse) =>
  rules ? select(RULE.nodeGpuUtilization, s) : avg(select(GPU.utilization, s), BY_NODE);
export const nodeGpuMemoryUsed = (s: Selector, rules: RuleUse) =>
  rules ? select(RULE.nodeGpuMemoryUsed, s) : sum(select(GPU.memoryUsed, s), BY_NODE);
/** One node's figures (its selector names the node): average utilization, memory used, hottest GPU. */
export const gpuUtilizationOf = (node: Selector, rules: RuleUse) => avg(nodeGpuUtilization(node, rules));
export const gpuMemoryUsedOf = (node: Selector, rules: RuleUse) => sum(nodeGpuMemoryUsed(node, rules));
export const gpuTemperatureOf = (node: Selector) => max(select(GPU.temperature, node));

// --- activity: counters over a window ---------------------------------------------------------------

/** A counter's increase over `window`, from the rule that records it where there is one and rules run. */
export const increaseOf = (counter: MetricDef, s: Selector, window: Window, rules: RuleUse, by?: Labels) =>
  rules ? increaseOver(counter, s, window, by) : sum(increase(counter.name, window, s), by);
/** The increase of the series of `counter` matching `match` (an outcome) only. */
export const increaseWhere = (counter: MetricDef, match: Selector, s: Selector, window: Window) =>
  sum(increase(counter.name, window, matchers(s, match)));
/** A histogram's observation total (`sum`, e.g. seconds) or count over `window`. */
export const histogramIncrease = (
  histogram: MetricDef,
  part: 'sum' | 'count',
  s: Selector,
  window: Window,
  by?: Labels,
) => sum(increase((part === 'sum' ? sumOf : countOf)(histogram.name), window, s), by);
/** A histogram's observation total or count since the exporter started (all time). */
export const histogramTotal = (histogram: MetricDef, part: 'sum' | 'count', s: Selector) =>
  sum(select((part === 'sum' ? sumOf : countOf)(histogram.name), s));
/** A counter's value since the exporter started (all time). */
export const counterTotal = (counter: MetricDef, s: Selector) => sum(select(counter.name, s));
/** The mean of a histogram's observations in each step of a range query (a latency history). */
export const meanPerStep = (histogram: MetricDef, s: Selector, step: Window) =>
  `${histogramIncrease(histogram, 'sum', s, step)} / ${histogramIncrease(histogram, 'count', s, step)}`;
/** A counter's per-second rate, from the 5-minute rule where there is one and rules run. */
export const rateOf = (counter: MetricDef, s: Selector, window: Window, rules: RuleUse) =>
  rules ? ratePerSecond(counter, s, window) : sum(rate(counter.name, window, s));
/** The `q` quantile of a latency histogram over `window`. */
export const latencyQuantile = (q: number, histogram: MetricDef, s: Selector, window: Window) =>
  quantile(q, sum(rate(bucketOf(histogram.name), window, s), ['le']));

// --- resources and deployments ----------------------------------------------------------------------

/** GPUs allocated to resources that hold capacity (deploying, running, stopping), by GPU mode. */
export const heldGpusByMode = (s: Selector) =>
  sum(
    timesOn(
      select(M.resourceGpus.name, s),
      BY_RESOURCE,
      `(${holds(M.resourceStatus.name, s, oneOf('status', HOLDING_RESOURCE_STATUSES))})`,
    ),
    ['mode'],
  );

/** Running deployments as 1-valued info series (their node_id is what the GPU figures join on). */
const runningDeployments = (s: Selector) =>
  `(${timesOn(select(M.deploymentInfo.name, s), ['org_id', 'deployment_id'], `(${holds(M.deploymentStatus.name, s, eq('status', 'running'))})`)})`;
/** A unified GPU series on the nodes that run a running deployment. */
const onDeploymentNodes = (name: GpuSeries, s: Selector) =>
  `(${andOn(select(GPU[name], s), BY_NODE, runningDeployments(s))})`;
/** GPUs of nodes running a deployment (AIWM does not record which GPU a deployment uses). */
export const gpusOnDeploymentNodes = (s: Selector) => count(onDeploymentNodes('info', s));
/** Their average utilization over online nodes, and their memory in use. */
export const gpuUtilizationOnDeploymentNodes = (s: Selector) =>
  avg(onOnlineNodes(onDeploymentNodes('utilization', s), s));
export const vramOnDeploymentNodes = (s: Selector) => sum(onDeploymentNodes('memoryUsed', s));

// --- nodes and monitoring -----------------------------------------------------------------------------

/** RAM in use on the selected node(s), averaged: the node detail's history. */
export const ramUsedBytes = (s: Selector) =>
  avg(`${select(M.nodeRamUsage.name, s)} * on (${BY_NODE.join(', ')}) ${select(M.nodeRamTotal.name, s)}`);
/** Whether the exporter's scrape target is up. */
export const exporterUp = () => max(select(PROMETHEUS.up, eq('job', EXPORTER_JOB)));
/** Firing and pending alerts from the ALERTS series (a store without the alerts API). */
export const activeAlerts = () => select(PROMETHEUS.alerts, oneOf('alertstate', ['firing', 'pending']));
/** Firing alerts over time, the Watchdog excluded; `s` is '' for platform administrators (platform-wide alerts). */
export const firingAlertHistory = (s: Selector) =>
  select(PROMETHEUS.alerts, eq('alertstate', 'firing'), ne('alertname', 'Watchdog'), s);
/** The average of a gauge over the selected series (one node's CPU usage history). */
export const average = (family: MetricDef, s: Selector) => avg(select(family.name, s));
/** A histogram's observation total or count per series as stored (per agent, all time). */
export const histogramSeries = (histogram: MetricDef, part: 'sum' | 'count', s: Selector) =>
  select((part === 'sum' ? sumOf : countOf)(histogram.name), s);
