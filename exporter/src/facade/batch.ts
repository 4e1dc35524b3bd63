/**
 * Fewer Prometheus round trips per request: plain selectors with the same matchers, asked in the
 * same turn of the event loop (a route's `allOf` of a dozen per-field series, e.g. a node's CPU,
 * RAM, disk, uptime and every unified GPU series), go out as one query,
 * `{__name__=~"a|b|c", <matchers>}`, and each caller gets the series of its own name. An instant
 * query of a plain selector answers exactly the union of its names' answers, each series with its
 * `__name__`, so callers see what they would have seen alone. Anything else (functions, operators,
 * range queries) goes out as it is.
 */
import type { PrometheusApi, Sample } from './prometheus.js';

/** `name` or `name{matchers}`: matchers may hold quoted values with escapes, never braces outside quotes. */
const PLAIN = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\})?$/;

interface Waiting {
  name: string;
  resolve: (samples: Sample[]) => void;
  reject: (error: unknown) => void;
}

interface Group {
  matchers: string;
  time: Date | undefined;
  waiting: Waiting[];
}

export interface BatchStats {
  /** Plain-selector queries asked. */
  asked: number;
  /** Queries sent for them. */
  sent: number;
}

/**
 * Makes `api.query` batch plain selectors (see above). Returns the same object, so what is
 * remembered per PrometheusApi (the rule probe) still is; wrap it after any per-query cap, so that
 * a batch takes one slot.
 */
export function batchQueries(api: PrometheusApi): BatchStats {
  const query = api.query.bind(api);
  const stats: BatchStats = { asked: 0, sent: 0 };
  const groups = new Map<string, Group>();

  const flush = (key: string) => {
    const group = groups.get(key)!;
    groups.delete(key);
    const names = [...new Set(group.waiting.map((w) => w.name))];
    stats.sent++;
    const sent =
      names.length === 1
        ? query(group.matchers === '' ? names[0]! : `${names[0]}{${group.matchers}}`, group.time)
        : query(`{${[`__name__=~"${names.join('|')}"`, group.matchers].filter(Boolean).join(', ')}}`, group.time);
    sent.then(
      (samples) => {
        const byName = new Map<string, Sample[]>(names.map((n) => [n, []]));
        for (const sample of samples) byName.get(sample.metric.__name__ ?? '')?.push(sample);
        // One name alone: the answer as it came (whatever the store did with __name__). Each caller
        // gets its own array (some sort theirs in place).
        for (const w of group.waiting) w.resolve(names.length === 1 ? [...samples] : [...byName.get(w.name)!]);
      },
      (error: unknown) => {
        for (const w of group.waiting) w.reject(error);
      },
    );
  };

  api.query = (expr: string, time?: Date): Promise<Sample[]> => {
    const match = PLAIN.exec(expr);
    if (!match || match[2]?.includes('__name__')) return query(expr, time);
    stats.asked++;
    const matchers = match[2]?.trim() ?? '';
    const key = `${matchers}\u0000${time?.getTime() ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { matchers, time, waiting: [] };
      groups.set(key, group);
      // The rest of this turn's queries join before it goes out.
      setImmediate(flush, key);
    }
    const waiting = group.waiting;
    return new Promise<Sample[]>((resolve, reject) => waiting.push({ name: match[1]!, resolve, reject }));
  };
  return stats;
}
