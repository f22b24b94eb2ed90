import type { EmbedderSpec, StoreSpec } from "../config.ts";
import { openIndex } from "../index-store.ts";
import { HnswlibCorpus } from "./hnswlib.ts";
import type { Corpus } from "./index.ts";

/** Opens the corpus the configuration names: INDEX_DIR's current index, or the database's. */
export async function openCorpus(store: StoreSpec, indexDir: string, embedder: EmbedderSpec): Promise<Corpus> {
  if (store.kind === "pgvector") {
    // Loaded only here: the PostgreSQL driver is no part of an embedded server's start-up.
    const { PgvectorCorpus } = await import("./pgvector.ts");
    return PgvectorCorpus.open(store.database, embedder);
  }
  return HnswlibCorpus.of(await openIndex(indexDir, embedder), { searchThread: store.searchThread ?? "auto", lexicalThread: store.lexicalThread ?? "auto" });
}
