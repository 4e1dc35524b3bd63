/**
 * Malformed documents, when `malformed` is on: a few per collection with a missing field, a field of
 * the wrong type or an unknown enum value, each listed in `fleet.malformed` with whether the exporter
 * skips it. They are built by the same makers as valid documents, then broken, so they draw from the
 * same random stream after every other piece.
 */
import type { Document, ObjectId } from 'mongodb';
import { makeConversation, makeMessage, usageFor } from './activity.js';
import { makeAgent } from './agents.js';
import { orgOf, type FleetContext } from './context.js';
import { makeDeployment } from './deployments.js';
import { makeExecution } from './executions.js';
import { makeModel } from './models.js';
import { fresh, type NodeSpec } from './node-specs.js';
import { makeNode } from './nodes.js';
import { makeResource } from './resources.js';
import { MIN } from './rng-ids.js';
import type { CollectionName, MalformedDoc } from './schema.js';

/** The org of `d` when it has one, else the first org: malformed documents never sit in the legacy '' org. */
function validOrg(ctx: FleetContext, d: Document | undefined): string {
  return d && orgOf(d) !== '' ? orgOf(d) : (ctx.orgIds[0] as string);
}

/** Adds a broken document: never soft-deleted and never in the legacy '' org, so only its defect counts. */
function add(
  ctx: FleetContext,
  collection: CollectionName,
  doc: Document,
  reason: MalformedDoc['reason'],
  description: string,
): void {
  if (orgOf(doc) === '') doc.owner = { orgId: ctx.orgIds[0] as string };
  if (doc.isDeleted !== false) {
    doc.isDeleted = false;
    doc.deletedAt = null;
  }
  ctx.collections[collection].push(doc);
  const skipped = reason !== 'unknown_enum' && reason !== 'bad_field';
  ctx.malformed.push({ collection, _id: doc._id as ObjectId, reason, skipped, description });
}

function cpuSpec(ctx: FleetContext, status: string): NodeSpec {
  return {
    roles: ['worker'],
    status,
    gpu: null,
    gpuData: 'empty',
    telemetry: false,
    gpuMode: 'normal',
    heartbeatAgoMs: fresh(ctx),
    websocket: true,
  };
}

function malformedNodes(ctx: FleetContext, org0: string): void {
  const a = makeNode(ctx, cpuSpec(ctx, 'online'), org0).doc;
  delete a.name;
  add(ctx, 'nodes', a, 'missing_field', 'node without name');
  const b = makeNode(ctx, cpuSpec(ctx, 'online'), org0).doc;
  b.cpuUsage = 'high';
  add(ctx, 'nodes', b, 'bad_field', "node with cpuUsage: 'high' (string instead of number): kept without it");
  const d = makeNode(ctx, cpuSpec(ctx, 'online'), org0).doc;
  d.hostname = 42;
  add(ctx, 'nodes', d, 'bad_field', 'node with hostname: 42 (number instead of string): kept without it');
  const c = makeNode(ctx, cpuSpec(ctx, 'online'), org0).doc;
  c.status = 'rebooting';
  add(ctx, 'nodes', c, 'unknown_enum', "node with status 'rebooting'");
}

function malformedResources(ctx: FleetContext): void {
  const anyNode = ctx.made.nodes[0];
  if (anyNode) {
    const a = makeResource(ctx, anyNode, 'application-container', 'running');
    delete a.resourceType;
    add(ctx, 'resources', a, 'missing_field', 'resource without resourceType');
    const b = makeResource(ctx, anyNode, 'application-container', 'running');
    b.name = 12345;
    add(ctx, 'resources', b, 'wrong_type', 'resource with name: 12345 (number instead of string)');
    const c = makeResource(ctx, anyNode, 'application-container', 'running');
    c.status = 'hibernating';
    add(ctx, 'resources', c, 'unknown_enum', "resource with status 'hibernating'");
  }
}

function malformedModels(ctx: FleetContext, org0: string): void {
  const a = makeModel(ctx, { deploymentType: 'self-hosted', status: 'active', type: 'llm', framework: 'vllm' }, org0);
  a.status = 'exploded';
  add(ctx, 'models', a, 'unknown_enum', "model with status 'exploded'");
  const b = makeModel(ctx, { deploymentType: 'api-based', status: 'active', type: 'llm' }, org0);
  delete b.deploymentType;
  add(ctx, 'models', b, 'missing_field', 'model without deploymentType');
  const c = makeModel(
    ctx,
    { deploymentType: 'self-hosted', status: 'downloaded', type: 'embedding', framework: 'triton' },
    org0,
  );
  c.fileSize = '7 GB';
  add(ctx, 'models', c, 'wrong_type', "model with fileSize: '7 GB' (string instead of number)");
}

