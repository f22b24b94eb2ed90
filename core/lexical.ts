import { analyze } from "./persian/tokens.ts";

/**
 * Document frequencies of analysed terms over the indexed chunks: how rare a word is in this
 * corpus. Retrieval re-scoring and answer extraction weight question terms by it, so «قزوین» in
 * a Qazvin-heavy corpus counts for little and «لباسشویی» for a lot.
 */
export interface TermStatsData {
  docCount: number;
  df: Record<string, number>;
}

export class TermStats {
  constructor(private readonly data: TermStatsData) {}

  static fromTexts(texts: Iterable<string>): TermStats {
    const df: Record<string, number> = Object.create(null);
    let docCount = 0;
    for (const text of texts) {
      docCount++;
      for (const t of new Set(analyze(text))) df[t] = (df[t] ?? 0) + 1;
    }
    return new TermStats({ docCount, df });
  }

  toJSON(): TermStatsData {
    return this.data;
  }

  get docCount(): number {
    return this.data.docCount;
  }

  df(term: string): number {
    return this.data.df[term] ?? 0;
  }

  /** BM25's IDF, always positive; a term the corpus never uses gets the highest weight. */
  idf(term: string): number {
    const n = this.data.docCount;
    const df = this.df(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }
}
