import { M } from '../metrics/catalog.js';
import { labelString } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readNodes } from '../source/nodes.js';
import { EntityCap, MIB, StatusCounts, addStateSet, families, rendered, type CollectContext, type Collector } from './collector.js';

const defs = {
  info: M.nodeInfo, role: M.nodeRole, status: M.nodeStatus, heartbeat: M.nodeHeartbeat, stale: M.nodeHeartbeatStale,
  websocket: M.nodeWebsocket, cpu: M.nodeCpuUsage, ram: M.nodeRamUsage, cores: M.nodeCpuCores, ramTotal: M.nodeRamTotal,
  ramFree: M.nodeRamFree, diskTotal: M.nodeDiskTotal, uptime: M.nodeUptime, gpuKnown: M.nodeGpuDataKnown, gpus: M.nodeGpus,
  nodes: M.nodes, gpuInfo: M.gpuInfo, gpuStatus: M.gpuStatus, gpuUtil: M.gpuUtilization, gpuMemTotal: M.gpuMemoryTotal,
  gpuMemUsed: M.gpuMemoryUsed, gpuTemp: M.gpuTemperature, gpuPower: M.gpuPower, gpuPowerLimit: M.gpuPowerLimit,
};

/** Nodes and their GPUs. */
export const nodesCollector: Collector = {
  name: 'nodes',
  families: Object.values(defs),
  async collect(ctx: CollectContext) {
    const collection = ctx.db.collection(ctx.config.collections.nodes);
    const f = families(defs);
    const states = M.nodeStatus.states!;
    const byStatus = new StatusCounts(f.nodes, states);
    const staleBefore = ctx.now.getTime() - ctx.config.heartbeatStaleAfterMs;
    const cap = new EntityCap(ctx, collection.collectionName);
    const read = await readNodes(collection, ctx.report, (node) => {
      const org = orgOf(node);
      byStatus.add(org, node.status);
      if (!cap.admit()) return;
      const id = node._id.toHexString();
      const base = labelString(['org_id', 'node_id'], [org, id]);
      const roles = node.role ?? [];
      f.info.add(labelString(M.nodeInfo.labels, [org, id, node.name, node.hostname ?? '', roles.join(','), node.cpuModel ?? '', node.os ?? '', node.daemonVersion ?? '']), 1);
      for (const role of new Set(roles)) f.role.add(base, 1, `role="${role}"`);
      addStateSet(f.status, base, states, node.status);
      const heartbeat = node.lastHeartbeat?.getTime();
      if (heartbeat !== undefined) f.heartbeat.add(base, heartbeat / 1000);
      f.stale.add(base, heartbeat === undefined || heartbeat < staleBefore ? 1 : 0);
      if (node.websocketConnected != null) f.websocket.add(base, node.websocketConnected ? 1 : 0);
      if (node.cpuUsage != null) f.cpu.add(base, node.cpuUsage / 100);
      if (node.ramUsage != null) f.ram.add(base, node.ramUsage / 100);
      if (node.cpuCores != null) f.cores.add(base, node.cpuCores);
      if (node.ramTotal != null) f.ramTotal.add(base, node.ramTotal * MIB);
      if (node.ramFree != null) f.ramFree.add(base, node.ramFree * MIB);
      if (node.diskTotal != null) f.diskTotal.add(base, node.diskTotal * MIB);
      if (node.uptimeSeconds != null) f.uptime.add(base, node.uptimeSeconds);
      const gpus = node.gpuDevices ?? [];
      // Missing or empty gpuDevices means AIWM could not detect GPUs (see the H200 fixture), not zero GPUs.
      f.gpuKnown.add(base, gpus.length > 0 ? 1 : 0);
      if (gpus.length === 0) return;
      f.gpus.add(base, gpus.length);
      gpus.forEach((gpu, index) => {
        const g = `${base},gpu="${index}"`;
        f.gpuInfo.add(g, 1, labelString(['device_id', 'model'], [gpu.deviceId ?? String(index), gpu.model ?? '']));
        if (gpu.status != null) addStateSet(f.gpuStatus, g, M.gpuStatus.states!, gpu.status);
        if (gpu.utilization != null) f.gpuUtil.add(g, gpu.utilization / 100);
        if (gpu.memoryTotal != null) f.gpuMemTotal.add(g, gpu.memoryTotal * MIB);
        const used = gpu.memoryUsed ?? (gpu.memoryTotal != null && gpu.memoryFree != null ? gpu.memoryTotal - gpu.memoryFree : null);
        if (used != null) f.gpuMemUsed.add(g, used * MIB);
        if (gpu.temperature != null) f.gpuTemp.add(g, gpu.temperature);
        if (gpu.powerDraw != null) f.gpuPower.add(g, gpu.powerDraw);
        if (gpu.powerLimit != null) f.gpuPowerLimit.add(g, gpu.powerLimit);
      });
    });
    cap.done(read);
    byStatus.write();
    return rendered(f);
  },
};
