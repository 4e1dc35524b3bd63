import { describe, expect, it } from 'vitest';
import { ActivityCollector } from '../../src/collectors/activity.js';
import { NOW, ago, collect, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

const message = (n: number, fields: Record<string, unknown>) => ({
  _id: oid(n),
  owner: { orgId: 'org-a' },
  conversationId: hex(11),
  ...fields,
});

describe('activity collector', () => {
  it('counts messages and conversations per agent and responses per deployment', async () => {
    await t.insert('agents', [
      { _id: oid(1), owner: { orgId: 'org-a' }, name: 'bot', status: 'active', deploymentId: hex(5) },
    ]);
    await t.insert('conversations', [
      { _id: oid(11), owner: { orgId: 'org-a' }, agentId: hex(1), createdAt: ago(300) },
    ]);
    await t.insert('messages', [
      message(21, { role: 'user', usage: { promptTokens: 20 }, createdAt: ago(290) }),
      message(22, {
        role: 'assistant',
        latency: 800,
        usage: { promptTokens: 20, completionTokens: 100 },
        toolResults: [{ success: true }, { success: false }],
        createdAt: ago(280),
      }),
      message(23, { role: 'assistant', status: 'failed', latency: 30_000, createdAt: ago(200) }),
      // Its conversation is gone: counted for the "unknown" agent, and for no deployment.
      message(24, { role: 'assistant', conversationId: hex(99), createdAt: ago(100) }),
    ]);
    const config = t.config();
    const run = await collect(new ActivityCollector(config, NOW), t.db, config);
    const a1 = `org_id="org-a",agent_id="${hex(1)}"`;
    const u = 'org_id="org-a",agent_id="unknown"';
    const d5 = `org_id="org-a",deployment_id="${hex(5)}"`;
    expect(run.lines).toEqual([
      `aiwm_agent_tasks_total{${a1}} 2`,
      `aiwm_agent_tasks_total{${u}} 1`,
      `aiwm_agent_last_task_timestamp_seconds{${a1}} 1768478200`,
      `aiwm_agent_last_task_timestamp_seconds{${u}} 1768478300`,
      `aiwm_agent_task_failures_total{${a1}} 1`,
      `aiwm_agent_task_failures_total{${u}} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="0.05"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="0.1"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="0.25"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="0.5"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="1"} 1`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="2.5"} 1`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="5"} 1`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="10"} 1`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="20"} 1`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="30"} 2`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="60"} 2`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="120"} 2`,
      `aiwm_agent_response_latency_seconds_bucket{${a1},le="+Inf"} 2`,
      `aiwm_agent_response_latency_seconds_sum{${a1}} 30.8`,
      `aiwm_agent_response_latency_seconds_count{${a1}} 2`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="0.05"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="0.1"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="0.25"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="0.5"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="1"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="2.5"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="5"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="10"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="20"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="30"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="60"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="120"} 0`,
      `aiwm_agent_response_latency_seconds_bucket{${u},le="+Inf"} 0`,
      `aiwm_agent_response_latency_seconds_sum{${u}} 0`,
      `aiwm_agent_response_latency_seconds_count{${u}} 0`,
      `aiwm_agent_tokens_total{${a1},kind="prompt"} 40`,
      `aiwm_agent_tokens_total{${a1},kind="completion"} 100`,
      `aiwm_agent_tokens_total{${u},kind="prompt"} 0`,
      `aiwm_agent_tokens_total{${u},kind="completion"} 0`,
      `aiwm_agent_messages_total{${a1},role="assistant"} 2`,
      `aiwm_agent_messages_total{${a1},role="user"} 1`,
      `aiwm_agent_messages_total{${u},role="assistant"} 1`,
      `aiwm_agent_tool_calls_total{${a1},outcome="success"} 1`,
      `aiwm_agent_tool_calls_total{${a1},outcome="failed"} 1`,
      `aiwm_agent_tool_calls_total{${u},outcome="success"} 0`,
      `aiwm_agent_tool_calls_total{${u},outcome="failed"} 0`,
      `aiwm_agent_conversations_total{${a1}} 1`,
      `aiwm_agent_conversations_total{${u}} 0`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="0.05"} 0`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="0.1"} 0`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="0.25"} 0`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="0.5"} 0`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="1"} 1`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="2.5"} 1`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="5"} 1`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="10"} 1`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="20"} 1`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="30"} 2`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="60"} 2`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="120"} 2`,
      `aiwm_deployment_response_latency_seconds_bucket{${d5},le="+Inf"} 2`,
      `aiwm_deployment_response_latency_seconds_sum{${d5}} 30.8`,
      `aiwm_deployment_response_latency_seconds_count{${d5}} 2`,
      `aiwm_deployment_responses_total{${d5},outcome="success"} 1`,
      `aiwm_deployment_responses_total{${d5},outcome="failed"} 1`,
    ]);
    expect(run.invalid).toEqual([]);
    expect(run.read).toEqual({ conversations: 1, messages: 4 });
  });
});
