/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) on 127.0.0.1, started through the
 * project's own entrypoint script, plus a webhook receiver that records every notification.
 */
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { freePort } from './ports.js';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager';
const ENTRYPOINT = new URL('../alerts/alertmanager-entrypoint.sh', import.meta.url).pathname;

export interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Notification {
  path: string;
  receiver: string;
  status: string;
  alerts: WebhookAlert[];
}

export interface WebhookReceiver {
  readonly url: string;
  readonly notifications: Notification[];
  /** Requests to paths under `/reject` answered 403 (a receiver refusing the credentials), not recorded. */
  readonly rejected: () => number;
  close(): Promise<void>;
}

/** Where a webhook URL points to a receiver that rejects every notification (403). */
export const REJECTING_PATH = '/reject';

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: Notification[] = [];
  let rejected = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url?.startsWith(REJECTING_PATH)) {
        rejected++;
        res.writeHead(403).end();
        return;
      }
      try {
        const payload = JSON.parse(body) as Omit<Notification, 'path'>;
        notifications.push({
          path: req.url ?? '',
          receiver: payload.receiver,
          status: payload.status,
          alerts: payload.alerts,
        });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    notifications,
    rejected: () => rejected,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** An alert as Alertmanager's API v2 lists it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
}

export interface RunningAlertmanager {
  readonly url: string;
  /** host:port for Prometheus' alerting config. */
  readonly target: string;
  alerts(filter?: string[]): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
  readonly log: () => string;
}

/** `configYaml` is the Alertmanager configuration as committed (or adjusted for test timings). */
export async function startAlertmanager(
  configYaml: string,
  env: { ALERT_WEBHOOK_URL: string; WATCHDOG_WEBHOOK_URL?: string },
  port?: number,
): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'aiwm-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), configYaml);
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const daemon = await startDaemon(
    'Alertmanager',
    'sh',
    [ENTRYPOINT, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    {
      readyUrl: `${url}/-/ready`,
      dir,
      env: {
        ...process.env,
        ...env,
        ALERTMANAGER_CONFIG_SOURCE: join(dir, 'alertmanager.yml'),
        ALERTMANAGER_BIN,
        ALERTMANAGER_STORAGE: join(dir, 'data'),
      },
    },
  );
  return {
    url,
    target: `127.0.0.1:${port}`,
    log: daemon.log,
    async alerts(filter = []) {
      const params = new URLSearchParams();
      for (const f of filter) params.append('filter', f);
      return (await (await fetch(`${url}/api/v2/alerts?${params}`)).json()) as AlertmanagerAlert[];
    },
    stop: daemon.stop,
  };
}
