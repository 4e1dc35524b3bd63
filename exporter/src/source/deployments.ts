import type { Collection } from 'mongodb';
import { z } from 'zod';
import {
  NOT_DELETED,
  baseFields,
  enumField,
  labelId,
  labelValue,
  optionalNumber,
  readEach,
  type InvalidSink,
} from './common.js';

export const DEPLOYMENT_STATUSES = [
  'queued',
  'deploying',
  'running',
  'stopping',
  'stopped',
  'failed',
  'error',
] as const;

export const deploymentSchema = z.object({
  ...baseFields,
  name: labelValue(z.string(), 'name'),
  status: enumField(DEPLOYMENT_STATUSES),
  modelId: labelId('modelId').nullish(),
  nodeId: labelId('nodeId').nullish(),
  resourceId: labelId('resourceId').nullish(),
  requestCount: optionalNumber,
  totalTokens: optionalNumber,
  totalCost: optionalNumber,
});

export type DeploymentRecord = z.output<typeof deploymentSchema>;

const projection = {
  name: 1,
  status: 1,
  modelId: 1,
  nodeId: 1,
  resourceId: 1,
  requestCount: 1,
  totalTokens: 1,
  totalCost: 1,
  'owner.orgId': 1,
};

export function readDeployments(
  collection: Collection,
  report: InvalidSink,
  visit: (record: DeploymentRecord) => void,
): Promise<number> {
  return readEach(collection, NOT_DELETED, projection, deploymentSchema, [(d) => d.status], report, visit);
}
