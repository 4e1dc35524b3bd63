import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { BY_DEPLOYMENT, M, eq } from '../queries/index.js';
import * as gpus from '../queries/gpus.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, UID, drillDown } from './lib.js';

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
      targets: [{ expr: w.totalBy(M.deployments, 'status', ORG), legend: '{{status}}' }],
    })
    .stat({
      id: 2,
      title: 'Requests',
      description: 'Inference requests over the selected range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.deploymentRequests, ORG, RANGE) }],
      w: 3,
    })
    .stat({
      id: 3,
      title: 'Average latency',
      description: 'Mean response latency of agents bound to deployments over the range.',
      unit: 's',
      targets: [{ expr: w.meanOver(M.deploymentLatency, ORG, RANGE) }],
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'orange' }],
      w: 3,
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: 'Successful responses over the range.',
      unit: 'percentunit',
      targets: [{ expr: w.shareOver(M.deploymentResponses, eq('outcome', 'success'), ORG, RANGE) }],
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
      targets: [{ expr: w.increaseOver(M.deploymentTokens, ORG, RANGE) }],
      w: 3,
    })
    .stat({
      id: 6,
      title: 'GPUs on deployment nodes',
      description: 'GPUs reported (by dcgm-exporter or AIWM) on nodes running a deployment, of all GPUs reported.',
      unit: 'none',
      targets: [
        { expr: w.gpusOnDeploymentNodes(ORG), legend: 'on deployment nodes' },
        { expr: gpus.gpusReporting(ORG), legend: 'reporting' },
      ],
      w: 3,
    })
    .stat({
      id: 7,
      title: 'VRAM used',
      description: 'GPU memory in use on the nodes running deployments.',
      unit: 'bytes',
      targets: [{ expr: w.vramOnDeploymentNodes(ORG) }],
      w: 3,
    })
    .timeseries({
      id: 8,
      title: 'Requests per second by deployment',
      description: "From AIWM's cumulative requestCount.",
      unit: 'reqps',
      targets: [{ expr: w.requestRateByDeployment(ORG), legend: '{{deployment_name}}' }],
    })
    .timeseries({
      id: 9,
      title: 'p95 latency by deployment',
      description: `95th percentile response latency over 5 minutes; alert above ${T.deploymentLatency.p95Seconds}s.`,
      unit: 's',
      targets: [{ expr: w.latencyP95ByDeployment(ORG), legend: '{{deployment_name}}' }],
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'red' }],
    })
    .table({
      id: 10,
      title: 'Deployments',
      description: 'Every deployment with its status and requests over the range.',
      unit: 'none',
      targets: [
        { expr: w.perEntity(M.deploymentInfo, ORG), table: true },
        { expr: w.stateColumn(M.deploymentStatus, ORG), table: true },
        { expr: w.increaseOver(M.deploymentRequests, ORG, RANGE, BY_DEPLOYMENT), table: true },
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
