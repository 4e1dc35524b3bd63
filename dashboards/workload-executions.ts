import { Board, ORG, overRange, UID } from './lib.js';

/** Level 3: workflow executions. */
export function executions() {
  return new Board(
    UID.executions,
    'AIWM / AI Workload / Executions',
    'Workflow executions: by status, category and type, durations, success and retry ratios, running ones.',
  )
    .row(100, 'Executions')
    .bars({
      id: 1,
      title: 'By status',
      description: 'All executions by status (counted in MongoDB).',
      unit: 'none',
      targets: [{ expr: `sum by (status) (aiwm_executions{${ORG}})`, legend: '{{status}}' }],
    })
    .bars({
      id: 2,
      title: 'By category',
      description: 'deployment, model, agent, maintenance, batch.',
      unit: 'none',
      targets: [{ expr: `sum by (category) (aiwm_executions{${ORG}})`, legend: '{{category}}' }],
    })
    .bars({
      id: 3,
      title: 'By type',
      description: 'Free-text types, capped by the exporter (the rest read "other").',
      unit: 'none',
      targets: [{ expr: `sum by (type) (aiwm_executions{${ORG}})`, legend: '{{type}}' }],
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: 'Completed share of the executions that finished over the range.',
      unit: 'percentunit',
      targets: [
        {
          expr: `${overRange('aiwm_execution_completions_total', ', outcome="completed"')} / ${overRange('aiwm_execution_completions_total')}`,
        },
      ],
      base: 'red',
      steps: [{ value: 0.8, color: 'green' }],
      min: 0,
      max: 1,
      w: 2,
    })
    .stat({
      id: 5,
      title: 'Retry rate',
      description: 'Share of finished executions that needed a retry.',
      unit: 'percentunit',
      targets: [
        { expr: `${overRange('aiwm_execution_retried_total')} / ${overRange('aiwm_execution_completions_total')}` },
      ],
      steps: [{ value: 0.2, color: 'orange' }],
      min: 0,
      max: 1,
      w: 2,
    })
    .stat({
      id: 6,
      title: 'Average duration',
      description: 'Mean run time of executions finished over the range.',
      unit: 's',
      targets: [
        {
          expr: `${overRange('aiwm_execution_duration_seconds_sum')} / ${overRange('aiwm_execution_duration_seconds_count')}`,
        },
      ],
      w: 2,
    })
    .row(101, 'Over time')
    .timeseries({
      id: 7,
      title: 'Finished per second by outcome',
      description: 'Executions finishing, by outcome.',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (outcome) (rate(aiwm_execution_completions_total{${ORG}}[$__rate_interval]))`,
          legend: '{{outcome}}',
        },
      ],
    })
    .timeseries({
      id: 8,
      title: 'Duration p95 by category',
      description: '95th percentile run time of finished executions.',
      unit: 's',
      targets: [
        {
          expr: `histogram_quantile(0.95, sum by (category, le) (rate(aiwm_execution_duration_seconds_bucket{${ORG}}[$__rate_interval])))`,
          legend: '{{category}}',
        },
      ],
    })
    .timeseries({
      id: 9,
      title: 'Running: average progress',
      description:
        'Average progress of running executions by category (single executions are in MongoDB and the JSON API).',
      unit: 'percentunit',
      targets: [{ expr: `avg by (category) (aiwm_execution_running_progress_ratio{${ORG}})`, legend: '{{category}}' }],
      min: 0,
      max: 1,
    })
    .timeseries({
      id: 10,
      title: 'Running past their timeout',
      description: 'Running executions past their timeoutAt.',
      unit: 'none',
      targets: [{ expr: `sum by (category) (aiwm_executions_overdue{${ORG}})`, legend: '{{category}}' }],
      steps: [{ value: 1, color: 'red' }],
    })
    .build();
}
