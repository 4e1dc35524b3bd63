/**
 * Workload queries: resources, models, deployments, agents and executions. Counts by a label, activity
 * over a window, rates, ratios, and the alert conditions. A figure a recording rule already computes
 * reads the rule (5-minute rates and quantiles, 30-minute ratios, 24-hour totals).
 */
import {
  BY_AGENT,
  BY_DEPLOYMENT,
  BY_MODEL,
  BY_NODE,
  BY_RESOURCE,
  age,
  andOn,
  labelsOf,
  atLeast,
  avg,
  above,
  bucketOf,
  copyLabel,
  count,
  countOf,
  eq,
  holds,
  grouped,
  increase,
  joinInfo,
  matchers,
  max,
  oneOf,
  quantile,
  rate,
  select,
  sum,
  sumOf,
  timesOn,
  unlessOn,
  type Labels,
  type Selector,
  type Window,
} from './core.js';
import type { MetricDef } from '../exporter/src/metrics/catalog.js';
import {
  FAILED_MODEL_STATUSES,
  FAILED_STATUSES,
  GPU,
  HOLDING_RESOURCE_STATUSES,
  M,
  RULE,
  type GpuSeries,
} from './names.js';
import { recordedWindow } from './recording.js';

// --- generic: counts, activity, rates ----------------------------------------------------------------

/** The sum of a count family (`aiwm_nodes`, `aiwm_models`, ...) or gauge, over the selected orgs. */
export const total = (family: MetricDef, s: Selector) => sum(select(family.name, s));
/** A count family by one of its labels (`status`, `resource_type`, ...). */
export const totalBy = (family: MetricDef, label: string, s: Selector) => sum(select(family.name, s), [label]);
/** The sum of a count family over its series matching `match` (optionally by labels). */
export const totalWhere = (family: MetricDef, match: Selector, s: Selector, by?: Labels) =>
  sum(select(family.name, s, match), by);
/** Entities of an info series by one of its labels (deployments per model, ...). */
export const countBy = (info: MetricDef, label: string, s: Selector) => count(select(info.name, s), [label]);
/** Entities of an info series per node. */
export const countPerNode = (info: MetricDef, s: Selector) => countBy(info, 'node_id', s);
/** Per entity: the value of a gauge as a table column. */
export const perEntity = (family: MetricDef, s: Selector) => select(family.name, s);

/**
 * A counter's increase over `window`, summed (optionally `by`). Where a recording rule holds that
 * increase for the labels the selector and `by` use (e.g. requests per org over 24h), it reads the rule.
 */
export function increaseOver(counter: MetricDef, s: Selector, window: Window, by?: Labels): string {
  const recorded = recordedWindow('increase', counter.name, window, [...labelsOf(s), ...(by ?? [])]);
  return recorded ? sum(select(recorded, s), by) : sum(increase(counter.name, window, s), by);
}

/** The increase over `window` of the series of `counter` matching `match` only. */
export const increaseWhere = (counter: MetricDef, match: Selector, s: Selector, window: Window) =>
  sum(increase(counter.name, window, matchers(s, match)));

/** A counter's per-second rate, summed (optionally by a label); a recorded rate where there is one. */
export function ratePerSecond(counter: MetricDef, s: Selector, window: Window, by?: Labels): string {
  const recorded = recordedWindow('rate', counter.name, window, [...labelsOf(s), ...(by ?? [])]);
  return recorded ? sum(select(recorded, s), by) : sum(rate(counter.name, window, s), by);
}

/** The mean of a histogram's observations over `window` (seconds for latencies and durations). */
export const meanOver = (histogram: MetricDef, s: Selector, window: Window) =>
  `${sum(increase(sumOf(histogram.name), window, s))} / ${sum(increase(countOf(histogram.name), window, s))}`;

