/**
 * A small TTL cache keyed by org and parameters. Concurrent identical requests share one
 * computation (and so one set of Prometheus round trips); failures are not cached.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { expires: number; value: Promise<unknown> }>();

  constructor(private readonly maxEntries = 1000) {}

  get<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value as Promise<T>;
    if (this.entries.size >= this.maxEntries) {
      for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    const value = compute();
    this.entries.set(key, { expires: now + ttlMs, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}
