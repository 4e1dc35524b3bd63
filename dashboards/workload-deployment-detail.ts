import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { unified } from './gpu.js';
import { Board, ORG, UID, namedEntityVariable } from './lib.js';

const D = 'deployment_id="$deployment"';
/** The deployment's node, for GPU panels (AIWM records the node, not the GPU). */
const onItsNode = (expr: string) => `${expr} and on (org_id, node_id) aiwm_deployment_info{${D}}`;

/** Level 3: one deployment over time. */
export function deploymentDetail() {
  return new Board(
    UID.deploymentDetail,
    'AIWM / AI Workload / Deployment detail',
    'One deployment: requests, latency percentiles, throughput, tokens, errors and the GPUs of its node.',
    {
      entity: namedEntityVariable(
        'deployment',
        'Deployment',
        'aiwm_deployment_info',
        'deployment_id',
        'deployment_name',
      ),
    },
  )
    .row(100, 'Traffic')
    .timeseries({
      id: 1,
      title: 'Requests per second',
      description: "From AIWM's cumulative requestCount.",
      unit: 'reqps',
      targets: [{ expr: `sum(rate(aiwm_deployment_requests_total{${D}}[$__rate_interval]))`, legend: 'requests' }],
    })
    .timeseries({
      id: 2,
      title: 'Latency p50 / p95 / p99',
      description: `Response latency of agents bound to the deployment (5-minute windows); alert above ${T.deploymentLatency.p95Seconds}s at p95.`,
      unit: 's',
      targets: [50, 95, 99].map((q) => ({
        expr: `deployment:aiwm_deployment_response_latency_seconds:p${q}_5m{${D}}`,
        legend: `p${q}`,
      })),
      steps: [{ value: T.deploymentLatency.p95Seconds, color: 'red' }],
    })
    .timeseries({
      id: 3,
      title: 'Tokens per second',
      description: "Throughput from AIWM's cumulative totalTokens.",
      unit: 'short',
      targets: [{ expr: `sum(rate(aiwm_deployment_tokens_total{${D}}[$__rate_interval]))`, legend: 'tokens/s' }],
    })
    .timeseries({
      id: 4,
      title: 'Responses by outcome',
      description: 'Assistant responses of agents bound to the deployment, per second.',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (outcome) (rate(aiwm_deployment_responses_total{${D}}[$__rate_interval]))`,
          legend: '{{outcome}}',
        },
      ],
    })
    .timeseries({
      id: 5,
      title: 'Error ratio',
      description: `Failed share of responses over 5 minutes; alert above ${T.deploymentErrors.ratio * 100} %.`,
      unit: 'percentunit',
      targets: [{ expr: `deployment:aiwm_deployment_responses:error_ratio_5m{${D}}`, legend: 'errors' }],
      min: 0,
      max: 1,
      steps: [{ value: T.deploymentErrors.ratio, color: 'red' }],
    })
    .timeseries({
      id: 6,
      title: 'Cost per hour',
      description: "US dollars per hour from AIWM's cumulative totalCost.",
      unit: 'currencyUSD',
      targets: [{ expr: `sum(rate(aiwm_deployment_cost_usd_total{${D}}[$__rate_interval])) * 3600`, legend: 'USD/h' }],
    })
    .row(101, 'GPUs of its node')
    .timeseries({
      id: 7,
      title: 'GPU utilization',
      description: 'GPUs of the node the deployment runs on (dcgm-exporter or AIWM).',
      unit: 'percentunit',
      targets: [{ expr: onItsNode(unified('utilization_ratio', ORG)), legend: 'GPU {{gpu}}' }],
      min: 0,
      max: 1,
    })
    .timeseries({
      id: 8,
      title: 'GPU memory used',
      description: 'GPUs of the node the deployment runs on.',
      unit: 'bytes',
      targets: [{ expr: onItsNode(unified('memory_used_bytes', ORG)), legend: 'GPU {{gpu}}' }],
    })
    .timeseries({
      id: 9,
      title: 'GPU temperature',
      description: 'GPUs of the node the deployment runs on.',
      unit: 'celsius',
      targets: [{ expr: onItsNode(unified('temperature_celsius', ORG)), legend: 'GPU {{gpu}}' }],
      steps: [
        { value: T.gpuTemperature.warningCelsius, color: 'orange' },
        { value: T.gpuTemperature.criticalCelsius, color: 'red' },
      ],
    })
    .build();
}
