import { M, eq } from '../queries/index.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, RATE, UID } from './lib.js';

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
      targets: [{ expr: w.totalBy(M.executions, 'status', ORG), legend: '{{status}}' }],
    })
    .bars({
      id: 2,
      title: 'By category',
      description: 'deployment, model, agent, maintenance, batch.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executions, 'category', ORG), legend: '{{category}}' }],
    })
    .bars({
      id: 3,
      title: 'By type',
      description: 'Free-text types, capped by the exporter (the rest read "other").',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executions, 'type', ORG), legend: '{{type}}' }],
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: 'Completed share of the executions that finished over the range.',
      unit: 'percentunit',
      targets: [{ expr: w.shareOver(M.executionCompletions, eq('outcome', 'completed'), ORG, RANGE) }],
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
      targets: [{ expr: w.ratioOver(M.executionRetried, M.executionCompletions, ORG, RANGE) }],
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
      targets: [{ expr: w.meanOver(M.executionDuration, ORG, RANGE) }],
      w: 2,
    })
    .row(101, 'Over time')
    .timeseries({
      id: 7,
      title: 'Finished per second by outcome',
      description: 'Executions finishing, by outcome.',
      unit: 'ops',
      targets: [{ expr: w.ratePerSecond(M.executionCompletions, ORG, RATE, ['outcome']), legend: '{{outcome}}' }],
    })
    .timeseries({
      id: 8,
      title: 'Duration p95 by category',
      description: '95th percentile run time of finished executions.',
      unit: 's',
      targets: [{ expr: w.executionDurationQuantile(0.95, ORG, RATE), legend: '{{category}}' }],
    })
    .timeseries({
      id: 9,
      title: 'Running: average progress',
      description:
        'Average progress of running executions by category (single executions are in MongoDB and the JSON API).',
      unit: 'percentunit',
      targets: [{ expr: w.runningProgress(ORG), legend: '{{category}}' }],
      min: 0,
      max: 1,
    })
    .timeseries({
      id: 10,
      title: 'Running past their timeout',
      description: 'Running executions past their timeoutAt.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executionOverdue, 'category', ORG), legend: '{{category}}' }],
      steps: [{ value: 1, color: 'red' }],
    })
    .build();
}
