import { Embeddings } from "@langchain/core/embeddings";
import OpenAI from "openai";

export interface OpenAIEmbeddingsOptions {
  apiKey: string;
  model: string;
  /** Any OpenAI-compatible server: Ollama, vLLM, llama.cpp server, a proxy. */
  baseURL?: string;
  /** Inputs per request. */
  batchSize?: number;
  /** Retries on 408/409/429/5xx and connection errors, with exponential backoff (openai SDK). */
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * Embeddings from an OpenAI-compatible `/embeddings` endpoint through the openai SDK: batched,
 * retried with backoff, and with errors that say which setting to fix.
 */
export class OpenAIEmbeddings extends Embeddings {
  readonly id: string;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly batchSize: number;
  private readonly baseURL: string;

  constructor(options: OpenAIEmbeddingsOptions) {
    super({});
    this.model = options.model;
    this.id = OpenAIEmbeddings.idFor(options.model);
    this.batchSize = options.batchSize ?? 64;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries ?? 4,
      timeout: options.timeoutMs ?? 60_000,
    });
    this.baseURL = this.client.baseURL;
  }

  static idFor(model: string): string {
    return `openai:${model}`;
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < documents.length; i += this.batchSize) {
      // Empty strings are rejected by the API; a single space embeds as "nothing".
      const batch = documents.slice(i, i + this.batchSize).map((d) => (d.trim() === "" ? " " : d));
      out.push(...(await this.request(batch)));
    }
    return out;
  }

  override async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.request([document.trim() === "" ? " " : document]);
    return vector!;
  }

  private async request(input: string[]): Promise<number[][]> {
    let response: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create({ model: this.model, input, encoding_format: "float" });
    } catch (err) {
      throw new Error(this.describe(err), { cause: err });
    }
    if (!Array.isArray(response.data) || response.data.length !== input.length) {
      throw new Error(
        `Embedding server at ${this.baseURL} returned ${response.data?.length ?? 0} vectors for ${input.length} inputs`,
      );
    }
    return [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  }

  private describe(err: unknown): string {
    const where = `embedding model "${this.model}" at ${this.baseURL}`;
    if (err instanceof OpenAI.APIError && err.status !== undefined) {
      if (err.status === 401 || err.status === 403) return `OPENAI_API_KEY was rejected (${err.status}) by ${where}`;
      if (err.status === 404) return `EMBEDDING_MODEL not found (404): ${where}`;
      if (err.status === 429) return `Rate limited (429) by ${where} after retries`;
      return `Embedding request failed (${err.status}) for ${where}: ${err.message}`;
    }
    if (err instanceof OpenAI.APIConnectionTimeoutError) return `Timed out reaching ${where}`;
    if (err instanceof OpenAI.APIConnectionError) return `Cannot reach ${where}: check OPENAI_BASE_URL and the network`;
    return `Embedding request failed for ${where}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
