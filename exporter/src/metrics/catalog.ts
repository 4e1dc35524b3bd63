/**
 * The metric catalog: every metric the exporter publishes, with the AIWM fields it comes from and
 * the seed figures it serves. docs/metrics.md is generated from this file.
 */
import type { FamilyMeta, MetricType } from './exposition.js';
import { AGENT_STATUSES } from '../source/agents.js';
import { DEPLOYMENT_STATUSES } from '../source/deployments.js';
import { MODEL_STATUSES } from '../source/models.js';
import { GPU_STATUSES, HEARTBEAT_STATES, NODE_AVAILABILITIES, NODE_STATUS_CLASSES } from '../source/nodes.js';
import { RESOURCE_STATUSES } from '../source/resources.js';
import { OTHER } from '../source/common.js';

export type Area = 'nodes' | 'gpus' | 'resources' | 'models' | 'deployments' | 'agents' | 'executions' | 'exporter';

export interface MetricDef extends FamilyMeta {
  readonly area: Area;
  /** How to read it: `info` series are always 1; a `stateset` has one series per state, 1 for the current one. */
  readonly semantics: MetricType | 'info' | 'stateset';
  readonly states?: readonly string[];
  /** The label that carries a state set's state (`status` unless said otherwise). */
  readonly stateLabel?: string;
  /** AIWM collection fields it is computed from. */
  readonly source: string;
  /** Seed (proposal) fields it serves. */
  readonly seed?: string;
}

const withOther = (values: readonly string[]) => [...values, OTHER] as const;

/** Response latency buckets (seconds): chat completions take from tens of ms to minutes. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120] as const;
/** Workflow duration buckets (seconds): from quick API calls to multi-hour model downloads. */
export const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600] as const;

function def(d: Omit<MetricDef, 'semantics'> & { semantics?: MetricDef['semantics'] }): MetricDef {
  return { ...d, semantics: d.semantics ?? d.type };
}

const NODE = ['org_id', 'node_id'] as const;
const GPU = ['org_id', 'node_id', 'gpu'] as const;
const RESOURCE = ['org_id', 'resource_id'] as const;
const MODEL = ['org_id', 'model_id'] as const;
const DEPLOYMENT = ['org_id', 'deployment_id'] as const;
const AGENT = ['org_id', 'agent_id'] as const;