/** Share of `all` that matched `match` over `window` (success rate, completed share). */
export const shareOver = (counter: MetricDef, match: Selector, s: Selector, window: Window) =>
  `${increaseWhere(counter, match, s, window)} / ${increaseOver(counter, s, window)}`;

/** Share of `all` that is not in `failures` over `window` (task success rate). */
export const successShare = (failures: MetricDef, all: MetricDef, s: Selector, window: Window) =>
  `1 - ${increaseOver(failures, s, window)} / ${increaseOver(all, s, window)}`;

/** `part / all` over `window` (retry rate). */
export const ratioOver = (part: MetricDef, all: MetricDef, s: Selector, window: Window) =>
  `${increaseOver(part, s, window)} / ${increaseOver(all, s, window)}`;

/** A state set's current state as a `state` label (a table column; `status` would clash with others). */
export const stateColumn = (stateSet: MetricDef, s: Selector) => copyLabel(holds(stateSet.name, s), 'state', 'status');

// --- resources -----------------------------------------------------------------------------------

/** An allocation (vCPUs, RAM, disk) summed over the resources that hold it (deploying, running, stopping). */
export const allocationHeld = (allocation: MetricDef, s: Selector) =>
  sum(
    timesOn(
      select(allocation.name, s),
      BY_RESOURCE,
      `(${holds(M.resourceStatus.name, oneOf('status', HOLDING_RESOURCE_STATUSES))})`,
    ),
  );

/** A resource's info or state, for the resources on a node (the node's selector is `onNode`). */
export const resourcesOnNode = (onNode: Selector) => select(M.resourceInfo.name, onNode);
export const resourceStateOnNode = (onNode: Selector) =>
  andOn(copyLabel(holds(M.resourceStatus.name), 'state', 'status'), BY_RESOURCE, resourcesOnNode(onNode));

// --- deployments ---------------------------------------------------------------------------------

/** The deployments on a node and their state (the node's selector is `onNode`). */
export const deploymentsOnNode = (onNode: Selector) => select(M.deploymentInfo.name, onNode);
export const deploymentStateOnNode = (onNode: Selector) =>
  andOn(copyLabel(holds(M.deploymentStatus.name), 'state', 'status'), BY_DEPLOYMENT, deploymentsOnNode(onNode));

/** Deployments in a state (running, ...), as 1-valued info series. */
const deploymentsIn = (status: string, s: Selector) =>
  `(${timesOn(select(M.deploymentInfo.name, s), BY_DEPLOYMENT, `(${holds(M.deploymentStatus.name, eq('status', status))})`)})`;

/** GPUs reported on nodes that run a running deployment (AIWM does not record which GPU a deployment uses). */
export const gpusOnDeploymentNodes = (s: Selector) =>
  count(andOn(select(GPU.info, s), BY_NODE, deploymentsIn('running', s)));
/** GPU memory in use on the nodes running deployments. */
export const vramOnDeploymentNodes = (s: Selector) =>
  sum(andOn(select(RULE.nodeGpuMemoryUsed, s), BY_NODE, deploymentsIn('running', s)));
/** A unified GPU series on the node a deployment runs on (the deployment's selector is `deployment`). */
export const gpuOfDeploymentNode = (name: GpuSeries, s: Selector, deployment: Selector) =>
  andOn(select(GPU[name], s), BY_NODE, select(M.deploymentInfo.name, deployment));

/** Recorded 5-minute figures per deployment, with the deployment's name for legends. */
const withDeploymentName = (series: string) =>
  timesOn(series, BY_DEPLOYMENT, M.deploymentInfo.name, ['deployment_name']);
