/**
 * How each figure of the seed proposal is derived from the exporter's metrics, or why AIWM data
 * cannot supply it. Rendered into docs/metrics.md. Every expression comes from queries/, the module
 * the dashboards, the alerts and (next) the JSON facade run, with every org selected and the seed's
 * 24-hour window.
 */
import { ALL, GPU, M, eq, holds, oneOf, sum, FAILED_MODEL_STATUSES, FAILED_STATUSES } from '../../../queries/index.js';
import * as gpus from '../../../queries/gpus.js';
import * as monitoring from '../../../queries/monitoring.js';
import * as nodes from '../../../queries/nodes.js';
import * as w from '../../../queries/workloads.js';

export interface SeedFigure {
  /** Seed field (response path or dashboard line). */
  readonly seed: string;
  /** PromQL, or null when no AIWM data can supply the figure. */
  readonly promql: string | null;
  readonly note?: string;
}

/** Every org: the facade narrows these to the caller's org matcher. */
const S = ALL;
/** The seed's activity window. */
const DAY = '24h';
const pct = (expr: string) => `100 * (${expr})`;
const STATUS = (status: string) => eq('status', status);

/** Online-only averages read the per-org recording rules. */
const ONLINE_AVERAGE_NOTE =
  'online nodes only; per org from the recording rule, so several orgs together give the average of the org averages';

