import type { RecordingGroup } from './model.js';

/** Joins a node-level expression to online nodes only. */
const onlineOnly = (expr: string) => `${expr} * on (org_id, node_id) group_left () (aiwm_node_status{status="online"} == 1)`;

/**
 * Recording rules (`level:metric:operations`) for what the dashboards, the alerts and the JSON
 * facade reuse. The cheap group runs every evaluation; quantiles and long windows run each minute.
 */
export const RECORDING_GROUPS: RecordingGroup[] = [
  {
    name: 'aiwm.recording',
    rules: [
      { record: 'org:aiwm_gpu_utilization_ratio:avg', expr: 'avg by (org_id) (aiwm_gpu_utilization_ratio)' },
      { record: 'node:aiwm_gpu_utilization_ratio:avg', expr: 'avg by (org_id, node_id) (aiwm_gpu_utilization_ratio)' },
      { record: 'node:aiwm_gpu_memory_used_bytes:sum', expr: 'sum by (org_id, node_id) (aiwm_gpu_memory_used_bytes)' },
      { record: 'node:aiwm_gpu_memory_total_bytes:sum', expr: 'sum by (org_id, node_id) (aiwm_gpu_memory_total_bytes)' },
      { record: 'org:aiwm_gpus_active:count', expr: 'count by (org_id) (aiwm_gpu_utilization_ratio > 0)' },
      { record: 'org:aiwm_node_cpu_usage_ratio:avg_online', expr: `avg by (org_id) (${onlineOnly('aiwm_node_cpu_usage_ratio')})` },
      { record: 'org:aiwm_node_memory_usage_ratio:avg_online', expr: `avg by (org_id) (${onlineOnly('aiwm_node_memory_usage_ratio')})` },
      { record: 'deployment:aiwm_deployment_requests:rate5m', expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_requests_total[5m]))' },
      { record: 'deployment:aiwm_deployment_tokens:rate5m', expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_tokens_total[5m]))' },
      { record: 'deployment:aiwm_deployment_responses:rate5m', expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_responses_total[5m]))' },
      {
        record: 'deployment:aiwm_deployment_responses:error_ratio_5m',
        expr: 'sum by (org_id, deployment_id) (rate(aiwm_deployment_responses_total{outcome="failed"}[5m])) / deployment:aiwm_deployment_responses:rate5m',
      },
      { record: 'agent:aiwm_agent_tasks:rate5m', expr: 'sum by (org_id, agent_id) (rate(aiwm_agent_tasks_total[5m]))' },
    ],
  },
  {
    name: 'aiwm.recording.expensive',
    interval: '1m',
    rules: [
      { record: 'deployment:aiwm_deployment_response_latency_seconds_bucket:rate5m', expr: 'sum by (org_id, deployment_id, le) (rate(aiwm_deployment_response_latency_seconds_bucket[5m]))' },
      ...[0.5, 0.95, 0.99].map((q) => ({
        record: `deployment:aiwm_deployment_response_latency_seconds:p${Math.round(q * 100)}_5m`,
        expr: `histogram_quantile(${q}, deployment:aiwm_deployment_response_latency_seconds_bucket:rate5m)`,
      })),
      { record: 'agent:aiwm_agent_response_latency_seconds_bucket:rate5m', expr: 'sum by (org_id, agent_id, le) (rate(aiwm_agent_response_latency_seconds_bucket[5m]))' },
      { record: 'agent:aiwm_agent_response_latency_seconds:p95_5m', expr: 'histogram_quantile(0.95, agent:aiwm_agent_response_latency_seconds_bucket:rate5m)' },
      { record: 'agent:aiwm_agent_tasks:increase30m', expr: 'sum by (org_id, agent_id) (increase(aiwm_agent_tasks_total[30m]))' },
      { record: 'agent:aiwm_agent_task_failures:ratio_30m', expr: 'sum by (org_id, agent_id) (increase(aiwm_agent_task_failures_total[30m])) / agent:aiwm_agent_tasks:increase30m' },
      { record: 'org_category:aiwm_execution_completions:increase30m', expr: 'sum by (org_id, category) (increase(aiwm_execution_completions_total[30m]))' },
      {
        record: 'org_category:aiwm_execution_failures:ratio_30m',
        expr: 'sum by (org_id, category) (increase(aiwm_execution_completions_total{outcome=~"failed|timeout"}[30m])) / org_category:aiwm_execution_completions:increase30m',
      },
      {
        record: 'org_category:aiwm_execution_retried:ratio_30m',
        expr: 'sum by (org_id, category) (increase(aiwm_execution_retried_total[30m])) / org_category:aiwm_execution_completions:increase30m',
      },
      { record: 'org:aiwm_deployment_requests:increase24h', expr: 'sum by (org_id) (increase(aiwm_deployment_requests_total[24h]))' },
      { record: 'org:aiwm_agent_tasks:increase24h', expr: 'sum by (org_id) (increase(aiwm_agent_tasks_total[24h]))' },
    ],
  },
  {
    // Hourly org-level figures: a 90-day panel reads a few series every 5 minutes instead of every raw series.
    name: 'aiwm.recording.longterm',
    interval: '5m',
    rules: [
      { record: 'org:aiwm_deployment_requests:rate1h', expr: 'sum by (org_id) (rate(aiwm_deployment_requests_total[1h]))' },
      { record: 'org:aiwm_agent_tasks:rate1h', expr: 'sum by (org_id) (rate(aiwm_agent_tasks_total[1h]))' },
      { record: 'org:aiwm_agent_task_failures:rate1h', expr: 'sum by (org_id) (rate(aiwm_agent_task_failures_total[1h]))' },
      { record: 'org:aiwm_gpu_utilization_ratio:avg_over_time1h', expr: 'avg by (org_id) (avg_over_time(aiwm_gpu_utilization_ratio[1h]))' },
      { record: 'org:aiwm_node_cpu_usage_ratio:avg_over_time1h', expr: 'avg by (org_id) (avg_over_time(aiwm_node_cpu_usage_ratio[1h]))' },
    ],
  },
];

