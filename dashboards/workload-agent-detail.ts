import * as common from '@grafana/grafana-foundation-sdk/common';
import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { Board, UID, namedEntityVariable } from './lib.js';

const A = 'agent_id="$agent"';

/** Level 3: one agent's performance over time. */
export function agentDetail() {
  return new Board(
    UID.agentDetail,
    'AIWM / AI Workload / Agent detail',
    'One agent: tasks, failures, response time, tokens, messages and tool calls over time.',
    {
      entity: namedEntityVariable('agent', 'Agent', 'aiwm_agent_info', 'agent_id', 'agent_name'),
    },
  )
    .row(100, 'Agent')
    .stat(
      {
        id: 1,
        title: 'Status',
        description: 'Status AIWM records for the agent.',
        unit: 'none',
        targets: [{ expr: `aiwm_agent_status{${A}} == 1`, legend: '{{status}}' }],
      },
      { textMode: common.BigValueTextMode.Name },
    )
    .stat({
      id: 2,
      title: 'Tasks',
      description: 'Assistant responses over the selected range.',
      unit: 'short',
      targets: [{ expr: `sum(increase(aiwm_agent_tasks_total{${A}}[$__range]))` }],
    })
    .stat({
      id: 3,
      title: 'Failed',
      description: 'Failed responses over the range.',
      unit: 'short',
      targets: [{ expr: `sum(increase(aiwm_agent_task_failures_total{${A}}[$__range]))` }],
      steps: [{ value: 1, color: 'orange' }],
    })
    .stat({
      id: 4,
      title: 'Average response time',
      description: 'Mean latency over the range.',
      unit: 's',
      targets: [
        {
          expr: `sum(increase(aiwm_agent_response_latency_seconds_sum{${A}}[$__range])) / sum(increase(aiwm_agent_response_latency_seconds_count{${A}}[$__range]))`,
        },
      ],
    })
    .stat({
      id: 11,
      title: 'Last task',
      description: 'When the agent last answered (its newest assistant message the exporter has counted).',
      unit: 'dateTimeFromNow',
      targets: [{ expr: `aiwm_agent_last_task_timestamp_seconds{${A}} * 1000` }],
      noValue: 'none counted',
    })
    .row(101, 'Timeline')
    .timeseries({
      id: 5,
      title: 'Tasks and failures per second',
      description: 'Assistant responses and failed ones.',
      unit: 'reqps',
      targets: [
        { expr: `sum(rate(aiwm_agent_tasks_total{${A}}[$__rate_interval]))`, legend: 'tasks' },
        { expr: `sum(rate(aiwm_agent_task_failures_total{${A}}[$__rate_interval]))`, legend: 'failed' },
      ],
    })
    .timeseries({
      id: 6,
      title: 'Response time p95',
      description: '95th percentile over 5 minutes.',
      unit: 's',
      targets: [{ expr: `agent:aiwm_agent_response_latency_seconds:p95_5m{${A}}`, legend: 'p95' }],
    })
    .timeseries({
      id: 7,
      title: 'Failure ratio',
      description: `Failed share of tasks over 30 minutes; alert above ${T.agentErrors.ratio * 100} %.`,
      unit: 'percentunit',
      targets: [{ expr: `agent:aiwm_agent_task_failures:ratio_30m{${A}}`, legend: 'failed' }],
      min: 0,
      max: 1,
      steps: [{ value: T.agentErrors.ratio, color: 'red' }],
    })
    .timeseries({
      id: 8,
      title: 'Tokens per second',
      description: 'Prompt and completion tokens.',
      unit: 'short',
      targets: [{ expr: `sum by (kind) (rate(aiwm_agent_tokens_total{${A}}[$__rate_interval]))`, legend: '{{kind}}' }],
    })
    .timeseries({
      id: 9,
      title: 'Messages per second by role',
      description: "Messages in the agent's conversations.",
      unit: 'reqps',
      targets: [
        { expr: `sum by (role) (rate(aiwm_agent_messages_total{${A}}[$__rate_interval]))`, legend: '{{role}}' },
      ],
    })
    .timeseries({
      id: 10,
      title: 'Tool calls by outcome',
      description: 'Tool results per second.',
      unit: 'reqps',
      targets: [
        { expr: `sum by (outcome) (rate(aiwm_agent_tool_calls_total{${A}}[$__rate_interval]))`, legend: '{{outcome}}' },
      ],
    })
    .build();
}