export const SEED_FIGURES: readonly SeedFigure[] = [
  // Overview: infrastructure
  { seed: 'infrastructure.nodes.total', promql: nodes.nodeCount(S) },
  {
    seed: 'infrastructure.nodes.online / offline / maintenance',
    promql: nodes.nodesIn('online', S),
    note: 'same with availability="offline" / "maintenance" (docs: "Node status"); a heartbeating `healthy` node is online',
  },
  {
    seed: 'nodes[].status',
    promql: nodes.nodeStateNow('availability', S),
    note: `the class AIWM's recorded status maps to: ${nodes.nodeStateNow('status', S)} (label class; raw value in label status)`,
  },
  {
    seed: 'infrastructure.nodes.byRole',
    promql: nodes.nodesByRole(S),
    note: `online per role: ${nodes.onlineNodesByRole(S)}`,
  },
  {
    seed: 'infrastructure.resources.total / running / stopped / deploying / failed',
    promql: w.total(M.resources, S),
    note: `${w.totalWhere(M.resources, STATUS('running'), S)}, ...; failed: ${w.totalWhere(M.resources, oneOf('status', FAILED_STATUSES), S)}`,
  },
  {
    seed: 'infrastructure.resources.byType',
    promql: w.totalBy(M.resources, 'resource_type', S),
    note: 'vm = virtual-machine, appContainer = application-container, inferenceContainer = inference-container',
  },
  {
    seed: 'hardware.cpuUtilization (%)',
    promql: pct(nodes.onlineCpuUsage(S)),
    note: ONLINE_AVERAGE_NOTE,
  },
  { seed: 'hardware.ramUtilization (%)', promql: pct(nodes.onlineRamUsage(S)), note: ONLINE_AVERAGE_NOTE },
  {
    seed: 'hardware.gpuUtilization (%)',
    promql: pct(gpus.onlineGpuUtilization(S)),
    note: 'online nodes only, as CPU and RAM; GPUs come from dcgm-exporter where it runs, else from AIWM (docs: "GPU sources")',
  },
  {
    seed: 'hardware.gpusActive / gpusTotal',
    promql: gpus.gpusActive(S),
    note: `GPUs with utilization above 0; gpusTotal: ${gpus.gpusReporting(S)}; nodes with neither dcgm-exporter nor AIWM GPU data are unknown`,
  },
  {
    seed: 'hardware.diskUtilization, nodes[].hardware.diskUsage',
    promql: null,
    note: 'AIWM records disk size (diskTotal) but no disk usage: null, never 0',
  },
  // Overview: workloads
  {
    seed: 'workload.models.total / active / inactive / downloading / failed',
    promql: w.total(M.models, S),
    note: `${w.totalWhere(M.models, STATUS('active'), S)}, ...; failed: ${w.totalWhere(M.models, oneOf('status', FAILED_MODEL_STATUSES), S)}`,
  },
  {
    seed: 'workload.models.byType, byDeploymentType',
    promql: w.totalBy(M.models, 'model_type', S),
    note: w.totalBy(M.models, 'deployment_type', S),
  },
  {
    seed: 'workload.deployments.total / running / stopped / deploying / failed',
    promql: w.total(M.deployments, S),
    note: `${w.totalWhere(M.deployments, STATUS('running'), S)}, ...; failed: ${w.totalWhere(M.deployments, oneOf('status', FAILED_STATUSES), S)}`,
  },
  {
    seed: 'workload.agents.total / active / busy / inactive',
    promql: w.total(M.agents, S),
    note: `${w.totalWhere(M.agents, STATUS('busy'), S)}, ...`,
  },
  {
    seed: 'workload.executions.total / completed / running / failed',
    promql: w.total(M.executions, S),
    note: `${w.totalWhere(M.executions, STATUS('completed'), S)}, ...`,
  },
  // Overview: activity (24 h)
  { seed: 'activity.inferenceRequests (24h)', promql: w.increaseOver(M.deploymentRequests, S, DAY) },
  {
    seed: 'activity.apiRequests (24h)',
    promql: null,
    note: `AIWM keeps no API access log; the nearest figure is all messages: ${w.increaseOver(M.agentMessages, S, DAY)}`,
  },
  { seed: 'activity.agentTasks (24h)', promql: w.increaseOver(M.agentTasks, S, DAY) },
  { seed: 'activity.avgResponseTime (ms, 24h)', promql: `1000 * ${w.meanOver(M.agentLatency, S, DAY)}` },
  { seed: 'activity.successRate (%, 24h)', promql: pct(w.successShare(M.agentTaskFailures, M.agentTasks, S, DAY)) },
  {
    seed: 'health.alerts.critical / warning / info',
    promql: monitoring.firingAlertsBySeverity(),
    note: 'from the alerting rules, not from the exporter',
  },
  // Nodes
  { seed: 'nodes[].hardware.cpuModel, cpuCores', promql: `${M.nodeInfo.name}, ${M.nodeCpuCores.name}` },
  {
    seed: 'nodes[].hardware.ramTotal / ramUsage (GB)',
    promql: w.perEntity(M.nodeRamTotal, S),
    note: `used: ${nodes.ramUsedBytes(S)}`,
  },
  {
    seed: 'nodes[].hardware.gpus[]',
    promql: GPU.info,
    note: `one per GPU dcgm-exporter reports (else AIWM lists), with ${[GPU.utilization, GPU.temperature, GPU.memoryUsed, GPU.memoryTotal, GPU.power].join(', ')}`,
  },
  { seed: 'nodes[].hardware.gpus[].memoryFree', promql: gpus.gpuMemoryFree(S) },
  {
    seed: 'nodes[].lastHeartbeat (age)',
    promql: nodes.heartbeatAge(S),
    note: `absent for a node that never sent a heartbeat (${holds(M.nodeHeartbeatState.name, eq('state', 'never'))})`,
  },
  {
    seed: 'nodes[].websocketConnected',
    promql: null,
    note: `no AIWM code writes websocketConnected (false on every real node): liveness is ${M.nodeHeartbeatState.name} and ${M.nodeAvailability.name}`,
  },
  {
    seed: 'nodes[].resources.vms / containers / deployments',
    promql: w.totalWhere(M.resources, eq('resource_type', 'virtual-machine'), S, ['node_id']),
    note: `deployments on a node: ${w.countPerNode(M.deploymentInfo, S)}`,
  },
  {
    seed: 'node detail services[], metrics.networkIn / networkOut',
    promql: null,
    note: 'AIWM stores no per-node service list or network counters',
  },
  {
    seed: 'node detail resources.vms[].cpuUsage / ramUsage, deployments[].gpuUsage',
    promql: null,
    note: 'AIWM records allocations, not per-VM/container/deployment usage; allocations are aiwm_resource_allocated_*',
  },
  // Resources
  {
    seed: 'Resource Allocation: total vCPUs / RAM / disk',
    promql: w.allocationHeld(M.resourceVcpus, S),
    note: `same for ${M.resourceMemory.name} and ${M.resourceDisk.name}`,
  },
  { seed: 'GPUs allocated (passthrough, MIG)', promql: w.totalBy(M.resourceGpus, 'mode', S) },
  // Models
  { seed: 'models storage.totalSize', promql: w.total(M.modelSize, S) },
  { seed: 'models[].deployments', promql: w.countBy(M.deploymentInfo, 'model_id', S) },
  { seed: 'models[].lastUsed', promql: null, note: 'AIWM records no per-model usage time' },
  // Deployments
  { seed: 'deployments usage.totalRequests (24h), requests24h', promql: w.increaseOver(M.deploymentRequests, S, DAY) },
  {
    seed: 'deployments usage.avgLatency, latency.p50 / p95 / p99',
    promql: w.deploymentLatencyOverall(0.95, S),
    note: 'latency is measured on the assistant messages of agents bound to the deployment; requests sent straight to the model endpoint carry no latency in AIWM',
  },
  {
    seed: 'deployments usage.successRate',
    promql: w.shareOver(M.deploymentResponses, eq('outcome', 'success'), S, DAY),
  },
  {
    seed: 'deployments usage.tokenUsage, throughput.tokensPerSecond',
    promql: w.increaseOver(M.deploymentTokens, S, DAY),
    note: `per second: ${w.ratePerSecond(M.deploymentTokens, S, '5m')}; requests per second: ${w.ratePerSecond(M.deploymentRequests, S, '5m')}`,
  },
  { seed: 'deployments resources.totalVramUsed', promql: sum(gpus.gpuSeries('memoryUsed', S)) },
  {
    seed: 'deployments[].gpuUsage / vramUsage',
    promql: gpus.nodeGpuUtilization(S),
    note: 'per node hosting the deployment (join on node_id with aiwm_deployment_info); AIWM does not record which GPU a deployment uses',
  },
  {
    seed: 'deployments[].uptime, metrics.errors[]',
    promql: null,
    note: 'no start time on deployments; error details are per message and come from MongoDB in the facade',
  },
  // Agents
  {
    seed: 'agents[].lastTask',
    promql: w.perEntity(M.agentLastTask, S),
    note: 'tasks counted since COUNT_EVENTS_FROM; absent (null) before the first one',
  },
  {
    seed: 'agents performance.allTime.totalTasks / completed / failed',
    promql: w.total(M.agentTasks, S),
    note: `counts since the exporter started (COUNT_EVENTS_FROM=all counts history); failed: ${w.total(M.agentTaskFailures, S)}`,
  },
  {
    seed: 'agents performance.avgResponseTime',
    promql: w.meanOver(M.agentLatency, S, '1h'),
    note: 'messages.latency exists only when the client supplied it: no latency samples means unavailable (null), not 0',
  },
  {
    seed: 'agents activity24h.conversations / messages',
    promql: w.increaseOver(M.agentConversations, S, DAY),
    note: `messages: ${w.increaseOver(M.agentMessages, S, DAY)}`,
  },
  // Executions
  { seed: 'executions byType', promql: w.totalBy(M.executions, 'type', S) },
  { seed: 'executions performance.avgDuration', promql: w.meanOver(M.executionDuration, S, DAY) },
  {
    seed: 'executions performance.successRate',
    promql: w.shareOver(M.executionCompletions, eq('outcome', 'completed'), S, DAY),
  },
  {
    seed: 'executions performance.retryRate',
    promql: w.ratioOver(M.executionRetried, M.executionCompletions, S, DAY),
  },
  {
    seed: 'executions[].progress, currentStep, estimatedCompletion',
    promql: M.executionProgress.name,
    note: 'per-execution detail would need execution ids as labels (unbounded): averaged per category here, single executions come from MongoDB in the facade',
  },
];
