import { M } from '../metrics/catalog.js';
import { labelString } from '../metrics/exposition.js';
import { orgOf } from '../source/common.js';
import { readModels } from '../source/models.js';
import { EntityCap, Tally, addStateSet, families, rendered, type Collector } from './collector.js';

const defs = { info: M.modelInfo, status: M.modelStatus, size: M.modelSize, models: M.models };

/** The model registry. */
export const modelsCollector: Collector = {
  name: 'models',
  families: Object.values(defs),
  async collect(ctx) {
    const collection = ctx.db.collection(ctx.config.collections.models);
    const f = families(defs);
    const counts = new Tally();
    const cap = new EntityCap(ctx, collection.collectionName);
    const read = await readModels(collection, ctx.report, (m) => {
      counts.add(labelString(M.models.labels, [orgOf(m), m.type, m.deploymentType, m.status]));
      if (!cap.admit()) return;
      const base = labelString(['org_id', 'model_id'], [orgOf(m), m._id.toHexString()]);
      f.info.add(
        base,
        1,
        labelString(M.modelInfo.labels.slice(2), [
          m.name,
          m.type,
          m.deploymentType,
          m.framework ?? '',
          m.provider ?? '',
          m.nodeId ?? '',
        ]),
      );
      addStateSet(f.status, base, M.modelStatus.states!, m.status);
      if (m.fileSize != null) f.size.add(base, m.fileSize);
    });
    cap.done(read);
    counts.writeTo(f.models);
    return rendered(f);
  },
};
