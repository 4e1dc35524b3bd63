import type { RuleArea } from './model.js';
import { WORKLOAD_ALERT as W } from '../../queries/workloads.js';
import { ORG, pct, s } from './series.js';
import { THRESHOLDS as T } from './thresholds.js';
import { DASHBOARD } from './dashboards.js';

const deploymentInfo = (id: string, name: string, values = '1x150') =>
  s(
    'aiwm_deployment_info',
    { org_id: ORG, deployment_id: id, deployment_name: name, model_id: 'm1', node_id: 'n1', resource_id: 'r1' },
    values,
  );
const agentInfo = (id: string, name: string, values = '1x150') =>
  s(
    'aiwm_agent_info',
    { org_id: ORG, agent_id: id, agent_name: name, agent_type: 'managed', deployment_id: 'd1', node_id: 'n1' },
    values,
  );
const deploymentLabels = { org_id: ORG, deployment_id: 'd1', deployment_name: 'llama-3-8b-prod', node_id: 'n1' };

const deploymentTraffic = [
  s('aiwm_deployment_responses_total', { org_id: ORG, deployment_id: 'd1', outcome: 'success' }, '0+54x30'),
  s('aiwm_deployment_responses_total', { org_id: ORG, deployment_id: 'd1', outcome: 'failed' }, '0+6x30'),
];

