/**
 * Exact nearest neighbours by brute-force cosine, the ground truth HNSW recall is measured
 * against. Vectors are kept as L2-normalised Float32Array blocks (one typed array of 500k × 2048
 * floats would pass 4 GB, past what one ArrayBuffer may safely hold), and every block is swept
 * once for all queries, so each stored vector is read from memory once per run.
 */
export class VectorTable {
  readonly blocks: Float32Array[] = [];
  /** Label (HNSW id) of each row, in row order. */
  readonly labels: number[] = [];
  private filled = 0;

  constructor(
    readonly dimensions: number,
    private readonly rowsPerBlock = 4096,
  ) {}

  get size(): number {
    return this.labels.length;
  }

  add(label: number, vector: ArrayLike<number>): void {
    if (this.filled === 0 || this.filled === this.rowsPerBlock) {
      this.blocks.push(new Float32Array(this.rowsPerBlock * this.dimensions));
      this.filled = 0;
    }
    const block = this.blocks[this.blocks.length - 1]!;
    const offset = this.filled * this.dimensions;
    for (let d = 0; d < this.dimensions; d++) block[offset + d] = vector[d]!;
    normalizeInPlace(block.subarray(offset, offset + this.dimensions));
    this.filled++;
    this.labels.push(label);
  }

  /** Every vector of the index's segments (core/corpus/embedded/segments.ts), read back by label. */
  static of(segments: { dimensions: number; vectors(): Iterable<[number, ArrayLike<number>]> }): VectorTable {
    const table = new VectorTable(segments.dimensions);
    for (const [label, vector] of segments.vectors()) table.add(label, vector);
    return table;
  }

  /** Row `i` as a view (no copy). */
  row(i: number): Float32Array {
    const block = this.blocks[Math.floor(i / this.rowsPerBlock)]!;
    const offset = (i % this.rowsPerBlock) * this.dimensions;
    return block.subarray(offset, offset + this.dimensions);
  }
}

export interface Neighbour {
  label: number;
  similarity: number;
}

/** The k most similar rows for each query (queries normalised here), best first. */
export function exactTopK(table: VectorTable, queries: Float32Array[], k: number): Neighbour[][] {
  const dim = table.dimensions;
  const normalised = queries.map((q) => normalizeInPlace(Float32Array.from(q)));
  // Per query: the k best so far, kept sorted descending; `floor` is the k-th similarity.
  const best = normalised.map(() => ({
    sims: new Float64Array(k).fill(-Infinity),
    labels: new Int32Array(k).fill(-1),
  }));
  let row = 0;
  for (const block of table.blocks) {
    const rows = Math.min(table.size - row, block.length / dim);
    for (let r = 0; r < rows; r++, row++) {
      const offset = r * dim;
      for (let q = 0; q < normalised.length; q++) {
        const query = normalised[q]!;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        // Four accumulators let the CPU overlap the multiply-adds.
        const whole = dim - (dim % 4);
        for (let d = 0; d < whole; d += 4) {
          s0 += block[offset + d]! * query[d]!;
          s1 += block[offset + d + 1]! * query[d + 1]!;
          s2 += block[offset + d + 2]! * query[d + 2]!;
          s3 += block[offset + d + 3]! * query[d + 3]!;
        }
        for (let d = whole; d < dim; d++) s0 += block[offset + d]! * query[d]!;
        const sim = s0 + s1 + s2 + s3;
        const top = best[q]!;
        if (sim <= top.sims[k - 1]!) continue;
        let i = k - 1;
        while (i > 0 && top.sims[i - 1]! < sim) {
          top.sims[i] = top.sims[i - 1]!;
          top.labels[i] = top.labels[i - 1]!;
          i--;
        }
        top.sims[i] = sim;
        top.labels[i] = table.labels[row]!;
      }
    }
  }
  return best.map((top) =>
    [...top.labels].flatMap((label, i) => (label < 0 ? [] : [{ label, similarity: top.sims[i]! }])),
  );
}

/** An HNSW search's result (cosine distances, lower is better) as neighbours, for `recallAtK`. */
export function neighboursOf(found: { neighbors: number[]; distances: number[] }): Neighbour[] {
  return found.neighbors.map((label, j) => ({ label, similarity: 1 - found.distances[j]! }));
}

/**
 * Recall@k of approximate results against exact ones. A result counts when it is one of the
 * exact top k, or when it is as similar as the exact k-th (within `epsilon`): duplicate and
 * near-duplicate vectors tie, and which of two equal neighbours is returned is not an error
 * (ann-benchmarks counts recall the same way).
 */
export function recallAtK(
  approx: Neighbour[][],
  exact: Neighbour[][],
  k: number,
  epsilon = 1e-4,
): { recall: number; idRecall: number } {
  let hits = 0;
  let idHits = 0;
  let total = 0;
  approx.forEach((found, q) => {
    const truth = exact[q]!.slice(0, k);
    if (truth.length === 0) return;
    const ids = new Set(truth.map((n) => n.label));
    const floor = truth[truth.length - 1]!.similarity - epsilon;
    for (const n of found.slice(0, k)) {
      if (ids.has(n.label)) idHits++;
      if (ids.has(n.label) || n.similarity >= floor) hits++;
    }
    total += truth.length;
  });
  return { recall: total ? hits / total : Number.NaN, idRecall: total ? idHits / total : Number.NaN };
}

/**
 * The exact top k of each query over the table, and the recall of what a search `found` for the
 * same queries against it (see `recallAtK`); `ms`, the exact search's time.
 */
export function exactRecall(
  table: VectorTable,
  queries: number[][],
  found: Neighbour[][],
  k: number,
): { exact: Neighbour[][]; ms: number; recall: number; idRecall: number } {
  const start = performance.now();
  const exact = exactTopK(
    table,
    queries.map((v) => Float32Array.from(v)),
    k,
  );
  const ms = performance.now() - start;
  return { exact, ms, ...recallAtK(found, exact, k) };
}

/** Share of the first list's top k that the second list also returns. */
export function overlapAtK(a: number[][], b: number[][], k: number): number {
  let shared = 0;
  let total = 0;
  a.forEach((list, q) => {
    const other = new Set((b[q] ?? []).slice(0, k));
    const top = list.slice(0, k);
    shared += top.filter((label) => other.has(label)).length;
    total += top.length;
  });
  return total ? shared / total : Number.NaN;
}

export function normalizeInPlace(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
