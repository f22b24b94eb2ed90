/**
 * The k largest numbers pushed so far, in a min-heap over a typed array: once `full`, `min` is
 * the k-th largest. What MaxScore-style pruning needs (BM25 in core/corpus/bm25.ts, re-scoring in
 * answer/retrieve.ts): the bar a candidate must clear to be among the best k.
 */
export class KLargest {
  private readonly heap: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    this.heap = new Float64Array(Math.max(0, k));
  }

  get full(): boolean {
    return this.k > 0 && this.size >= this.k;
  }

  /** The smallest of the numbers kept: the k-th largest once `full`. */
  get min(): number {
    return this.heap[0]!;
  }

  push(x: number): void {
    const h = this.heap;
    if (this.k <= 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      h[i] = x;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (h[p]! <= h[i]!) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
      return;
    }
    if (!(x > h[0]!)) return;
    h[0] = x;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && h[l]! < h[m]!) m = l;
      if (r < this.size && h[r]! < h[m]!) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
