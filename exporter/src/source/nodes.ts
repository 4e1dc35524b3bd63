import type { Collection } from 'mongodb';
import { z } from 'zod';
import { NOT_DELETED, baseFields, enumField, optionalBoolean, optionalDate, optionalNumber, optionalString, readEach, type InvalidSink } from './common.js';

export const NODE_STATUSES = ['pending', 'installing', 'online', 'offline', 'maintenance'] as const;
export const NODE_ROLES = ['controller', 'worker', 'proxy', 'storage'] as const;
export const GPU_STATUSES = ['active', 'idle', 'error'] as const;

/**
 * One entry of `gpuDevices`. Registration writes the first six fields; the telemetry fields
 * (memoryUsed, powerDraw, powerLimit, status) are read when a newer AIWM persists them.
 */
const gpuDevice = z.object({
  deviceId: z.union([z.string(), z.number().transform(String)]).nullish(),
  model: optionalString,
  memoryTotal: optionalNumber,
  memoryFree: optionalNumber,
  memoryUsed: optionalNumber,
  utilization: optionalNumber,
  temperature: optionalNumber,
  powerDraw: optionalNumber,
  powerLimit: optionalNumber,
  status: enumField(GPU_STATUSES).nullish(),
});

export const nodeSchema = z.object({
  ...baseFields,
  name: z.string(),
  role: z.array(enumField(NODE_ROLES)).nullish(),
  status: enumField(NODE_STATUSES),
  websocketConnected: optionalBoolean,
  lastHeartbeat: optionalDate,
  cpuUsage: optionalNumber,
  ramUsage: optionalNumber,
  cpuCores: optionalNumber,
  cpuModel: optionalString,
  ramTotal: optionalNumber,
  ramFree: optionalNumber,
  diskTotal: optionalNumber,
  uptimeSeconds: optionalNumber,
  hostname: optionalString,
  os: optionalString,
  daemonVersion: optionalString,
  gpuDevices: z.array(gpuDevice).nullish(),
});

export type NodeRecord = z.output<typeof nodeSchema>;
export type GpuRecord = z.output<typeof gpuDevice>;

const projection = {
  name: 1, role: 1, status: 1, websocketConnected: 1, lastHeartbeat: 1, cpuUsage: 1, ramUsage: 1, cpuCores: 1,
  cpuModel: 1, ramTotal: 1, ramFree: 1, diskTotal: 1, uptimeSeconds: 1, hostname: 1, os: 1, daemonVersion: 1,
  gpuDevices: 1, 'owner.orgId': 1,
};

export function readNodes(collection: Collection, report: InvalidSink, visit: (record: NodeRecord) => void): Promise<number> {
  return readEach(collection, NOT_DELETED, projection, nodeSchema, [(n) => n.status, (n) => n.role, (n) => n.gpuDevices?.map((g) => g.status ?? '')], report, visit);
}
