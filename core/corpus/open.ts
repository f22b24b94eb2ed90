import type { EmbedderSpec, StoreSpec } from "../config.ts";
import { openIndex } from "./embedded/store.ts";
import { HnswlibCorpus } from "./embedded/corpus.ts";
import type { Corpus } from "./corpus.ts";

/** Opens the corpus the configuration names: INDEX_DIR's current index, or the database's. */
export async function openCorpus(store: StoreSpec, indexDir: string, embedder: EmbedderSpec): Promise<Corpus> {
  if (store.kind === "pgvector") {
    // Loaded only here: the PostgreSQL driver is no part of an embedded server's start-up.
    const { PgvectorCorpus } = await import("./pgvector/corpus.ts");
    return PgvectorCorpus.open(store.database, embedder);
  }
  return HnswlibCorpus.of(await openIndex(indexDir, embedder), {
    searchThread: store.searchThread ?? "auto",
    lexicalThread: store.lexicalThread ?? "auto",
    ...(store.searchEf !== undefined && { searchEf: store.searchEf }),
  });
}
