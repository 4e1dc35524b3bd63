import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { BY_DEPLOYMENT, DEPLOYMENT_LATENCY_QUANTILES, M, eq, type GpuSeries } from '../queries/index.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RATE, UID, namedEntityVariable } from './lib.js';
import { DEPLOYMENT_STATES } from './states.js';

const D = eq('deployment_id', '$deployment');
/** The deployment's node, for GPU panels (AIWM records the node, not the GPU). */
const onItsNode = (name: GpuSeries) => w.gpuOfDeploymentNode(name, ORG, D);

/** Level 3: one deployment over time. */
export function deploymentDetail() {
  return new Board(
    UID.deploymentDetail,
    'AIWM / AI Workload / Deployment detail',
    'One deployment: status over time, requests, latency percentiles and distribution, throughput, tokens, errors and the GPUs of its node.',
    {
      entity: namedEntityVariable(
        'deployment',
        'Deployment',
        M.deploymentInfo.name,
        'deployment_id',
        'deployment_name',
      ),
    },
  )
    .row(100, 'Traffic')
    .timeline({
      id: 10,
      title: 'Status',
      description: 'The status AIWM records for the deployment over time: running green, failed or error red.',
      unit: 'none',
      targets: [{ expr: w.stateCode(M.deploymentStatus, BY_DEPLOYMENT, D), legend: 'status' }],
      mappings: DEPLOYMENT_STATES,
      base: '#8e8e8e',
      h: 5,
    })
    .timeseries({
      id: 1,
      title: 'Requests per second',
      description: "From AIWM's cumulative requestCount.",
      unit: 'reqps',
      targets: [{ expr: w.ratePerSecond(M.deploymentRequests, D, RATE), legend: 'requests' }],
      w: 8,
    })
    .timeseries({
      id: 3,
      title: 'Tokens per second',
      description: "Throughput from AIWM's cumulative totalTokens.",
      unit: 'short',
      targets: [{ expr: w.ratePerSecond(M.deploymentTokens, D, RATE), legend: 'tokens/s' }],
      w: 8,
    })
    .timeseries({
      id: 6,
      title: 'Cost per hour',
      description: "US dollars per hour from AIWM's cumulative totalCost.",
      unit: 'currencyUSD',
      targets: [{ expr: w.costPerHour(D, RATE), legend: 'USD/h' }],
      w: 8,
    })
    .timeseries({
      id: 2,
      title: 'Latency p50 / p95 / p99',
      description: `Response latency of agents bound to the deployment (5-minute windows); alert above ${T.deploymentLatency.p95Seconds}s at p95.`,
      unit: 's',
      targets: DEPLOYMENT_LATENCY_QUANTILES.map(({ p, record }) => ({
        expr: w.deploymentLatencyQuantile(record, D),
        legend: `p${p}`,
      })),
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'red' }],
    })
    .heatmap({
      id: 11,
      title: 'Latency distribution',
      description:
        'Responses per second in each latency bucket of the histogram (darker: more responses); the percentiles beside are read from the same buckets.',
      unit: 's',
      targets: [{ expr: w.deploymentLatencyBuckets(D, RATE) }],
    })
    .timeseries({
      id: 4,
      title: 'Responses by outcome',
      description: 'Assistant responses of agents bound to the deployment, per second.',
      unit: 'reqps',
      targets: [{ expr: w.ratePerSecond(M.deploymentResponses, D, RATE, ['outcome']), legend: '{{outcome}}' }],
    })
    .timeseries({
      id: 5,
      title: 'Error ratio',
      description: `Failed share of responses over 5 minutes; alert above ${T.deploymentErrors.ratio * 100} %.`,
      unit: 'percentunit',
      targets: [{ expr: w.deploymentErrorRatio(D), legend: 'errors' }],
      min: 0,
      max: 1,
      steps: [{ value: T.deploymentErrors.ratio, color: 'red' }],
    })
    .row(101, 'GPUs of its node')
    .timeseries({
      id: 7,
      title: 'GPU utilization',
      description: 'GPUs of the node the deployment runs on (dcgm-exporter or AIWM).',
      unit: 'percentunit',
      targets: [{ expr: onItsNode('utilization'), legend: 'GPU {{gpu}}' }],
      min: 0,
      max: 1,
      w: 8,
    })
    .timeseries({
      id: 8,
      title: 'GPU memory used',
      description: 'GPUs of the node the deployment runs on.',
      unit: 'bytes',
      targets: [{ expr: onItsNode('memoryUsed'), legend: 'GPU {{gpu}}' }],
      w: 8,
    })
    .timeseries({
      id: 9,
      title: 'GPU temperature',
      description: 'GPUs of the node the deployment runs on.',
      unit: 'celsius',
      targets: [{ expr: onItsNode('temperature'), legend: 'GPU {{gpu}}' }],
      steps: [
        { value: T.gpuTemperature.warningCelsius, color: 'orange' },
        { value: T.gpuTemperature.criticalCelsius, color: 'red' },
      ],
      w: 8,
    })
    .build();
}
