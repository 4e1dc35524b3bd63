/**
 * The typed label strings collectors build from catalog definitions. The `@ts-expect-error` lines are
 * checked by `npm run typecheck`: a missing, extra, misspelt or hand-written label does not compile.
 */
import { describe, expect, it } from 'vitest';
import { KEY_LABELS, M } from '../../src/metrics/catalog.js';
import { SampleFamily, labelSchema, renderFamilies } from '../../src/metrics/exposition.js';

const lines = (f: SampleFamily<typeof M.nodeRole> | SampleFamily<typeof M.nodeStatus>) =>
  renderFamilies([f.rendered()], false)
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));

describe('typed label strings', () => {
  const node = labelSchema(KEY_LABELS.node);

  it('builds every label in catalog order, escaping values', () => {
    expect(node.of('org "a"', 'n\\1')).toBe('org_id="org \\"a\\"",node_id="n\\\\1"');
    expect(labelSchema(M.nodes.zeroSeriesLabels).of('o', 'online')).toBe('org_id="o",availability="online"');
  });

  it('extends a shared prefix with the remaining labels', () => {
    const role = new SampleFamily(M.nodeRole);
    role.add(role.labels.after(node.of('o', 'n'), 'worker'), 1);
    expect(lines(role)).toEqual(['aiwm_node_role{org_id="o",node_id="n",role="worker"} 1']);
    const gpuInfo = labelSchema(M.gpuInfo.labels);
    expect(gpuInfo.after(labelSchema(KEY_LABELS.gpu).after(node.of('o', 'n'), '0'), 'GPU-1', 'H100')).toBe(
      'org_id="o",node_id="n",gpu="0",device_id="GPU-1",model="H100"',
    );
  });

  it('writes a state set with its catalog state label last', () => {
    const status = new SampleFamily(M.nodeStatus);
    status.addStateSet(status.labels.beforeLast(node.of('o', 'n'), 'healthy'), ['up', 'down'], 'up');
    expect(lines(status)).toEqual([
      'aiwm_node_status{org_id="o",node_id="n",status="healthy",class="up"} 1',
      'aiwm_node_status{org_id="o",node_id="n",status="healthy",class="down"} 0',
    ]);
  });

  it('rejects label strings that do not match the catalog, at compile time', () => {
    expect(compileTimeChecks).toBeTypeOf('function');
  });
});

/** Never run: the type checker reads it. Each line below must fail to compile. */
function compileTimeChecks(): void {
  const node = labelSchema(KEY_LABELS.node);
  const role = new SampleFamily(M.nodeRole);
  const base = node.of('o', 'n');
  // @ts-expect-error a hand-written string is not a catalog label string
  role.add('org_id="o",node_id="n",role="worker"', 1);
  // @ts-expect-error a label missing: node_id
  node.of('o');
  // @ts-expect-error one label too many
  node.of('o', 'n', 'x');
  // @ts-expect-error the node labels without role are not aiwm_node_role's labels
  role.add(base, 1);
  // @ts-expect-error raw extra label fragments are for untyped families only
  role.add(role.labels.after(base, 'worker'), 1, 'x="y"');
  // @ts-expect-error two values after a prefix that leaves one label
  role.labels.after(base, 'worker', 'x');
  // @ts-expect-error GPU labels are not node labels
  new SampleFamily(M.nodeCpuUsage).add(labelSchema(KEY_LABELS.gpu).after(base, '0'), 1);
  // @ts-expect-error aiwm_node_status carries the raw status before its class: the node labels alone are short
  new SampleFamily(M.nodeStatus).addStateSet(base, ['up'], 'up');
}
