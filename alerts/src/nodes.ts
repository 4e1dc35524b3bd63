import type { RuleArea } from './model.js';
import { ORG, nodeInfo, pct, s } from './series.js';
import { THRESHOLDS as T } from './thresholds.js';

const withNodeName = (expr: string) => `${expr} * on (org_id, node_id) group_left (node_name) aiwm_node_info`;
const gpu = (nodeId: string, index: string, model = 'NVIDIA H200') => ({ org_id: ORG, node_id: nodeId, gpu: index, model });

const gpuTemperatureRunbook = {
  meaning: 'A GPU runs hot. Datacenter GPUs start throttling clocks around 85-90 °C and shut down to protect themselves beyond that; sustained heat also shortens their life.',
  check: [
    'Open the Node detail dashboard for the node and look at the temperature and power of every GPU: one hot GPU points at that card or its slot, all GPUs hot at cooling or the room.',
    'On the node: `nvidia-smi -q -d TEMPERATURE,PERFORMANCE` shows the slowdown and shutdown temperatures and whether clocks are already throttled (`Clocks Event Reasons`).',
    'Check the chassis fans and the data-center cooling alarms for the rack.',
    'AIWM writes GPU temperatures at node registration only in current releases: if the node has not re-registered, the value can be old. Compare with nvidia-smi.',
  ],
  act: [
    'Move or stop the heaviest deployment on that GPU (AI Workload → Deployments, filtered by the node) to shed load.',
    'If the temperature keeps rising at the critical level, drain the node (status maintenance in AIWM) and hand it to the data-center team.',
  ],
};

