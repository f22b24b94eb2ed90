import type { EmbedderSpec, StoreSpec } from "../core/config.ts";
import { buildIndex, type BuildSummary } from "./build.ts";
import { buildPgIndex } from "./build-pg.ts";

export interface StoreBuildOptions {
  store: StoreSpec;
  articlesDir: string;
  indexDir: string;
  embedder: EmbedderSpec;
  /** `import` for `npm run ingest`, `start` for `npm start` (see build-pg.ts; the embedded index builds alike in both). */
  mode: "import" | "start";
  force?: boolean;
  log?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
}

/** Builds the index where the configuration keeps it (VECTOR_STORE), when it is missing or stale. */
export function buildStore(options: StoreBuildOptions): Promise<BuildSummary> {
  const { store, articlesDir, indexDir, embedder, mode, ...rest } = options;
  if (store.kind === "pgvector") return buildPgIndex({ articlesDir, database: store.database, embedder, mode, ...rest });
  return buildIndex({ articlesDir, indexDir, embedder, ...rest });
}
