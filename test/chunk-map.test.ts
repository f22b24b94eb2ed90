import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chunkId } from "../core/article.ts";
import { ChunkMap, ChunkTable } from "../core/corpus/embedded/chunk-table.ts";

/** A chunk table of `counts[i]` chunks for article i, in the order `order` gives (default: the build's). */
function table(counts: number[], order?: (rows: number[][]) => number[][]) {
  const articles = counts.map((_, i) => ({ id: `a${i}#x`, title: `t${i}` }));
  let rows = counts.flatMap((n, a) => Array.from({ length: n }, (_, p) => [a, p, p * 10, p * 10 + 7]));
  if (order) rows = order(rows);
  const text = (a: number, start: number, end: number) => `${a}:${start}-${end}`;
  return { articles, rows, chunkTable: new ChunkTable(new Uint32Array(rows.flat()), articles, text) };
}

/** The Maps openIndex used to build: label order, every chunk. */
function reference(articles: Array<{ id: string }>, rows: number[][]) {
  const chunks = new Map<string, { id: string; text: string }>();
  const labels = new Map<string, number>();
  const counts = new Map<string, number>();
  rows.forEach(([a, p, start, end], label) => {
    const id = chunkId(articles[a!]!.id, p!);
    chunks.set(id, { id, text: `${a}:${start}-${end}` });
    labels.set(id, label);
    counts.set(articles[a!]!.id, (counts.get(articles[a!]!.id) ?? 0) + 1);
  });
  return { chunks, labels, counts };
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

for (const [name, order] of [
  ["the build's order", undefined],
  ["articles' chunks interleaved", (rows: number[][]) => [...rows].sort((x, y) => x[1]! - y[1]! || x[0]! - y[0]!)],
] as const) {
  describe(`ChunkMap over a chunk table (${name})`, () => {
    it("has the entries, order, counts and chunks the eager Maps had", () => {
      const { articles, rows, chunkTable } = table([3, 1, 0, 5, 2], order);
      const ref = reference(articles, rows);
      const labels = new ChunkMap(chunkTable, (l) => l);
      const chunks = new ChunkMap(chunkTable, (l) => chunkTable.chunkAt(l)!);
      assert.deepEqual([...labels], [...ref.labels]);
      assert.deepEqual([...labels.keys()], [...ref.labels.keys()]);
      assert.deepEqual(
        [...chunks.values()].map((c) => ({ id: c.id, text: c.text })),
        [...ref.chunks.values()],
      );
      assert.deepEqual([...chunkTable.chunkCounts()], [...ref.counts]);
      assert.equal(chunks.size, ref.chunks.size);
      for (const id of ref.labels.keys()) {
        assert.equal(labels.get(id), ref.labels.get(id));
        // One object per chunk: what the docstore returns for a label is what `get` returns.
        assert.equal(chunks.get(id), chunkTable.chunkAt(ref.labels.get(id)!));
      }
      const chunk = chunks.get(chunkId(articles[3]!.id, 4))!;
      assert.deepEqual(
        { ...chunk },
        { id: "a3#x#4", articleId: "a3#x", title: "t3", position: 4, start: 40, end: 47, text: "3:40-47" },
      );
      assert.deepEqual(JSON.parse(JSON.stringify(chunk)), { ...chunk });
      for (const id of ["a3#x#5", "a3#x#04", "a3#x#4.0", "a3#x#", "a3#x", "a2#x#0", "nope#0", "a3#x# 4", "a3#x#-0"]) {
        assert.equal(labels.has(id), false, id);
        assert.equal(labels.get(id), undefined, id);
      }
      assert.equal(chunkTable.chunkAt(rows.length), undefined);
      assert.equal(chunkTable.chunkAt(-1), undefined);
    });

    it("changes as a Map does under set and delete, iteration included", () => {
      const next = random(7);
      for (let round = 0; round < 50; round++) {
        const { articles, rows, chunkTable } = table([4, 2, 3, 1, 6, 2], order);
        const ref = reference(articles, rows).labels;
        const map = new ChunkMap(chunkTable, (l) => l);
        const keys = [...ref.keys(), "new#0", "new#1", "a1#x#7", "a0#x#01"];
        for (let op = 0; op < 60; op++) {
          const key = keys[Math.floor(next() * keys.length)]!;
          const kind = next();
          if (kind < 0.35) assert.equal(map.delete(key), ref.delete(key), `delete ${key}`);
          else if (kind < 0.7) {
            const value = 100 + op;
            map.set(key, value);
            ref.set(key, value);
          } else if (kind < 0.8) {
            // Deleting and re-adding while iterating: a Map's iterator sees both.
            const seen: Array<[string, number]> = [];
            const seenRef: Array<[string, number]> = [];
            for (const [target, entries, out] of [
              [map, map.entries(), seen],
              [ref, ref.entries(), seenRef],
            ] as const) {
              let i = 0;
              for (const entry of entries) {
                out.push(entry);
                if (i++ === 1) {
                  target.delete(key);
                  target.set(key, -op);
                }
              }
            }
            assert.deepEqual(seen, seenRef, `iterating while re-adding ${key}`);
          } else if (kind < 0.82) {
            map.clear();
            ref.clear();
          }
          assert.equal(map.size, ref.size);
          assert.equal(map.has(key), ref.has(key));
          assert.equal(map.get(key), ref.get(key));
        }
        assert.deepEqual([...map], [...ref]);
        assert.deepEqual([...map.keys()], [...ref.keys()]);
        assert.deepEqual([...map.values()], [...ref.values()]);
        const each: unknown[] = [];
        map.forEach(function (this: unknown, v, k, m) {
          each.push([k, v, m === map, this]);
        }, "that");
        assert.deepEqual(
          each,
          [...ref].map(([k, v]) => [k, v, true, "that"]),
        );
      }
    });
  });
}

describe("ChunkMap", () => {
  it("is not taken for a Map instance", () => {
    const { chunkTable } = table([1]);
    const map = new ChunkMap(chunkTable, (l) => l);
    assert.equal(map instanceof Map, false);
    assert.equal(Object.prototype.toString.call(map), "[object ChunkMap]");
  });

  it("refuses a chunk table naming an article it does not have", () => {
    assert.throws(
      () => new ChunkTable(new Uint32Array([0, 0, 0, 5, 1, 0, 0, 5]), [{ id: "a", title: "" }], () => ""),
      /Chunk 1 belongs to article 1, past the 1 articles/,
    );
  });
});
