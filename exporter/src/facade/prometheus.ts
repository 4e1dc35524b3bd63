import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { HttpError, unavailable, type UnavailableReason } from './errors.js';

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Series {
  metric: Record<string, string>;
  values: Array<[number, number]>;
}

/** An alert of Prometheus' alerts API (`annotations` is `{}` when the answer has none). */
export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
}

/** The largest Prometheus answer read by default (PROMETHEUS_MAX_ANSWER_SIZE). */
export const DEFAULT_MAX_ANSWER_BYTES = 32 * 1024 * 1024;

// The shapes of the Prometheus HTTP API's answers: anything else is a malformed answer (503).
// A query's result (label sets, samples `[unix seconds, "value"]`) is checked by hand and kept as
// JSON.parse made it: zod would copy every object and pair, and an answer has thousands (in the load
// bench's heap profile, those copies were a third of everything the facade allocated).
type Labels = Record<string, string>;
type Point = [number, string];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLabels = (m: unknown): m is Labels => {
  if (!isObject(m)) return false;
  for (const name in m) if (typeof m[name] !== 'string') return false;
  return true;
};
const isPoint = (p: unknown): p is Point =>
  Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'string';
/** A list whose every item passes `is`, checked without a copy. */
const listOf = <T>(is: (item: unknown) => item is T, what: string) =>
  z.custom<T[]>((v) => Array.isArray(v) && v.every(is), `expected a list of ${what}`);
const samples = listOf(
  (s): s is { metric: Labels; value: Point } => isObject(s) && isLabels(s.metric) && isPoint(s.value),
  'samples { metric, value: [time, "value"] }',
);
const series = listOf(
  (s): s is { metric: Labels; values: Point[] } =>
    isObject(s) && isLabels(s.metric) && Array.isArray(s.values) && s.values.every(isPoint),
  'series { metric, values: [[time, "value"], ...] }',
);
const labels = z.custom<Labels>(isLabels, 'expected labels: names to text');
const envelope = z.object({ status: z.string(), data: z.unknown().optional(), error: z.unknown().optional() });
const instant = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: samples }),
  z.object({ resultType: z.literal('scalar'), result: z.custom<Point>(isPoint, 'expected a [time, "value"] pair') }),
]);
const range = z.object({ resultType: z.literal('matrix'), result: series });
const alertList = z.object({
  alerts: z.array(
    z.object({ labels, annotations: labels.default({}), state: z.string(), activeAt: z.string().optional() }),
  ),
});

/** What a round trip brought back. */
interface Answer {
  status: number;
  text: string;
}

/** The most of an upstream error text that goes to the log. */
const LOGGED_CHARS = 500;

/**
 * The Prometheus HTTP API (or any PromQL store speaking it), with a bounded timeout per call and a
 * bounded answer size. Every failure is a 503 `Prometheus is unavailable` with a stable `detail`
 * code (errors.ts); what Prometheus said goes to the log, never to the caller.
 */
