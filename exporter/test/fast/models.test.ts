import { describe, expect, it } from 'vitest';
import { modelsCollector } from '../../src/collectors/models.js';
import { collect, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

describe('models collector', () => {
  it('writes each model and counts them by type, deployment type and status', async () => {
    await t.insert('models', [
      {
        _id: oid(1),
        owner: { orgId: 'org-a' },
        name: 'llama-3-8b',
        type: 'llm',
        deploymentType: 'self-hosted',
        status: 'active',
        fileSize: 16_060_522_496,
        framework: 'vllm',
        nodeId: hex(9),
      },
      {
        // A wrong-typed framework drops the label value, not the model.
        _id: oid(2),
        owner: { orgId: 'org-a' },
        name: 'gpt-4o',
        type: 'llm',
        deploymentType: 'api-based',
        status: 'invalid-credentials',
        provider: 'openai',
        framework: 42,
      },
    ]);
    const run = await collect(modelsCollector, t.db, t.config());
    const m1 = `org_id="org-a",model_id="${hex(1)}"`;
    const m2 = `org_id="org-a",model_id="${hex(2)}"`;
    expect(run.lines).toEqual([
      `aiwm_model_info{${m1},model_name="llama-3-8b",model_type="llm",deployment_type="self-hosted",framework="vllm",provider="",node_id="${hex(9)}"} 1`,
      `aiwm_model_info{${m2},model_name="gpt-4o",model_type="llm",deployment_type="api-based",framework="",provider="openai",node_id=""} 1`,
      `aiwm_model_status{${m1},status="queued"} 0`,
      `aiwm_model_status{${m1},status="downloading"} 0`,
      `aiwm_model_status{${m1},status="downloaded"} 0`,
      `aiwm_model_status{${m1},status="deploying"} 0`,
      `aiwm_model_status{${m1},status="active"} 1`,
      `aiwm_model_status{${m1},status="inactive"} 0`,
      `aiwm_model_status{${m1},status="download-failed"} 0`,
      `aiwm_model_status{${m1},status="deploy-failed"} 0`,
      `aiwm_model_status{${m1},status="validating"} 0`,
      `aiwm_model_status{${m1},status="invalid-credentials"} 0`,
      `aiwm_model_status{${m1},status="error"} 0`,
      `aiwm_model_status{${m1},status="other"} 0`,
      `aiwm_model_status{${m2},status="queued"} 0`,
      `aiwm_model_status{${m2},status="downloading"} 0`,
      `aiwm_model_status{${m2},status="downloaded"} 0`,
      `aiwm_model_status{${m2},status="deploying"} 0`,
      `aiwm_model_status{${m2},status="active"} 0`,
      `aiwm_model_status{${m2},status="inactive"} 0`,
      `aiwm_model_status{${m2},status="download-failed"} 0`,
      `aiwm_model_status{${m2},status="deploy-failed"} 0`,
      `aiwm_model_status{${m2},status="validating"} 0`,
      `aiwm_model_status{${m2},status="invalid-credentials"} 1`,
      `aiwm_model_status{${m2},status="error"} 0`,
      `aiwm_model_status{${m2},status="other"} 0`,
      `aiwm_model_size_bytes{${m1}} 16060522496`,
      'aiwm_models{org_id="org-a",model_type="llm",deployment_type="api-based",status="invalid-credentials"} 1',
      'aiwm_models{org_id="org-a",model_type="llm",deployment_type="self-hosted",status="active"} 1',
    ]);
    expect(run.invalid).toEqual(['models/bad_field/framework']);
    expect(run.read).toEqual({ models: 2 });
  });
});
