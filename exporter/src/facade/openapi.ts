import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Route } from './route.js';

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, field: { type: 'string' }, detail: { type: 'string' } },
  required: ['error'],
};

const retryAfter = {
  description: 'seconds to wait before retrying',
  schema: { type: 'integer', minimum: 1 },
};

/** JSON Schema of a zod schema, as OpenAPI 3.1 accepts it. */
const schemaOf = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/** OpenAPI 3.1 from the same zod schemas that validate requests and describe responses. */
export function openApiDocument(routes: readonly Route[], basePath: string) {
  const paths: Record<string, unknown> = {};
  for (const route of routes) {
    const path = `${basePath}${route.path.replace(/:([a-z]+)/g, '{$1}')}`;
    const query = schemaOf(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    const parameters = [
      ...Object.entries(route.params ?? {}).map(([name, schema]) => ({
        name,
        in: 'path',
        required: true,
        schema: schemaOf(schema, 'input'),
      })),
      ...Object.entries(query.properties ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: (query.required ?? []).includes(name),
        schema,
      })),
    ];
    const content: Record<string, unknown> = { 'application/json': { schema: schemaOf(route.response, 'output') } };
    if (route.rows) content['text/csv'] = { schema: { type: 'string', description: 'the list as CSV (?format=csv)' } };
    const error = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
    const retryLater = (description: string) => ({ ...error(description), headers: { 'Retry-After': retryAfter } });
    paths[path] = {
      get: {
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        operationId: route.path
          .replace(/[/:]+(.)/g, (_m, c: string) => c.toUpperCase())
          .replace(/^./, (c) => c.toLowerCase()),
        security: [{ bearer: [] }],
        parameters,
        responses: {
          '200': { description: `OK (cached ${route.cacheMs / 1000} s per org and parameters)`, content },
          '400': error('a parameter is invalid; `field` names it'),
          '401': error(
            'missing, invalid or expired token, or not an AIWM user token (agent and node tokens are refused)',
          ),
          '403': error('the token has no organization and no platform-wide role (FACADE_ADMIN_ROLES)'),
          '404': error('unknown id, or an entity of another organization (the two are never told apart)'),
          '429': retryLater(
            'too many requests for this token (rate or concurrency limit): retry after `Retry-After` seconds',
          ),
          '503': retryLater('Prometheus or MongoDB did not answer in time, or Prometheus is busy'),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AIWM dashboard API (JSON facade)',
      version: '1.0.0',
      description:
        'The Reports & Monitoring API of the AIWM proposal, served from Prometheus. Every response carries `timestamp` and `metadata` (sources used, fields AIWM data cannot supply).\n\n' +
        'Limits: answers are cached per org and parameters; a request that is not answered from the cache counts against its ' +
        "token's rate (FACADE_RATE_LIMIT, FACADE_RATE_BURST) and in-flight (FACADE_CONCURRENCY_PER_TOKEN) limits, and past them is a 429 " +
        'with `Retry-After` (seconds). Lists read at most 10000 items deep: `page × limit` above that is a 400 naming `page`. ' +
        'Paths answer GET and HEAD only (405 with `Allow` otherwise).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256, AIWM IAM)' } },
    },
    paths,
  };
}

/** The OpenAPI document as served: built once, the same bytes and ETag for every request. */
export interface ServedDocument {
  readonly body: Buffer;
  readonly etag: string;
}

export function servedOpenApiDocument(routes: readonly Route[], basePath: string): ServedDocument {
  const body = Buffer.from(JSON.stringify(openApiDocument(routes, basePath)));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"` };
}
