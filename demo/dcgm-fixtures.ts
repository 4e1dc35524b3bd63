/**
 * Serves the committed dcgm-exporter scrapes (fixtures/dcgm-exporter) over HTTP, one path per
 * simulated GPU node, so a real Prometheus can scrape them in the tests and the demo. The two nodes
 * use the two label generations (`Hostname` before 4.6.0-4.8.3, `hostname` since) because real
 * fleets mix them during upgrades, and the join must work for both.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';

const ROOT = new URL('../', import.meta.url);
const FIXTURES = new URL('fixtures/dcgm-exporter/', ROOT);

/** The job name of the committed prometheus.yml; the target-down alert selects it by `dcgm`. */
export const DCGM_JOB = 'dcgm-exporter';

/** The port dcgm-exporter listens on by default; used in the simulated `instance` labels. */
export const DCGM_PORT = 9400;

/** What each dcgm-exporter generation sends: the old handler lets Go sniff, the new one names the format. */
const CONTENT_TYPE = {
  old: 'text/plain; charset=utf-8',
  new: 'text/plain; version=0.0.4; charset=utf-8',
} as const;

export interface DcgmFixtureNode {
  /** The host name dcgm-exporter reports (its `Hostname`/`hostname` label). */
  hostname: string;
  /** Fixture files, concatenated in this order, relative to fixtures/dcgm-exporter. */
  files: string[];
  generation: keyof typeof CONTENT_TYPE;
  /** Report this host name instead of the files' one (tests of the host-name normalisation). */
  reportAs?: string;
}

export const DCGM_FIXTURE_NODES: readonly DcgmFixtureNode[] = [
  { hostname: 'gpu-node-01', files: ['h100-x8.prom', 'h100-x8.clock-events-addendum.prom'], generation: 'old' },
  { hostname: 'gpu-node-02', files: ['4.6.0-4.8.3/a100-x2-k8s.prom'], generation: 'new' },
];

/** A Prometheus scrape target for one simulated node (the shape `startPrometheus` takes). */
export interface DcgmTarget {
  job: string;
  /** host:port of the fixture server. */
  target: string;
  path: string;
  /** `instance` set to `<hostname>:9400`, as a file_sd target named after the host would read. */
  labels: Record<string, string>;
  metricRelabelConfigs: Array<Record<string, unknown>>;
}

export interface DcgmFixtureServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly targets: DcgmTarget[];
  close(): Promise<void>;
}

export interface DcgmFixtureOptions {
  /** Listen port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  nodes?: readonly DcgmFixtureNode[];
}

/** One node's exposition: the files back to back, each ending with a newline. */
function exposition(node: DcgmFixtureNode): string {
  const files = node.files.map((f) => readFileSync(new URL(f, FIXTURES), 'utf8'));
  const text = files.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('');
  if (node.reportAs === undefined) return text;
  return text.replace(/\b([Hh]ostname)="[^"]*"/g, (_, label: string) => `${label}="${node.reportAs}"`);
}

const metricsPath = (node: DcgmFixtureNode) => `/${node.hostname}/metrics`;

/**
 * The metric relabelling of the committed prometheus.yml's dcgm job, read from the file so the tests
 * and the demo scrape exactly as an operator's Prometheus does.
 */
export function committedDcgmRelabelling(): Array<Record<string, unknown>> {
  const config = parse(readFileSync(new URL('prometheus.yml', ROOT), 'utf8')) as {
    scrape_configs: Array<{ job_name: string; metric_relabel_configs?: Array<Record<string, unknown>> }>;
  };
  const job = config.scrape_configs.find((c) => c.job_name === DCGM_JOB);
  if (!job) throw new Error(`prometheus.yml has no ${DCGM_JOB} job`);
  return job.metric_relabel_configs ?? [];
}

function handler(bodies: Map<string, { body: string; contentType: string }>): http.RequestListener {
  return (request, response) => {
    const page = bodies.get(new URL(request.url ?? '/', 'http://fixture').pathname);
    if (!page || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': page.contentType, 'content-length': Buffer.byteLength(page.body) });
    response.end(request.method === 'HEAD' ? undefined : page.body);
  };
}

/** Starts the fixture server on 127.0.0.1; files are read once, at start. */
export async function startDcgmFixtures(options: DcgmFixtureOptions = {}): Promise<DcgmFixtureServer> {
  const nodes = options.nodes ?? DCGM_FIXTURE_NODES;
  const page = (n: DcgmFixtureNode) => ({ body: exposition(n), contentType: CONTENT_TYPE[n.generation] });
  const bodies = new Map(nodes.map((n) => [metricsPath(n), page(n)]));
  const server = http.createServer(handler(bodies));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const relabelling = committedDcgmRelabelling();
  const targets = nodes.map((n) => ({
    job: DCGM_JOB,
    target: `127.0.0.1:${port}`,
    path: metricsPath(n),
    labels: { instance: `${n.hostname}:${DCGM_PORT}` },
    metricRelabelConfigs: relabelling,
  }));
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
