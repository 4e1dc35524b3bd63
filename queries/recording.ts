/**
 * Every recording rule, name and expression: the pre-aggregated series the other queries read.
 * alerts/src/recording.ts groups them into rule groups (with their evaluation intervals) and tests
 * them with promtool; queries/test/readers.test.ts checks that each has a reader.
 */
import {
  BY_NODE,
  BY_ORG,
  avg,
  bucketOf,
  count,
  eq,
  increase,
  oneOf,
  quantile,
  rate,
  sum,
  type Labels,
} from './core.js';
import { FAILED_EXECUTION_OUTCOMES, GPU, M, RULE } from './names.js';
import { orgOnlineAverage, orgOnlineCount, orgOnlineSum } from './nodes.js';
import {
  DCGM_FIELD,
  DCGM_PRESENCE,
  FB_TOTAL_MIB,
  MIB,
  aiwmOnly,
  dcgm,
  dcgmGpuInfo,
  joined,
  perDcgmGpu,
  tagged,
  withNodeOfHost,
  xidLast,
} from './gpu-join.js';

export interface RecordingRule {
  record: string;
  expr: string;
}

/** A unified per-GPU series: dcgm-exporter where a node has it, else AIWM's metric if given. */
function unified(record: string, fromDcgm: string, aiwmMetric?: string): RecordingRule {
  const dcgmPart = tagged(fromDcgm, 'dcgm');
  const expr = aiwmMetric ? `${dcgmPart} or ${tagged(aiwmOnly(aiwmMetric), 'aiwm')}` : dcgmPart;
  return { record, expr };
}

/** Per-node sums and averages of a unified series. */
const perNode = (record: string, op: 'avg' | 'sum', series: string): RecordingRule => ({
  record,
  expr: op === 'avg' ? avg(series, BY_NODE) : sum(series, BY_NODE),
});

/**
 * In evaluation order: later rules read earlier ones within the group. Everything downstream
 * (dashboards, alerts, facade) reads the `gpu:*:unified` series and the roll-ups, never the raw ones.
 */
export const GPU_RULES: RecordingRule[] = [
  // The exporter emits one node per name, but two exporter replicas (or two polls that disagree for
  // a moment) would break a group_left join: keep exactly one node per host name.
  {
    record: RULE.nodeOfHost,
    expr: `topk by (hostname) (1, max by (hostname, org_id, node_id) (${M.nodeHostname.name}))`,
  },
  {
    record: RULE.dcgmGpus,
    expr: `topk by (hostname, UUID) (1, group by (hostname, UUID, gpu, modelName) (${dcgm(DCGM_PRESENCE)}))`,
  },
  {
    record: RULE.dcgmNodes,
    expr: count(`group by (org_id, node_id, UUID) (${withNodeOfHost(RULE.dcgmGpus)})`, BY_NODE),
  },
  // Join health: GPUs whose host name matches no AIWM node (per host name, and in total).
  {
    record: RULE.dcgmUnmatchedByHost,
    expr: count(`${RULE.dcgmGpus} unless on (hostname) ${RULE.nodeOfHost}`, ['hostname']),
  },
  { record: RULE.dcgmUnmatched, expr: `${sum(RULE.dcgmUnmatchedByHost)} or vector(0)` },
  { record: GPU.info, expr: dcgmGpuInfo() },
  unified(GPU.utilization, joined(`${perDcgmGpu(DCGM_FIELD.util)} / 100`), M.gpuUtilization.name),
  unified(GPU.memoryUsed, joined(`${perDcgmGpu(DCGM_FIELD.fbUsed)} * ${MIB}`), M.gpuMemoryUsed.name),
  unified(GPU.memoryTotal, joined(`(${FB_TOTAL_MIB}) * ${MIB}`), M.gpuMemoryTotal.name),
  unified(GPU.temperature, joined(perDcgmGpu(DCGM_FIELD.temp)), M.gpuTemperature.name),
  unified(GPU.power, joined(perDcgmGpu(DCGM_FIELD.power)), M.gpuPower.name),
  // Health signals exist in dcgm-exporter only.
  unified(GPU.xidLast, xidLast()),
  unified(GPU.rowRemapFailure, joined(perDcgmGpu(DCGM_FIELD.rowRemapFailure))),
  unified(GPU.uncorrectableRemappedRows, joined(perDcgmGpu(DCGM_FIELD.uncorrectableRemappedRows))),
  // Off by default in dcgm-exporter; the operator's counters row may use the field's deprecated name.
  unified(GPU.clockEventReasons, joined(perDcgmGpu(DCGM_FIELD.clockEventReasons))),
  // Node and org roll-ups of the unified series.
  perNode(RULE.nodeGpuUtilization, 'avg', GPU.utilization),
  perNode(RULE.nodeGpuMemoryUsed, 'sum', GPU.memoryUsed),
  { record: RULE.orgGpuUtilizationOnline, expr: orgOnlineAverage(GPU.utilization) },
  { record: RULE.orgGpusActive, expr: count(`${GPU.utilization} > 0`, BY_ORG) },
  { record: RULE.orgGpuUtilizationOnlineSum, expr: orgOnlineSum(GPU.utilization) },
  { record: RULE.orgGpuUtilizationOnlineCount, expr: orgOnlineCount(GPU.utilization) },
  { record: RULE.orgGpusBySource, expr: count(GPU.info, [...BY_ORG, 'source']) },
];

/** A rule that records `sum by (by) (fn(metric[window]))`: queries of that shape read it instead. */
interface RecordedWindow {
  fn: 'rate' | 'increase';
  metric: string;
  window: string;
  by: Labels;
  record: string;
}
const RECORDED_WINDOWS: RecordedWindow[] = [];

