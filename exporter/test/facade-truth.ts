/**
 * What the facade must answer, computed from the fleet's documents (and, for dcgm-joined nodes,
 * from the dcgm-exporter fixture scrapes) independently of the exporter's code: the node status
 * classes and heartbeat rules of the issue 9 contract, written out here on purpose.
 */
import { readFileSync } from 'node:fs';
import type { Document } from 'mongodb';
import { DCGM_FIXTURE_NODES } from '../../demo/dcgm-fixtures.js';
import type { Fleet } from '../../testing/fleet/index.js';

/** The stale threshold the facade tests give the exporter (HEARTBEAT_STALE_AFTER). */
export const STALE_AFTER = '5m';
const STALE_AFTER_MS = 5 * 60_000;
/** A lastHeartbeat this close to createdAt is AIWM's default, not a heartbeat. */
const NEVER_TOLERANCE_MS = 10_000;

// Written out again on purpose: the truth is an independent reading of docs/metrics.md ("Node status"),
// not the exporter's own table (source/nodes.ts), so a wrong mapping there fails the facade tests.
const STATUS_CLASS: Record<string, string> = {
  online: 'up',
  healthy: 'up',
  ready: 'up',
  busy: 'up',
  degraded: 'degraded',
  error: 'degraded',
  offline: 'down',
  disconnected: 'down',
  shutting_down: 'down',
  maintenance: 'maintenance',
  pending: 'provisioning',
  installing: 'provisioning',
  connecting: 'provisioning',
};

export const idOf = (d: Document): string => d._id.toHexString();
export const orgOf = (d: Document): string => (d.owner?.orgId ? d.owner.orgId : 'unassigned');
const time = (v: unknown): number | undefined => (v instanceof Date ? v.getTime() : undefined);

/** The raw status as the exporter labels it: a value outside the known ones reads `other`. */
export const recordedStatusOf = (n: Document): string =>
  typeof n.status === 'string' && n.status in STATUS_CLASS ? n.status : 'other';
export const statusClassOf = (n: Document): string => STATUS_CLASS[recordedStatusOf(n)] ?? 'unknown';

export function heartbeatOf(n: Document, now = Date.now()): 'fresh' | 'stale' | 'never' {
  const beat = time(n.lastHeartbeat);
  const created = time(n.createdAt);
  const evidence = n.lastSeenAt instanceof Date || n.lastMetricsAt instanceof Date;
  const atCreation = beat === undefined || (created !== undefined && Math.abs(beat - created) <= NEVER_TOLERANCE_MS);
  if (!evidence && atCreation) return 'never';
  return beat !== undefined && now - beat <= STALE_AFTER_MS ? 'fresh' : 'stale';
}

/** online = class up or degraded with a fresh heartbeat; the other classes are their own availability. */
export function availabilityOf(n: Document, now = Date.now()): string {
  const statusClass = statusClassOf(n);
  if (statusClass === 'up' || statusClass === 'degraded') return heartbeatOf(n, now) === 'fresh' ? 'online' : 'offline';
  if (statusClass === 'down') return 'offline';
  return statusClass;
}

// ---- GPUs ---------------------------------------------------------------------------------------

export interface FixtureGpu {
  index: string;
  uuid: string;
  model: string;
  utilization: number;
  temperature: number;
  power: number;
  /** MiB */
  used: number;
  /** MiB: used + free + reserved. */
  total: number;
}

/** `NAME{labels} value` lines of an exposition, by metric name and GPU index. */
function fixtureSamples(text: string): Map<string, Map<string, { labels: string; value: number }>> {
  const out = new Map<string, Map<string, { labels: string; value: number }>>();
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const [, name, labels, value] = match as unknown as [string, string, string, string];
    const gpu = /(?:^|,)gpu="(\d+)"/.exec(labels)?.[1];
    if (gpu === undefined) continue;
    if (!out.has(name)) out.set(name, new Map());
    out.get(name)!.set(gpu, { labels, value: Number(value) });
  }
  return out;
}

