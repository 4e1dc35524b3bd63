/**
 * The GPU pipeline end to end: the committed dcgm-exporter scrapes served over HTTP -> a real
 * Prometheus scraping them with prometheus.yml's relabelling -> the recording rules joining them to
 * the exporter's AIWM nodes by host name -> the unified per-GPU series everything downstream reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectId } from 'mongodb';
import { DCGM_FIXTURE_NODES, startDcgmFixtures } from '../../demo/dcgm-fixtures.js';
import { UNASSIGNED_ORG } from '../../exporter/src/source/common.js';
import type { Fleet } from '../../testing/fleet/index.js';
import type { TestDatabase } from '../../testing/harness.js';
import { waitFor } from '../../testing/ports.js';
import { startPrometheus, type PromSample } from '../../testing/prometheus.js';
import { startStack, type Stack } from '../../testing/stack.js';

const MIB = 1048576;
/** GPUs per fixture host, as in fixtures/dcgm-exporter/README.md. */
const FIXTURE_GPUS = { 'gpu-node-01': 8, 'gpu-node-02': 2 } as const;

let stack: Stack;
const nodes = { h100: '', a100: '', aiwmOnly: '' };

const idOf = (fleet: Fleet, id: string): ObjectId =>
  fleet.collections.nodes.find((n) => n._id.toHexString() === id)!._id as ObjectId;
/** The org label the exporter gives a node (an empty orgId reads `unassigned`). */
const orgOf = (id: string): string => {
  const doc = stack.fleet.collections.nodes.find((n) => n._id.toHexString() === id)!;
  return (doc.owner as { orgId?: string } | undefined)?.orgId || UNASSIGNED_ORG;
};

/**
 * The write-path fleet names two nodes after the fixtures' hosts (`GPU-NODE-01`, and
 * `gpu-node-02.cluster.local.` joining through its short name); one more node reports GPU telemetry
 * through AIWM only.
 */
async function stage(db: TestDatabase, fleet: Fleet): Promise<void> {
  nodes.h100 = fleet.scenario.dcgmH100NodeId;
  nodes.a100 = fleet.scenario.dcgmA100NodeId;
  nodes.aiwmOnly = fleet.scenario.healthyNodeId;
  const gpu = (i: number) => ({
    deviceId: `aiwm-only-${i}`,
    model: 'NVIDIA L40S',
    memoryTotal: 46068,
    memoryUsed: 1024,
    memoryFree: 45044,
    utilization: 40,
    temperature: 50,
  });
  const gpuDevices = [gpu(0), gpu(1)];
  await db.db.collection('nodes').updateOne({ _id: idOf(fleet, nodes.aiwmOnly) }, { $set: { gpuDevices } });
}

