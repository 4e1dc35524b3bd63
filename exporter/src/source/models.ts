import type { Collection } from 'mongodb';
import { z } from 'zod';
import {
  NOT_DELETED,
  baseFields,
  enumField,
  labelId,
  labelValue,
  optionalNumber,
  optionalString,
  readEach,
  type InvalidSink,
  lenient,
} from './common.js';

export const MODEL_TYPES = ['llm', 'vision', 'embedding', 'voice'] as const;
export const MODEL_DEPLOYMENT_TYPES = ['self-hosted', 'api-based'] as const;
export const MODEL_STATUSES = [
  'queued',
  'downloading',
  'downloaded',
  'deploying',
  'active',
  'inactive',
  'download-failed',
  'deploy-failed',
  'validating',
  'invalid-credentials',
  'error',
] as const;
export const MODEL_FRAMEWORKS = ['vllm', 'triton'] as const;

export const modelSchema = z.object({
  ...baseFields,
  name: labelValue(z.string(), 'name'),
  type: enumField(MODEL_TYPES),
  deploymentType: enumField(MODEL_DEPLOYMENT_TYPES),
  status: enumField(MODEL_STATUSES),
  fileSize: optionalNumber,
  // Label-only fields: a wrong type drops the field, not the model.
  framework: lenient(enumField(MODEL_FRAMEWORKS).nullish(), 'framework'),
  provider: lenient(labelValue(optionalString, 'provider'), 'provider'),
  nodeId: labelId('nodeId').nullish(),
});

export type ModelRecord = z.output<typeof modelSchema>;

// `apiConfig` holds API keys: it is never in the projection, so it never leaves MongoDB.
const projection = {
  name: 1,
  type: 1,
  deploymentType: 1,
  status: 1,
  fileSize: 1,
  framework: 1,
  provider: 1,
  nodeId: 1,
  'owner.orgId': 1,
};

export function readModels(
  collection: Collection,
  report: InvalidSink,
  visit: (record: ModelRecord) => void,
): Promise<number> {
  return readEach(
    collection,
    NOT_DELETED,
    projection,
    modelSchema,
    [(m) => m.type, (m) => m.deploymentType, (m) => m.status, (m) => m.framework],
    report,
    visit,
  );
}
