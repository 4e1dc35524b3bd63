import { THRESHOLDS as T } from '../alerts/src/thresholds.js';
import { Board, ORG, overRange, UID, drillDown } from './lib.js';

/** Level 3: AI agents. */
export function agents() {
  return new Board(
    UID.agents,
    'AIWM / AI Workload / Agents',
    'AI agents: status, tasks and failures, response time, conversations and messages. Click an agent for its performance.',
  )
    .row(100, 'Agents')
    .bars({
      id: 1,
      title: 'By status',
      description: 'Agents by status.',
      unit: 'none',
      targets: [{ expr: `sum by (status) (aiwm_agents{${ORG}})`, legend: '{{status}}' }],
    })
    .stat({
      id: 2,
      title: 'Tasks',
      description: 'Assistant responses over the selected range.',
      unit: 'short',
      targets: [{ expr: overRange('aiwm_agent_tasks_total') }],
      w: 3,
    })
    .stat({
      id: 3,
      title: 'Failed tasks',
      description: 'Failed assistant responses over the range.',
      unit: 'short',
      targets: [{ expr: overRange('aiwm_agent_task_failures_total') }],
      steps: [{ value: 1, color: 'orange' }],
      w: 3,
    })
    .stat({
      id: 4,
      title: 'Success rate',
      description: 'Share of tasks that did not fail.',
      unit: 'percentunit',
      targets: [
        { expr: `1 - ${overRange('aiwm_agent_task_failures_total')} / ${overRange('aiwm_agent_tasks_total')}` },
      ],
      base: 'red',
      steps: [{ value: 1 - T.agentErrors.ratio, color: 'green' }],
      min: 0,
      max: 1,
      w: 3,
    })
    .stat({
      id: 5,
      title: 'Average response time',
      description: 'Mean latency of the responses over the range.',
      unit: 's',
      targets: [
        {
          expr: `${overRange('aiwm_agent_response_latency_seconds_sum')} / ${overRange('aiwm_agent_response_latency_seconds_count')}`,
        },
      ],
      w: 3,
    })
    .stat({
      id: 6,
      title: 'Conversations',
      description: 'Conversations started over the range.',
      unit: 'short',
      targets: [{ expr: overRange('aiwm_agent_conversations_total') }],
      w: 3,
    })
    .stat({
      id: 7,
      title: 'Messages',
      description: 'Messages of every role over the range.',
      unit: 'short',
      targets: [{ expr: overRange('aiwm_agent_messages_total') }],
      w: 3,
    })
    .timeseries({
      id: 8,
      title: 'Tasks per second by agent',
      description: 'Assistant responses per second.',
      unit: 'reqps',
      targets: [
        {
          expr: `agent:aiwm_agent_tasks:rate5m{${ORG}} * on (org_id, agent_id) group_left (agent_name) aiwm_agent_info`,
          legend: '{{agent_name}}',
        },
      ],
    })
    .timeseries({
      id: 9,
      title: 'p95 response time by agent',
      description: '95th percentile latency over 5 minutes.',
      unit: 's',
      targets: [
        {
          expr: `agent:aiwm_agent_response_latency_seconds:p95_5m{${ORG}} * on (org_id, agent_id) group_left (agent_name) aiwm_agent_info`,
          legend: '{{agent_name}}',
        },
      ],
    })
    .table({
      id: 10,
      title: 'Agents',
      description: 'Every agent with its status, tasks and failures over the range, and when it last answered.',
      unit: 'none',
      targets: [
        { expr: `aiwm_agent_info{${ORG}}`, table: true },
        { expr: `label_replace(aiwm_agent_status{${ORG}} == 1, "state", "$1", "status", "(.*)")`, table: true },
        { expr: `sum by (org_id, agent_id) (increase(aiwm_agent_tasks_total{${ORG}}[$__range]))`, table: true },
        { expr: `sum by (org_id, agent_id) (increase(aiwm_agent_task_failures_total{${ORG}}[$__range]))`, table: true },
        // Milliseconds, for Grafana's "time ago" unit.
        { expr: `aiwm_agent_last_task_timestamp_seconds{${ORG}} * 1000`, table: true },
      ],
      columns: {
        agent_name: 'Agent',
        agent_type: 'Type',
        state: 'Status',
        'Value #C': 'Tasks',
        'Value #D': 'Failed',
        'Value #E': 'Last task',
        deployment_id: 'Deployment',
        agent_id: 'Id',
      },
      units: { 'Value #E': 'dateTimeFromNow' },
      link: { title: 'Agent performance', url: drillDown(UID.agentDetail, { agent: '${__data.fields.Id}' }) },
    })
    .build();
}