export const requestRateByDeployment = (s: Selector) => withDeploymentName(select(RULE.deploymentRequests5m, s));
export const latencyP95ByDeployment = (s: Selector) => withDeploymentName(select(RULE.deploymentLatencyP95, s));
/** A recorded latency quantile (`record` from DEPLOYMENT_LATENCY_QUANTILES), 5-minute windows. */
export const deploymentLatencyQuantile = (record: string, s: Selector) => select(record, s);
export const deploymentErrorRatio = (s: Selector) => select(RULE.deploymentErrorRatio5m, s);
/** Cost in US dollars per hour. */
export const costPerHour = (s: Selector, window: Window) => `${ratePerSecond(M.deploymentCost, s, window)} * 3600`;
/** The latency quantile `q` of every selected deployment together, from the recorded buckets. */
export const deploymentLatencyOverall = (q: number, s: Selector) =>
  quantile(q, sum(select(RULE.deploymentLatencyBuckets5m, s), ['le']));

// --- agents --------------------------------------------------------------------------------------

const withAgentName = (series: string) => timesOn(series, BY_AGENT, M.agentInfo.name, ['agent_name']);
export const taskRateByAgent = (s: Selector) => withAgentName(select(RULE.agentTasks5m, s));
export const latencyP95ByAgent = (s: Selector) => withAgentName(select(RULE.agentLatencyP95, s));
export const agentLatencyP95 = (s: Selector) => select(RULE.agentLatencyP95, s);
export const agentFailureRatio = (s: Selector) => select(RULE.agentFailureRatio30m, s);
/** Unix time of each agent's last task, in milliseconds (Grafana's "time ago" unit). */
export const lastTaskMillis = (s: Selector) => `${select(M.agentLastTask.name, s)} * 1000`;

// --- executions ----------------------------------------------------------------------------------

/** The `q` quantile of execution durations by category. */
export const executionDurationQuantile = (q: number, s: Selector, window: Window) =>
  quantile(q, sum(rate(bucketOf(M.executionDuration.name), window, s), ['category', 'le']));
/** Average progress of running executions by category. */
export const runningProgress = (s: Selector) => avg(select(M.executionProgress.name, s), ['category']);

// --- alerts --------------------------------------------------------------------------------------

/**
 * An entity's info labels with its node's name: one series per entity (`key`), carrying `labels` and
 * `node_name` where its node has an aiwm_node_info series, without `node_name` where it has no node or
 * the node is unknown (`or on`). The `max by` on both info sides collapses duplicate info series (two
 * exporters, a restart overlap, a label that changed between two polls).
 */
function infoWithNodeName(info: string, key: Labels, labels: Labels): string {
  const own = max(info, [...key, ...labels]);
  return `${joinInfo(own, BY_NODE, ['node_name'], M.nodeInfo.name)} or on (${key.join(', ')}) ${own}`;
}

/** Deployment alerts: the deployment's name, its node's id (node-down inhibition) and name. */
const DEPLOYMENT_NAMES: Labels = ['deployment_name', 'node_id', 'node_name'];
const withDeploymentNames = (expr: string) =>
  joinInfo(
    expr,
    BY_DEPLOYMENT,
    DEPLOYMENT_NAMES,
    infoWithNodeName(M.deploymentInfo.name, BY_DEPLOYMENT, ['deployment_name', 'node_id']),
  );
/** Resource alerts: name, type, node id (node-down inhibition) and node name. */
const withResourceNames = (expr: string) =>
  joinInfo(
    expr,
    BY_RESOURCE,
    ['resource_name', 'resource_type', 'node_id', 'node_name'],
    infoWithNodeName(M.resourceInfo.name, BY_RESOURCE, ['resource_name', 'resource_type', 'node_id']),
  );
const withAgentInfo = (expr: string) => joinInfo(expr, BY_AGENT, ['agent_name'], M.agentInfo.name);
/** Agent alerts that concern the agent's host: also its node's id and name. */
const withAgentNodeNames = (expr: string) =>
  joinInfo(
    expr,
    BY_AGENT,
    ['agent_name', 'node_id', 'node_name'],
    infoWithNodeName(M.agentInfo.name, BY_AGENT, ['agent_name', 'node_id']),
  );

const statusMatch = (statuses: readonly string[]) =>
  statuses.length === 1 ? eq('status', statuses[0]!) : oneOf('status', statuses);
