import { z } from 'zod';
import type { Route } from './route.js';

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, field: { type: 'string' }, detail: { type: 'string' } },
  required: ['error'],
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
          '401': error('missing, invalid or expired token'),
          '403': error('the entity belongs to another organization'),
          '404': error('unknown id'),
          '503': error('Prometheus or MongoDB did not answer in time'),
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
        'The Reports & Monitoring API of the AIWM proposal, served from Prometheus. Every response carries `timestamp` and `metadata` (sources used, fields AIWM data cannot supply).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256, AIWM IAM)' } },
    },
    paths,
  };
}
