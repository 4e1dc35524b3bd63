/** GET /infrastructure/resources/:id: one resource, with record-level details from MongoDB. */
import { z } from 'zod';
import { M } from '../../../../queries/index.js';
import { notFound } from '../errors.js';
import { objectId } from '../params.js';
import { resourceDetails } from '../records/resources.js';
import { defineRoute, metadataSchema, ownedEntity } from '../route.js';
import { loadResources, resourceSchema } from './resources.js';

export const resourceRoute = defineRoute({
  path: '/infrastructure/resources/:id',
  summary: 'One resource',
  params: { id: objectId },
  query: z.strictObject({}),
  response: resourceSchema.extend({
    timestamp: z.string(),
    details: z
      .object({
        endpoint: z.string().nullable(),
        startedAt: z.string().nullable(),
        lastHealthCheck: z.string().nullable(),
        errorMessage: z.string().nullable(),
      })
      .nullable(),
    metadata: metadataSchema,
  }),
  cacheMs: 30_000,
  async handle(ctx, params) {
    await ownedEntity(ctx, M.resourceInfo, 'resource_id', params.id!, 'resource');
    const [resource] = await loadResources(ctx, params.id);
    if (!resource) throw notFound('resource');
    return {
      ...resource,
      timestamp: ctx.now.toISOString(),
      details: await resourceDetails(ctx, params.id!),
      metadata: {
        sources: ['prometheus', 'mongodb:resources (by _id)'],
        unavailable: [],
        units: { ramGB: 'GB (GiB)', diskGB: 'GB (GiB)' },
      },
    };
  },
});
