import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { M, eq } from '../queries/index.js';
import * as gpus from '../queries/gpus.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, UID, drillDown } from './lib.js';
import { DEPLOYMENT_STATES, DEPLOYMENT_STATE_COLORS, alertCell, nanAs } from './states.js';

/** Table rows join on the deployment id alone: its responses carry the org of the conversation. */
const ID = w.BY_DEPLOYMENT_ID;

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
      description: 'Deployments by status, in a neutral colour (the Deployments table colours each status).',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.deployments, 'status', ORG), legend: '{{status}}' }],
      seriesColors: DEPLOYMENT_STATE_COLORS,
      base: 'blue',
    })
    .stat({
      id: 2,
      title: 'Requests',
      description: 'Inference requests over the selected range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.deploymentRequests, ORG, RANGE) }],
      base: 'blue',
      w: 3,
      h: 6,
    })
    .stat({
      id: 3,
      title: 'Average latency',
      description: `Mean response latency of agents bound to deployments over the range; the alert fires on a deployment's p95 above ${T.deploymentLatency.p95Seconds}s.`,
      unit: 's',
      targets: [{ expr: w.meanOver(M.deploymentLatency, ORG, RANGE) }],
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'orange' }],
      mappings: [nanAs('no traffic')],
      w: 3,
      h: 6,
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: `Successful responses over the range; red below ${100 - T.deploymentErrors.ratio * 100} % (the error-ratio alert).`,
      unit: 'percentunit',
      targets: [{ expr: w.shareOver(M.deploymentResponses, eq('outcome', 'success'), ORG, RANGE) }],
      mappings: [nanAs('no traffic')],
      base: 'red',
      steps: [{ value: 1 - T.deploymentErrors.ratio, color: 'green' }],
      min: 0,
      max: 1,
      w: 3,
      h: 6,
    })
    .stat({
      id: 5,
      title: 'Tokens',
      description: 'Tokens processed over the range.',
      unit: 'short',
      targets: [{ expr: w.increaseOver(M.deploymentTokens, ORG, RANGE) }],
      base: 'blue',
      w: 3,
      h: 6,
    })
    .stat({
      id: 6,
      title: 'GPUs on deployment nodes',
      description: 'GPUs reported (by dcgm-exporter or AIWM) on nodes running a deployment, of all GPUs reported.',
      unit: 'short',
      targets: [
        { expr: w.gpusOnDeploymentNodes(ORG), legend: 'on deployment nodes' },
        { expr: gpus.gpusReporting(ORG), legend: 'reporting' },
      ],
      base: 'blue',
      w: 3,
      h: 6,
    })
    .stat({
      id: 7,
      title: 'VRAM used',
      description: 'GPU memory in use on the nodes running deployments.',
      unit: 'bytes',
      targets: [{ expr: w.vramOnDeploymentNodes(ORG) }],
      base: 'blue',
      w: 3,
      h: 6,
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
    .timeseries({
      id: 11,
      title: 'Error ratio by deployment',
      description: `Failed share of responses over 5 minutes; alert above ${T.deploymentErrors.ratio * 100} %.`,
      unit: 'percentunit',
      targets: [{ expr: w.errorRatioByDeployment(ORG), legend: '{{deployment_name}}' }],
      min: 0,
      max: 1,
      steps: [{ value: T.deploymentErrors.ratio, color: 'red' }],
    })
    .timeseries({
      id: 12,
      title: 'Tokens per second by deployment',
      description: "Throughput over 5 minutes, from AIWM's cumulative totalTokens.",
      unit: 'short',
      targets: [{ expr: w.tokenRateByDeployment(ORG), legend: '{{deployment_name}}' }],
    })
    .table({
      id: 10,
      title: 'Deployments',
      description: `Every deployment with its status, requests over the range, and p95 latency and error ratio over the last 5 minutes (red above the alert thresholds, ${T.deploymentLatency.p95Seconds}s and ${T.deploymentErrors.ratio * 100} %).`,
      unit: 'none',
      targets: [
        {
          expr: w.infoColumns(M.deploymentInfo, [...ID, 'deployment_name', 'model_id', 'node_id'], ORG),
          table: true,
        },
        { expr: w.stateCode(M.deploymentStatus, ID, ORG), table: true },
        { expr: w.increaseOver(M.deploymentRequests, ORG, RANGE, ID), table: true },
        { expr: w.deploymentLatencyColumn(0.95, ORG), table: true },
        { expr: w.deploymentErrorRatioColumn(ORG), table: true },
      ],
      columns: {
        deployment_name: 'Deployment',
        'Value #B': 'Status',
        'Value #C': 'Requests',
        'Value #D': 'p95 latency (5 m)',
        'Value #E': 'Error ratio (5 m)',
        node_id: 'Node',
        model_id: 'Model',
        deployment_id: 'Id',
      },
      cells: {
        'Value #B': { mappings: DEPLOYMENT_STATES, color: 'background' },
        'Value #C': { unit: 'short' },
        'Value #D': alertCell('s', [{ value: T.deploymentLatency.p95Seconds, color: 'red' }], 'no traffic'),
        'Value #E': alertCell('percentunit', [{ value: T.deploymentErrors.ratio, color: 'red' }], 'no traffic'),
      },
      link: { title: 'Deployment detail', url: drillDown(UID.deploymentDetail, { deployment: '${__data.fields.Id}' }) },
    })
    .build();
}
