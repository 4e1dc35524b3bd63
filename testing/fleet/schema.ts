/**
 * The shape of a generated fleet: the collections, every enum of the data contract, the options and
 * the result. Documents follow /work/shared/aiwm-data-contract.md (field names, types, enums, units).
 */
import type { Document, ObjectId } from 'mongodb';

export const COLLECTIONS = [
  'nodes',
  'resources',
  'models',
  'deployments',
  'agents',
  'executions',
  'conversations',
  'messages',
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/** Every enum of the data contract, keyed by `collection.field` (arrays and sub-documents use `[]` / `.`). */
export const FLEET_ENUMS = {
  'nodes.role[]': ['controller', 'worker', 'proxy', 'storage'],
  'nodes.status': ['pending', 'installing', 'online', 'offline', 'maintenance'],
  'nodes.gpuDevices[].status': ['active', 'idle', 'error'],
  'resources.resourceType': ['inference-container', 'application-container', 'virtual-machine'],
  'resources.status': ['queued', 'deploying', 'running', 'stopping', 'stopped', 'failed', 'error'],
  'models.type': ['llm', 'vision', 'embedding', 'voice'],
  'models.deploymentType': ['self-hosted', 'api-based'],
  'models.status': [
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
  ],
  'models.framework': ['vllm', 'triton'],
  'deployments.status': ['queued', 'deploying', 'running', 'stopping', 'stopped', 'failed', 'error'],
  'agents.status': ['active', 'inactive', 'busy', 'suspended'],
  'agents.type': ['managed', 'autonomous'],
  'executions.category': ['deployment', 'model', 'agent', 'maintenance', 'batch'],
  'executions.status': ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout'],
  'executions.steps[].status': ['pending', 'running', 'completed', 'failed', 'skipped'],
  'messages.role': ['user', 'assistant', 'system', 'tool'],
  'messages.type': ['text', 'thinking', 'tool_call', 'tool_result', 'error', 'system'],
  'messages.status': ['sending', 'sent', 'delivered', 'failed'],
} as const;

export interface FleetOptions {
  seed?: number;
  now?: Date;
  orgs?: number;
  nodes?: number;
  gpusPerNode?: number;
  resourcesPerNode?: number;
  models?: number;
  deployments?: number;
  agents?: number;
  conversationsPerAgent?: number;
  messagesPerConversation?: number;
  executions?: number;
  malformed?: boolean;
  scenarios?: boolean;
  /** Documents as AIWM's write paths store them, not as its schemas declare them (write-paths.ts). */
  writePaths?: boolean;
}

export interface MalformedDoc {
  collection: CollectionName;
  _id: ObjectId;
  /** `bad_field`: an informational field of the wrong type; the document is kept without it. */
  reason: 'missing_field' | 'wrong_type' | 'unknown_enum' | 'bad_field';
  skipped: boolean;
  description: string;
}

export interface FleetScenario {
  hotGpuNodeId: string;
  staleNodeId: string;
  healthyNodeId: string;
  noGpuDataNodeId: string;
  offlineNodeId: string;
  /** writePaths only ('' otherwise): the node whose host name matches the H100 dcgm-exporter fixture. */
  dcgmH100NodeId: string;
  /** writePaths only: FQDN host name joining the A100 fixture through its short name. */
  dcgmA100NodeId: string;
  /** writePaths only: status online, lastHeartbeat still AIWM's default (createdAt), no lastSeenAt. */
  neverHeartbeatNodeId: string;
  /** writePaths only: ramTotal and diskTotal written in GB. */
  gbUnitsNodeId: string;
}

export interface Fleet {
  now: Date;
  orgIds: string[];
  collections: Record<CollectionName, Document[]>;
  malformed: MalformedDoc[];
  /** `_id` hex strings of the scenario nodes; all '' when generated with `scenarios: false`. */
  scenario: FleetScenario;
}

export const DEFAULT_NOW = '2026-11-26T12:00:00Z';
