import { KEY_LABELS, M } from '../metrics/catalog.js';
import { labelSchema } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readModels } from '../source/models.js';
import { EntityCap, Tally, addStateSet, families, rendered, type Collector } from './collector.js';

const MODEL_LABELS = labelSchema(KEY_LABELS.model);

const defs = { info: M.modelInfo, status: M.modelStatus, size: M.modelSize, models: M.models };

/** The model registry. */
export const modelsCollector: Collector = {
  name: 'models',
  families: Object.values(defs),
  async collect(ctx) {
    const collection = ctx.db.collection(ctx.config.collections.models);
    const f = families(defs);
    const counts = new Tally(f.models);
    const cap = await EntityCap.open(ctx, collection);
    const read = await readModels(collection, ctx.report, (m) => {
      const org = orgOf(m);
      counts.add(f.models.labels.of(org, m.type, m.deploymentType, m.status));
      if (!cap.admit(org)) return;
      const id = m._id.toHexString();
      const base = MODEL_LABELS.of(org, id);
      f.info.add(
        f.info.labels.of(
          org,
          id,
          m.name,
          m.type,
          m.deploymentType,
          m.framework ?? '',
          m.provider ?? '',
          m.nodeId ?? '',
        ),
        1,
      );
      addStateSet(f.status, base, m.status);
      if (m.fileSize != null) f.size.add(base, m.fileSize);
    });
    cap.done(read);
    counts.write();
    return rendered(f);
  },
};
