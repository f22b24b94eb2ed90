import type { EmbedderSpec, StoreSpec } from "../core/config.ts";
import { buildIndex, type BuildSummary } from "./build.ts";
import { buildPgIndex } from "./build-pg.ts";

export interface StoreBuildOptions {
  store: StoreSpec;
  articlesDir: string;
  indexDir: string;
  embedder: EmbedderSpec;
  /**
   * `import` for `npm run ingest`, `start` for `npm start` (see build-pg.ts). The embedded index
   * builds alike in both, but only an import verifies the checksums of an index it finds up to
   * date: a start leaves that to `openIndex`, which reads every file anyway.
   */
  mode: "import" | "start";
  force?: boolean;
  log?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
}

/** Builds the index where the configuration keeps it (VECTOR_STORE), when it is missing or stale. */
export function buildStore(options: StoreBuildOptions): Promise<BuildSummary> {
  const { store, articlesDir, indexDir, embedder, mode, ...rest } = options;
  if (store.kind === "pgvector")
    return buildPgIndex({ articlesDir, database: store.database, embedder, mode, ...rest });
  return buildIndex({
    articlesDir,
    indexDir,
    embedder,
    verify: mode === "import" ? "checksum" : "none",
    ...(store.segmentChunks !== undefined && { segmentChunks: store.segmentChunks }),
    ...rest,
  });
}
