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
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const forbidden = () => new HttpError(403, 'this entity belongs to another organization');
export const unavailable = (source: string, detail: string) =>
  new HttpError(503, `${source} is unavailable`, { detail });
