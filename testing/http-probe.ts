/**
 * Raw HTTP for the hostile-input and fault suites: node:http, so a request goes out exactly as
 * written (no URL normalisation of `..`, no re-encoding of `%zz`, any method, oversized headers),
 * and a connection the server closes is an answer of its own rather than an exception.
 */
import http from 'node:http';
import type { Exporter } from '../exporter/src/app.js';

export interface ProbeRequest {
  method?: string;
  /** Sent verbatim as the request target. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ProbeAnswer {
  /** 0 when no response came back (see `error`). */
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The socket error when no response came back (ECONNRESET, EPIPE, ECONNREFUSED, timeout). */
  error?: string;
}

/** One request on a fresh connection to 127.0.0.1:`port`. Never rejects. */
export function probe(port: number, request: ProbeRequest, timeoutMs = 15_000): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: ProbeAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: { connection: 'close', ...request.headers },
        agent: false,
        // Oversized headers are part of what is probed: the client must not refuse to send them.
        maxHeaderSize: 1024 * 1024,
        insecureHTTPParser: true,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: '', error: error.code ?? error.message }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ status: 0, headers: {}, body: '', error: error.code ?? error.message }),
    );
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}

/**
 * The port the JSON facade listens on: its own listener (`facadePort`, FACADE_PORT) where the
 * exporter has one, else the exporter's port (the facade used to share the /metrics listener).
 */
export function facadePortOf(exporter: Exporter): number {
  return (exporter as Exporter & { facadePort?: number }).facadePort ?? exporter.port;
}

/**
 * For an exporter in another process: `facadePort` when something answers there (the facade's own
 * listener), else `metricsPort`.
 */
export async function probeFacadePort(facadePort: number, metricsPort: number, basePath = '/dashboard') {
  const answer = await probe(facadePort, { path: `${basePath}/openapi.json` }, 5000);
  return answer.status > 0 ? facadePort : metricsPort;
}