/** promtool promql_expr_test cases for the recording rules (1m input interval). */
export const RECORDING_TESTS = {
  series: [
    // Two GPUs on one node: 20 % and 60 %.
    { series: 'aiwm_gpu_utilization_ratio{org_id="org-a",node_id="n1",gpu="0"}', values: '0.2x15' },
    { series: 'aiwm_gpu_utilization_ratio{org_id="org-a",node_id="n1",gpu="1"}', values: '0.6x15' },
    { series: 'aiwm_node_cpu_usage_ratio{org_id="org-a",node_id="n1"}', values: '0.5x15' },
    { series: 'aiwm_node_cpu_usage_ratio{org_id="org-a",node_id="n2"}', values: '0.9x15' },
    { series: 'aiwm_node_status{org_id="org-a",node_id="n1",status="online"}', values: '1x15' },
    { series: 'aiwm_node_status{org_id="org-a",node_id="n2",status="online"}', values: '0x15' },
    // 60 requests a minute; 6 of 60 responses a minute fail.
    { series: 'aiwm_deployment_requests_total{org_id="org-a",deployment_id="d1"}', values: '0+60x15' },
    { series: 'aiwm_deployment_responses_total{org_id="org-a",deployment_id="d1",outcome="success"}', values: '0+54x15' },
    { series: 'aiwm_deployment_responses_total{org_id="org-a",deployment_id="d1",outcome="failed"}', values: '0+6x15' },
    // Every response lands in the (0.5, 1] bucket.
    ...['0.5:0', '1:60', '+Inf:60'].map((b) => {
      const [le, perMinute] = b.split(':');
      return { series: `aiwm_deployment_response_latency_seconds_bucket{org_id="org-a",deployment_id="d1",le="${le}"}`, values: `0+${perMinute}x15` };
    }),
    // 10 executions finish a minute, 2 of them failed.
    { series: 'aiwm_execution_completions_total{org_id="org-a",category="model",outcome="completed"}', values: '0+8x40' },
    { series: 'aiwm_execution_completions_total{org_id="org-a",category="model",outcome="failed"}', values: '0+2x40' },
  ],
  cases: [
    { at: '10m', expr: 'org:aiwm_gpu_utilization_ratio:avg', samples: [{ labels: 'org:aiwm_gpu_utilization_ratio:avg{org_id="org-a"}', value: 0.4 }] },
    { at: '10m', expr: 'org:aiwm_gpus_active:count', samples: [{ labels: 'org:aiwm_gpus_active:count{org_id="org-a"}', value: 2 }] },
    { at: '10m', expr: 'org:aiwm_node_cpu_usage_ratio:avg_online', samples: [{ labels: 'org:aiwm_node_cpu_usage_ratio:avg_online{org_id="org-a"}', value: 0.5 }] },
    { at: '10m', expr: 'deployment:aiwm_deployment_requests:rate5m', samples: [{ labels: 'deployment:aiwm_deployment_requests:rate5m{org_id="org-a",deployment_id="d1"}', value: 1 }] },
    { at: '10m', expr: 'deployment:aiwm_deployment_responses:error_ratio_5m', samples: [{ labels: 'deployment:aiwm_deployment_responses:error_ratio_5m{org_id="org-a",deployment_id="d1"}', value: 0.1 }] },
    // Linear interpolation inside (0.5, 1]: p50 = 0.75, p95 = 0.975.
    { at: '10m', expr: 'deployment:aiwm_deployment_response_latency_seconds:p50_5m', samples: [{ labels: 'deployment:aiwm_deployment_response_latency_seconds:p50_5m{org_id="org-a",deployment_id="d1"}', value: 0.75 }] },
    { at: '10m', expr: 'deployment:aiwm_deployment_response_latency_seconds:p95_5m', samples: [{ labels: 'deployment:aiwm_deployment_response_latency_seconds:p95_5m{org_id="org-a",deployment_id="d1"}', value: 0.975 }] },
    { at: '35m', expr: 'org_category:aiwm_execution_failures:ratio_30m', samples: [{ labels: 'org_category:aiwm_execution_failures:ratio_30m{org_id="org-a",category="model"}', value: 0.2 }] },
    { at: '15m', expr: 'org:aiwm_gpu_utilization_ratio:avg_over_time1h', samples: [{ labels: 'org:aiwm_gpu_utilization_ratio:avg_over_time1h{org_id="org-a"}', value: 0.4 }] },
  ],
};
