import { describe, expect, it } from 'vitest';
import { deploymentsCollector } from '../../src/collectors/deployments.js';
import { collect, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

describe('deployments collector', () => {
  it('writes each deployment with its running totals and counts them by status', async () => {
    await t.insert('deployments', [
      {
        _id: oid(1),
        owner: { orgId: 'org-a' },
        name: 'llama-prod',
        status: 'running',
        modelId: hex(7),
        nodeId: oid(8),
        resourceId: hex(9),
        requestCount: 1200,
        totalTokens: 480_000,
        totalCost: 1.25,
      },
      { _id: oid(2), owner: { orgId: 'org-b' }, name: 'staging', status: 'failed' },
    ]);
    const run = await collect(deploymentsCollector, t.db, t.config());
    const d1 = `org_id="org-a",deployment_id="${hex(1)}"`;
    const d2 = `org_id="org-b",deployment_id="${hex(2)}"`;
    expect(run.lines).toEqual([
      `aiwm_deployment_info{${d1},deployment_name="llama-prod",model_id="${hex(7)}",node_id="${hex(8)}",resource_id="${hex(9)}"} 1`,
      `aiwm_deployment_info{${d2},deployment_name="staging",model_id="",node_id="",resource_id=""} 1`,
      `aiwm_deployment_status{${d1},status="queued"} 0`,
      `aiwm_deployment_status{${d1},status="deploying"} 0`,
      `aiwm_deployment_status{${d1},status="running"} 1`,
      `aiwm_deployment_status{${d1},status="stopping"} 0`,
      `aiwm_deployment_status{${d1},status="stopped"} 0`,
      `aiwm_deployment_status{${d1},status="failed"} 0`,
      `aiwm_deployment_status{${d1},status="error"} 0`,
      `aiwm_deployment_status{${d1},status="other"} 0`,
      `aiwm_deployment_status{${d2},status="queued"} 0`,
      `aiwm_deployment_status{${d2},status="deploying"} 0`,
      `aiwm_deployment_status{${d2},status="running"} 0`,
      `aiwm_deployment_status{${d2},status="stopping"} 0`,
      `aiwm_deployment_status{${d2},status="stopped"} 0`,
      `aiwm_deployment_status{${d2},status="failed"} 1`,
      `aiwm_deployment_status{${d2},status="error"} 0`,
      `aiwm_deployment_status{${d2},status="other"} 0`,
      `aiwm_deployment_requests_total{${d1}} 1200`,
      `aiwm_deployment_tokens_total{${d1}} 480000`,
      `aiwm_deployment_cost_usd_total{${d1}} 1.25`,
      'aiwm_deployments{org_id="org-a",status="deploying"} 0',
      'aiwm_deployments{org_id="org-a",status="error"} 0',
      'aiwm_deployments{org_id="org-a",status="failed"} 0',
      'aiwm_deployments{org_id="org-a",status="other"} 0',
      'aiwm_deployments{org_id="org-a",status="queued"} 0',
      'aiwm_deployments{org_id="org-a",status="running"} 1',
      'aiwm_deployments{org_id="org-a",status="stopped"} 0',
      'aiwm_deployments{org_id="org-a",status="stopping"} 0',
      'aiwm_deployments{org_id="org-b",status="deploying"} 0',
      'aiwm_deployments{org_id="org-b",status="error"} 0',
      'aiwm_deployments{org_id="org-b",status="failed"} 1',
      'aiwm_deployments{org_id="org-b",status="other"} 0',
      'aiwm_deployments{org_id="org-b",status="queued"} 0',
      'aiwm_deployments{org_id="org-b",status="running"} 0',
      'aiwm_deployments{org_id="org-b",status="stopped"} 0',
      'aiwm_deployments{org_id="org-b",status="stopping"} 0',
    ]);
    expect(run.invalid).toEqual([]);
    expect(run.read).toEqual({ deployments: 2 });
  });
});
