import { M } from '../queries/names.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, UID } from './lib.js';

/** Level 3: the model registry. */
export function models() {
  return new Board(
    UID.models,
    'AIWM / AI Workload / Models',
    'Registered models by type, deployment type and status, and their storage.',
  )
    .row(100, 'Models')
    .bars({
      id: 1,
      title: 'By type',
      description: 'llm, vision, embedding, voice.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.models, 'model_type', ORG), legend: '{{model_type}}' }],
    })
    .bars({
      id: 2,
      title: 'By deployment type',
      description: 'self-hosted or api-based.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.models, 'deployment_type', ORG), legend: '{{deployment_type}}' }],
    })
    .bars({
      id: 3,
      title: 'By status',
      description: 'failed = download-failed, deploy-failed, error, invalid-credentials.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.models, 'status', ORG), legend: '{{status}}' }],
    })
    .stat({
      id: 4,
      title: 'Total model size',
      description: "Sum of the self-hosted models' file sizes.",
      unit: 'bytes',
      targets: [{ expr: w.total(M.modelSize, ORG) }],
      w: 6,
      h: 6,
    })
    .table({
      id: 5,
      title: 'Models',
      description: 'Every model with its status, size and number of deployments.',
      unit: 'none',
      targets: [
        { expr: w.perEntity(M.modelInfo, ORG), table: true },
        { expr: w.stateColumn(M.modelStatus, ORG), table: true },
        { expr: w.perEntity(M.modelSize, ORG), table: true },
      ],
      columns: {
        model_name: 'Model',
        model_type: 'Type',
        deployment_type: 'Deployment type',
        state: 'Status',
        'Value #C': 'Size (bytes)',
        provider: 'Provider',
        model_id: 'Id',
      },
    })
    .build();
}