beforeAll(async () => {
  stack = await startStack({ dcgm: true, fleet: { writePaths: true }, prepare: stage });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Waits until `expr` returns `count` series (recording rules need an evaluation or two). */
async function series(expr: string, count: number): Promise<PromSample[]> {
  let last: PromSample[] = [];
  try {
    return await waitFor(
      `${count} series of ${expr}`,
      async () => {
        last = await stack.prometheus.query(expr);
        return last.length === count ? last : undefined;
      },
      30_000,
      250,
    );
  } catch (error) {
    throw new Error(`${String(error)}; last answer: ${JSON.stringify(last.map((s) => s.metric))}`);
  }
}

const byGpu = (samples: PromSample[]) => new Map(samples.map((s) => [s.metric.gpu!, Number(s.value[1])]));

describe('dcgm-exporter fixtures scraped by Prometheus', () => {
  it("scrapes one target per GPU node under a dcgm job, named by the node's host name", async () => {
    const up = await series('up{job=~".*dcgm.*"} == 1', 2);
    expect(up.map((s) => s.metric.instance).sort()).toEqual(['gpu-node-01:9400', 'gpu-node-02:9400']);
  });

  it('puts both label generations into one lower-case `hostname` and drops `Hostname`', async () => {
    const temps = await series('DCGM_FI_DEV_GPU_TEMP', 10);
    expect(temps.filter((s) => 'Hostname' in s.metric)).toEqual([]);
    const count = (host: string) => temps.filter((s) => s.metric.hostname === host).length;
    const perHost = Object.fromEntries(Object.keys(FIXTURE_GPUS).map((h) => [h, count(h)]));
    expect(perHost).toEqual(FIXTURE_GPUS);
  });
});

describe('unified GPU series', () => {
  it('joins every dcgm-exporter GPU to its AIWM node and org', async () => {
    const hostnameOf = (id: string) => stack.fleet.collections.nodes.find((n) => n._id.toHexString() === id)!.hostname;
    expect([nodes.h100, nodes.a100].map(hostnameOf)).toEqual(['GPU-NODE-01', 'gpu-node-02.cluster.local.']);
    const info = await series('gpu:aiwm_gpu_info:unified{source="dcgm"}', 10);
    const of = (node: string) => info.filter((s) => s.metric.node_id === node);
    expect(of(nodes.h100)).toHaveLength(8);
    expect(of(nodes.a100)).toHaveLength(2);
    const h100 = { org_id: orgOf(nodes.h100), model: 'NVIDIA H100 80GB HBM3', uuid: expect.stringMatching(/^GPU-/) };
    for (const s of of(nodes.h100)) expect(s.metric).toMatchObject(h100);
    for (const s of of(nodes.a100))
      expect(s.metric).toMatchObject({ org_id: orgOf(nodes.a100), model: 'NVIDIA A100 80GB PCIe' });
    expect(
      of(nodes.h100)
        .map((s) => s.metric.gpu)
        .sort(),
    ).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    const unmatched = await stack.prometheus.query('cluster:aiwm_dcgm_gpus_unmatched:count');
    expect(unmatched).toMatchObject([{ value: [expect.any(Number), '0'] }]);
  });

  it("carries the fixture's readings in the unified units", async () => {
    const at = `org_id="${orgOf(nodes.h100)}",node_id="${nodes.h100}"`;
    const temperature = byGpu(await series(`gpu:aiwm_gpu_temperature_celsius:unified{${at}}`, 8));
    expect(temperature.get('3')).toBe(87);
    const utilization = byGpu(await series(`gpu:aiwm_gpu_utilization_ratio:unified{${at}}`, 8));
    expect(utilization.get('0')).toBe(1);
    expect(utilization.get('4')).toBeCloseTo(0.63, 10);
    const used = byGpu(await series(`gpu:aiwm_gpu_memory_used_bytes:unified{${at}}`, 8));
    expect(used.get('0')).toBe(74812 * MIB);
    const total = byGpu(await series(`gpu:aiwm_gpu_memory_total_bytes:unified{${at}}`, 8));
    expect(total.get('0')).toBe((74812 + 6196 + 551) * MIB);
    const power = byGpu(await series(`gpu:aiwm_gpu_power_usage_watts:unified{${at}}`, 8));
    expect(power.get('0')).toBeCloseTo(642.317, 6);
  });

  it('reports the health signals of the faulty and the throttled GPU', async () => {
    const at = `node_id="${nodes.h100}"`;
    const xid = await series(`gpu:aiwm_gpu_xid_last:unified{${at}} > 0`, 1);
    expect(xid[0]!.metric).toMatchObject({ gpu: '5', xid: '94', source: 'dcgm' });
    expect(byGpu(await series(`gpu:aiwm_gpu_uncorrectable_remapped_rows:unified{${at}} > 0`, 1)).get('5')).toBe(1);
    const reasons = byGpu(await series(`gpu:aiwm_gpu_clock_event_reasons:unified{${at}}`, 8));
    expect([reasons.get('3'), reasons.get('5'), reasons.get('0')]).toEqual([32, 1, 0]);
  });

  it("takes a node's GPUs from dcgm-exporter alone when it has both sources", async () => {
    const h100 = await series(`gpu:aiwm_gpu_info:unified{node_id="${nodes.h100}"}`, 8);
    expect(new Set(h100.map((s) => s.metric.source))).toEqual(new Set(['dcgm']));
    const unified = '__name__=~"gpu:.+:unified"';
    const leaked = await stack.prometheus.query(`{${unified},job!=""} or {${unified},instance!=""}`);
    expect(leaked).toEqual([]);
  });

  it("falls back to AIWM's own GPU fields for a node without dcgm-exporter", async () => {
    const at = `node_id="${nodes.aiwmOnly}"`;
    const info = await series(`gpu:aiwm_gpu_info:unified{${at}}`, 2);
    const expected = { source: 'aiwm', uuid: 'aiwm-only-0', model: 'NVIDIA L40S', org_id: orgOf(nodes.aiwmOnly) };
    expect(info.map((s) => s.metric)).toEqual(expect.arrayContaining([expect.objectContaining(expected)]));
    const utilization = await series(`gpu:aiwm_gpu_utilization_ratio:unified{${at}}`, 2);
    expect(utilization.map((s) => [s.metric.source, Number(s.value[1])])).toEqual([
      ['aiwm', 0.4],
      ['aiwm', 0.4],
    ]);
  });

  it('rolls the unified series up per node', async () => {
    const [avg] = await series(`node:aiwm_gpu_utilization_ratio:avg{node_id="${nodes.a100}"}`, 1);
    expect(Number(avg!.value[1])).toBeCloseTo(0.48, 10);
    const [used] = await series(`node:aiwm_gpu_memory_used_bytes:sum{node_id="${nodes.a100}"}`, 1);
    expect(Number(used!.value[1])).toBe(62117 * MIB);
  });
});

describe('host-name normalisation in the scrape job', () => {
  it('lower-cases a reported host name and strips its trailing dot', async () => {
    const node = { ...DCGM_FIXTURE_NODES[0]!, hostname: 'mixed-case', reportAs: 'GPU-Node-01.Example.' };
    const fixtures = await startDcgmFixtures({ nodes: [node] });
    const prometheus = await startPrometheus({ targets: fixtures.targets });
    try {
      await prometheus.waitForScrapes(1);
      const hosts = await prometheus.query('count by (hostname, Hostname) (DCGM_FI_DEV_GPU_TEMP)');
      expect(hosts.map((s) => s.metric)).toEqual([{ hostname: 'gpu-node-01.example' }]);
    } finally {
      await prometheus.stop();
      await fixtures.close();
    }
  });
});