/** `f_over_time(metric{...}[window])` */
const overTime = (f: 'max' | 'min', metric: string, window: Window, ...parts: Selector[]) =>
  `${f}_over_time(${select(metric, ...parts)}[${window}])`;

/**
 * The entities (`key`) of a state set in one of `statuses` now, once per entity and status whatever
 * scrape labels the series carry (two exporters give one alert, not two).
 */
const inStatus = (stateSet: MetricDef, key: Labels, statuses: readonly string[]) =>
  `${max(select(stateSet.name, statusMatch(statuses)), [...key, 'status'])} == 1`;
/** The entities in one of `statuses` now, without the status: a move between them keeps one alert. */
const inAnyOf = (stateSet: MetricDef, key: Labels, statuses: readonly string[]) =>
  `${max(select(stateSet.name, statusMatch(statuses)), key)} == 1`;

/**
 * Entities that were in one of the `failed` states at some point within `window` and have not settled
 * since (they are not in one of the `settled` states now): a failed entity, and one that flips between
 * failed and retrying (failed, deploying, failed, ...) whose failed spells are each shorter than the
 * alert's `for` (kubernetes-mixin's KubePodCrashLooping reads its state the same way). Per entity and
 * failed state, so the `status` label stays put while the entity flips.
 */
const failingWithin = (
  stateSet: MetricDef,
  key: Labels,
  failed: readonly string[],
  settled: readonly string[],
  window: Window,
) =>
  unlessOn(
    `${max(overTime('max', stateSet.name, window, statusMatch(failed)), [...key, 'status'])} == 1`,
    key,
    `${select(stateSet.name, statusMatch(settled))} == 1`,
  );

/** Deployment states after which a failure is over: it serves again, or someone stopped it. */
export const SETTLED_DEPLOYMENT_STATUSES = ['running', 'stopping', 'stopped'] as const;
/** Model states after which a failure is over: downloaded, serving, or switched off. */
export const SETTLED_MODEL_STATUSES = ['downloaded', 'active', 'inactive'] as const;
/** Resource states after which a failure is over. */
export const SETTLED_RESOURCE_STATUSES = ['running', 'stopping', 'stopped'] as const;
/** Transitions that must end: a deployment or a resource waiting or starting. */
export const DEPLOYMENT_TRANSITIONS = ['queued', 'deploying'] as const;
export const RESOURCE_TRANSITIONS = ['queued', 'deploying'] as const;
/** A model's download (queued for it, or downloading) and its deployment or validation. */
export const MODEL_DOWNLOAD_TRANSITIONS = ['queued', 'downloading'] as const;
export const MODEL_DEPLOY_TRANSITIONS = ['deploying', 'validating'] as const;
/** Agent states in which AIWM expects the agent to heartbeat (the fleet's live agents). */
export const LIVE_AGENT_STATUSES = ['active', 'busy'] as const;

const deploymentFailing = (window: Window) =>
  failingWithin(M.deploymentStatus, BY_DEPLOYMENT, FAILED_STATUSES, SETTLED_DEPLOYMENT_STATUSES, window);
/** Deployments that were running at some point within `window`. */
const deploymentRan = (window: Window) =>
  `${overTime('max', M.deploymentStatus.name, window, eq('status', 'running'))} == 1`;

