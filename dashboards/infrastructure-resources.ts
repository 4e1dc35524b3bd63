import { M, type MetricDef } from '../queries/names.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, UID, drillDown } from './lib.js';

/** Allocations count for resources that hold capacity. */
const holding = (allocation: MetricDef) => w.allocationHeld(allocation, ORG);

/** Level 2: VMs and containers. */
export function resources() {
  return new Board(
    UID.resources,
    'AIWM / Infrastructure / Resources',
    'VMs and containers: by type and status, what they hold, and the list.',
  )
    .row(100, 'Resources')
    .bars({
      id: 1,
      title: 'By type',
      description: 'inference-container, application-container, virtual-machine.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.resources, 'resource_type', ORG), legend: '{{resource_type}}' }],
    })
    .bars({
      id: 2,
      title: 'By status',
      description: 'Resources by status.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.resources, 'status', ORG), legend: '{{status}}' }],
    })
    .bars({
      id: 3,
      title: 'GPUs allocated by mode',
      description: 'passthrough and MIG for VMs, container for containers.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.resourceGpus, 'mode', ORG), legend: '{{mode}}' }],
    })
    .stat({
      id: 4,
      title: 'vCPUs allocated',
      description: 'Held by resources deploying, running or stopping.',
      unit: 'none',
      targets: [{ expr: holding(M.resourceVcpus) }],
      w: 2,
    })
    .stat({
      id: 5,
      title: 'RAM allocated',
      description: 'Held by resources deploying, running or stopping.',
      unit: 'bytes',
      targets: [{ expr: holding(M.resourceMemory) }],
      w: 2,
    })
    .stat({
      id: 6,
      title: 'Disk allocated',
      description: 'Held by VMs deploying, running or stopping (containers record none).',
      unit: 'bytes',
      targets: [{ expr: holding(M.resourceDisk) }],
      w: 2,
    })
    .table({
      id: 7,
      title: 'Resources',
      description: 'Every VM and container with its node and status.',
      unit: 'none',
      targets: [
        { expr: w.perEntity(M.resourceInfo, ORG), table: true },
        { expr: w.stateColumn(M.resourceStatus, ORG), table: true },
      ],
      columns: {
        resource_name: 'Resource',
        resource_type: 'Type',
        state: 'Status',
        node_id: 'Node',
        resource_id: 'Id',
        org_id: 'Org',
      },
      link: { title: 'Node detail', url: drillDown(UID.nodeDetail, { node: '${__data.fields.Node}' }) },
    })
    .build();
}