/** The GPUs a fixture host reports, from its committed scrape files, ordered by index. */
export function fixtureGpus(hostname: string): FixtureGpu[] {
  const node = DCGM_FIXTURE_NODES.find((n) => n.hostname === hostname);
  if (!node) throw new Error(`no dcgm fixture for ${hostname}`);
  const root = new URL('../../fixtures/dcgm-exporter/', import.meta.url);
  const samples = fixtureSamples(node.files.map((f) => readFileSync(new URL(f, root), 'utf8')).join('\n'));
  const of = (name: string, gpu: string) => samples.get(name)?.get(gpu)?.value ?? NaN;
  const util = samples.get('DCGM_FI_DEV_GPU_UTIL') ?? new Map();
  return [...util.entries()]
    .map(([gpu, s]) => ({
      index: gpu,
      uuid: /UUID="([^"]+)"/.exec(s.labels)?.[1] ?? '',
      model: /modelName="([^"]+)"/.exec(s.labels)?.[1] ?? '',
      utilization: s.value,
      temperature: of('DCGM_FI_DEV_GPU_TEMP', gpu),
      power: of('DCGM_FI_DEV_POWER_USAGE', gpu),
      used: of('DCGM_FI_DEV_FB_USED', gpu),
      total: of('DCGM_FI_DEV_FB_USED', gpu) + of('DCGM_FI_DEV_FB_FREE', gpu) + of('DCGM_FI_DEV_FB_RESERVED', gpu),
    }))
    .sort((a, b) => Number(a.index) - Number(b.index));
}

/** dcgm-exporter host name of each dcgm-joined node id (writePaths fleets with `dcgm: true`). */
export function dcgmHosts(fleet: Fleet, dcgm: boolean): Map<string, string> {
  if (!dcgm || !fleet.scenario.dcgmH100NodeId) return new Map();
  return new Map([
    [fleet.scenario.dcgmH100NodeId, 'gpu-node-01'],
    [fleet.scenario.dcgmA100NodeId, 'gpu-node-02'],
  ]);
}

/** GPU utilizations (percent) of a node: dcgm-exporter where it is joined, else AIWM's gpuDevices. */
export function gpuUtilizationsOf(n: Document, hosts: Map<string, string>): number[] {
  const host = hosts.get(idOf(n));
  if (host) return fixtureGpus(host).map((g) => g.utilization);
  const devices = Array.isArray(n.gpuDevices) ? (n.gpuDevices as Document[]) : [];
  return devices.map((g) => g.utilization).filter((u): u is number => typeof u === 'number');
}

export function gpuCountOf(n: Document, hosts: Map<string, string>): number {
  const host = hosts.get(idOf(n));
  return host ? fixtureGpus(host).length : Array.isArray(n.gpuDevices) ? n.gpuDevices.length : 0;
}

// ---- agent activity -----------------------------------------------------------------------------

export interface AgentTruth {
  tasks: number;
  withLatency: number;
  /** ms since epoch of the last assistant message, or null. */
  lastTask: number | null;
}

/**
 * Per agent of `org`: assistant messages (tasks), those carrying a latency, and the last one.
 * `messages` are the live ones; a message's agent is its conversation's (deleted or not).
 */
export function agentActivity(fleet: Fleet, messages: Document[], org: string): Map<string, AgentTruth> {
  const agentOf = new Map(fleet.collections.conversations.map((c) => [idOf(c), String(c.agentId ?? '')]));
  const out = new Map<string, AgentTruth>();
  for (const m of messages) {
    if (m.role !== 'assistant' || orgOf(m) !== org) continue;
    const agent = agentOf.get(String(m.conversationId));
    if (!agent) continue;
    const t = out.get(agent) ?? { tasks: 0, withLatency: 0, lastTask: null };
    t.tasks++;
    if (typeof m.latency === 'number' && m.latency >= 0) t.withLatency++;
    const at = time(m.createdAt);
    if (at !== undefined) t.lastTask = Math.max(t.lastTask ?? 0, at);
    out.set(agent, t);
  }
  return out;
}
