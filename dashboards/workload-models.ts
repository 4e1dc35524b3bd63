import { M } from '../queries/index.js';
import * as w from '../queries/workloads.js';
import { Board, ORG, UID } from './lib.js';
import { MODEL_STATES, MODEL_STATE_COLORS } from './states.js';

/** Table rows join on the model id alone (a model's deployments may belong to another org). */
const ID = w.BY_MODEL_ID;

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
      base: 'blue',
    })
    .bars({
      id: 2,
      title: 'By deployment type',
      description: 'self-hosted or api-based.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.models, 'deployment_type', ORG), legend: '{{deployment_type}}' }],
      base: 'blue',
    })
    .bars({
      id: 3,
      title: 'By status',
      description:
        'Counts, in a neutral colour (the Models table colours each status); failed = download-failed, deploy-failed, error, invalid-credentials.',
      unit: 'none',
      targets: [{ expr: w.totalBy(M.models, 'status', ORG), legend: '{{status}}' }],
      seriesColors: MODEL_STATE_COLORS,
      base: 'blue',
    })
    .stat({
      id: 4,
      title: 'Total model size',
      description: "Sum of the self-hosted models' file sizes.",
      unit: 'bytes',
      targets: [{ expr: w.total(M.modelSize, ORG) }],
      base: 'blue',
      w: 6,
      h: 6,
    })
    .table({
      id: 5,
      title: 'Models',
      description: 'Every model with its status (failed ones red, active green), size and number of deployments.',
      unit: 'none',
      targets: [
        {
          expr: w.infoColumns(M.modelInfo, [...ID, 'model_name', 'model_type', 'deployment_type', 'provider'], ORG),
          table: true,
        },
        { expr: w.stateCode(M.modelStatus, ID, ORG), table: true },
        { expr: w.valueColumn(M.modelSize.name, ID, ORG), table: true },
        { expr: w.rowsOf(w.deploymentsPerModel(ORG), M.modelInfo, ID, ORG), table: true },
      ],
      columns: {
        model_name: 'Model',
        model_type: 'Type',
        deployment_type: 'Deployment type',
        'Value #B': 'Status',
        'Value #C': 'Size',
        'Value #D': 'Deployments',
        provider: 'Provider',
        model_id: 'Id',
      },
      cells: {
        'Value #B': { mappings: MODEL_STATES, color: 'background' },
        'Value #C': { unit: 'bytes' },
        'Value #D': { unit: 'short' },
      },
    })
    .build();
}
