/** An error that becomes a JSON response: `{ error, field?, detail? }` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: { field?: string; detail?: string } = {},
  ) {
    super(message);
  }
}

export const badRequest = (field: string, message: string) =>
  new HttpError(400, `invalid ${field}: ${message}`, { field });
/**
 * 404: no entity with this id, or one of another organization. The facade never tells the two apart
 * (a 403 would reveal that the id exists in another org): every detail read is scoped to the caller.
 */
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
/** 403: a valid user token that carries no organization (`orgId: ''`) and no platform-wide role. */
export const noOrganization = () =>
  new HttpError(403, 'this token has no organization and no platform-wide role: there is no org to show', {
    detail: 'no_organization',
  });

/**
 * Why a dependency is unavailable, as a stable code in `detail` (never the dependency's own error
 * text, which is logged instead):
 * - `timeout`: no complete answer within PROMETHEUS_TIMEOUT;
 * - `unreachable`: the connection failed or broke;
 * - `error_status`: it answered with an error (HTTP status or `status: "error"`);
 * - `malformed_answer`: the answer is not JSON or not the expected shape (an HTML error page, a
 *   truncated body);
 * - `answer_too_large`: the answer is larger than PROMETHEUS_MAX_ANSWER_SIZE.
 */
export type UnavailableReason = 'timeout' | 'unreachable' | 'error_status' | 'malformed_answer' | 'answer_too_large';

export const unavailable = (source: 'Prometheus' | 'MongoDB', detail: UnavailableReason) =>
  new HttpError(503, `${source} is unavailable`, { detail });

/**
 * A MongoDB driver error (class names start with `Mongo`) as a 503 with a stable detail code, or
 * undefined for any other error. The driver's message (hosts, server text) is for the log only.
 */
export function mongoUnavailable(error: unknown): HttpError | undefined {
  if (!(error instanceof Error) || !/^Mongo/.test(error.name)) return undefined;
  const code = (error as { code?: unknown }).code;
  // MaxTimeMSExpired (50) is the facade's bounded read running out of time.
  if (/Timeout/.test(error.name) || code === 50) return unavailable('MongoDB', 'timeout');
  if (/ServerSelection|Network|Topology|PoolClosed|NotConnected/.test(error.name))
    return unavailable('MongoDB', 'unreachable');
  return unavailable('MongoDB', 'error_status');
}