export const WORKLOADS: RuleArea = {
  file: 'workloads',
  title: 'Deployments, models, executions, agents and resources',
  groupName: 'aiwm.workloads',
  alerts: [
    {
      alert: 'AIWMDeploymentFailed',
      severity: 'critical',
      expr: W.deploymentFailed(),
      for: T.deploymentFailed.for,
      summary: 'Model deployment failed',
      description:
        'Deployment {{ $labels.deployment_name }} ({{ $labels.deployment_id }}) on node {{ $labels.node_id }} is in state {{ $labels.status }}.',
      anchor: 'aiwmdeploymentfailed',
      dashboard: DASHBOARD.deployment,
      runbook: {
        meaning:
          'A model deployment is in AIWM state failed or error: its endpoint serves nothing, and agents bound to it fail.',
        check: [
          '`AIWM / AI Workload / Deployment detail › Requests per second` and `AIWM / AI Workload / Deployment detail › Responses by outcome`: when did requests stop, and since when do responses fail.',
          "The deployment's `errorMessage` in AIWM and the failed step of its deploy execution in AIWM (category deployment).",
          'The inference container on the node: `docker logs` / `docker inspect` (image pull, GPU not visible, CUDA out of memory, model files missing).',
        ],
        act: ['Fix the cause and redeploy from AIWM; if the node is at fault, deploy on another node.'],
      },
      test: {
        series: [
          s('aiwm_deployment_status', { org_id: ORG, deployment_id: 'd1', status: 'failed' }, '1x10'),
          deploymentInfo('d1', 'llama-3-8b-prod'),
        ],
        quietAt: '3m',
        firingAt: '6m',
        alerts: [
          {
            labels: { severity: 'critical', ...deploymentLabels, status: 'failed' },
            summary: 'Model deployment failed',
            description: 'Deployment llama-3-8b-prod (d1) on node n1 is in state failed.',
          },
        ],
      },
    },
    {
      alert: 'AIWMDeploymentLatencyHigh',
      severity: 'warning',
      needsRecording: true,
      expr: W.deploymentLatencyAbove(T.deploymentLatency.p95Seconds, T.deploymentLatency.minRequestsPerSecond),
      for: T.deploymentLatency.for,
      summary: 'Model deployment responds slowly',
      description: `Deployment {{ $labels.deployment_name }} answers in {{ $value | humanizeDuration }} at the 95th percentile over 5 minutes (warning above ${T.deploymentLatency.p95Seconds}s).`,
      anchor: 'aiwmdeploymentlatencyhigh',
      dashboard: DASHBOARD.deployment,
      runbook: {
        meaning:
          'Responses from agents bound to the deployment are slow: users wait, and agent tasks time out. Latency is measured on assistant messages (AIWM records no per-request latency on the model endpoint).',
        check: [
          '`AIWM / AI Workload / Deployment detail › Latency p50 / p95 / p99` against `AIWM / AI Workload / Deployment detail › Requests per second`: a rise with traffic means saturation, a rise without it means a slower model path or a sick GPU.',
          "`AIWM / AI Workload / Deployment detail › GPU utilization` and `AIWM / AI Workload / Deployment detail › GPU temperature`: the GPUs of the deployment's node (throttling shows as high temperature with lower clocks).",
          'vLLM/Triton metrics on the container: queue length, KV cache usage.',
        ],
        act: [
          'Scale out (another deployment of the model) or lower the load; restart a deployment whose GPU is throttling after fixing the cooling.',
        ],
      },
      test: {
        series: [
          ...['10:0', '20:60', '+Inf:60'].map((b) => {
            const [le, perMinute] = b.split(':');
            return s(
              'aiwm_deployment_response_latency_seconds_bucket',
              { org_id: ORG, deployment_id: 'd1', le: le! },
              `0+${perMinute}x30`,
            );
          }),
          ...deploymentTraffic,
          deploymentInfo('d1', 'llama-3-8b-prod'),
        ],
        quietAt: '8m',
        firingAt: '13m',
        alerts: [
          {
            labels: { severity: 'warning', ...deploymentLabels },
            summary: 'Model deployment responds slowly',
            description:
              'Deployment llama-3-8b-prod answers in 19.5s at the 95th percentile over 5 minutes (warning above 10s).',
          },
        ],
      },
    },
    {
      alert: 'AIWMDeploymentErrorRatioHigh',
      severity: 'warning',
      needsRecording: true,
      expr: W.deploymentErrorsAbove(T.deploymentErrors.ratio, T.deploymentErrors.minResponsesPerSecond),
      for: T.deploymentErrors.for,
      summary: 'Model deployment returns errors',
      description: `{{ $value | humanizePercentage }} of the responses from deployment {{ $labels.deployment_name }} failed over the last 5 minutes (warning above ${pct(T.deploymentErrors.ratio)} %).`,
      anchor: 'aiwmdeploymenterrorratiohigh',
      dashboard: DASHBOARD.deployment,
      runbook: {
        meaning:
          'A share of the assistant responses served through the deployment fail (message status failed or an error).',
        check: [
          '`AIWM / AI Workload / Deployment detail › Error ratio` and `AIWM / AI Workload / Deployment detail › Responses by outcome`: since when, and how many; the error messages themselves are in AIWM (messages with status failed).',
          'The inference container logs on the node; provider status for api-based models.',
        ],
        act: [
          'Roll back a recent model or configuration change; restart the deployment; for api-based models check credentials and quotas.',
        ],
      },
      test: {
        series: [...deploymentTraffic, deploymentInfo('d1', 'llama-3-8b-prod')],
        quietAt: '8m',
        firingAt: '13m',
        alerts: [
          {
            labels: { severity: 'warning', ...deploymentLabels },
            summary: 'Model deployment returns errors',
            description:
              '10% of the responses from deployment llama-3-8b-prod failed over the last 5 minutes (warning above 5 %).',
          },
        ],
      },
    },
    {
      alert: 'AIWMDeploymentIdle',
      severity: 'info',
      needsRecording: true,
      expr: W.deploymentIdle(),
      for: T.deploymentIdle.for,
      summary: 'Running deployment receives no requests',
      description:
        'Deployment {{ $labels.deployment_name }} is running but has served no request for an hour: it holds GPUs for nothing.',
      anchor: 'aiwmdeploymentidle',
      dashboard: DASHBOARD.deployment,
      runbook: {
        meaning:
          'A deployment holds GPUs while nothing uses it. Not an outage; a capacity and cost signal (info: not routed to anyone).',
        check: ['Whether clients still point at the endpoint (agents bound to the deployment, API keys in use).'],
        act: ['Stop the deployment or scale it to zero if it is not needed.'],
      },
      test: {
        series: [
          s('aiwm_deployment_status', { org_id: ORG, deployment_id: 'd1', status: 'running' }, '1x90'),
          s('aiwm_deployment_requests_total', { org_id: ORG, deployment_id: 'd1' }, '500x90'),
          deploymentInfo('d1', 'llama-3-8b-prod'),
        ],
        quietAt: '50m',
        firingAt: '70m',
        alerts: [
          {
            labels: { severity: 'info', ...deploymentLabels, status: 'running' },
            summary: 'Running deployment receives no requests',
            description:
              'Deployment llama-3-8b-prod is running but has served no request for an hour: it holds GPUs for nothing.',
          },
        ],
      },
    },
    {
      alert: 'AIWMExecutionFailureRatioHigh',
      severity: 'warning',
      needsRecording: true,
      expr: W.executionFailuresAbove(T.executionFailures.ratio, T.executionFailures.minCompletions),
      for: T.executionFailures.for,
      summary: 'Many workflow executions fail',
      description: `{{ $value | humanizePercentage }} of the {{ $labels.category }} executions in org {{ $labels.org_id }} failed or timed out over the last 30 minutes (warning above ${pct(T.executionFailures.ratio)} %).`,
      anchor: 'aiwmexecutionfailureratiohigh',
      dashboard: DASHBOARD.executions,
      runbook: {
        meaning:
          "AIWM workflows (model downloads, deployments, maintenance, batch jobs) of one category fail often: users' requests to AIWM are not carried out.",
        check: [
          '`AIWM / AI Workload / Executions › Finished per second by outcome`: since when, and in which outcome; the error and failed step of recent ones are in AIWM.',
          'Whether the failures share a node (`nodeId`) or a step.',
        ],
        act: ['Fix the shared cause (node, registry, storage, provider); re-run the failed executions from AIWM.'],
      },
      test: {
        series: [
          s('aiwm_execution_completions_total', { org_id: ORG, category: 'model', outcome: 'completed' }, '0+6x40'),
          s('aiwm_execution_completions_total', { org_id: ORG, category: 'model', outcome: 'failed' }, '0+4x40'),
        ],
        quietAt: '10m',
        firingAt: '20m',
        alerts: [
          {
            labels: { severity: 'warning', org_id: ORG, category: 'model' },
            summary: 'Many workflow executions fail',
            description:
              '40% of the model executions in org org-a failed or timed out over the last 30 minutes (warning above 20 %).',
          },
        ],
      },
    },
    {
      alert: 'AIWMExecutionOverdue',
      severity: 'warning',
      expr: W.executionsOverdue(),
      for: T.executionOverdue.for,
      summary: 'Executions running past their timeout',
      description:
        '{{ $value | humanize }} running {{ $labels.category }} executions in org {{ $labels.org_id }} are past their timeoutAt.',
      anchor: 'aiwmexecutionoverdue',
      dashboard: DASHBOARD.executions,
      runbook: {
        meaning:
          "Executions still run after their `timeoutAt`: AIWM's own timeout handling did not stop them, so they may hold resources or block follow-up work.",
        check: [
          '`AIWM / AI Workload / Executions › Running past their timeout`: how many, by category, since when; in MongoDB: `db.executions.find({status: "running", timeoutAt: {$lt: new Date()}})` for their ids, steps and node.',
        ],
        act: ['Cancel them in AIWM; check the AIWM worker that runs them (the node in `nodeId`).'],
      },
      test: {
        series: [s('aiwm_executions_overdue', { org_id: ORG, category: 'model' }, '2x10')],
        quietAt: '3m',
        firingAt: '6m',
        alerts: [
          {
            labels: { severity: 'warning', org_id: ORG, category: 'model' },
            summary: 'Executions running past their timeout',
            description: '2 running model executions in org org-a are past their timeoutAt.',
          },
        ],
      },
    },
    {
      alert: 'AIWMModelFailed',
      severity: 'warning',
      expr: W.modelFailed(),
      for: T.modelFailed.for,
      summary: 'Model download or deployment failed',
      description: 'Model {{ $labels.model_name }} ({{ $labels.model_id }}) is in state {{ $labels.status }}.',
      anchor: 'aiwmmodelfailed',
      dashboard: DASHBOARD.models,
      runbook: {
        meaning:
          'A model could not be downloaded or deployed, or its provider rejects the credentials: it cannot serve.',
        check: [
          "The model's download or deploy execution (Executions, category model) and its error.",
          'Disk space and network on the node for downloads; the provider API key for invalid-credentials.',
        ],
        act: ['Fix the cause and retry the download or deployment from AIWM.'],
      },
      test: {
        series: [
          s('aiwm_model_status', { org_id: ORG, model_id: 'm1', status: 'download-failed' }, '1x15'),
          s(
            'aiwm_model_info',
            {
              org_id: ORG,
              model_id: 'm1',
              model_name: 'Llama-3.1-8B',
              model_type: 'llm',
              deployment_type: 'self-hosted',
              framework: 'vllm',
              provider: '',
              node_id: 'n1',
            },
            '1x15',
          ),
        ],
        quietAt: '8m',
        firingAt: '11m',
        alerts: [
          {
            labels: {
              severity: 'warning',
              org_id: ORG,
              model_id: 'm1',
              model_name: 'Llama-3.1-8B',
              status: 'download-failed',
            },
            summary: 'Model download or deployment failed',
            description: 'Model Llama-3.1-8B (m1) is in state download-failed.',
          },
        ],
      },
    },
    {
      alert: 'AIWMAgentErrorRatioHigh',
      severity: 'warning',
      needsRecording: true,
      expr: W.agentErrorsAbove(T.agentErrors.ratio, T.agentErrors.minTasks),
      for: T.agentErrors.for,
      summary: 'Agent tasks fail',
      description: `{{ $value | humanizePercentage }} of the tasks of agent {{ $labels.agent_name }} failed over the last 30 minutes (warning above ${pct(T.agentErrors.ratio)} %).`,
      anchor: 'aiwmagenterrorratiohigh',
      dashboard: DASHBOARD.agent,
      runbook: {
        meaning: "An agent's responses fail often (message status failed, type error): its users get errors.",
        check: [
          '`AIWM / AI Workload / Agent detail › Failure ratio` and `AIWM / AI Workload / Agent detail › Tasks and failures per second` over time; the failed tasks themselves are in AIWM (messages with status failed).',
          "The deployment the agent is bound to (is it failing too?) and the agent's tools (tool call failures).",
        ],
        act: ['Fix the deployment or tool at fault; suspend the agent if it keeps failing.'],
      },
      test: {
        series: [
          s('aiwm_agent_tasks_total', { org_id: ORG, agent_id: 'a1' }, '0+20x40'),
          s('aiwm_agent_task_failures_total', { org_id: ORG, agent_id: 'a1' }, '0+4x40'),
          agentInfo('a1', 'code-assistant'),
        ],
        quietAt: '10m',
        firingAt: '20m',
        alerts: [
          {
            labels: { severity: 'warning', org_id: ORG, agent_id: 'a1', agent_name: 'code-assistant' },
            summary: 'Agent tasks fail',
            description:
              '20% of the tasks of agent code-assistant failed over the last 30 minutes (warning above 10 %).',
          },
        ],
      },
    },
    {
      alert: 'AIWMAgentBusyTooLong',
      severity: 'info',
      expr: W.agentBusy(),
      for: T.agentBusy.for,
      summary: 'Agent busy for a long time',
      description: 'Agent {{ $labels.agent_name }} has been busy for over two hours.',
      anchor: 'aiwmagentbusytoolong',
      dashboard: DASHBOARD.agent,
      runbook: {
        meaning:
          'An agent stays busy: it may be stuck in a long tool loop, or AIWM missed its return to active (info: not routed).',
        check: [
          '`AIWM / AI Workload / Agent detail › Messages per second by role` and `AIWM / AI Workload / Agent detail › Last task`: is it still producing messages? Its last heartbeat is in AIWM.',
        ],
        act: ['If it is stuck, restart the agent from AIWM.'],
      },
      test: {
        series: [
          s('aiwm_agent_status', { org_id: ORG, agent_id: 'a1', status: 'busy' }, '1x150'),
          agentInfo('a1', 'code-assistant'),
        ],
        quietAt: '100m',
        firingAt: '125m',
        alerts: [
          {
            labels: { severity: 'info', org_id: ORG, agent_id: 'a1', agent_name: 'code-assistant', status: 'busy' },
            summary: 'Agent busy for a long time',
            description: 'Agent code-assistant has been busy for over two hours.',
          },
        ],
      },
    },
    {
      alert: 'AIWMResourceFailed',
      severity: 'warning',
      expr: W.resourceFailed(),
      for: T.resourceFailed.for,
      summary: 'VM or container failed',
      description:
        'The {{ $labels.resource_type }} {{ $labels.resource_name }} ({{ $labels.resource_id }}) on node {{ $labels.node_id }} is in state {{ $labels.status }}.',
      anchor: 'aiwmresourcefailed',
      dashboard: DASHBOARD.resources,
      runbook: {
        meaning: 'A VM or container AIWM manages failed to deploy or crashed.',
        check: [
          '`AIWM / Infrastructure / Resources › Resources`: the resource, its status and its node; its `errorMessage` in AIWM.',
          'On the node: `virsh list --all` / `docker ps -a` and the logs.',
        ],
        act: ['Redeploy it from AIWM; if the node is short of resources, pick another node.'],
      },
      test: {
        series: [
          s('aiwm_resource_status', { org_id: ORG, resource_id: 'r1', status: 'error' }, '1x15'),
          s(
            'aiwm_resource_info',
            {
              org_id: ORG,
              resource_id: 'r1',
              resource_name: 'ubuntu-gpu-vm',
              resource_type: 'virtual-machine',
              node_id: 'n1',
            },
            '1x15',
          ),
        ],
        quietAt: '8m',
        firingAt: '11m',
        alerts: [
          {
            labels: {
              severity: 'warning',
              org_id: ORG,
              resource_id: 'r1',
              resource_name: 'ubuntu-gpu-vm',
              resource_type: 'virtual-machine',
              node_id: 'n1',
              status: 'error',
            },
            summary: 'VM or container failed',
            description: 'The virtual-machine ubuntu-gpu-vm (r1) on node n1 is in state error.',
          },
        ],
      },
    },
  ],
};
