/**
 * How each figure of the seed proposal is derived from the exporter's metrics, or why AIWM data
 * cannot supply it. Rendered into docs/metrics.md; the JSON facade uses the same expressions.
 */
export interface SeedFigure {
  /** Seed field (response path or dashboard line). */
  readonly seed: string;
  /** PromQL, or null when no AIWM data can supply the figure. */
  readonly promql: string | null;
  readonly note?: string;
}

const ONLINE = 'aiwm_node_availability{availability="online"} == 1';
/** GPUs of online nodes, from the unified series (dcgm-exporter, else AIWM). */
const onlineGpus = (series: string) => `${series} * on (org_id, node_id) group_left () (${ONLINE})`;

export const SEED_FIGURES: readonly SeedFigure[] = [
  // Overview: infrastructure
  { seed: 'infrastructure.nodes.total', promql: 'sum(aiwm_nodes)' },
  {
    seed: 'infrastructure.nodes.online / offline / maintenance',
    promql: 'sum(aiwm_nodes{availability="online"})',
    note: 'same with availability="offline" / "maintenance" (docs: "Node status"); a heartbeating `healthy` node is online',
  },
  {
    seed: 'nodes[].status',
    promql: 'aiwm_node_availability == 1',
    note: "the class AIWM's recorded status maps to: aiwm_node_status == 1 (label class; raw value in label status)",
  },
  {
    seed: 'infrastructure.nodes.byRole',
    promql: 'count by (role) (aiwm_node_role)',
    note: 'online per role: count by (role) (aiwm_node_role * on (org_id, node_id) group_left () (' + ONLINE + '))',
  },
  {
    seed: 'infrastructure.resources.total / running / stopped / deploying / failed',
    promql: 'sum(aiwm_resources)',
    note: 'sum(aiwm_resources{status="running"}), ...; failed = status=~"failed|error"',
  },
  {
    seed: 'infrastructure.resources.byType',
    promql: 'sum by (resource_type) (aiwm_resources)',
    note: 'vm = virtual-machine, appContainer = application-container, inferenceContainer = inference-container',
  },
  {
    seed: 'hardware.cpuUtilization (%)',
    promql: '100 * avg(aiwm_node_cpu_usage_ratio * on (org_id, node_id) group_left () (' + ONLINE + '))',
  },
  {
    seed: 'hardware.ramUtilization (%)',
    promql: '100 * avg(aiwm_node_memory_usage_ratio * on (org_id, node_id) group_left () (' + ONLINE + '))',
  },
  {
    seed: 'hardware.gpuUtilization (%)',
    promql: '100 * avg(' + onlineGpus('gpu:aiwm_gpu_utilization_ratio:unified') + ')',
    note: 'online nodes only, as CPU and RAM; GPUs come from dcgm-exporter where it runs, else from AIWM (docs: "GPU sources")',
  },
  {
    seed: 'hardware.gpusActive / gpusTotal',
    promql: 'count(' + onlineGpus('gpu:aiwm_gpu_utilization_ratio:unified') + ' > 0)',
    note: 'gpusTotal: count(gpu:aiwm_gpu_info:unified); nodes with neither dcgm-exporter nor AIWM GPU data are unknown',
  },
  {
    seed: 'hardware.diskUtilization, nodes[].hardware.diskUsage',
    promql: null,
    note: 'AIWM records disk size (diskTotal) but no disk usage: null, never 0',
  },
  // Overview: workloads
  {
    seed: 'workload.models.total / active / inactive / downloading / failed',
    promql: 'sum(aiwm_models)',
    note: 'sum(aiwm_models{status="active"}), ...; failed = status=~"download-failed|deploy-failed|error|invalid-credentials"',
  },
  {
    seed: 'workload.models.byType, byDeploymentType',
    promql: 'sum by (model_type) (aiwm_models)',
    note: 'sum by (deployment_type) (aiwm_models)',
  },
  {
    seed: 'workload.deployments.total / running / stopped / deploying / failed',
    promql: 'sum(aiwm_deployments)',
    note: 'sum(aiwm_deployments{status="running"}), ...; failed = status=~"failed|error"',
  },
  {
    seed: 'workload.agents.total / active / busy / inactive',
    promql: 'sum(aiwm_agents)',
    note: 'sum(aiwm_agents{status="busy"}), ...',
  },
  {
    seed: 'workload.executions.total / completed / running / failed',
    promql: 'sum(aiwm_executions)',
    note: 'sum(aiwm_executions{status="completed"}), ...',
  },
  // Overview: activity (24 h)
  { seed: 'activity.inferenceRequests (24h)', promql: 'sum(increase(aiwm_deployment_requests_total[24h]))' },
  {
    seed: 'activity.apiRequests (24h)',
    promql: null,
    note: 'AIWM keeps no API access log; the nearest figure is all messages: sum(increase(aiwm_agent_messages_total[24h]))',
  },
  { seed: 'activity.agentTasks (24h)', promql: 'sum(increase(aiwm_agent_tasks_total[24h]))' },
  {
    seed: 'activity.avgResponseTime (ms, 24h)',
    promql:
      '1000 * sum(increase(aiwm_agent_response_latency_seconds_sum[24h])) / sum(increase(aiwm_agent_response_latency_seconds_count[24h]))',
  },
  {
    seed: 'activity.successRate (%, 24h)',
    promql:
      '100 * (1 - sum(increase(aiwm_agent_task_failures_total[24h])) / sum(increase(aiwm_agent_tasks_total[24h])))',
  },
  {
    seed: 'health.alerts.critical / warning / info',
    promql: 'count by (severity) (ALERTS{alertstate="firing"})',
    note: 'from the alerting rules, not from the exporter',
  },
  // Nodes
  { seed: 'nodes[].hardware.cpuModel, cpuCores', promql: 'aiwm_node_info, aiwm_node_cpu_cores' },
  {
    seed: 'nodes[].hardware.ramTotal / ramUsage (GB)',
    promql: 'aiwm_node_memory_total_bytes',
    note: 'used: aiwm_node_memory_usage_ratio * on (org_id, node_id) aiwm_node_memory_total_bytes',
  },
  {
    seed: 'nodes[].hardware.gpus[]',
    promql: 'gpu:aiwm_gpu_info:unified',
    note: 'one per GPU dcgm-exporter reports (else AIWM lists), with gpu:aiwm_gpu_{utilization_ratio,temperature_celsius,memory_used_bytes,memory_total_bytes,power_usage_watts}:unified',
  },
  {
    seed: 'nodes[].hardware.gpus[].memoryFree',
    promql:
      'gpu:aiwm_gpu_memory_total_bytes:unified - on (org_id, node_id, gpu, source) gpu:aiwm_gpu_memory_used_bytes:unified',
  },
  {
    seed: 'nodes[].lastHeartbeat (age)',
    promql: 'time() - aiwm_node_last_heartbeat_timestamp_seconds',
    note: 'absent for a node that never sent a heartbeat (aiwm_node_heartbeat_state{state="never"} == 1)',
  },
  {
    seed: 'nodes[].websocketConnected',
    promql: null,
    note: 'no AIWM code writes websocketConnected (false on every real node): liveness is aiwm_node_heartbeat_state and aiwm_node_availability',
  },
  {
    seed: 'nodes[].resources.vms / containers / deployments',
    promql: 'sum by (node_id) (aiwm_resources{resource_type="virtual-machine"})',
    note: 'deployments on a node: count by (node_id) (aiwm_deployment_info)',
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
    promql:
      'sum(aiwm_resource_allocated_vcpus * on (org_id, resource_id) group_left () (aiwm_resource_status{status=~"deploying|running|stopping"} == 1))',
    note: 'same for aiwm_resource_allocated_memory_bytes and aiwm_resource_allocated_disk_bytes',
  },
  { seed: 'GPUs allocated (passthrough, MIG)', promql: 'sum by (mode) (aiwm_resource_allocated_gpus)' },
  // Models
  { seed: 'models storage.totalSize', promql: 'sum(aiwm_model_size_bytes)' },
  { seed: 'models[].deployments', promql: 'count by (model_id) (aiwm_deployment_info)' },
  { seed: 'models[].lastUsed', promql: null, note: 'AIWM records no per-model usage time' },
  // Deployments
  {
    seed: 'deployments usage.totalRequests (24h), requests24h',
    promql: 'sum(increase(aiwm_deployment_requests_total[24h]))',
  },
  {
    seed: 'deployments usage.avgLatency, latency.p50 / p95 / p99',
    promql: 'histogram_quantile(0.95, sum by (le) (rate(aiwm_deployment_response_latency_seconds_bucket[5m])))',
    note: 'latency is measured on the assistant messages of agents bound to the deployment; requests sent straight to the model endpoint carry no latency in AIWM',
  },
  {
    seed: 'deployments usage.successRate',
    promql:
      'sum(increase(aiwm_deployment_responses_total{outcome="success"}[24h])) / sum(increase(aiwm_deployment_responses_total[24h]))',
  },
  {
    seed: 'deployments usage.tokenUsage, throughput.tokensPerSecond',
    promql: 'sum(increase(aiwm_deployment_tokens_total[24h]))',
    note: 'per second: rate(aiwm_deployment_tokens_total[5m])',
  },
  { seed: 'deployments resources.totalVramUsed', promql: 'sum(gpu:aiwm_gpu_memory_used_bytes:unified)' },
  {
    seed: 'deployments[].gpuUsage / vramUsage',
    promql: 'avg by (node_id) (gpu:aiwm_gpu_utilization_ratio:unified)',
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
    promql: 'aiwm_agent_last_task_timestamp_seconds',
    note: 'tasks counted since COUNT_EVENTS_FROM; absent (null) before the first one',
  },
  {
    seed: 'agents performance.allTime.totalTasks / completed / failed',
    promql: 'sum(aiwm_agent_tasks_total)',
    note: 'counts since the exporter started (COUNT_EVENTS_FROM=all counts history); failed: sum(aiwm_agent_task_failures_total)',
  },
  {
    seed: 'agents performance.avgResponseTime',
    promql:
      'sum(rate(aiwm_agent_response_latency_seconds_sum[1h])) / sum(rate(aiwm_agent_response_latency_seconds_count[1h]))',
    note: 'messages.latency exists only when the client supplied it: no latency samples means unavailable (null), not 0',
  },
  {
    seed: 'agents activity24h.conversations / messages',
    promql: 'sum(increase(aiwm_agent_conversations_total[24h]))',
    note: 'messages: sum(increase(aiwm_agent_messages_total[24h]))',
  },
  // Executions
  { seed: 'executions byType', promql: 'sum by (type) (aiwm_executions)' },
  {
    seed: 'executions performance.avgDuration',
    promql:
      'sum(rate(aiwm_execution_duration_seconds_sum[24h])) / sum(rate(aiwm_execution_duration_seconds_count[24h]))',
  },
  {
    seed: 'executions performance.successRate',
    promql:
      'sum(increase(aiwm_execution_completions_total{outcome="completed"}[24h])) / sum(increase(aiwm_execution_completions_total[24h]))',
  },
  {
    seed: 'executions performance.retryRate',
    promql: 'sum(increase(aiwm_execution_retried_total[24h])) / sum(increase(aiwm_execution_completions_total[24h]))',
  },
  {
    seed: 'executions[].progress, currentStep, estimatedCompletion',
    promql: 'aiwm_execution_running_progress_ratio',
    note: 'per-execution detail would need execution ids as labels (unbounded): averaged per category here, single executions come from MongoDB in the facade',
  },
];
