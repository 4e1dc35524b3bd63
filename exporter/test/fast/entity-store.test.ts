/**
 * EntityStore keeps each family's chunks per block of entities across polls (built, patched, split):
 * whatever the sequence of changes, the chunks must read as every entity's lines in id order, and a
 * block none of whose lines changed must keep its Buffer.
 */
import { describe, expect, it } from 'vitest';
import { EntityStore, type EntityLines } from '../../src/collectors/entities.js';
import type { FamilyMeta } from '../../src/metrics/exposition.js';

const META: FamilyMeta = { name: 'x', type: 'gauge', help: '', unit: '', labels: [] };
const FAMILIES = 3;
const id = (n: number): string => n.toString(16).padStart(24, '0');

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Family 0 always has a line, family 1 sometimes (multi-byte text of any length), family 2 never. */
function linesOf(n: number, version: number, random: () => number): EntityLines {
  const one = `x{id="${n}"} ${version}\n`;
  const some =
    random() < 0.5
      ? ''
      : Array.from({ length: 1 + Math.floor(random() * 3) }, () => `y{v="é🚀${version}"} 1\n`).join('');
  return { texts: [one, some, ''], samples: [1, some.split('\n').length - 1, 0] };
}

describe('EntityStore', () => {
  it('reads as every entity in id order after any sequence of changes', () => {
    for (const [seed, blockSize] of [
      [1, 2],
      [2, 4],
      [3, 16],
    ] as const) {
      const random = mulberry32(seed);
      const store = new EntityStore<null>(FAMILIES, blockSize);
      const model = new Map<number, EntityLines>();
      for (let round = 0; round < 200; round++) {
        for (let k = Math.floor(random() * 6); k > 0; k--) {
          const n = Math.floor(random() * 120);
          if (random() < 0.2) {
            store.delete(id(n));
            model.delete(n);
          } else {
            const lines = linesOf(n, round, random);
            const held = model.get(n);
            if (held && random() < 0.3) {
              // The collector saw family 1's inputs unchanged: it keeps the lines it had.
              store.set(
                id(n),
                `org-${n % 3}`,
                { texts: [lines.texts[0], undefined, ''], samples: lines.samples },
                null,
              );
              model.set(n, { texts: [lines.texts[0], held.texts[1], ''], samples: [1, held.samples[1]!, 0] });
            } else {
              store.set(id(n), `org-${n % 3}`, lines, null);
              model.set(n, lines);
            }
          }
        }
        // Sometimes the same lines again (an unchanged re-read).
        const same = [...model.keys()][Math.floor(random() * model.size)];
        if (same !== undefined) store.set(id(same), `org-${same % 3}`, { ...model.get(same)! }, null);
        if (random() < 0.3) continue; // changes pile up over several rounds before the next render
        const order = [...model.keys()].sort((a, b) => a - b);
        for (let f = 0; f < FAMILIES; f++) {
          const rendered = store.rendered(META, f);
          expect(Buffer.concat(rendered.chunks).toString()).toBe(order.map((n) => model.get(n)!.texts[f]).join(''));
          expect(rendered.samples).toBe(order.reduce((sum, n) => sum + model.get(n)!.samples[f]!, 0));
          expect(rendered.chunks.every((c) => c.length > 0)).toBe(true);
          // Some of the entities (as the entity cap admits them), copied from the chunks.
          const admitted = [...store.entries()].filter(() => random() < 0.5);
          const some = store.renderedOf(META, f, admitted);
          const ns = admitted.map((e) => parseInt(e.id, 16));
          expect(Buffer.concat(some.chunks).toString()).toBe(ns.map((n) => model.get(n)!.texts[f]).join(''));
          expect(some.samples).toBe(ns.reduce((sum, n) => sum + model.get(n)!.samples[f]!, 0));
        }
        const sizes = new Map<string, number>();
        for (const n of model.keys()) sizes.set(`org-${n % 3}`, (sizes.get(`org-${n % 3}`) ?? 0) + 1);
        expect(new Map(store.sizes())).toEqual(sizes);
      }
    }
  });

  it('keeps the Buffer of every block whose lines did not change', () => {
    const random = mulberry32(9);
    const store = new EntityStore<null>(FAMILIES, 8);
    for (let n = 0; n < 64; n++) store.set(id(n), 'o', linesOf(n, 0, random), null);
    const before = store.rendered(META, 0).chunks;
    expect(before).toHaveLength(8);
    store.set(id(20), 'o', { texts: ['changed\n', '', ''], samples: [1, 0, 0] }, null);
    store.set(id(21), 'o', linesOf(21, 0, mulberry32(0)), null); // same family-0 line as before
    store.set(id(41), 'o', linesOf(41, 0, mulberry32(0)), null); // the same, alone in its block
    const after = store.rendered(META, 0).chunks;
    expect(after).toHaveLength(8);
    for (let b = 0; b < 8; b++) if (b !== 2) expect(after[b]).toBe(before[b]);
    expect(after[2]).not.toBe(before[2]);
    expect(after[2]!.toString()).toContain('changed\n');
    // Rendering again without changes hands out the same Buffers.
    expect(store.rendered(META, 0).chunks).toEqual(after);
    store.rendered(META, 0).chunks.forEach((c, i) => expect(c).toBe(after[i]));
  });
});
