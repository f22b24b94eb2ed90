import type { Embeddings } from "@langchain/core/embeddings";
import type { EmbedderSpec } from "../config.ts";
import { LocalEmbeddings, type LocalEmbeddingsState } from "./local.ts";
import { OpenAIEmbeddings } from "./openai.ts";

/**
 * An embedder is LangChain's `Embeddings` plus a stable `id` that names the model and its
 * settings. The id is written into the index manifest: an index is only ever queried with
 * vectors from the embedder that built it.
 */
export type Embedder = Embeddings & { readonly id: string; toState?(): unknown };

/** The id the configured embedder will have, known before anything is built. */
export function embedderIdFor(spec: EmbedderSpec): string {
  return spec.kind === "local" ? LocalEmbeddings.idFor() : OpenAIEmbeddings.idFor(spec.model);
}

/** A new embedder for building an index over `texts` (the local one learns its IDF from them). */
export function createEmbedder(spec: EmbedderSpec, texts: string[]): Embedder {
  if (spec.kind === "local") return LocalEmbeddings.fit(texts);
  return new OpenAIEmbeddings({
    apiKey: spec.apiKey,
    model: spec.model,
    ...(spec.baseURL && { baseURL: spec.baseURL }),
  });
}

/** The embedder for querying an index, restored from the state the build saved. */
export function restoreEmbedder(spec: EmbedderSpec, state: unknown): Embedder {
  if (spec.kind === "local") return LocalEmbeddings.fromState(state as LocalEmbeddingsState);
  return new OpenAIEmbeddings({
    apiKey: spec.apiKey,
    model: spec.model,
    ...(spec.baseURL && { baseURL: spec.baseURL }),
  });
}

export { LocalEmbeddings, OpenAIEmbeddings };
