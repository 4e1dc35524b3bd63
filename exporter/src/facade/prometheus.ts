import { unavailable } from './errors.js';

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Series {
  metric: Record<string, string>;
  values: Array<[number, number]>;
}

/** The Prometheus HTTP API (or any PromQL store speaking it), with a bounded timeout per call. */
export class PrometheusApi {
  /** Round trips made, for the benchmark's overhead figure. */
  roundTrips = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** POST with form parameters (queries), GET without (the alerts API answers GET only). */
  private async get<T>(path: string, params?: Record<string, string>): Promise<T> {
    this.roundTrips++;
    let response: Response;
    try {
      const signal = AbortSignal.timeout(this.timeoutMs);
      response = await fetch(
        `${this.baseUrl}${path}`,
        params
          ? {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams(params),
              signal,
            }
          : { signal },
      );
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : 'connection failed';
      throw unavailable('Prometheus', reason);
    }
    const body = (await response.json().catch(() => undefined)) as
      { status?: string; data?: T; error?: string } | undefined;
    if (!response.ok || body?.status !== 'success')
      throw unavailable('Prometheus', body?.error ?? `HTTP ${response.status}`);
    return body.data as T;
  }

  async query(expr: string, time?: Date): Promise<Sample[]> {
    const params: Record<string, string> = { query: expr };
    if (time) params.time = String(time.getTime() / 1000);
    const data = await this.get<{
      resultType: string;
      result: Array<{ metric: Record<string, string>; value: [number, string] }>;
    }>('/api/v1/query', params);
    if (data.resultType === 'scalar') {
      const v = data.result as unknown as [number, string];
      return [{ metric: {}, value: Number(v[1]) }];
    }
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Prometheus' alerts API (firing and pending alerts with annotations); stores without it fail. */
  async alerts<A>(): Promise<A[]> {
    return (await this.get<{ alerts: A[] }>('/api/v1/alerts')).alerts;
  }

  async queryRange(expr: string, start: Date, end: Date, stepSeconds: number): Promise<Series[]> {
    const data = await this.get<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
      '/api/v1/query_range',
      {
        query: expr,
        start: String(start.getTime() / 1000),
        end: String(end.getTime() / 1000),
        step: String(stepSeconds),
      },
    );
    return data.result.map((r) => ({ metric: r.metric, values: r.values.map(([t, v]) => [t, Number(v)]) }));
  }
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