/** The workload alert conditions, as functions of their thresholds. */
export const WORKLOAD_ALERT = {
  /** Failing deployments (failedWithin: see failingWithin) that were running within `ranWithin`: a crash. */
  deploymentCrashed: (failedWithin: Window, ranWithin: Window) =>
    withDeploymentNames(andOn(deploymentFailing(failedWithin), BY_DEPLOYMENT, deploymentRan(ranWithin))),
  /** Failing deployments that were not running within `ranWithin`: a deploy attempt failed (or an old crash). */
  deploymentDeployFailed: (failedWithin: Window, ranWithin: Window) =>
    withDeploymentNames(unlessOn(deploymentFailing(failedWithin), BY_DEPLOYMENT, deploymentRan(ranWithin))),
  /** Deployments queued or deploying (one alert across both). */
  deploymentInTransition: () => withDeploymentNames(inAnyOf(M.deploymentStatus, BY_DEPLOYMENT, DEPLOYMENT_TRANSITIONS)),
  deploymentLatencyAbove: (seconds: number, minRate: number) =>
    withDeploymentNames(
      andOn(above(RULE.deploymentLatencyP95, seconds), BY_DEPLOYMENT, above(RULE.deploymentResponses5m, minRate)),
    ),
  /** The recorded error ratio divides by the response rate: the low-traffic gate (minRate > 0) also keeps it from 0/0. */
  deploymentErrorsAbove: (ratio: number, minRate: number) =>
    withDeploymentNames(
      andOn(above(RULE.deploymentErrorRatio5m, ratio), BY_DEPLOYMENT, above(RULE.deploymentResponses5m, minRate)),
    ),
  deploymentIdle: () =>
    withDeploymentNames(
      andOn(
        inStatus(M.deploymentStatus, BY_DEPLOYMENT, ['running']),
        BY_DEPLOYMENT,
        `${RULE.deploymentRequests5m} == 0`,
      ),
    ),
  /** The recorded failure ratio divides by the completions: the gate (minCompletions > 0) also keeps it from 0/0. */
  executionFailuresAbove: (ratio: number, minCompletions: number) =>
    andOn(
      above(RULE.executionFailureRatio30m, ratio),
      ['org_id', 'category'],
      atLeast(RULE.executionCompletions30m, minCompletions),
    ),
  executionsOverdue: () => above(max(M.executionOverdue.name, ['org_id', 'category']), 0),
  /** Executions waiting for a worker (status pending), all types of a category together. */
  executionsPendingAtLeast: (count: number) =>
    atLeast(sum(select(M.executions.name, eq('status', 'pending')), ['org_id', 'category']), count),
  modelFailing: (failedWithin: Window) =>
    joinInfo(
      failingWithin(M.modelStatus, BY_MODEL, FAILED_MODEL_STATUSES, SETTLED_MODEL_STATUSES, failedWithin),
      BY_MODEL,
      ['model_name'],
      M.modelInfo.name,
    ),
  /** Models in one of `statuses` (a transition), one alert across them. */
  modelInTransition: (statuses: readonly string[]) =>
    joinInfo(inAnyOf(M.modelStatus, BY_MODEL, statuses), BY_MODEL, ['model_name'], M.modelInfo.name),
  /** The recorded failure ratio divides by the tasks: the gate (minTasks > 0) also keeps it from 0/0. */
  agentErrorsAbove: (ratio: number, minTasks: number) =>
    withAgentInfo(andOn(above(RULE.agentFailureRatio30m, ratio), BY_AGENT, atLeast(RULE.agentTasks30m, minTasks))),
  agentBusy: () => withAgentInfo(inStatus(M.agentStatus, BY_AGENT, ['busy'])),
  /** Seconds since the last heartbeat of agents AIWM records as live (active or busy), above `seconds`. */
  agentHeartbeatOlderThan: (seconds: number) =>
    withAgentNodeNames(
      andOn(
        above(age(max(M.agentHeartbeat.name, BY_AGENT)), seconds),
        BY_AGENT,
        `${select(M.agentStatus.name, statusMatch(LIVE_AGENT_STATUSES))} == 1`,
      ),
    ),
  resourceFailing: (failedWithin: Window) =>
    withResourceNames(
      failingWithin(M.resourceStatus, BY_RESOURCE, FAILED_STATUSES, SETTLED_RESOURCE_STATUSES, failedWithin),
    ),
  resourceInTransition: () => withResourceNames(inAnyOf(M.resourceStatus, BY_RESOURCE, RESOURCE_TRANSITIONS)),
};

