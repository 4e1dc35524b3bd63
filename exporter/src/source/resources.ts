import { z } from 'zod';
import {
  baseFields,
  enumField,
  labelId,
  labelValue,
  optionalBoolean,
  optionalNumber,
  type EnumPaths,
} from './common.js';
import type { StateSource } from './state.js';

export const RESOURCE_TYPES = ['inference-container', 'application-container', 'virtual-machine'] as const;
export const RESOURCE_STATUSES = ['queued', 'deploying', 'running', 'stopping', 'stopped', 'failed', 'error'] as const;
export const GPU_MODES = ['passthrough', 'mig'] as const;

/** `config` differs by type: VMs use vcpus/ramMB/diskGB/gpuConfig, containers cpuCores/ramLimit (GB)/gpuDeviceIds. */
const config = z.object({
  vcpus: optionalNumber,
  ramMB: optionalNumber,
  diskGB: optionalNumber,
  gpuConfig: z
    .object({
      enabled: optionalBoolean,
      mode: enumField(GPU_MODES).nullish(),
      deviceIds: z.array(z.unknown()).nullish(),
    })
    .nullish(),
  cpuCores: optionalNumber,
  ramLimit: optionalNumber,
  gpuDeviceIds: z.array(z.unknown()).nullish(),
});

export const resourceSchema = z.object({
  ...baseFields,
  name: labelValue(z.string(), 'name'),
  resourceType: enumField(RESOURCE_TYPES),
  status: enumField(RESOURCE_STATUSES),
  nodeId: labelId('nodeId').nullish(),
  config: config.nullish(),
  runtime: z
    .object({
      allocatedGPU: z.array(z.unknown()).nullish(),
      allocatedCPU: optionalNumber,
      allocatedRAM: optionalNumber,
    })
    .nullish(),
});

export type ResourceRecord = z.output<typeof resourceSchema>;

const projection = {
  name: 1,
  resourceType: 1,
  status: 1,
  nodeId: 1,
  'owner.orgId': 1,
  'config.vcpus': 1,
  'config.ramMB': 1,
  'config.diskGB': 1,
  'config.gpuConfig': 1,
  'config.cpuCores': 1,
  'config.ramLimit': 1,
  'config.gpuDeviceIds': 1,
  'runtime.allocatedGPU': 1,
  'runtime.allocatedCPU': 1,
  'runtime.allocatedRAM': 1,
};

const enumPaths: EnumPaths<ResourceRecord> = [(r) => r.resourceType, (r) => r.status, (r) => r.config?.gpuConfig?.mode];

/** The resources collection for an incremental reader (StateReader). */
export const RESOURCE_SOURCE: StateSource<typeof resourceSchema> = { projection, schema: resourceSchema, enumPaths };