export const M = {
  // ---- nodes -------------------------------------------------------------------------------
  nodeInfo: def({ area: 'nodes', name: 'aiwm_node_info', type: 'gauge', semantics: 'info', unit: '', labels: [...NODE, 'node_name', 'hostname', 'roles', 'cpu_model', 'os', 'daemon_version'], help: 'Static properties of an AIWM node; always 1.', source: 'nodes: name, hostname, role[] (joined with ","), cpuModel, os, daemonVersion', seed: 'nodes[].name, role, hardware.cpuModel' }),
  nodeRole: def({ area: 'nodes', name: 'aiwm_node_role', type: 'gauge', semantics: 'info', unit: '', labels: [...NODE, 'role'], help: 'One series per role a node has; always 1.', source: 'nodes.role[]', seed: 'byRole' }),
  nodeStatus: def({
    area: 'nodes',
    name: 'aiwm_node_status',
    type: 'gauge',
    semantics: 'stateset',
    states: NODE_STATUS_CLASSES,
    stateLabel: 'class',
    unit: '',
    labels: [...NODE, 'status', 'class'],
    help: 'Status class of the node (up, degraded, down, maintenance, provisioning, unknown): 1 for the current class; `status` is the raw value AIWM stored.',
    source: 'nodes.status (raw value mapped to a class, docs/metrics.md "Node status")',
    seed: 'nodes[].status',
  }),
  nodeHeartbeatState: def({
    area: 'nodes',
    name: 'aiwm_node_heartbeat_state',
    type: 'gauge',
    semantics: 'stateset',
    states: HEARTBEAT_STATES,
    stateLabel: 'state',
    unit: '',
    labels: [...NODE, 'state'],
    help: 'Heartbeat evidence: fresh (within HEARTBEAT_STALE_AFTER), stale, or never (lastHeartbeat still AIWM\'s default, its creation time); 1 for the current state.',
    source: 'nodes.lastHeartbeat, lastSeenAt, lastMetricsAt, createdAt; exporter setting HEARTBEAT_STALE_AFTER',
  }),
  nodeAvailability: def({
    area: 'nodes',
    name: 'aiwm_node_availability',
    type: 'gauge',
    semantics: 'stateset',
    states: NODE_AVAILABILITIES,
    stateLabel: 'availability',
    unit: '',
    labels: [...NODE, 'availability'],
    help: 'The node as the seed counts it: online (class up or degraded with a fresh heartbeat), offline (class down, or a stale or missing heartbeat), maintenance, provisioning or unknown; 1 for the current one.',
    source: 'aiwm_node_status class + aiwm_node_heartbeat_state',
    seed: 'nodes.online/offline/maintenance, nodes[].status, every online-only figure',
  }),
  nodeHeartbeat: def({ area: 'nodes', name: 'aiwm_node_last_heartbeat_timestamp_seconds', type: 'gauge', unit: 'seconds', labels: NODE, help: 'Unix time of the last heartbeat AIWM received from the node.', source: 'nodes.lastHeartbeat', seed: 'nodes[].lastHeartbeat' }),
  nodeHostname: def({
    area: 'nodes',
    name: 'aiwm_node_hostname',
    type: 'gauge',
    semantics: 'info',
    unit: '',
    labels: [...NODE, 'hostname'],
    help: 'Host names GPU exporters join on (lower case, no trailing dot): the full name, and the first DNS label when no other node claims it; a name two nodes share is left out; always 1.',
    source: 'nodes.hostname (normalised)',
  }),
  nodeImplausibleValue: def({
    area: 'nodes',
    name: 'aiwm_node_implausible_value',
    type: 'gauge',
    unit: '',
    labels: [...NODE, 'field'],
    help: 'Present (1) for a size field whose value reads as GB where the node agent writes MB (ramTotal, diskTotal, gpuMemoryTotal); the value is still read as MB.',
    source: 'nodes.ramTotal < 4096, diskTotal < 16384, gpuDevices[].memoryTotal < 1024',
  }),
  nodeCpuUsage: def({ area: 'nodes', name: 'aiwm_node_cpu_usage_ratio', type: 'gauge', unit: 'ratio', labels: NODE, help: 'CPU usage reported by the last heartbeat (0-1).', source: 'nodes.cpuUsage (percent / 100)', seed: 'hardware.cpuUsage, resources.cpuUtilization' }),
  nodeRamUsage: def({ area: 'nodes', name: 'aiwm_node_memory_usage_ratio', type: 'gauge', unit: 'ratio', labels: NODE, help: 'RAM usage reported by the last heartbeat (0-1).', source: 'nodes.ramUsage (percent / 100)', seed: 'hardware.ramUsage, resources.ramUtilization' }),
  nodeCpuCores: def({ area: 'nodes', name: 'aiwm_node_cpu_cores', type: 'gauge', unit: '', labels: NODE, help: 'CPU cores the node registered with.', source: 'nodes.cpuCores', seed: 'hardware.cpuCores' }),
  nodeRamTotal: def({ area: 'nodes', name: 'aiwm_node_memory_total_bytes', type: 'gauge', unit: 'bytes', labels: NODE, help: 'RAM the node registered with.', source: 'nodes.ramTotal (MB x 1048576)', seed: 'hardware.ramTotal' }),
  nodeRamFree: def({ area: 'nodes', name: 'aiwm_node_memory_free_bytes', type: 'gauge', unit: 'bytes', labels: NODE, help: 'Free RAM as last recorded; often stale in current AIWM, prefer aiwm_node_memory_usage_ratio.', source: 'nodes.ramFree (MB x 1048576)' }),
  nodeDiskTotal: def({ area: 'nodes', name: 'aiwm_node_disk_total_bytes', type: 'gauge', unit: 'bytes', labels: NODE, help: 'Disk size the node registered with (AIWM records no disk usage).', source: 'nodes.diskTotal (MB x 1048576)', seed: 'hardware.diskTotal' }),
  nodeUptime: def({ area: 'nodes', name: 'aiwm_node_uptime_seconds', type: 'gauge', unit: 'seconds', labels: NODE, help: 'Host uptime reported by the node agent.', source: 'nodes.uptimeSeconds', seed: 'nodes[].uptime' }),
  nodeGpuDataKnown: def({ area: 'nodes', name: 'aiwm_node_gpu_data_known', type: 'gauge', unit: '', labels: NODE, help: '1 when AIWM holds GPU data for the node; 0 when gpuDevices is missing or empty, which on real drivers means unknown, not "no GPUs".', source: 'nodes.gpuDevices' }),
  nodeGpus: def({ area: 'nodes', name: 'aiwm_node_gpus', type: 'gauge', unit: '', labels: NODE, help: 'GPUs AIWM knows on the node; absent when the GPU data is unknown.', source: 'nodes.gpuDevices (length)', seed: 'gpusTotal' }),
  nodes: def({
    area: 'nodes',
    name: 'aiwm_nodes',
    type: 'gauge',
    unit: '',
    labels: ['org_id', 'availability', 'class', 'status'],
    help: 'Nodes by availability, status class and raw status; every org has a zero series per availability (without class and status).',
    source: 'nodes.status, lastHeartbeat, owner.orgId',
    seed: 'nodes.total/online/offline/maintenance',
  }),

  // ---- GPUs --------------------------------------------------------------------------------
  gpuInfo: def({ area: 'gpus', name: 'aiwm_gpu_info', type: 'gauge', semantics: 'info', unit: '', labels: [...GPU, 'device_id', 'model'], help: 'A GPU AIWM knows on a node; `gpu` is its index in gpuDevices; always 1.', source: 'nodes.gpuDevices[].deviceId, model', seed: 'hardware.gpus[].deviceId, model' }),
  gpuStatus: def({ area: 'gpus', name: 'aiwm_gpu_status', type: 'gauge', semantics: 'stateset', states: withOther(GPU_STATUSES), unit: '', labels: [...GPU, 'status'], help: 'GPU status from heartbeat telemetry, when AIWM persists it.', source: 'nodes.gpuDevices[].status (optional)' }),
  gpuUtilization: def({ area: 'gpus', name: 'aiwm_gpu_utilization_ratio', type: 'gauge', unit: 'ratio', labels: GPU, help: 'GPU utilization (0-1) as last recorded; current AIWM writes it at registration only.', source: 'nodes.gpuDevices[].utilization (percent / 100)', seed: 'gpus[].utilization, gpuUtilization' }),
  gpuMemoryTotal: def({ area: 'gpus', name: 'aiwm_gpu_memory_total_bytes', type: 'gauge', unit: 'bytes', labels: GPU, help: 'GPU memory size.', source: 'nodes.gpuDevices[].memoryTotal (MiB x 1048576)', seed: 'gpus[].memoryTotal' }),
  gpuMemoryUsed: def({ area: 'gpus', name: 'aiwm_gpu_memory_used_bytes', type: 'gauge', unit: 'bytes', labels: GPU, help: 'GPU memory in use: memoryUsed when present, else memoryTotal - memoryFree.', source: 'nodes.gpuDevices[].memoryUsed or memoryTotal - memoryFree (MiB)', seed: 'gpus[].memoryFree, totalVramUsed, vramUsage' }),
  gpuTemperature: def({ area: 'gpus', name: 'aiwm_gpu_temperature_celsius', type: 'gauge', unit: 'celsius', labels: GPU, help: 'GPU core temperature as last recorded.', source: 'nodes.gpuDevices[].temperature', seed: 'gpus[].temperature' }),
  gpuPower: def({ area: 'gpus', name: 'aiwm_gpu_power_usage_watts', type: 'gauge', unit: 'watts', labels: GPU, help: 'GPU power draw, when AIWM persists telemetry.', source: 'nodes.gpuDevices[].powerDraw (optional)' }),
  gpuPowerLimit: def({ area: 'gpus', name: 'aiwm_gpu_power_limit_watts', type: 'gauge', unit: 'watts', labels: GPU, help: 'GPU power limit, when AIWM persists telemetry.', source: 'nodes.gpuDevices[].powerLimit (optional)' }),

  // ---- resources ---------------------------------------------------------------------------
  resourceInfo: def({ area: 'resources', name: 'aiwm_resource_info', type: 'gauge', semantics: 'info', unit: '', labels: [...RESOURCE, 'resource_name', 'resource_type', 'node_id'], help: 'A VM or container; always 1.', source: 'resources: name, resourceType, nodeId', seed: 'resources list' }),
  resourceStatus: def({ area: 'resources', name: 'aiwm_resource_status', type: 'gauge', semantics: 'stateset', states: withOther(RESOURCE_STATUSES), unit: '', labels: [...RESOURCE, 'status'], help: 'Resource status: 1 for the current status, 0 for the others.', source: 'resources.status', seed: 'resources[].status' }),
  resourceVcpus: def({ area: 'resources', name: 'aiwm_resource_allocated_vcpus', type: 'gauge', unit: '', labels: RESOURCE, help: 'vCPUs allocated to the resource.', source: 'runtime.allocatedCPU, else config.vcpus (VM) or config.cpuCores (container)', seed: 'Total vCPUs allocated' }),
  resourceMemory: def({ area: 'resources', name: 'aiwm_resource_allocated_memory_bytes', type: 'gauge', unit: 'bytes', labels: RESOURCE, help: 'RAM allocated to the resource.', source: 'runtime.allocatedRAM (GB), else config.ramMB (VM, MB) or config.ramLimit (container, GB)', seed: 'Total RAM allocated' }),
  resourceDisk: def({ area: 'resources', name: 'aiwm_resource_allocated_disk_bytes', type: 'gauge', unit: 'bytes', labels: RESOURCE, help: 'Disk allocated to a VM (containers record none).', source: 'config.diskGB (GB x 1073741824)', seed: 'Total Disk allocated' }),
  resourceGpus: def({ area: 'resources', name: 'aiwm_resource_allocated_gpus', type: 'gauge', unit: '', labels: [...RESOURCE, 'mode'], help: 'GPUs allocated to the resource, by mode (passthrough, mig for VMs; container for containers).', source: 'runtime.allocatedGPU, else config.gpuConfig {enabled, mode, deviceIds} or config.gpuDeviceIds', seed: 'GPUs allocated (passthrough, MIG)' }),
  resources: def({ area: 'resources', name: 'aiwm_resources', type: 'gauge', unit: '', labels: ['org_id', 'resource_type', 'status', 'node_id'], help: 'Resources by type, status and node.', source: 'resources.resourceType, status, nodeId', seed: 'resources.total/running/stopped/deploying/failed, byType' }),

  // ---- models ------------------------------------------------------------------------------
  modelInfo: def({ area: 'models', name: 'aiwm_model_info', type: 'gauge', semantics: 'info', unit: '', labels: [...MODEL, 'model_name', 'model_type', 'deployment_type', 'framework', 'provider', 'node_id'], help: 'A registered model; always 1.', source: 'models: name, type, deploymentType, framework, provider, nodeId', seed: 'models list' }),
  modelStatus: def({ area: 'models', name: 'aiwm_model_status', type: 'gauge', semantics: 'stateset', states: withOther(MODEL_STATUSES), unit: '', labels: [...MODEL, 'status'], help: 'Model status: 1 for the current status, 0 for the others.', source: 'models.status', seed: 'models[].status' }),
  modelSize: def({ area: 'models', name: 'aiwm_model_size_bytes', type: 'gauge', unit: 'bytes', labels: MODEL, help: 'Model file size (self-hosted models).', source: 'models.fileSize', seed: 'storage.totalSize, models[].size' }),
  models: def({ area: 'models', name: 'aiwm_models', type: 'gauge', unit: '', labels: ['org_id', 'model_type', 'deployment_type', 'status'], help: 'Models by type, deployment type and status.', source: 'models.type, deploymentType, status', seed: 'models.total/active/inactive/downloading/failed, byType, byDeploymentType' }),

  // ---- deployments -------------------------------------------------------------------------
  deploymentInfo: def({ area: 'deployments', name: 'aiwm_deployment_info', type: 'gauge', semantics: 'info', unit: '', labels: [...DEPLOYMENT, 'deployment_name', 'model_id', 'node_id', 'resource_id'], help: 'A model deployment; always 1.', source: 'deployments: name, modelId, nodeId, resourceId', seed: 'deployments list' }),
  deploymentStatus: def({ area: 'deployments', name: 'aiwm_deployment_status', type: 'gauge', semantics: 'stateset', states: withOther(DEPLOYMENT_STATUSES), unit: '', labels: [...DEPLOYMENT, 'status'], help: 'Deployment status: 1 for the current status, 0 for the others.', source: 'deployments.status', seed: 'deployments[].status' }),
  deploymentRequests: def({ area: 'deployments', name: 'aiwm_deployment_requests_total', type: 'counter', unit: '', labels: DEPLOYMENT, help: 'Inference requests served since the deployment was created (AIWM keeps the running total).', source: 'deployments.requestCount', seed: 'inferenceRequests, usage.totalRequests, requests24h' }),
  deploymentTokens: def({ area: 'deployments', name: 'aiwm_deployment_tokens_total', type: 'counter', unit: '', labels: DEPLOYMENT, help: 'Tokens processed since the deployment was created.', source: 'deployments.totalTokens', seed: 'usage.tokenUsage, throughput.tokensPerSecond' }),
  deploymentCost: def({ area: 'deployments', name: 'aiwm_deployment_cost_usd_total', type: 'counter', unit: 'usd', labels: DEPLOYMENT, help: 'Cost in US dollars since the deployment was created.', source: 'deployments.totalCost' }),
  deploymentLatency: def({ area: 'deployments', name: 'aiwm_deployment_response_latency_seconds', type: 'histogram', unit: 'seconds', labels: DEPLOYMENT, buckets: LATENCY_BUCKETS, help: 'Response latency of assistant messages from agents bound to the deployment.', source: 'messages.latency (ms) of role=assistant, via conversations.agentId -> agents.deploymentId', seed: 'avgLatency, latency.p50/p95/p99' }),
  deploymentResponses: def({ area: 'deployments', name: 'aiwm_deployment_responses_total', type: 'counter', unit: '', labels: [...DEPLOYMENT, 'outcome'], help: 'Assistant responses from agents bound to the deployment, by outcome (success, failed).', source: 'messages role=assistant; failed when status=failed, type=error or error is set', seed: 'successRate, requests.successful/failed' }),
  deployments: def({ area: 'deployments', name: 'aiwm_deployments', type: 'gauge', unit: '', labels: ['org_id', 'status'], help: 'Deployments by status.', source: 'deployments.status', seed: 'deployments.total/running/stopped/deploying/failed' }),

  // ---- agents ------------------------------------------------------------------------------
  agentInfo: def({ area: 'agents', name: 'aiwm_agent_info', type: 'gauge', semantics: 'info', unit: '', labels: [...AGENT, 'agent_name', 'agent_type', 'deployment_id', 'node_id'], help: 'An AI agent; always 1.', source: 'agents: name, type, deploymentId, nodeId', seed: 'agents list' }),
  agentStatus: def({ area: 'agents', name: 'aiwm_agent_status', type: 'gauge', semantics: 'stateset', states: withOther(AGENT_STATUSES), unit: '', labels: [...AGENT, 'status'], help: 'Agent status: 1 for the current status, 0 for the others.', source: 'agents.status', seed: 'agents[].status' }),
  agentHeartbeat: def({ area: 'agents', name: 'aiwm_agent_last_heartbeat_timestamp_seconds', type: 'gauge', unit: 'seconds', labels: AGENT, help: 'Unix time of the agent\'s last heartbeat.', source: 'agents.lastHeartbeatAt' }),
  agentConnections: def({ area: 'agents', name: 'aiwm_agent_connections', type: 'gauge', unit: '', labels: AGENT, help: 'Connection count AIWM records for the agent.', source: 'agents.connectionCount' }),
  agentTasks: def({ area: 'agents', name: 'aiwm_agent_tasks_total', type: 'counter', unit: '', labels: AGENT, help: 'Tasks: assistant responses the agent produced.', source: 'messages role=assistant (conversation -> agent)', seed: 'agentTasks, performance.totalTasks, tasksExecuted, agents[].totalTasks' }),
  agentLastTask: def({
    area: 'agents',
    name: 'aiwm_agent_last_task_timestamp_seconds',
    type: 'gauge',
    unit: 'seconds',
    labels: AGENT,
    help: 'Unix time of the newest task (assistant message) counted for the agent; absent until the exporter has counted one (COUNT_EVENTS_FROM sets how far back it reads).',
    source: 'messages.createdAt of role=assistant (conversation -> agent)',
    seed: 'agents[].lastTask',
  }),
  agentTaskFailures: def({ area: 'agents', name: 'aiwm_agent_task_failures_total', type: 'counter', unit: '', labels: AGENT, help: 'Assistant responses that failed (status failed, type error, or an error set).', source: 'messages role=assistant with status=failed, type=error or error', seed: 'performance.failed, failedTasks, successRate' }),
  agentLatency: def({ area: 'agents', name: 'aiwm_agent_response_latency_seconds', type: 'histogram', unit: 'seconds', labels: AGENT, buckets: LATENCY_BUCKETS, help: 'Response latency of the agent\'s assistant messages.', source: 'messages.latency (ms) of role=assistant', seed: 'avgResponseTime, responseTime timeline' }),
  agentTokens: def({ area: 'agents', name: 'aiwm_agent_tokens_total', type: 'counter', unit: '', labels: [...AGENT, 'kind'], help: 'Tokens used by the agent\'s messages, by kind (prompt, completion).', source: 'messages.usage.promptTokens, completionTokens' }),
  agentMessages: def({ area: 'agents', name: 'aiwm_agent_messages_total', type: 'counter', unit: '', labels: [...AGENT, 'role'], help: 'Messages in the agent\'s conversations, by role.', source: 'messages.role', seed: 'activity24h.messages' }),
  agentToolCalls: def({ area: 'agents', name: 'aiwm_agent_tool_calls_total', type: 'counter', unit: '', labels: [...AGENT, 'outcome'], help: 'Tool results in the agent\'s messages, by outcome (success, failed).', source: 'messages.toolResults[].success' }),
  agentConversations: def({ area: 'agents', name: 'aiwm_agent_conversations_total', type: 'counter', unit: '', labels: AGENT, help: 'Conversations started with the agent.', source: 'conversations.agentId, createdAt', seed: 'activity24h.conversations' }),
  agents: def({ area: 'agents', name: 'aiwm_agents', type: 'gauge', unit: '', labels: ['org_id', 'status'], help: 'Agents by status.', source: 'agents.status', seed: 'agents.total/active/busy/inactive' }),

  // ---- executions --------------------------------------------------------------------------
  executions: def({ area: 'executions', name: 'aiwm_executions', type: 'gauge', unit: '', labels: ['org_id', 'category', 'type', 'status'], help: 'Executions by category, type (capped by EXECUTION_TYPE_LABEL_LIMIT, the rest "other") and status, counted in MongoDB.', source: 'executions.category, type, status (aggregation)', seed: 'executions.total/completed/running/failed/pending, byType' }),
  executionCompletions: def({ area: 'executions', name: 'aiwm_execution_completions_total', type: 'counter', unit: '', labels: ['org_id', 'category', 'outcome'], help: 'Executions that finished, by outcome (completed, failed, cancelled, timeout).', source: 'executions.status, completedAt (incremental)', seed: 'performance.successRate' }),
  executionDuration: def({ area: 'executions', name: 'aiwm_execution_duration_seconds', type: 'histogram', unit: 'seconds', labels: ['org_id', 'category'], buckets: DURATION_BUCKETS, help: 'Run time of finished executions (completedAt - startedAt).', source: 'executions.startedAt, completedAt', seed: 'performance.avgDuration' }),
  executionRetries: def({ area: 'executions', name: 'aiwm_execution_retries_total', type: 'counter', unit: '', labels: ['org_id', 'category'], help: 'Retries spent by finished executions.', source: 'executions.retryCount' }),
  executionRetried: def({ area: 'executions', name: 'aiwm_execution_retried_total', type: 'counter', unit: '', labels: ['org_id', 'category'], help: 'Finished executions that needed at least one retry.', source: 'executions.retryCount > 0', seed: 'performance.retryRate' }),
  executionProgress: def({ area: 'executions', name: 'aiwm_execution_running_progress_ratio', type: 'gauge', unit: 'ratio', labels: ['org_id', 'category'], help: 'Average progress (0-1) of running executions.', source: 'executions.progress where status=running', seed: 'executions[].progress (aggregated: ids are not labels)' }),
  executionOverdue: def({ area: 'executions', name: 'aiwm_executions_overdue', type: 'gauge', unit: '', labels: ['org_id', 'category'], help: 'Running executions past their timeoutAt.', source: 'executions.timeoutAt where status=running' }),
} as const;

export type MetricKey = keyof typeof M;
export const CATALOG: readonly MetricDef[] = Object.values(M);