// --- dashboard tables, states and heatmaps ----------------------------------------------------------

/** The key of the execution families: one org and category (a table row). */
export const BY_EXECUTION_CATEGORY: Labels = ['org_id', 'category'];

/**
 * A state set's current state as a number per entity (`by`): the 1-based position of the state in
 * `stateSet.states`, 0 when none holds. Dashboards map the numbers back to words and colours, so a
 * stat, a table cell or a state timeline is coloured by the state itself.
 */
export function stateCode(stateSet: MetricDef, by: Labels, s: Selector): string {
  const label = stateSet.stateLabel ?? 'status';
  const codes = (stateSet.states ?? []).map((state, i) => `${select(stateSet.name, s, eq(label, state))} * ${i + 1}`);
  return sum(codes.join(' or '), by);
}

/** An info series as table columns: one row per entity with `labels`, without `__name__` (Grafana's merge joins on the rest). */
export const infoColumns = (info: MetricDef, labels: Labels, s: Selector) => max(select(info.name, s), labels);
/** A gauge or a recorded figure per entity as a table column, without `__name__` (NaN, 0/0 without traffic, stays: cells map it). */
export const valueColumn = (series: string, by: Labels, s: Selector) => max(select(series, s), by);

/**
 * Table rows join on the entity id alone: activity series carry the org of the conversation, which
 * can differ from the entity's own, and Grafana's merge would show such an entity once per org.
 */
export const BY_MODEL_ID: Labels = ['model_id'];
export const BY_DEPLOYMENT_ID: Labels = ['deployment_id'];
export const BY_AGENT_ID: Labels = ['agent_id'];
/** A table column kept to the entities of the selected orgs (`info`'s series), joined on `by` (the entity id). */
export const rowsOf = (column: string, info: MetricDef, by: Labels, s: Selector) =>
  andOn(grouped(column), by, select(info.name, s));
/** Deployments per model (a models table column). */
export const deploymentsPerModel = (s: Selector) => count(select(M.deploymentInfo.name, s), BY_MODEL_ID);
/** The `q` latency quantile per deployment over 5 minutes, from the selected orgs' recorded buckets (a table column). */
export const deploymentLatencyColumn = (q: number, s: Selector) =>
  rowsOf(
    quantile(q, sum(select(RULE.deploymentLatencyBuckets5m, s), [...BY_DEPLOYMENT_ID, 'le'])),
    M.deploymentInfo,
    BY_DEPLOYMENT_ID,
    s,
  );
/** Failed share of responses per deployment over 5 minutes, the selected orgs' together (a table column); NaN without traffic. */
export function deploymentErrorRatioColumn(s: Selector): string {
  const responses = sum(select(RULE.deploymentResponses5m, s), BY_DEPLOYMENT_ID);
  // Each org's recorded ratio times its responses is its failed rate (orgs without traffic drop out as NaN).
  const failed = sum(
    `${select(RULE.deploymentErrorRatio5m, s)} * ${select(RULE.deploymentResponses5m, s)} >= 0`,
    BY_DEPLOYMENT_ID,
  );
  return rowsOf(`(${failed} or 0 * ${responses}) / ${responses}`, M.deploymentInfo, BY_DEPLOYMENT_ID, s);
}
/** The `q` response-time quantile per agent over 5 minutes, from the selected orgs' recorded buckets (a table column). */
export const agentLatencyColumn = (q: number, s: Selector) =>
  rowsOf(quantile(q, sum(select(RULE.agentLatencyBuckets5m, s), [...BY_AGENT_ID, 'le'])), M.agentInfo, BY_AGENT_ID, s);
/** Unix time of each agent's last task in milliseconds, the newest over the selected orgs (a table column). */
export const lastTaskMillisColumn = (s: Selector) =>
  rowsOf(`${max(select(M.agentLastTask.name, s), BY_AGENT_ID)} * 1000`, M.agentInfo, BY_AGENT_ID, s);

