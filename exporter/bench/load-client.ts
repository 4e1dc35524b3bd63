/**
 * One autocannon load in its own process (load-bench.ts runs two at once for the isolation check,
 * and must not share an event loop with the client it measures).
 * Usage: tsx load-client.ts '<ClientSpec JSON>'; prints one line `RESULT <ClientResult JSON>`.
 */
import autocannon from 'autocannon';
import { requestMix, type LoadTargets, type Mix } from './load-mix.js';
import { stats } from './support.js';

export interface ClientSpec {
  url: string;
  connections: number;
  durationS: number;
  /** Requests per second over all connections (unset: as fast as answers come). */
  overallRate?: number;
  mix: Mix;
  targets: LoadTargets;
  /** The tenants (indexes into targets.orgs) whose tokens this load uses. */
  orgs: number[];
  seed: number;
  /**
   * When to start (epoch ms): two clients started together both finish booting (tsx, autocannon)
   * before either sends, so neither's start-up falls inside the other's measurement.
   */
  startAt?: number;
  /** Seconds at the start whose answers are not recorded: the client's own warm-up (connections, JIT). */
  warmupS?: number;
}

export interface ClientResult {
  requests: number;
  rps: number;
  /** autocannon's histogram (every answer), ms. */
  p50: number;
  p99: number;
  /** Exact latencies of the 200 answers, ms: their count, quantiles, and each (for quantiles over several runs). */
  ok: { n: number; p50: number; p99: number; ms: number[] };
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ClientSpec;
const mix = requestMix(spec.targets, spec.mix, spec.orgs, spec.seed);
if (spec.startAt !== undefined)
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, spec.startAt! - Date.now())));
const okMs: number[] = [];
let recordFrom = Infinity;
recordFrom = performance.now() + (spec.warmupS ?? 0) * 1000;
const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationS,
  overallRate: spec.overallRate,
  timeout: 30,
  requests: [
    {
      method: 'GET',
      setupRequest: (request) => {
        const { path, authorization } = mix.next();
        return { ...request, path, headers: { ...request.headers, authorization } };
      },
    },
  ],
});
(instance as unknown as NodeJS.EventEmitter).on(
  'response',
  (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200 && performance.now() >= recordFrom) okMs.push(ms);
  },
);
const result = await instance;
const ok = stats(okMs.length > 0 ? okMs : [NaN]);
const out: ClientResult = {
  requests: result.requests.total,
  rps: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  ok: { n: okMs.length, p50: ok.p50, p99: ok.p99, ms: okMs },
  statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([s, v]) => [s, v.count ?? 0])),
  errors: result.errors,
  timeouts: result.timeouts,
};
// Exits once the line is written: stdout to the parent is a socket, written asynchronously, and a long
// run's line (every answer's latency) is larger than the socket's buffer; exiting at once cut it short.
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`, () => process.exit(0));