export const NODES: RuleArea = {
  file: 'nodes',
  title: 'Nodes and GPUs',
  groupName: 'aiwm.nodes',
  alerts: [
    {
      alert: 'AIWMNodeDown',
      severity: 'critical',
      labels: { reason: 'offline' },
      expr: withNodeName('(aiwm_node_status{status="offline"} == 1)'),
      for: T.nodeDown.for,
      summary: 'AIWM node is down',
      description: 'AIWM reports node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) offline.',
      anchor: 'aiwmnodedown',
      runbook: {
        meaning: 'A node AIWM manages is unreachable: AIWM itself marks it offline, or AIWM still says online but the node agent has stopped sending heartbeats (AIWM can keep a stale `online`). Deployments, VMs and containers on the node are likely down with it.',
        check: [
          'Infrastructure → Nodes: status, last heartbeat age and websocket state of the node.',
          'Ping and SSH the host; on it, `systemctl status` of the AIWM node agent and its logs.',
          'If only the heartbeat is stale while the host is fine, check the agent\'s websocket to AIWM (firewall, VPN, AIWM controller health).',
        ],
        act: [
          'Restart the node agent; reboot the host if it is hung.',
          'If the host is lost, move its deployments to other nodes and set the node to maintenance in AIWM.',
          'This alert inhibits the node\'s GPU and memory alerts: re-check them once the node is back.',
        ],
      },
      test: {
        series: [s('aiwm_node_status', { org_id: ORG, node_id: 'n1', status: 'offline' }, '1x10'), nodeInfo('n1', 'worker-gpu-01')],
        quietAt: '2m',
        firingAt: '4m',
        alerts: [
          {
            labels: { severity: 'critical', reason: 'offline', org_id: ORG, node_id: 'n1', node_name: 'worker-gpu-01', status: 'offline' },
            summary: 'AIWM node is down',
            description: 'AIWM reports node worker-gpu-01 (n1, org org-a) offline.',
          },
        ],
      },
    },
    {
      alert: 'AIWMNodeDown',
      severity: 'critical',
      labels: { reason: 'heartbeat_stale' },
      expr: withNodeName('(time() - aiwm_node_last_heartbeat_timestamp_seconds)') + ' and on (org_id, node_id) (aiwm_node_heartbeat_stale == 1) and on (org_id, node_id) (aiwm_node_status{status="online"} == 1)',
      for: T.nodeDown.for,
      summary: 'AIWM node is down',
      description: 'Node {{ $labels.node_name }} ({{ $labels.node_id }}, org {{ $labels.org_id }}) has sent no heartbeat for {{ $value | humanizeDuration }} while AIWM still records it online.',
      anchor: 'aiwmnodedown',
      runbook: { meaning: '', check: [], act: [] },
      test: {
        series: [
          s('aiwm_node_last_heartbeat_timestamp_seconds', { org_id: ORG, node_id: 'n2' }, '0x10'),
          s('aiwm_node_heartbeat_stale', { org_id: ORG, node_id: 'n2' }, '1x10'),
          s('aiwm_node_status', { org_id: ORG, node_id: 'n2', status: 'online' }, '1x10'),
          nodeInfo('n2', 'worker-gpu-02'),
          // A healthy node next to it raises nothing.
          s('aiwm_node_last_heartbeat_timestamp_seconds', { org_id: ORG, node_id: 'n3' }, '0+60x10'),
          s('aiwm_node_heartbeat_stale', { org_id: ORG, node_id: 'n3' }, '0x10'),
          s('aiwm_node_status', { org_id: ORG, node_id: 'n3', status: 'online' }, '1x10'),
          nodeInfo('n3', 'worker-gpu-03'),
        ],
        quietAt: '2m',
        firingAt: '5m',
        alerts: [
          {
            labels: { severity: 'critical', reason: 'heartbeat_stale', org_id: ORG, node_id: 'n2', node_name: 'worker-gpu-02' },
            summary: 'AIWM node is down',
            description: 'Node worker-gpu-02 (n2, org org-a) has sent no heartbeat for 5m 0s while AIWM still records it online.',
          },
        ],
      },
    },
    {
      alert: 'AIWMGPUTemperatureHigh',
      severity: 'warning',
      expr: `aiwm_gpu_temperature_celsius * on (org_id, node_id, gpu) group_left (model) aiwm_gpu_info * on (org_id, node_id) group_left (node_name) aiwm_node_info > ${T.gpuTemperature.warningCelsius}`,
      for: T.gpuTemperature.warningFor,
      summary: 'GPU temperature high',
      description: `GPU {{ $labels.gpu }} ({{ $labels.model }}) on node {{ $labels.node_name }} is at {{ $value | humanize }} °C, above the ${T.gpuTemperature.warningCelsius} °C warning level.`,
      anchor: 'aiwmgputemperaturehigh',
      runbook: gpuTemperatureRunbook,
      test: {
        series: [
          s('aiwm_gpu_temperature_celsius', { org_id: ORG, node_id: 'n1', gpu: '0' }, '83x10'),
          s('aiwm_gpu_temperature_celsius', { org_id: ORG, node_id: 'n1', gpu: '1' }, '60x10'),
          s('aiwm_gpu_info', { ...gpu('n1', '0'), device_id: 'GPU-0' }, '1x10'),
          s('aiwm_gpu_info', { ...gpu('n1', '1'), device_id: 'GPU-1' }, '1x10'),
          nodeInfo('n1', 'worker-gpu-01'),
        ],
        quietAt: '4m',
        firingAt: '6m',
        alerts: [
          {
            labels: { severity: 'warning', ...gpu('n1', '0'), node_name: 'worker-gpu-01' },
            summary: 'GPU temperature high',
            description: 'GPU 0 (NVIDIA H200) on node worker-gpu-01 is at 83 °C, above the 80 °C warning level.',
          },
        ],
      },
    },
    {
      alert: 'AIWMGPUTemperatureHigh',
      severity: 'critical',
      expr: `aiwm_gpu_temperature_celsius * on (org_id, node_id, gpu) group_left (model) aiwm_gpu_info * on (org_id, node_id) group_left (node_name) aiwm_node_info > ${T.gpuTemperature.criticalCelsius}`,
      for: T.gpuTemperature.criticalFor,
      summary: 'GPU temperature critical',
      description: `GPU {{ $labels.gpu }} ({{ $labels.model }}) on node {{ $labels.node_name }} is at {{ $value | humanize }} °C, above the ${T.gpuTemperature.criticalCelsius} °C critical level: it will throttle or shut down.`,
      anchor: 'aiwmgputemperaturehigh',
      runbook: gpuTemperatureRunbook,
      test: {
        series: [
          s('aiwm_gpu_temperature_celsius', { org_id: ORG, node_id: 'n1', gpu: '0' }, '92x10'),
          s('aiwm_gpu_info', { ...gpu('n1', '0'), device_id: 'GPU-0' }, '1x10'),
          nodeInfo('n1', 'worker-gpu-01'),
        ],
        quietAt: '1m',
        firingAt: '3m',
        alerts: [
          {
            labels: { severity: 'critical', ...gpu('n1', '0'), node_name: 'worker-gpu-01' },
            summary: 'GPU temperature critical',
            description: 'GPU 0 (NVIDIA H200) on node worker-gpu-01 is at 92 °C, above the 90 °C critical level: it will throttle or shut down.',
          },
        ],
      },
    },
    {
      alert: 'AIWMGPUMemoryNearlyFull',
      severity: 'warning',
      expr: `aiwm_gpu_memory_used_bytes / aiwm_gpu_memory_total_bytes * on (org_id, node_id) group_left (node_name) aiwm_node_info > ${T.gpuMemory.warningRatio}`,
      for: T.gpuMemory.for,
      summary: 'GPU memory nearly full',
      description: `GPU {{ $labels.gpu }} on node {{ $labels.node_name }} uses {{ $value | humanizePercentage }} of its memory (warning above ${pct(T.gpuMemory.warningRatio)} %).`,
      anchor: 'aiwmgpumemorynearlyfull',
      runbook: {
        meaning: 'A GPU has almost no free memory: new deployments or larger batches on it will fail with out-of-memory errors. A vLLM deployment that reserves most of the memory on purpose (gpu-memory-utilization 0.9+) is normal; a GPU filling up over time is not.',
        check: [
          'Node detail → VRAM: is it a step (a deployment started) or a slope (a leak, growing KV cache)?',
          'On the node: `nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv` names the processes holding the memory.',
        ],
        act: [
          'If the usage is expected for the deployment, silence the alert for that GPU with a comment.',
          'Otherwise restart the leaking deployment, or move a deployment to another GPU.',
        ],
      },
      test: {
        series: [
          s('aiwm_gpu_memory_used_bytes', { org_id: ORG, node_id: 'n1', gpu: '0' }, '78000000000x30'),
          s('aiwm_gpu_memory_total_bytes', { org_id: ORG, node_id: 'n1', gpu: '0' }, '80000000000x30'),
          nodeInfo('n1', 'worker-gpu-01'),
        ],
        quietAt: '10m',
        firingAt: '16m',
        alerts: [
          {
            labels: { severity: 'warning', org_id: ORG, node_id: 'n1', gpu: '0', node_name: 'worker-gpu-01' },
            summary: 'GPU memory nearly full',
            description: 'GPU 0 on node worker-gpu-01 uses 97.5% of its memory (warning above 95 %).',
          },
        ],
      },
    },
    {
      alert: 'AIWMNodeMemoryPressure',
      severity: 'warning',
      expr: withNodeName('aiwm_node_memory_usage_ratio') + ` > ${T.nodeMemory.warningRatio}`,
      for: T.nodeMemory.warningFor,
      summary: 'Node RAM pressure',
      description: `Node {{ $labels.node_name }} uses {{ $value | humanizePercentage }} of its RAM (warning above ${pct(T.nodeMemory.warningRatio)} %).`,
      anchor: 'aiwmnodememorypressure',
      runbook: {
        meaning: 'A node is short of RAM. Model servers load weights through host memory and VMs have fixed allocations, so the kernel OOM killer will soon pick a victim.',
        check: [
          'Node detail → RAM over time and the resources on the node (VMs and containers with their allocated RAM).',
          'On the node: `free -g`, `ps aux --sort=-rss | head`, and `dmesg | grep -i oom` for earlier kills.',
        ],
        act: ['Stop or move a VM or container from the node; do not schedule new resources on it until the usage drops.'],
      },
      test: {
        series: [s('aiwm_node_memory_usage_ratio', { org_id: ORG, node_id: 'n1' }, '0.93x20'), nodeInfo('n1', 'worker-gpu-01')],
        quietAt: '8m',
        firingAt: '11m',
        alerts: [
          {
            labels: { severity: 'warning', org_id: ORG, node_id: 'n1', node_name: 'worker-gpu-01' },
            summary: 'Node RAM pressure',
            description: 'Node worker-gpu-01 uses 93% of its RAM (warning above 90 %).',
          },
        ],
      },
    },
    {
      alert: 'AIWMNodeMemoryPressure',
      severity: 'critical',
      expr: withNodeName('aiwm_node_memory_usage_ratio') + ` > ${T.nodeMemory.criticalRatio}`,
      for: T.nodeMemory.criticalFor,
      summary: 'Node RAM nearly exhausted',
      description: `Node {{ $labels.node_name }} uses {{ $value | humanizePercentage }} of its RAM (critical above ${pct(T.nodeMemory.criticalRatio)} %): the OOM killer is about to act.`,
      anchor: 'aiwmnodememorypressure',
      runbook: { meaning: '', check: [], act: [] },
      test: {
        series: [s('aiwm_node_memory_usage_ratio', { org_id: ORG, node_id: 'n1' }, '0.99x20'), nodeInfo('n1', 'worker-gpu-01')],
        quietAt: '4m',
        firingAt: '6m',
        alerts: [
          {
            labels: { severity: 'critical', org_id: ORG, node_id: 'n1', node_name: 'worker-gpu-01' },
            summary: 'Node RAM nearly exhausted',
            description: 'Node worker-gpu-01 uses 99% of its RAM (critical above 97 %): the OOM killer is about to act.',
          },
        ],
      },
    },
  ],
};
