import { describe, expect, it } from 'vitest';
import { ResourcesCollector } from '../../src/collectors/resources.js';
import { collect, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

describe('resources collector', () => {
  it('writes each resource and counts them by type, status and node', async () => {
    await t.insert('resources', [
      {
        // A VM slicing GPUs with MIG, sized by its config (RAM in MB, disk in GB).
        _id: oid(1),
        owner: { orgId: 'org-a' },
        name: 'vm-1',
        resourceType: 'virtual-machine',
        status: 'running',
        nodeId: hex(9),
        config: {
          vcpus: 8,
          ramMB: 16_384,
          diskGB: 100,
          gpuConfig: { enabled: true, mode: 'mig', deviceIds: ['0', '1'] },
        },
      },
      {
        // A container whose runtime allocation wins over its config (RAM in GB).
        _id: oid(2),
        owner: { orgId: 'org-a' },
        name: 'infer-1',
        resourceType: 'inference-container',
        status: 'exploded',
        nodeId: oid(9),
        config: { cpuCores: 2, ramLimit: 4 },
        runtime: { allocatedCPU: 4, allocatedRAM: 8, allocatedGPU: ['GPU-0'] },
      },
      { _id: oid(3), name: 'app-1', resourceType: 'application-container', status: 'stopped' },
      {
        _id: oid(4),
        owner: { orgId: 'org-a' },
        name: 'gone',
        resourceType: 'virtual-machine',
        status: 'running',
        isDeleted: true,
      },
    ]);
    const run = await collect(new ResourcesCollector(), t.db, t.config());
    const r1 = `org_id="org-a",resource_id="${hex(1)}"`;
    const r2 = `org_id="org-a",resource_id="${hex(2)}"`;
    const r3 = `org_id="unassigned",resource_id="${hex(3)}"`;
    const node = `node_id="${hex(9)}"`;
    expect(run.lines).toEqual([
      `aiwm_resource_info{${r1},resource_name="vm-1",resource_type="virtual-machine",${node}} 1`,
      `aiwm_resource_info{${r2},resource_name="infer-1",resource_type="inference-container",${node}} 1`,
      `aiwm_resource_info{${r3},resource_name="app-1",resource_type="application-container",node_id=""} 1`,
      `aiwm_resource_status{${r1},status="queued"} 0`,
      `aiwm_resource_status{${r1},status="deploying"} 0`,
      `aiwm_resource_status{${r1},status="running"} 1`,
      `aiwm_resource_status{${r1},status="stopping"} 0`,
      `aiwm_resource_status{${r1},status="stopped"} 0`,
      `aiwm_resource_status{${r1},status="failed"} 0`,
      `aiwm_resource_status{${r1},status="error"} 0`,
      `aiwm_resource_status{${r1},status="other"} 0`,
      `aiwm_resource_status{${r2},status="queued"} 0`,
      `aiwm_resource_status{${r2},status="deploying"} 0`,
      `aiwm_resource_status{${r2},status="running"} 0`,
      `aiwm_resource_status{${r2},status="stopping"} 0`,
      `aiwm_resource_status{${r2},status="stopped"} 0`,
      `aiwm_resource_status{${r2},status="failed"} 0`,
      `aiwm_resource_status{${r2},status="error"} 0`,
      `aiwm_resource_status{${r2},status="other"} 1`,
      `aiwm_resource_status{${r3},status="queued"} 0`,
      `aiwm_resource_status{${r3},status="deploying"} 0`,
      `aiwm_resource_status{${r3},status="running"} 0`,
      `aiwm_resource_status{${r3},status="stopping"} 0`,
      `aiwm_resource_status{${r3},status="stopped"} 1`,
      `aiwm_resource_status{${r3},status="failed"} 0`,
      `aiwm_resource_status{${r3},status="error"} 0`,
      `aiwm_resource_status{${r3},status="other"} 0`,
      `aiwm_resource_allocated_vcpus{${r1}} 8`,
      `aiwm_resource_allocated_vcpus{${r2}} 4`,
      `aiwm_resource_allocated_memory_bytes{${r1}} 17179869184`,
      `aiwm_resource_allocated_memory_bytes{${r2}} 8589934592`,
      `aiwm_resource_allocated_disk_bytes{${r1}} 107374182400`,
      `aiwm_resource_allocated_gpus{${r1},mode="mig"} 2`,
      `aiwm_resource_allocated_gpus{${r2},mode="container"} 1`,
      `aiwm_resources{org_id="org-a",resource_type="inference-container",status="other",${node}} 1`,
      `aiwm_resources{org_id="org-a",resource_type="virtual-machine",status="running",${node}} 1`,
      'aiwm_resources{org_id="unassigned",resource_type="application-container",status="stopped",node_id=""} 1',
    ]);
    expect(run.invalid).toEqual(['resources/unknown_enum/']);
    expect(run.read).toEqual({ resources: 3 });
  });
});
