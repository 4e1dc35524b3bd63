/**
 * A real Prometheus (Debian's `prometheus` package) on 127.0.0.1 with a temporary data directory,
 * for tests that need the real scraper, rule evaluator and query engine.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { freePort, waitFor } from './ports.js';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
  path?: string;
  params?: Record<string, string[]>;
  /** Target labels (e.g. `instance`); targets sharing a job become one scrape config. */
  labels?: Record<string, string>;
  /** The job's metric_relabel_configs (taken from the job's first target). */
  metricRelabelConfigs?: Array<Record<string, unknown>>;
  /** The job's sample_limit (taken from the job's first target). */
  sampleLimit?: number;
  /** The job's `authorization` (Bearer, token read from this file; taken from the job's first target). */
  bearerTokenFile?: string;
  /** The job's `basic_auth` (password read from the file; taken from the job's first target). */
  basicAuth?: { username: string; passwordFile: string };
}

export interface PrometheusOptions {
  targets: ScrapeTarget[];
  scrapeInterval?: string;
  /** At most the scrape interval (default 1s). */
  scrapeTimeout?: string;
  evaluationInterval?: string;
  ruleFiles?: string[];
  alertmanagers?: string[];
  /** Extra command-line flags. */
  flags?: string[];
  /** remote_write URLs (e.g. a VictoriaMetrics under test). */
  remoteWrite?: string[];
  /** Listen port (default: a free one). */
  port?: number;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  readonly url: string;
  readonly pid: number | undefined;
  readonly dir: string;
  query(expr: string, time?: number): Promise<PromSample[]>;
  queryRange(
    expr: string,
    start: number,
    end: number,
    step: number,
  ): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>>;
  /** Resolves once every target has been scraped successfully at least `times` times after the call. */
  waitForScrapes(times?: number): Promise<void>;
  stop(): Promise<void>;
  readonly log: () => string;
}

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus API ${url}: ${body.error ?? response.status}`);
  return body.data;
}

/** A target's static config; a path that differs from its job's goes in `__metrics_path__`. */
function staticConfig(t: ScrapeTarget, jobPath: string) {
  const path = t.path ?? '/metrics';
  const labels = { ...t.labels, ...(path !== jobPath ? { __metrics_path__: path } : {}) };
  return Object.keys(labels).length > 0 ? { targets: [t.target], labels } : { targets: [t.target] };
}

/** One scrape config per job (Prometheus rejects duplicate job names), in the order jobs first appear. */
function scrapeConfigs(targets: ScrapeTarget[]) {
  const jobs = new Map<string, ScrapeTarget[]>();
  for (const t of targets) jobs.set(t.job, [...(jobs.get(t.job) ?? []), t]);
  return [...jobs].map(([job, members]) => {
    const first = members[0]!;
    const path = first.path ?? '/metrics';
    return {
      job_name: job,
      metrics_path: path,
      params: first.params,
      metric_relabel_configs: first.metricRelabelConfigs,
      sample_limit: first.sampleLimit,
      authorization: first.bearerTokenFile ? { type: 'Bearer', credentials_file: first.bearerTokenFile } : undefined,
      basic_auth: first.basicAuth
        ? { username: first.basicAuth.username, password_file: first.basicAuth.passwordFile }
        : undefined,
      static_configs: members.map((t) => staticConfig(t, path)),
    };
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'aiwm-prom-'));
  const port = options.port ?? (await freePort());
  const config = {
    global: {
      scrape_interval: options.scrapeInterval ?? '1s',
      evaluation_interval: options.evaluationInterval ?? '1s',
      scrape_timeout: options.scrapeTimeout ?? '1s',
    },
    rule_files: options.ruleFiles ?? [],
    alerting: options.alertmanagers
      ? { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] }
      : undefined,
    remote_write: options.remoteWrite?.map((url) => ({ url, queue_config: { batch_send_deadline: '1s' } })),
    scrape_configs: scrapeConfigs(options.targets),
  };
  // JSON is valid YAML.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const url = `http://127.0.0.1:${port}`;
  const daemon = await startDaemon(
    'Prometheus',
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      ...(options.flags ?? []),
    ],
    { readyUrl: `${url}/-/ready`, dir },
  );
  return {
    url,
    dir,
    pid: daemon.pid,
    log: daemon.log,
    async query(expr, time) {
      const params = new URLSearchParams({ query: expr });
      if (time !== undefined) params.set('time', String(time));
      const data = await api<{ resultType: string; result: PromSample[] }>(`${url}/api/v1/query?${params}`);
      return data.result;
    },
    async queryRange(expr, start, end, step) {
      const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
      const data = await api<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
        `${url}/api/v1/query_range?${params}`,
      );
      return data.result;
    },
    async waitForScrapes(times = 1) {
      const since = Date.now();
      await waitFor(
        'successful scrapes of every target',
        async () => {
          const data = await api<{
            activeTargets: Array<{ health: string; lastScrape: string; lastError: string; scrapePool: string }>;
          }>(`${url}/api/v1/targets?state=active`);
          const ready =
            data.activeTargets.length === options.targets.length &&
            data.activeTargets.every((t) => t.health === 'up' && Date.parse(t.lastScrape) > since + (times - 1) * 1000);
          if (!ready && data.activeTargets.some((t) => t.lastError)) {
            const errors = data.activeTargets.filter((t) => t.lastError).map((t) => `${t.scrapePool}: ${t.lastError}`);
            if (Date.now() - since > 10_000) throw new Error(errors.join('; '));
          }
          return ready ? true : undefined;
        },
        30_000,
        200,
      );
    },
    stop: daemon.stop,
  };
}
