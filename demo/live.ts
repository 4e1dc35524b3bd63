/**
 * Keeps a generated fleet alive in MongoDB for the demo and the compose seeder: heartbeats, new
 * messages and executions as time passes, and a GPU that heats up now and then so alerts fire.
 */
import type { Db } from 'mongodb';
import { LiveFleet, type Fleet } from '../testing/fleet/index.js';

export interface LiveOptions {
  /** Seconds between updates. */
  tickSeconds?: number;
  /** A heat wave on the hot-GPU node every this many seconds, lasting half of it. */
  heatCycleSeconds?: number;
  onError?: (error: unknown) => void;
}

export function keepFleetAlive(db: Db, fleet: Fleet, options: LiveOptions = {}): { stop(): Promise<void> } {
  const tick = options.tickSeconds ?? 5;
  const cycle = options.heatCycleSeconds ?? 300;
  const live = new LiveFleet(fleet);
  const nodes = db.collection('nodes');
  let last = Date.now();
  let running: Promise<void> = Promise.resolve();
  const step = async () => {
    const now = Date.now();
    // Follow the wall clock, so heartbeats and messages carry real times.
    const elapsed = Math.max(1, (now - Math.max(last, live.now.getTime())) / 1000);
    last = now;
    await live.advance(db, elapsed);
    const hot = Math.floor(now / 1000) % cycle < cycle / 2;
    if (fleet.scenario.hotGpuNodeId) {
      const node = fleet.collections.nodes.find((n) => n._id.toHexString() === fleet.scenario.hotGpuNodeId);
      if (node) await nodes.updateOne({ _id: node._id }, { $set: { 'gpuDevices.1.temperature': hot ? 93 : 71 } });
    }
  };
  const timer = setInterval(() => {
    running = running.then(step).catch((error: unknown) => options.onError?.(error));
  }, tick * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
