import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { FAILED_EXECUTION_OUTCOMES, M, eq, oneOf } from '../queries/index.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, RANGE, RATE, UID } from './lib.js';
import { EXECUTION_STATE_COLORS, alertCell, nanAs, plainCell } from './states.js';

const FAILED = oneOf('outcome', FAILED_EXECUTION_OUTCOMES);
const BY = w.BY_EXECUTION_CATEGORY;
const failuresAlert = `alert above ${T.executionFailures.ratio * 100} % (with at least ${T.executionFailures.minCompletions} finished in 30 minutes)`;

/** Level 3: workflow executions. */
export function executions() {
  return new Board(
    UID.executions,
    'AIWM / AI Workload / Executions',
    'Workflow executions: by status, category and type, durations, success, failure and retry ratios, running and overdue ones.',
  )
    .row(100, 'Executions')
    .stat({
      id: 4,
      title: 'Success rate',
      description: `Completed share of the executions that finished over the range (cancelled ones count against it); red below ${100 - T.executionFailures.ratio * 100} %.`,
      unit: 'percentunit',
      targets: [{ expr: w.shareOver(M.executionCompletions, eq('outcome', 'completed'), ORG, RANGE) }],
      mappings: [nanAs('none finished')],
      base: 'red',
      steps: [{ value: 1 - T.executionFailures.ratio, color: 'green' }],
      min: 0,
      max: 1,
    })
    .stat({
      id: 11,
      title: 'Failure ratio',
      description: `Failed or timed-out share of the executions that finished over the range; ${failuresAlert}.`,
      unit: 'percentunit',
      targets: [{ expr: w.shareOver(M.executionCompletions, FAILED, ORG, RANGE) }],
      mappings: [nanAs('none finished')],
      steps: [{ value: T.executionFailures.ratio, color: 'red' }],
      min: 0,
      max: 1,
    })
    .stat({
      id: 5,
      title: 'Retry rate',
      description: 'Share of finished executions that needed a retry.',
      unit: 'percentunit',
      targets: [{ expr: w.ratioOver(M.executionRetried, M.executionCompletions, ORG, RANGE) }],
      mappings: [nanAs('none finished')],
      steps: [{ value: 0.2, color: 'orange' }],
      min: 0,
      max: 1,
    })
    .stat({
      id: 6,
      title: 'Average duration',
      description: 'Mean run time of executions finished over the range.',
      unit: 's',
      targets: [{ expr: w.meanOver(M.executionDuration, ORG, RANGE) }],
      mappings: [nanAs('none finished')],
      base: 'blue',
    })
    .stat({
      id: 12,
      title: 'Running',
      description: 'Executions running now (counted in MongoDB).',
      unit: 'short',
      targets: [{ expr: w.totalWhere(M.executions, eq('status', 'running'), ORG) }],
      base: 'blue',
    })
    .stat({
      id: 13,
      title: 'Overdue now',
      description: 'Running executions past their timeoutAt now; red from one (the overdue alert).',
      unit: 'short',
      targets: [{ expr: w.total(M.executionOverdue, ORG) }],
      steps: [{ value: 1, color: 'red' }],
    })
    .bars({
      id: 1,
      title: 'By status',
      description:
        'All executions by status (counted in MongoDB), in a neutral colour; failures are in the ratios above.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executions, 'status', ORG), legend: '{{status}}' }],
      seriesColors: EXECUTION_STATE_COLORS,
      base: 'blue',
      w: 8,
    })
    .bars({
      id: 2,
      title: 'By category',
      description: 'deployment, model, agent, maintenance, batch.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executions, 'category', ORG), legend: '{{category}}' }],
      base: 'blue',
      w: 8,
    })
    .bars({
      id: 3,
      title: 'By type',
      description: 'Free-text types, capped by the exporter (the rest read "other").',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.executions, 'type', ORG), legend: '{{type}}' }],
      base: 'blue',
      w: 8,
    })
    .row(102, 'By category')
    .table({
      id: 15,
      title: 'Categories',
      description: `Per org and category: executions finished over the range, their failure ratio (red above ${T.executionFailures.ratio * 100} %) and p95 run time, and the running and overdue ones now.`,
      unit: 'none',
      targets: [
        { expr: w.increaseOver(M.executionCompletions, ORG, RANGE, BY), table: true },
        { expr: w.shareOverBy(M.executionCompletions, FAILED, ORG, RANGE, BY), table: true },
        { expr: w.executionDurationQuantileOver(0.95, ORG, RANGE, BY), table: true },
        { expr: w.totalWhere(M.executions, eq('status', 'running'), ORG, BY), table: true },
        { expr: w.totalWhere(M.executionOverdue, '', ORG, BY), table: true },
      ],
      columns: {
        category: 'Category',
        'Value #A': 'Finished',
        'Value #B': 'Failure ratio',
        'Value #C': 'p95 duration',
        'Value #D': 'Running',
        'Value #E': 'Past timeout',
        org_id: 'Org',
      },
      cells: {
        'Value #A': { unit: 'short' },
        'Value #B': alertCell('percentunit', [{ value: T.executionFailures.ratio, color: 'red' }], 'none finished'),
        'Value #C': plainCell('s', 'none finished'),
        'Value #D': { unit: 'short' },
        'Value #E': { unit: 'short', color: 'text', steps: [{ value: 1, color: 'red' }] },
      },
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
      id: 14,
      title: 'Failure ratio by category',
      description: `Failed or timed-out share of executions finished over 30 minutes; ${failuresAlert}.`,
      unit: 'percentunit',
      targets: [{ expr: w.executionFailureRatio(ORG), legend: '{{category}}' }],
      min: 0,
      max: 1,
      steps: [{ value: T.executionFailures.ratio, color: 'red' }],
    })
    .timeseries({
      id: 8,
      title: 'Duration p95 by category',
      description: '95th percentile run time of finished executions.',
      unit: 's',
      targets: [{ expr: w.executionDurationQuantile(0.95, ORG, RATE), legend: '{{category}}' }],
      w: 8,
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
      w: 8,
    })
    .timeseries({
      id: 10,
      title: 'Running past their timeout',
      description: 'Running executions past their timeoutAt.',
      unit: 'short',
      targets: [{ expr: w.totalBy(M.executionOverdue, 'category', ORG), legend: '{{category}}' }],
      steps: [{ value: 1, color: 'red' }],
      w: 8,
    })
    .build();
}
