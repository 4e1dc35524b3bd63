/** A resource's record-level details (not metrics), from MongoDB by primary key, scoped to the caller's org. */
import { ObjectId } from 'mongodb';
import type { FacadeContext } from '../route.js';
import { bounded, collectionOf, iso, liveOf, str } from './common.js';

export interface ResourceDetails {
  endpoint: string | null;
  startedAt: string | null;
  lastHealthCheck: string | null;
  errorMessage: string | null;
}

const PROJECTION = { 'runtime.endpoint': 1, 'runtime.startedAt': 1, lastHealthCheck: 1, errorMessage: 1 };

/** The resource's endpoint, start, last health check and error; null when MongoDB has no live one of the org. */
export async function resourceDetails(ctx: FacadeContext, id: string): Promise<ResourceDetails | null> {
  const doc = await collectionOf(ctx, 'resources').findOne(
    { _id: new ObjectId(id), ...liveOf(ctx.scope) },
    { projection: PROJECTION, ...bounded(ctx) },
  );
  if (!doc) return null;
  return {
    endpoint: str(doc.runtime?.endpoint),
    startedAt: iso(doc.runtime?.startedAt),
    lastHealthCheck: iso(doc.lastHealthCheck),
    errorMessage: str(doc.errorMessage),
  };
}