function malformedDeployments(ctx: FleetContext, org0: string): void {
  const a = makeDeployment(ctx, 900, 'running', org0);
  if (a) {
    a.requestCount = '12';
    add(ctx, 'deployments', a, 'wrong_type', "deployment with requestCount: '12' (string instead of number)");
  }
  const b = makeDeployment(ctx, 901, 'running', org0);
  if (b) {
    b.status = 'melting';
    add(ctx, 'deployments', b, 'unknown_enum', "deployment with status 'melting'");
  }
  const c = makeDeployment(ctx, 902, 'stopped', org0);
  if (c) {
    delete c.name;
    add(ctx, 'deployments', c, 'missing_field', 'deployment without name');
  }
}

function malformedAgents(ctx: FleetContext, org0: string): void {
  const a = makeAgent(ctx, 900, 'active', 'managed', org0);
  delete a.status;
  add(ctx, 'agents', a, 'missing_field', 'agent without status');
  const b = makeAgent(ctx, 901, 'active', 'managed', org0);
  b.type = 'sentient';
  add(ctx, 'agents', b, 'unknown_enum', "agent with type 'sentient'");
  const c = makeAgent(ctx, 902, 'busy', 'autonomous', org0);
  c.connectionCount = 'many';
  add(ctx, 'agents', c, 'wrong_type', "agent with connectionCount: 'many' (string instead of number)");
}

function malformedExecutions(ctx: FleetContext, org0: string): void {
  const a = makeExecution(ctx, 900, { status: 'completed', category: 'model', type: 'download-model' }, org0);
  a.status = 'zombie';
  add(ctx, 'executions', a, 'unknown_enum', "execution with status 'zombie'");
  const b = makeExecution(ctx, 901, { status: 'completed', category: 'deployment', type: 'deploy-model' }, org0);
  delete b.category;
  add(ctx, 'executions', b, 'missing_field', 'execution without category');
  const c = makeExecution(ctx, 902, { status: 'failed', category: 'batch', type: 'batch-inference' }, org0);
  c.progress = 'half';
  add(ctx, 'executions', c, 'wrong_type', "execution with progress: 'half' (string instead of number)");
}

function malformedConversations(ctx: FleetContext): void {
  const agent0 = ctx.made.agents.find((a) => orgOf(a) !== '') ?? ctx.made.agents[0];
  if (agent0) {
    const a = makeConversation(ctx, agent0, 900, validOrg(ctx, agent0), { deleted: true }).conv;
    delete a.agentId;
    add(ctx, 'conversations', a, 'missing_field', 'conversation without agentId');
    const b = makeConversation(ctx, agent0, 901, validOrg(ctx, agent0), { deleted: true }).conv;
    b.totalTokens = '1500';
    add(ctx, 'conversations', b, 'wrong_type', "conversation with totalTokens: '1500' (string instead of number)");
  }
}

/** Messages inside a live conversation with a real orgId. */
function malformedMessages(ctx: FleetContext): void {
  const { rng, now } = ctx;
  const conv0 = ctx.made.conversations.find((c) => orgOf(c) !== '') ?? ctx.made.conversations[0];
  if (conv0) {
    const at = (): number => now - rng.int(1, 47 * 60) * MIN;
    const a = makeMessage(ctx, conv0, at(), 'assistant', 'text', 'delivered', {
      content: 'x',
      latency: 'fast',
      usage: usageFor(ctx),
    });
    add(ctx, 'messages', a, 'wrong_type', "message with latency: 'fast' (string instead of number)");
    const b = makeMessage(ctx, conv0, at(), 'user', 'text', 'delivered', { content: 'x' });
    delete b.createdAt;
    add(ctx, 'messages', b, 'missing_field', 'message without createdAt');
    const c = makeMessage(ctx, conv0, at(), 'user', 'text', 'delivered', { content: 'x' });
    delete c.conversationId;
    add(ctx, 'messages', c, 'missing_field', 'message without conversationId');
    const d = makeMessage(ctx, conv0, at(), 'robot', 'text', 'delivered', { content: 'x' });
    add(ctx, 'messages', d, 'unknown_enum', "message with role 'robot'");
    const e = makeMessage(ctx, conv0, at(), 'assistant', 'hologram', 'delivered', {
      content: 'x',
      latency: 900,
      usage: usageFor(ctx),
    });
    add(ctx, 'messages', e, 'unknown_enum', "message with type 'hologram'");
  }
}

/** The malformed piece, in collection order (the order fixes which random draws each one gets). */
export function addMalformed(ctx: FleetContext): void {
  if (!ctx.counts.malformed) return;
  const org0 = ctx.orgIds[0] as string;
  malformedNodes(ctx, org0);
  malformedResources(ctx);
  malformedModels(ctx, org0);
  malformedDeployments(ctx, org0);
  malformedAgents(ctx, org0);
  malformedExecutions(ctx, org0);
  malformedConversations(ctx);
  malformedMessages(ctx);
}