/** `sum by (by) (fn(counter[window]))`, registered under `record` when it selects every series. */
function windowed(record: string, fn: 'rate' | 'increase', by: Labels, counter: string, window: string): RecordingRule {
  RECORDED_WINDOWS.push({ fn, metric: counter, window, by, record });
  return { record, expr: sum((fn === 'rate' ? rate : increase)(counter, window), by) };
}
const rateBy = (by: Labels, counter: string, window: string, ...match: string[]) =>
  sum(rate(counter, window, ...match), by);
const increaseBy = (by: Labels, counter: string, window: string, ...match: string[]) =>
  sum(increase(counter, window, ...match), by);

/**
 * The recording rule that holds `sum by (labels) (fn(metric[window]))` for every `labels` among
 * its own (the caller's selector and grouping labels), if there is one: the narrowest such rule.
 */
export function recordedWindow(fn: 'rate' | 'increase', metric: string, window: string, labels: Labels) {
  const fits = RECORDED_WINDOWS.filter(
    (r) => r.fn === fn && r.metric === metric && r.window === window && labels.every((l) => r.by.includes(l)),
  );
  return fits.sort((a, b) => a.by.length - b.by.length)[0]?.record;
}

const BY_DEPLOYMENT = ['org_id', 'deployment_id'];
const BY_AGENT = ['org_id', 'agent_id'];
const BY_CATEGORY = ['org_id', 'category'];

/** Cheap rules, every evaluation. */
export const FAST_RULES: RecordingRule[] = [
  { record: RULE.orgCpuOnline, expr: orgOnlineAverage(M.nodeCpuUsage.name) },
  { record: RULE.orgRamOnline, expr: orgOnlineAverage(M.nodeRamUsage.name) },
  { record: RULE.orgCpuOnlineSum, expr: orgOnlineSum(M.nodeCpuUsage.name) },
  { record: RULE.orgCpuOnlineCount, expr: orgOnlineCount(M.nodeCpuUsage.name) },
  { record: RULE.orgRamOnlineSum, expr: orgOnlineSum(M.nodeRamUsage.name) },
  { record: RULE.orgRamOnlineCount, expr: orgOnlineCount(M.nodeRamUsage.name) },
  { record: RULE.orgNodeRoles, expr: count(M.nodeRole.name, [...BY_ORG, 'role']) },
  { record: RULE.orgResourcesByTypeStatus, expr: sum(M.resources.name, [...BY_ORG, 'resource_type', 'status']) },
  { record: RULE.orgExecutionsByStatus, expr: sum(M.executions.name, [...BY_ORG, 'status']) },
  windowed(RULE.deploymentRequests5m, 'rate', BY_DEPLOYMENT, M.deploymentRequests.name, '5m'),
  windowed(RULE.deploymentTokens5m, 'rate', BY_DEPLOYMENT, M.deploymentTokens.name, '5m'),
  windowed(RULE.deploymentResponses5m, 'rate', BY_DEPLOYMENT, M.deploymentResponses.name, '5m'),
  {
    record: RULE.deploymentErrorRatio5m,
    expr: `${rateBy(BY_DEPLOYMENT, M.deploymentResponses.name, '5m', eq('outcome', 'failed'))} / ${RULE.deploymentResponses5m}`,
  },
  windowed(RULE.agentTasks5m, 'rate', BY_AGENT, M.agentTasks.name, '5m'),
];

/** Quantiles and long windows, once a minute. */
export const SLOW_RULES: RecordingRule[] = [
  {
    record: RULE.deploymentLatencyBuckets5m,
    expr: rateBy([...BY_DEPLOYMENT, 'le'], bucketOf(M.deploymentLatency.name), '5m'),
  },
  ...(
    [
      [0.5, RULE.deploymentLatencyP50],
      [0.95, RULE.deploymentLatencyP95],
      [0.99, RULE.deploymentLatencyP99],
    ] as const
  ).map(([q, record]) => ({ record, expr: quantile(q, RULE.deploymentLatencyBuckets5m) })),
  { record: RULE.agentLatencyBuckets5m, expr: rateBy([...BY_AGENT, 'le'], bucketOf(M.agentLatency.name), '5m') },
  { record: RULE.agentLatencyP95, expr: quantile(0.95, RULE.agentLatencyBuckets5m) },
  windowed(RULE.agentTasks30m, 'increase', BY_AGENT, M.agentTasks.name, '30m'),
  {
    record: RULE.agentFailureRatio30m,
    expr: `${increaseBy(BY_AGENT, M.agentTaskFailures.name, '30m')} / ${RULE.agentTasks30m}`,
  },
  windowed(RULE.executionCompletions30m, 'increase', BY_CATEGORY, M.executionCompletions.name, '30m'),
  {
    record: RULE.executionFailureRatio30m,
    expr: `${increaseBy(BY_CATEGORY, M.executionCompletions.name, '30m', oneOf('outcome', FAILED_EXECUTION_OUTCOMES))} / ${RULE.executionCompletions30m}`,
  },
  windowed(RULE.orgDeploymentRequests24h, 'increase', BY_ORG, M.deploymentRequests.name, '24h'),
  windowed(RULE.orgAgentTasks24h, 'increase', BY_ORG, M.agentTasks.name, '24h'),
];

/** Every recording rule. */
export const RECORDING_RULES: readonly RecordingRule[] = [...GPU_RULES, ...FAST_RULES, ...SLOW_RULES];
