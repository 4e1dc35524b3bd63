import { describe, expect, it } from 'vitest';
import { agentsCollector } from '../../src/collectors/agents.js';
import { ago, collect, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

describe('agents collector', () => {
  it('writes each agent and counts them by status', async () => {
    await t.insert('agents', [
      {
        _id: oid(1),
        owner: { orgId: 'org-a' },
        name: 'support-bot',
        status: 'busy',
        type: 'managed',
        deploymentId: hex(5),
        nodeId: hex(6),
        lastHeartbeatAt: ago(15),
        connectionCount: 3,
      },
      { _id: oid(2), owner: { orgId: 'org-a' }, name: 'crawler', status: 'asleep', type: 'robot' },
    ]);
    const run = await collect(agentsCollector, t.db, t.config());
    const a1 = `org_id="org-a",agent_id="${hex(1)}"`;
    const a2 = `org_id="org-a",agent_id="${hex(2)}"`;
    expect(run.lines).toEqual([
      `aiwm_agent_info{${a1},agent_name="support-bot",agent_type="managed",deployment_id="${hex(5)}",node_id="${hex(6)}"} 1`,
      `aiwm_agent_info{${a2},agent_name="crawler",agent_type="other",deployment_id="",node_id=""} 1`,
      `aiwm_agent_status{${a1},status="active"} 0`,
      `aiwm_agent_status{${a1},status="inactive"} 0`,
      `aiwm_agent_status{${a1},status="busy"} 1`,
      `aiwm_agent_status{${a1},status="suspended"} 0`,
      `aiwm_agent_status{${a1},status="other"} 0`,
      `aiwm_agent_status{${a2},status="active"} 0`,
      `aiwm_agent_status{${a2},status="inactive"} 0`,
      `aiwm_agent_status{${a2},status="busy"} 0`,
      `aiwm_agent_status{${a2},status="suspended"} 0`,
      `aiwm_agent_status{${a2},status="other"} 1`,
      `aiwm_agent_last_heartbeat_timestamp_seconds{${a1}} 1768478385`,
      `aiwm_agent_connections{${a1}} 3`,
      'aiwm_agents{org_id="org-a",status="active"} 0',
      'aiwm_agents{org_id="org-a",status="busy"} 1',
      'aiwm_agents{org_id="org-a",status="inactive"} 0',
      'aiwm_agents{org_id="org-a",status="other"} 1',
      'aiwm_agents{org_id="org-a",status="suspended"} 0',
    ]);
    expect(run.invalid).toEqual(['agents/unknown_enum/']);
    expect(run.read).toEqual({ agents: 2 });
  });
});
