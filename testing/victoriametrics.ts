/**
 * A real VictoriaMetrics single node (Debian's `victoria-metrics`) on 127.0.0.1: a PromQL store
 * whose cluster version has the same query API, used as an alternative backend for the facade.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type Daemon } from './daemon.js';
import { freePort } from './ports.js';

export const VICTORIA_METRICS_BIN = process.env.VICTORIA_METRICS_BIN ?? 'victoria-metrics';

export interface RunningVictoriaMetrics extends Daemon {
  readonly url: string;
  /** Where Prometheus remote-writes. */
  readonly writeUrl: string;
}

export async function startVictoriaMetrics(): Promise<RunningVictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'aiwm-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const daemon = await startDaemon(
    'VictoriaMetrics',
    VICTORIA_METRICS_BIN,
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=1d',
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-loggerLevel=ERROR',
    ],
    { readyUrl: `${url}/health`, dir },
  );
  return { ...daemon, url, writeUrl: `${url}/api/v1/write` };
}