/** `part / all` over `window` per `by` (failed share of an agent's tasks); NaN without activity. */
export const ratioOverBy = (part: MetricDef, all: MetricDef, s: Selector, window: Window, by: Labels) =>
  `${increaseOver(part, s, window, by)} / ${increaseOver(all, s, window, by)}`;
/** Share of `counter` matching `match` over `window` per `by`; 0 where nothing matched, NaN where nothing counted. */
export function shareOverBy(counter: MetricDef, match: Selector, s: Selector, window: Window, by: Labels): string {
  const all = increaseOver(counter, s, window, by);
  return `(${sum(increase(counter.name, window, matchers(s, match)), by)} or 0 * ${all}) / ${all}`;
}

/** The latency histogram's buckets of the selected deployments per second, for a heatmap (`sum by (le)`). */
export const deploymentLatencyBuckets = (s: Selector, window: Window) =>
  sum(rate(bucketOf(M.deploymentLatency.name), window, s), ['le']);
/** Recorded 5-minute tokens per second and error ratio per deployment, with its name for legends. */
export const tokenRateByDeployment = (s: Selector) => withDeploymentName(select(RULE.deploymentTokens5m, s));
export const errorRatioByDeployment = (s: Selector) => withDeploymentName(select(RULE.deploymentErrorRatio5m, s));
/** Recorded 30-minute failed share of each agent's tasks (the alert's figure), with its name for legends. */
export const failureRatioByAgent = (s: Selector) => withAgentName(select(RULE.agentFailureRatio30m, s));
/** Recorded 30-minute failed share of finished executions by category (the alert's figure). */
export const executionFailureRatio = (s: Selector) => select(RULE.executionFailureRatio30m, s);
/** The `q` quantile of execution durations over `window` per `by` (e.g. per category); NaN when none finished. */
export const executionDurationQuantileOver = (q: number, s: Selector, window: Window, by: Labels) =>
  quantile(q, sum(increase(bucketOf(M.executionDuration.name), window, s), [...by, 'le']));

// --- the resource tables (resources list, node detail) ------------------------------------------------

/** A resource's row labels: name, type and the node it is placed on. */
const RESOURCE_ROW = [...BY_RESOURCE, 'resource_name', 'resource_type', 'node_id'];

/**
 * Every resource as a table row without `__name__`, with its node's name where that node exists
 * (`or on` keeps a resource whose node is unknown, without the name).
 */
export function resourceRows(s: Selector): string {
  const rows = infoColumns(M.resourceInfo, RESOURCE_ROW, s);
  return `${joinInfo(rows, BY_NODE, ['node_name'], select(M.nodeInfo.name, s))} or on (${BY_RESOURCE.join(', ')}) ${rows}`;
}
/** GPUs allocated per resource, all modes together (a table column). */
export const resourceGpusAllocated = (s: Selector) => sum(select(M.resourceGpus.name, s), BY_RESOURCE);

/** The rows and state codes (stateCode) of the resources and deployments on a node (its selector `onNode`). */
export const resourceRowsOnNode = (onNode: Selector) => infoColumns(M.resourceInfo, RESOURCE_ROW, onNode);
export const resourceStateCodeOnNode = (onNode: Selector, s: Selector) =>
  andOn(stateCode(M.resourceStatus, BY_RESOURCE, s), BY_RESOURCE, resourcesOnNode(onNode));
export const deploymentRowsOnNode = (onNode: Selector) =>
  infoColumns(M.deploymentInfo, [...BY_DEPLOYMENT, 'deployment_name', 'model_id', 'node_id'], onNode);
export const deploymentStateCodeOnNode = (onNode: Selector, s: Selector) =>
  andOn(stateCode(M.deploymentStatus, BY_DEPLOYMENT, s), BY_DEPLOYMENT, deploymentsOnNode(onNode));
