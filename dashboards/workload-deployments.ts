import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { unified } from './gpu.js';
import { Board, ORG, overRange, UID, drillDown } from './lib.js';

/** GPUs on nodes that run a running deployment (AIWM does not record which GPU a deployment uses). */
const deploymentNodes = `(aiwm_deployment_info{${ORG}} * on (org_id, deployment_id) group_left () (aiwm_deployment_status{status="running"} == 1))`;

const VRAM_USED = `node:aiwm_gpu_memory_used_bytes:sum{${ORG}}`;

/** Level 3: model deployments. */
export function deployments() {
  return new Board(
    UID.deployments,
    'AIWM / AI Workload / Deployments',
    'Model deployments: status, usage over the selected range and the GPUs they run on. Click a deployment for its metrics.',
  )
    .row(100, 'Deployments')
    .bars({
      id: 1,
      title: 'By status',
      description: 'Deployments by status.',
      unit: 'none',
      targets: [{ expr: `sum by (status) (aiwm_deployments{${ORG}})`, legend: '{{status}}' }],
    })
    .stat({
      id: 2,
      title: 'Requests',
      description: 'Inference requests over the selected range.',
      unit: 'short',
      targets: [{ expr: overRange('aiwm_deployment_requests_total') }],
      w: 3,
    })
    .stat({
      id: 3,
      title: 'Average latency',
      description: 'Mean response latency of agents bound to deployments over the range.',
      unit: 's',
      targets: [
        {
          expr: `${overRange('aiwm_deployment_response_latency_seconds_sum')} / ${overRange('aiwm_deployment_response_latency_seconds_count')}`,
        },
      ],
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'orange' }],
      w: 3,
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: 'Successful responses over the range.',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum(increase(aiwm_deployment_responses_total{${ORG}, outcome="success"}[$__range])) / ${overRange('aiwm_deployment_responses_total')}`,
        },
      ],
      base: 'red',
      steps: [{ value: 1 - T.deploymentErrors.ratio, color: 'green' }],
      min: 0,
      max: 1,
      w: 3,
    })
    .stat({
      id: 5,
      title: 'Tokens',
      description: 'Tokens processed over the range.',
      unit: 'short',
      targets: [{ expr: overRange('aiwm_deployment_tokens_total') }],
      w: 3,
    })
    .stat({
      id: 6,
      title: 'GPUs on deployment nodes',
      description: 'GPUs reported (by dcgm-exporter or AIWM) on nodes running a deployment, of all GPUs reported.',
      unit: 'none',
      targets: [
        {
          expr: `count(${unified('info', ORG)} and on (org_id, node_id) ${deploymentNodes})`,
          legend: 'on deployment nodes',
        },
        { expr: `count(${unified('info', ORG)})`, legend: 'reporting' },
      ],
      w: 3,
    })
    .stat({
      id: 7,
      title: 'VRAM used',
      description: 'GPU memory in use on the nodes running deployments.',
      unit: 'bytes',
      targets: [{ expr: `sum(${VRAM_USED} and on (org_id, node_id) ${deploymentNodes})` }],
      w: 3,
    })
    .timeseries({
      id: 8,
      title: 'Requests per second by deployment',
      description: "From AIWM's cumulative requestCount.",
      unit: 'reqps',
      targets: [
        {
          expr: `deployment:aiwm_deployment_requests:rate5m{${ORG}} * on (org_id, deployment_id) group_left (deployment_name) aiwm_deployment_info`,
          legend: '{{deployment_name}}',
        },
      ],
    })
    .timeseries({
      id: 9,
      title: 'p95 latency by deployment',
      description: `95th percentile response latency over 5 minutes; alert above ${T.deploymentLatency.p95Seconds}s.`,
      unit: 's',
      targets: [
        {
          expr: `deployment:aiwm_deployment_response_latency_seconds:p95_5m{${ORG}} * on (org_id, deployment_id) group_left (deployment_name) aiwm_deployment_info`,
          legend: '{{deployment_name}}',
        },
      ],
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'red' }],
    })
    .table({
      id: 10,
      title: 'Deployments',
      description: 'Every deployment with its status and requests over the range.',
      unit: 'none',
      targets: [
        { expr: `aiwm_deployment_info{${ORG}}`, table: true },
        { expr: `label_replace(aiwm_deployment_status{${ORG}} == 1, "state", "$1", "status", "(.*)")`, table: true },
        {
          expr: `sum by (org_id, deployment_id) (increase(aiwm_deployment_requests_total{${ORG}}[$__range]))`,
          table: true,
        },
      ],
      columns: {
        deployment_name: 'Deployment',
        state: 'Status',
        'Value #C': 'Requests',
        node_id: 'Node',
        model_id: 'Model',
        deployment_id: 'Id',
      },
      link: { title: 'Deployment detail', url: drillDown(UID.deploymentDetail, { deployment: '${__data.fields.Id}' }) },
    })
    .build();
}