export class PrometheusApi {
  /** Round trips made, for the benchmark's overhead figure. */
  roundTrips = 0;
  private readonly maxBytes: number;
  private readonly logger: Logger | undefined;
  /**
   * Connections kept open between queries; one idle for 30 s is closed (before Prometheus closes it
   * under a query, and so that an idle facade holds none).
   */
  private readonly httpAgent = new http.Agent({ keepAlive: true, timeout: 30_000 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, timeout: 30_000 });

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    options: { maxBytes?: number; log?: Logger } = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    this.logger = options.log;
  }

  /** A 503 with `reason`, and the upstream detail (never shown to callers) in the log. */
  private fail(path: string, reason: UnavailableReason, upstream: Record<string, unknown> = {}): HttpError {
    this.logger?.warn({ path, reason, ...upstream }, 'Prometheus answer refused');
    return unavailable('Prometheus', reason);
  }

  /**
   * One round trip with node's HTTP client (cheaper per query than fetch: a page's fan-out of a dozen
   * queries holds the event loop, and so the other callers, for less): the status and the body as
   * text, decoded (gzip, deflate) and at most `maxBytes`; reading stops past it.
   */
  private roundTrip(path: string, params: Record<string, string> | undefined, signal: AbortSignal): Promise<Answer> {
    const url = new URL(`${this.baseUrl}${path}`);
    const body = params ? new URLSearchParams(params).toString() : undefined;
    const headers: http.OutgoingHttpHeaders = { 'accept-encoding': 'gzip, deflate' };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const client = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
    return new Promise<Answer>((resolve, reject) => {
      const request = client.request(
        url,
        { method: body === undefined ? 'GET' : 'POST', headers, agent, signal },
        (response) => {
          const status = response.statusCode ?? 0;
          const tooLarge = (bytes: number) => {
            response.destroy();
            reject(this.fail(path, 'answer_too_large', { bytes, limit: this.maxBytes, status }));
          };
          const declared = Number(response.headers['content-length'] ?? NaN);
          const encoding = response.headers['content-encoding'];
          if (declared > this.maxBytes && encoding === undefined) return tooLarge(declared);
          const decoded: Readable =
            encoding === 'gzip'
              ? response.pipe(createGunzip())
              : encoding === 'deflate'
                ? response.pipe(createInflate())
                : response;
          const chunks: Buffer[] = [];
          let size = 0;
          decoded.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxBytes) {
              decoded.destroy();
              return tooLarge(size);
            }
            chunks.push(chunk);
          });
          decoded.once('end', () => resolve({ status, text: Buffer.concat(chunks).toString('utf8') }));
          decoded.once('error', reject);
          // A connection that breaks (or a timeout) mid-body ends the response without 'end'.
          response.once('close', () => {
            if (!response.complete) reject(new Error('the connection closed before the answer ended'));
          });
        },
      );
      request.once('error', reject);
      request.end(body);
    });
  }

  /** POST with form parameters (queries), GET without (the alerts API answers GET only). */
  private async get<S extends z.ZodType>(
    path: string,
    schema: S,
    params?: Record<string, string>,
  ): Promise<z.output<S>> {
    this.roundTrips++;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Answer;
    try {
      response = await this.roundTrip(path, params, signal);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      // The timeout covers the answer's body as well as its headers.
      const reason = signal.aborted ? 'timeout' : 'unreachable';
      throw this.fail(path, reason, { error: error instanceof Error ? error.message : String(error) });
    }
    const { text } = response;
    const ok = response.status >= 200 && response.status < 300;
    const excerpt = () => ({ status: response.status, upstream: text.slice(0, LOGGED_CHARS) });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // An HTML error page from a proxy, a truncated body, plain text: not the API's answer.
      throw this.fail(path, ok ? 'malformed_answer' : 'error_status', excerpt());
    }
    const body = envelope.safeParse(json);
    if (!body.success) throw this.fail(path, ok ? 'malformed_answer' : 'error_status', excerpt());
    if (!ok || body.data.status !== 'success') throw this.fail(path, 'error_status', excerpt());
    const data = schema.safeParse(body.data.data);
    if (!data.success) {
      const issue = data.error.issues[0];
      throw this.fail(path, 'malformed_answer', { ...excerpt(), issue: `${issue?.path.join('.')}: ${issue?.message}` });
    }
    return data.data;
  }

  async query(expr: string, time?: Date): Promise<Sample[]> {
    const params: Record<string, string> = { query: expr };
    if (time) params.time = String(time.getTime() / 1000);
    const data = await this.get('/api/v1/query', instant, params);
    if (data.resultType === 'scalar') return [{ metric: {}, value: Number(data.result[1]) }];
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /**
   * Prometheus' alerts API (firing and pending alerts with annotations), checked to be PromAlert[];
   * stores without it fail. (`A` only keeps callers that name a type compiling: it is PromAlert.)
   */
  async alerts<A = PromAlert>(): Promise<A[]> {
    return (await this.get('/api/v1/alerts', alertList)).alerts as A[];
  }

  async queryRange(expr: string, start: Date, end: Date, stepSeconds: number): Promise<Series[]> {
    const data = await this.get('/api/v1/query_range', range, {
      query: expr,
      start: String(start.getTime() / 1000),
      end: String(end.getTime() / 1000),
      step: String(stepSeconds),
    });
    return data.result.map((r) => ({ metric: r.metric, values: numbered(r.values) }));
  }
}

/** Each pair's value as its number, in place: the pairs are this answer's own (JSON.parse made them). */
function numbered(values: Array<[number, string]>): Array<[number, number]> {
  const pairs = values as unknown as Array<[number, number | string]>;
  for (const pair of pairs) pair[1] = Number(pair[1]);
  return pairs as Array<[number, number]>;
}

/** Sum of the first sample's value, or null when the query returned nothing or NaN. */
export function scalar(samples: Sample[]): number | null {
  const v = samples[0]?.value;
  return v === undefined || !Number.isFinite(v) ? null : v;
}

/** `label value -> value` for a vector grouped by one label. */
export function byLabel(samples: Sample[], label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples)
    out.set(s.metric[label] ?? '', (out.get(s.metric[label] ?? '') ?? 0) + (Number.isFinite(s.value) ? s.value : 0));
  return out;
}

/** `label value -> sample` for a vector with one sample per entity. */
export function indexBy(samples: Sample[], label: string): Map<string, Sample> {
  return new Map(samples.map((s) => [s.metric[label] ?? '', s]));
}

/** `entity id -> status` from a state set filtered to its current state (`x == 1`). */
export function statusBy(samples: Sample[], label: string): Map<string, string> {
  return new Map(samples.map((s) => [s.metric[label] ?? '', s.metric.status ?? 'unknown']));
}

/** The first series' values at `timestamps` (null where missing or not finite), mapped by `f`. */
export function alignTo(
  series: Series[],
  timestamps: readonly number[],
  f: (v: number) => number | null = (v) => v,
): Array<number | null> {
  const values = new Map((series[0]?.values ?? []).map(([t, v]) => [Math.round(t), v]));
  return timestamps.map((t) => {
    const v = values.get(t);
    return v !== undefined && Number.isFinite(v) ? f(v) : null;
  });
}
