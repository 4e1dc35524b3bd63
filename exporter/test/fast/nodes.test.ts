import { describe, expect, it } from 'vitest';
import { NodesCollector } from '../../src/collectors/nodes.js';
import { ago, collect, family, hex, oid, useDatabase } from './collect.js';

const t = useDatabase();

const h100 = {
  deviceId: 'GPU-0a1b',
  model: 'NVIDIA H100 80GB HBM3',
  memoryTotal: 81559,
  memoryFree: 1559,
  utilization: 90,
  temperature: 61,
  powerDraw: 312.5,
  powerLimit: 700,
  status: 'active',
};

describe('nodes collector', () => {
  it('writes per-node, per-GPU and per-org series', async () => {
    await t.insert('nodes', [
      {
        _id: oid(1),
        owner: { orgId: 'org-a' },
        name: 'gpu-01',
        role: ['worker', 'storage', 'worker'],
        status: 'healthy',
        createdAt: ago(86_400),
        lastHeartbeat: ago(30),
        lastSeenAt: ago(30),
        cpuUsage: 50,
        ramUsage: 25,
        cpuCores: 64,
        cpuModel: 'AMD EPYC 9654',
        ramTotal: 262_144,
        ramFree: 131_072,
        diskTotal: 1024,
        uptimeSeconds: 3600,
        hostname: 'GPU-01.dc1.example.',
        os: { distro: 'Ubuntu', version: '22.04' },
        daemonVersion: '1.5.0',
        gpuDevices: [h100],
      },
      {
        // Never heartbeated: lastHeartbeat is still its creation time, with no lastSeenAt.
        _id: oid(2),
        owner: { orgId: 'org-a' },
        name: 'rack "b"',
        role: ['controller'],
        status: 'online',
        createdAt: ago(600),
        lastHeartbeat: ago(600),
        hostname: 'ctl-01',
        gpuDevices: [],
      },
      {
        _id: oid(3),
        name: 'old',
        status: 'maintenance',
        createdAt: ago(600),
        lastHeartbeat: ago(500),
        lastSeenAt: ago(500),
      },
      { _id: oid(4), owner: { orgId: 'org-a' }, name: 'gone', status: 'online', isDeleted: true },
    ]);
    const run = await collect(new NodesCollector(), t.db, t.config());
    const n1 = `org_id="org-a",node_id="${hex(1)}"`;
    const n2 = `org_id="org-a",node_id="${hex(2)}"`;
    const n3 = `org_id="unassigned",node_id="${hex(3)}"`;
    expect(run.lines).toEqual([
      `aiwm_node_info{${n1},node_name="gpu-01",hostname="GPU-01.dc1.example.",roles="worker,storage,worker",cpu_model="AMD EPYC 9654",os="Ubuntu 22.04",daemon_version="1.5.0"} 1`,
      `aiwm_node_info{${n2},node_name="rack \\"b\\"",hostname="ctl-01",roles="controller",cpu_model="",os="",daemon_version=""} 1`,
      `aiwm_node_info{${n3},node_name="old",hostname="",roles="",cpu_model="",os="",daemon_version=""} 1`,
      `aiwm_node_role{${n1},role="worker"} 1`,
      `aiwm_node_role{${n1},role="storage"} 1`,
      `aiwm_node_role{${n2},role="controller"} 1`,
      `aiwm_node_status{${n1},status="healthy",class="up"} 1`,
      `aiwm_node_status{${n1},status="healthy",class="degraded"} 0`,
      `aiwm_node_status{${n1},status="healthy",class="down"} 0`,
      `aiwm_node_status{${n1},status="healthy",class="maintenance"} 0`,
      `aiwm_node_status{${n1},status="healthy",class="provisioning"} 0`,
      `aiwm_node_status{${n1},status="healthy",class="unknown"} 0`,
      `aiwm_node_status{${n2},status="online",class="up"} 1`,
      `aiwm_node_status{${n2},status="online",class="degraded"} 0`,
      `aiwm_node_status{${n2},status="online",class="down"} 0`,
      `aiwm_node_status{${n2},status="online",class="maintenance"} 0`,
      `aiwm_node_status{${n2},status="online",class="provisioning"} 0`,
      `aiwm_node_status{${n2},status="online",class="unknown"} 0`,
      `aiwm_node_status{${n3},status="maintenance",class="up"} 0`,
      `aiwm_node_status{${n3},status="maintenance",class="degraded"} 0`,
      `aiwm_node_status{${n3},status="maintenance",class="down"} 0`,
      `aiwm_node_status{${n3},status="maintenance",class="maintenance"} 1`,
      `aiwm_node_status{${n3},status="maintenance",class="provisioning"} 0`,
      `aiwm_node_status{${n3},status="maintenance",class="unknown"} 0`,
      `aiwm_node_heartbeat_state{${n1},state="fresh"} 1`,
      `aiwm_node_heartbeat_state{${n1},state="stale"} 0`,
      `aiwm_node_heartbeat_state{${n1},state="never"} 0`,
      `aiwm_node_heartbeat_state{${n2},state="fresh"} 0`,
      `aiwm_node_heartbeat_state{${n2},state="stale"} 0`,
      `aiwm_node_heartbeat_state{${n2},state="never"} 1`,
      `aiwm_node_heartbeat_state{${n3},state="fresh"} 0`,
      `aiwm_node_heartbeat_state{${n3},state="stale"} 1`,
      `aiwm_node_heartbeat_state{${n3},state="never"} 0`,
      `aiwm_node_availability{${n1},availability="online"} 1`,
      `aiwm_node_availability{${n1},availability="offline"} 0`,
      `aiwm_node_availability{${n1},availability="maintenance"} 0`,
      `aiwm_node_availability{${n1},availability="provisioning"} 0`,
      `aiwm_node_availability{${n1},availability="unknown"} 0`,
      `aiwm_node_availability{${n2},availability="online"} 0`,
      `aiwm_node_availability{${n2},availability="offline"} 1`,
      `aiwm_node_availability{${n2},availability="maintenance"} 0`,
      `aiwm_node_availability{${n2},availability="provisioning"} 0`,
      `aiwm_node_availability{${n2},availability="unknown"} 0`,
      `aiwm_node_availability{${n3},availability="online"} 0`,
      `aiwm_node_availability{${n3},availability="offline"} 0`,
      `aiwm_node_availability{${n3},availability="maintenance"} 1`,
      `aiwm_node_availability{${n3},availability="provisioning"} 0`,
      `aiwm_node_availability{${n3},availability="unknown"} 0`,
      `aiwm_node_last_heartbeat_timestamp_seconds{${n1}} 1768478370`,
      `aiwm_node_last_heartbeat_timestamp_seconds{${n3}} 1768477900`,
      `aiwm_node_hostname{${n2},hostname="ctl-01"} 1`,
      `aiwm_node_hostname{${n1},hostname="gpu-01"} 1`,
      `aiwm_node_hostname{${n1},hostname="gpu-01.dc1.example"} 1`,
      `aiwm_node_implausible_value{${n1},field="diskTotal"} 1`,
      `aiwm_node_cpu_usage_ratio{${n1}} 0.5`,
      `aiwm_node_memory_usage_ratio{${n1}} 0.25`,
      `aiwm_node_cpu_cores{${n1}} 64`,
      `aiwm_node_memory_total_bytes{${n1}} 274877906944`,
      `aiwm_node_memory_free_bytes{${n1}} 137438953472`,
      `aiwm_node_disk_total_bytes{${n1}} 1073741824`,
      `aiwm_node_uptime_seconds{${n1}} 3600`,
      `aiwm_node_gpu_data_known{${n1}} 1`,
      `aiwm_node_gpu_data_known{${n2}} 0`,
      `aiwm_node_gpu_data_known{${n3}} 0`,
      `aiwm_node_gpus{${n1}} 1`,
      'aiwm_nodes{org_id="org-a",availability="maintenance"} 0',
      'aiwm_nodes{org_id="org-a",availability="offline",class="up",status="online"} 1',
      'aiwm_nodes{org_id="org-a",availability="online",class="up",status="healthy"} 1',
      'aiwm_nodes{org_id="org-a",availability="provisioning"} 0',
      'aiwm_nodes{org_id="org-a",availability="unknown"} 0',
      'aiwm_nodes{org_id="unassigned",availability="maintenance",class="maintenance",status="maintenance"} 1',
      'aiwm_nodes{org_id="unassigned",availability="offline"} 0',
      'aiwm_nodes{org_id="unassigned",availability="online"} 0',
      'aiwm_nodes{org_id="unassigned",availability="provisioning"} 0',
      'aiwm_nodes{org_id="unassigned",availability="unknown"} 0',
      `aiwm_gpu_info{${n1},gpu="0",device_id="GPU-0a1b",model="NVIDIA H100 80GB HBM3"} 1`,
      `aiwm_gpu_status{${n1},gpu="0",status="active"} 1`,
      `aiwm_gpu_status{${n1},gpu="0",status="idle"} 0`,
      `aiwm_gpu_status{${n1},gpu="0",status="error"} 0`,
      `aiwm_gpu_status{${n1},gpu="0",status="other"} 0`,
      `aiwm_gpu_utilization_ratio{${n1},gpu="0"} 0.9`,
      `aiwm_gpu_memory_total_bytes{${n1},gpu="0"} 85520809984`,
      `aiwm_gpu_memory_used_bytes{${n1},gpu="0"} 83886080000`,
      `aiwm_gpu_temperature_celsius{${n1},gpu="0"} 61`,
      `aiwm_gpu_power_usage_watts{${n1},gpu="0"} 312.5`,
      `aiwm_gpu_power_limit_watts{${n1},gpu="0"} 700`,
    ]);
    expect(run.invalid).toEqual([]);
    expect(run.read).toEqual({ nodes: 3 });
  });

  it('counts nodes past MAX_ENTITIES_PER_COLLECTION in aiwm_nodes only', async () => {
    await t.insert('nodes', [
      { _id: oid(1), owner: { orgId: 'org-a' }, name: 'a', status: 'offline' },
      { _id: oid(2), owner: { orgId: 'org-a' }, name: 'b', status: 'offline' },
    ]);
    const run = await collect(new NodesCollector(), t.db, t.config({ MAX_ENTITIES_PER_COLLECTION: '1' }));
    expect(family(run.lines, 'aiwm_node_info')).toHaveLength(1);
    expect(family(run.lines, 'aiwm_nodes')).toContain(
      'aiwm_nodes{org_id="org-a",availability="offline",class="down",status="offline"} 2',
    );
    expect(run.overLimit).toEqual({ nodes: 1 });
  });
});
