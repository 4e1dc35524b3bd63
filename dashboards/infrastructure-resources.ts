import { BY_RESOURCE } from '../queries/core.js';
import { M, type MetricDef } from '../queries/names.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, UID, drillDown } from './lib.js';
import { RESOURCE_STATES, RESOURCE_STATE_COLORS } from './states.js';

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
      w: 5,
    })
    .bars({
      id: 2,
      title: 'By status',
      description: 'Resources by status.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.resources, 'status', ORG), legend: '{{status}}' }],
      seriesColors: RESOURCE_STATE_COLORS,
      w: 5,
    })
    .bars({
      id: 3,
      title: 'GPUs allocated by mode',
      description: 'passthrough and MIG for VMs, container for containers.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.resourceGpus, 'mode', ORG), legend: '{{mode}}' }],
      w: 5,
    })
    .stat({
      id: 4,
      title: 'vCPUs allocated',
      description: 'Held by resources deploying, running or stopping.',
      unit: 'none',
      targets: [{ expr: holding(M.resourceVcpus) }],
      w: 3,
      h: 6,
    })
    .stat({
      id: 5,
      title: 'RAM allocated',
      description: 'Held by resources deploying, running or stopping.',
      unit: 'bytes',
      targets: [{ expr: holding(M.resourceMemory) }],
      w: 3,
      h: 6,
    })
    .stat({
      id: 6,
      title: 'Disk allocated',
      description: 'Held by VMs deploying, running or stopping (containers record none).',
      unit: 'bytes',
      targets: [{ expr: holding(M.resourceDisk) }],
      w: 3,
      h: 6,
    })
    .table({
      id: 7,
      title: 'Resources',
      description:
        'Every VM and container with its node, status (coloured: running green, queued or deploying blue, ' +
        'stopping yellow, stopped grey, failed or error red) and what it is allocated. Disk is recorded for ' +
        'VMs only. Click a row for its node.',
      unit: 'none',
      // Every column is one series per resource without `__name__`, so Grafana's merge makes one row each.
      targets: [
        { expr: w.resourceRows(ORG), table: true },
        { expr: w.stateCode(M.resourceStatus, BY_RESOURCE, ORG), table: true },
        { expr: w.valueColumn(M.resourceVcpus.name, BY_RESOURCE, ORG), table: true },
        { expr: w.valueColumn(M.resourceMemory.name, BY_RESOURCE, ORG), table: true },
        { expr: w.valueColumn(M.resourceDisk.name, BY_RESOURCE, ORG), table: true },
        { expr: w.resourceGpusAllocated(ORG), table: true },
      ],
      columns: {
        resource_name: 'Resource',
        resource_type: 'Type',
        'Value #B': 'Status',
        node_name: 'Node',
        'Value #C': 'vCPUs',
        'Value #D': 'RAM',
        'Value #E': 'Disk',
        'Value #F': 'GPUs',
        node_id: 'Node id',
        resource_id: 'Id',
        org_id: 'Org',
      },
      cells: {
        'Value #B': { color: 'background', mappings: RESOURCE_STATES },
        'Value #D': { unit: 'bytes' },
        'Value #E': { unit: 'bytes' },
      },
      link: { title: 'Node detail', url: drillDown(UID.nodeDetail, { node: '${__data.fields.node_id}' }) },
      h: 12,
    })
    .build();
}
