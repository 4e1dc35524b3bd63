import { describe, expect, it } from 'vitest';
import { ExecutionsCollector } from '../../src/collectors/executions.js';
import { NOW, ago, collect, family, oid, useDatabase } from './collect.js';

const t = useDatabase();

const execution = (n: number, fields: Record<string, unknown>) => ({
  _id: oid(n),
  owner: { orgId: 'org-a' },
  category: 'deployment',
  type: 'deploy-model',
  createdAt: ago(3600),
  ...fields,
});

describe('executions collector', () => {
  it('counts current executions, running progress and finished ones', async () => {
    await t.insert('executions', [
      execution(1, { status: 'running', progress: 40, timeoutAt: ago(60) }),
      execution(2, { status: 'running', progress: 80, timeoutAt: new Date(NOW.getTime() + 60_000) }),
      execution(3, { status: 'completed', startedAt: ago(400), completedAt: ago(100), retryCount: 2 }),
      execution(4, { category: 'model', type: 'download', status: 'failed', startedAt: ago(50), completedAt: ago(40) }),
      execution(5, { owner: { orgId: 'org-b' }, category: 'batch', type: undefined, status: 'pending' }),
      execution(6, { status: 'running', isDeleted: true }),
    ]);
    const config = t.config();
    const run = await collect(new ExecutionsCollector(config, NOW), t.db, config);
    const a = 'org_id="org-a",category="deployment"';
    const m = 'org_id="org-a",category="model"';
    expect(run.lines).toEqual([
      `aiwm_executions{${a},type="deploy-model",status="completed"} 1`,
      `aiwm_executions{${a},type="deploy-model",status="running"} 2`,
      `aiwm_executions{${m},type="download",status="failed"} 1`,
      'aiwm_executions{org_id="org-b",category="batch",type="unknown",status="pending"} 1',
      `aiwm_execution_running_progress_ratio{${a}} 0.6`,
      `aiwm_executions_overdue{${a}} 1`,
      `aiwm_execution_completions_total{${a},outcome="completed"} 1`,
      `aiwm_execution_completions_total{${m},outcome="failed"} 1`,
      `aiwm_execution_duration_seconds_bucket{${a},le="1"} 0`,
      `aiwm_execution_duration_seconds_bucket{${a},le="5"} 0`,
      `aiwm_execution_duration_seconds_bucket{${a},le="15"} 0`,
      `aiwm_execution_duration_seconds_bucket{${a},le="30"} 0`,
      `aiwm_execution_duration_seconds_bucket{${a},le="60"} 0`,
      `aiwm_execution_duration_seconds_bucket{${a},le="120"} 0`,
      `aiwm_execution_duration_seconds_bucket{${a},le="300"} 1`,
      `aiwm_execution_duration_seconds_bucket{${a},le="600"} 1`,
      `aiwm_execution_duration_seconds_bucket{${a},le="1800"} 1`,
      `aiwm_execution_duration_seconds_bucket{${a},le="3600"} 1`,
      `aiwm_execution_duration_seconds_bucket{${a},le="7200"} 1`,
      `aiwm_execution_duration_seconds_bucket{${a},le="21600"} 1`,
      `aiwm_execution_duration_seconds_bucket{${a},le="+Inf"} 1`,
      `aiwm_execution_duration_seconds_sum{${a}} 300`,
      `aiwm_execution_duration_seconds_count{${a}} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="1"} 0`,
      `aiwm_execution_duration_seconds_bucket{${m},le="5"} 0`,
      `aiwm_execution_duration_seconds_bucket{${m},le="15"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="30"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="60"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="120"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="300"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="600"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="1800"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="3600"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="7200"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="21600"} 1`,
      `aiwm_execution_duration_seconds_bucket{${m},le="+Inf"} 1`,
      `aiwm_execution_duration_seconds_sum{${m}} 10`,
      `aiwm_execution_duration_seconds_count{${m}} 1`,
      `aiwm_execution_retries_total{${a}} 2`,
      `aiwm_execution_retries_total{${m}} 0`,
      `aiwm_execution_retried_total{${a}} 1`,
      `aiwm_execution_retried_total{${m}} 0`,
    ]);
    expect(run.invalid).toEqual([]);
    expect(run.read).toEqual({ executions: 2 });
  });

  it('keeps the most common types under EXECUTION_TYPE_LABEL_LIMIT and calls the rest "other"', async () => {
    await t.insert('executions', [
      execution(1, { status: 'running' }),
      execution(2, { status: 'running' }),
      execution(3, { type: 'rollback', status: 'running' }),
    ]);
    const config = t.config({ EXECUTION_TYPE_LABEL_LIMIT: '1' });
    const run = await collect(new ExecutionsCollector(config, NOW), t.db, config);
    expect(family(run.lines, 'aiwm_executions')).toEqual([
      'aiwm_executions{org_id="org-a",category="deployment",type="deploy-model",status="running"} 2',
      'aiwm_executions{org_id="org-a",category="deployment",type="other",status="running"} 1',
    ]);
  });
});
