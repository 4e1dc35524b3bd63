/**
 * What kind of node to make: GPU profiles of real cards (H200 figures from
 * fixtures/nvidia-smi/h200/query-gpu-valid-fields.csv) and the node specs, in fleet order: the five
 * FleetScenario nodes, seven pinned nodes covering every status, role mix and GPU data shape, then
 * random nodes drawn by weight.
 */
import type { FleetContext } from './context.js';
import { HOUR, MIN, SEC } from './rng-ids.js';
import type { FleetScenario } from './schema.js';

export interface GpuProfile {
  model: string;
  memoryTotal: number; // MiB
  idleFree: number; // MiB, memory.free of an idle card (driver reserve = total - idleFree)
  idleTemp: number; // C
  idlePower: number; // W
  powerLimit: number; // W
  mig: readonly string[] | null; // MIG profiles, null when the card has no MIG
}

export const H200: GpuProfile = {
  model: 'NVIDIA H200',
  memoryTotal: 143771,
  idleFree: 143156,
  idleTemp: 35,
  idlePower: 125.66,
  powerLimit: 700,
  mig: ['1g.18gb', '2g.35gb', '3g.71gb'],
};
export const A100: GpuProfile = {
  model: 'NVIDIA A100-SXM4-80GB',
  memoryTotal: 81920,
  idleFree: 81050,
  idleTemp: 32,
  idlePower: 61.4,
  powerLimit: 400,
  mig: ['1g.10gb', '2g.20gb', '3g.40gb'],
};
export const L40S: GpuProfile = {
  model: 'NVIDIA L40S',
  memoryTotal: 46068,
  idleFree: 45589,
  idleTemp: 30,
  idlePower: 36.5,
  powerLimit: 350,
  mig: null,
};

export type GpuMode = 'normal' | 'hot' | 'idle' | 'error';
export type GpuData = 'full' | 'missing' | 'empty';
type ScenarioKey = keyof FleetScenario;

export interface NodeSpec {
  roles: string[];
  status: string;
  gpu: GpuProfile | null;
  gpuData: GpuData;
  telemetry: boolean;
  gpuMode: GpuMode;
  heartbeatAgoMs: number;
  websocket: boolean;
  scenario?: ScenarioKey;
}

/** A heartbeat age of a node that is up: 1-30 s. */
export function fresh(ctx: FleetContext): number {
  return ctx.rng.int(1, 30) * SEC + ctx.rng.int(0, 999);
}

/** The FleetScenario nodes, first in the collection. */
export function scenarioSpecs(ctx: FleetContext): NodeSpec[] {
  if (!ctx.counts.scenarios) return [];
  return [
    {
      roles: ['worker'],
      status: 'online',
      gpu: A100,
      gpuData: 'full',
      telemetry: true,
      gpuMode: 'hot',
      heartbeatAgoMs: fresh(ctx),
      websocket: true,
      scenario: 'hotGpuNodeId',
    },
    {
      roles: ['worker'],
      status: 'online',
      gpu: L40S,
      gpuData: 'full',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: 10 * MIN,
      websocket: true,
      scenario: 'staleNodeId',
    },
    {
      roles: ['worker'],
      status: 'online',
      gpu: H200,
      gpuData: 'full',
      telemetry: true,
      gpuMode: 'idle',
      heartbeatAgoMs: fresh(ctx),
      websocket: true,
      scenario: 'healthyNodeId',
    },
    {
      roles: ['worker'],
      status: 'online',
      gpu: H200,
      gpuData: 'missing',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: fresh(ctx),
      websocket: true,
      scenario: 'noGpuDataNodeId',
    },
    {
      roles: ['worker'],
      status: 'offline',
      gpu: A100,
      gpuData: 'full',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: 3 * HOUR,
      websocket: false,
      scenario: 'offlineNodeId',
    },
  ];
}

/** One node of each remaining status, role mix and GPU data shape (pending, installing, maintenance, GPU error, ...). */
export function pinnedSpecs(ctx: FleetContext): NodeSpec[] {
  const { rng } = ctx;
  return [
    {
      roles: ['worker'],
      status: 'online',
      gpu: H200,
      gpuData: 'full',
      telemetry: true,
      gpuMode: 'normal',
      heartbeatAgoMs: fresh(ctx),
      websocket: true,
    },
    {
      roles: ['controller'],
      status: 'pending',
      gpu: null,
      gpuData: 'missing',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: 0,
      websocket: false,
    },
    {
      roles: ['worker'],
      status: 'installing',
      gpu: L40S,
      gpuData: 'empty',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: rng.int(2, 20) * MIN,
      websocket: false,
    },
    {
      roles: ['worker', 'storage'],
      status: 'maintenance',
      gpu: A100,
      gpuData: 'full',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: rng.int(1, 50) * MIN,
      websocket: true,
    },
    {
      roles: ['proxy'],
      status: 'online',
      gpu: null,
      gpuData: 'empty',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: fresh(ctx),
      websocket: true,
    },
    {
      roles: ['controller', 'worker', 'proxy'],
      status: 'online',
      gpu: L40S,
      gpuData: 'full',
      telemetry: true,
      gpuMode: 'error',
      heartbeatAgoMs: fresh(ctx),
      websocket: true,
    },
    {
      roles: ['storage'],
      status: 'offline',
      gpu: null,
      gpuData: 'empty',
      telemetry: false,
      gpuMode: 'normal',
      heartbeatAgoMs: rng.int(2, 72) * HOUR,
      websocket: false,
    },
  ];
}

/** A random node: mostly online GPU workers, as in a real fleet. */
export function randomSpec(ctx: FleetContext): NodeSpec {
  const { rng } = ctx;
  const roles = rng.weighted<string[]>([
    [['worker'], 75],
    [['controller'], 6],
    [['storage'], 5],
    [['proxy'], 5],
    [['controller', 'proxy'], 3],
    [['worker', 'storage'], 4],
    [['controller', 'worker'], 2],
  ]);
  const status = rng.weighted([
    ['online', 85],
    ['offline', 6],
    ['maintenance', 4],
    ['pending', 3],
    ['installing', 2],
  ]);
  const isWorker = roles.includes('worker');
  const gpu = isWorker
    ? rng.weighted([
        [H200, 40],
        [A100, 35],
        [L40S, 25],
      ] as const)
    : null;
  const gpuData: GpuData =
    status === 'pending' || status === 'installing'
      ? 'empty'
      : gpu
        ? rng.weighted([
            ['full', 87],
            ['missing', 8],
            ['empty', 5],
          ] as const)
        : rng.weighted([
            ['empty', 70],
            ['missing', 30],
          ] as const);
  const heartbeatAgoMs =
    status === 'online' ? fresh(ctx) : status === 'offline' ? rng.int(1, 96) * HOUR : rng.int(1, 120) * MIN;
  return {
    roles,
    status,
    gpu,
    gpuData,
    telemetry: rng.chance(0.5),
    gpuMode: 'normal',
    heartbeatAgoMs,
    websocket: status === 'online' || (status === 'maintenance' && rng.chance(0.5)),
  };
}
