/**
 * Which words a site's own articles use together: for each term, the few terms that stand near
 * it far more often than chance (positive pointwise mutual information over windows of a few
 * content terms), learned at ingest from the archive itself. A question's «بنزین» then also
 * reaches chunks that say «سوخت» and «سهمیه» when the site writes them together, in its own
 * vocabulary and its own topics, with no model downloaded.
 *
 * **NOTE:** learned from at most MAX_ROWS chunks spread evenly over the archive, so the cost of
 * ingest stays bounded however large the archive is; a word used too rarely in that sample
 * to measure (fewer than MIN_COUNT windows) has no associations.
 */
export type Association = readonly [term: string, pmi: number];

/** Chunks read, at most: enough for a site's recurring vocabulary, bounded for an archive. */
const MAX_ROWS = 20_000;
/** Content terms either side that count as "together": about a clause. */
const WINDOW = 5;
/** A term must occur in this many chunks of the sample, and a pair this many times, to be measured. */
const MIN_DF = 3;
const MIN_PAIR = 3;
/**
 * A term in more than this share of chunks says nothing about any other (counted only past
 * MIN_MAX_DF chunks: in a small archive every topic's words are that common).
 */
const MAX_DF_SHARE = 0.1;
const MIN_MAX_DF = 50;
/** Kept per term, and the least PMI (natural log: e^1.5 ≈ 4.5 times chance) kept. */
const PER_TERM = 5;
const MIN_PMI = 1.5;

export class TermAssociations {
  private constructor(private readonly byTerm: Map<string, readonly Association[]>) {}

  static readonly NONE = new TermAssociations(new Map());

  get size(): number {
    return this.byTerm.size;
  }

  /** The term's associations, strongest first; none for a term not measured. */
  of(term: string): readonly Association[] {
    return this.byTerm.get(term) ?? [];
  }

  /**
   * Learns from the content terms of each chunk (`rows(i)` for i below `count`, in order, as
   * `analyze` gives them). Numbers are left out: they name amounts, not topics.
   */
  static learn(count: number, rows: (i: number) => readonly string[] | undefined): TermAssociations {
    const step = Math.max(1, count / MAX_ROWS);
    const sample: Array<readonly string[]> = [];
    for (let i = 0; i < count; i += step) {
      const row = rows(Math.floor(i));
      if (row) sample.push(row.filter((t) => !/^[0-9]/.test(t)));
    }
    const df = new Map<string, number>();
    for (const row of sample) for (const t of new Set(row)) df.set(t, (df.get(t) ?? 0) + 1);
    const maxDf = Math.max(MIN_MAX_DF, sample.length * MAX_DF_SHARE);
    const vocab: string[] = [];
    const idOf = new Map<string, number>();
    for (const [t, n] of df)
      if (n >= MIN_DF && n <= maxDf) {
        idOf.set(t, vocab.length);
        vocab.push(t);
      }
    // Pairs counted once per window position, keyed by their two ids (below 2^26 each: the key
    // is an exact double).
    const V = vocab.length;
    const pairs = new Map<number, number>();
    const ids: number[] = [];
    for (const row of sample) {
      ids.length = 0;
      for (const t of row) ids.push(idOf.get(t) ?? -1);
      for (let i = 0; i < ids.length; i++) {
        const a = ids[i]!;
        if (a < 0) continue;
        for (let j = i + 1; j <= i + WINDOW && j < ids.length; j++) {
          const b = ids[j]!;
          if (b < 0 || b === a) continue;
          const key = a < b ? a * V + b : b * V + a;
          pairs.set(key, (pairs.get(key) ?? 0) + 1);
        }
      }
    }
    const marginal = new Float64Array(V);
    let total = 0;
    for (const [key, n] of pairs) {
      marginal[Math.floor(key / V)]! += n;
      marginal[key % V]! += n;
      total += 2 * n;
    }
    const found: Array<Array<[number, number]>> = Array.from({ length: V }, () => []);
    for (const [key, n] of pairs) {
      if (n < MIN_PAIR) continue;
      const a = Math.floor(key / V);
      const b = key % V;
      const pmi = Math.log((n * total) / (marginal[a]! * marginal[b]!));
      if (pmi < MIN_PMI) continue;
      found[a]!.push([b, pmi]);
      found[b]!.push([a, pmi]);
    }
    const byTerm = new Map<string, readonly Association[]>();
    found.forEach((list, a) => {
      if (list.length === 0) return;
      list.sort((x, y) => y[1] - x[1] || (vocab[x[0]]! < vocab[y[0]]! ? -1 : 1));
      byTerm.set(
        vocab[a]!,
        list.slice(0, PER_TERM).map(([b, pmi]) => [vocab[b]!, Math.round(pmi * 1000) / 1000] as const),
      );
    });
    return new TermAssociations(byTerm);
  }

  toJSON(): string {
    return JSON.stringify({
      version: 1,
      terms: Object.fromEntries([...this.byTerm].sort(([a], [b]) => (a < b ? -1 : 1))),
    });
  }

  /** Read back from `toJSON`; throws on anything else. */
  static fromJSON(text: string): TermAssociations {
    const parsed = JSON.parse(text) as { version?: unknown; terms?: unknown };
    if (parsed.version !== 1 || typeof parsed.terms !== "object" || parsed.terms === null)
      throw new Error("not term associations (version 1, term → [term, pmi][])");
    const byTerm = new Map<string, readonly Association[]>();
    for (const [t, list] of Object.entries(parsed.terms as Record<string, unknown>)) {
      if (
        !Array.isArray(list) ||
        !list.every((x) => Array.isArray(x) && typeof x[0] === "string" && typeof x[1] === "number")
      )
        throw new Error(`the associations of «${t}» are not [term, pmi] pairs`);
      byTerm.set(t, list as Association[]);
    }
    return new TermAssociations(byTerm);
  }
}
