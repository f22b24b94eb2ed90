import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../core/config.ts";

describe("loadConfig", () => {
  it("runs offline with nothing set: local embedder, extractive answers, port 3000", () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.articlesDir, "data/articles");
    assert.equal(config.indexDir, "data/index");
    assert.deepEqual(config.embedder, { kind: "local" });
    assert.deepEqual(config.answerer, { kind: "extractive" });
    assert.deepEqual(config.retrieval, {
      dense: true,
      lexical: true,
      rerank: true,
      expand: false,
      associations: false,
      fusion: "weighted",
    });
    assert.deepEqual(config.warnings, []);
  });

  it("switches retrieval stages and fusion", () => {
    assert.deepEqual(loadConfig({ RETRIEVAL_STAGES: "lexical, feedback", RETRIEVAL_FUSION: "rrf" }).retrieval, {
      dense: false,
      lexical: true,
      rerank: false,
      expand: true,
      associations: false,
      fusion: "rrf",
    });
    assert.equal(loadConfig({ RETRIEVAL_STAGES: "dense,lexical,rerank,associations" }).retrieval.associations, true);
    assert.throws(() => loadConfig({ RETRIEVAL_STAGES: "rerank" }), /RETRIEVAL_STAGES: must include dense or lexical/);
    assert.throws(
      () => loadConfig({ RETRIEVAL_STAGES: "dense,magic" }),
      /RETRIEVAL_STAGES.*must list stages among dense, lexical, rerank, feedback, associations/,
    );
    assert.throws(() => loadConfig({ RETRIEVAL_FUSION: "max" }), /RETRIEVAL_FUSION: must be "weighted" or "rrf"/);
    assert.throws(() => loadConfig({ SPAN_READER: "neural" }), /SPAN_READER: must be "learned" or "rules"/);
    assert.equal(loadConfig({}).spanReader, "learned");
    assert.equal(loadConfig({ SPAN_READER: "rules" }).spanReader, "rules");
    assert.throws(() => loadConfig({ RERANKER: "trees" }), /RERANKER: must be "learned" or "rules"/);
    assert.equal(loadConfig({}).reranker, "learned");
    assert.equal(loadConfig({ RERANKER: "rules" }).reranker, "rules");
  });

  it("keeps 1000 answers by default, any number or none with ANSWER_CACHE_SIZE", () => {
    assert.equal(loadConfig({}).answerCacheSize, 1000);
    assert.equal(loadConfig({ ANSWER_CACHE_SIZE: "0" }).answerCacheSize, 0);
    assert.equal(loadConfig({ ANSWER_CACHE_SIZE: "50000" }).answerCacheSize, 50000);
    assert.throws(() => loadConfig({ ANSWER_CACHE_SIZE: "-1" }), /ANSWER_CACHE_SIZE: must be 0 \(no cache\) or more/);
    assert.throws(() => loadConfig({ ANSWER_CACHE_SIZE: "many" }), /ANSWER_CACHE_SIZE: must be a number of answers/);
  });

  it("uses OpenAI-compatible models when a key and model names are set", () => {
    const config = loadConfig({
      OPENAI_API_KEY: "sk-x",
      OPENAI_BASE_URL: "http://localhost:11434/v1",
      CHAT_MODEL: "qwen2.5",
      EMBEDDING_MODEL: "bge-m3",
    });
    assert.deepEqual(config.embedder, {
      kind: "openai",
      model: "bge-m3",
      apiKey: "sk-x",
      baseURL: "http://localhost:11434/v1",
    });
    assert.deepEqual(config.answerer, {
      kind: "llm",
      model: "qwen2.5",
      apiKey: "sk-x",
      baseURL: "http://localhost:11434/v1",
      timeoutMs: 8000,
    });
  });

  it("treats empty values as unset, as in a copied .env.example", () => {
    const config = loadConfig({ PORT: "", OPENAI_API_KEY: "", CHAT_MODEL: "" });
    assert.equal(config.port, 3000);
    assert.deepEqual(config.answerer, { kind: "extractive" });
  });

  it("warns about a model name without a key", () => {
    assert.deepEqual(loadConfig({ EMBEDDING_MODEL: "text-embedding-3-small" }).warnings, [
      "EMBEDDING_MODEL is set but OPENAI_API_KEY is not: using the local embedder",
    ]);
  });

  it("lists every invalid variable in one error", () => {
    assert.throws(
      () => loadConfig({ PORT: "seventy", OPENAI_BASE_URL: "localhost" }),
      (err: Error) => {
        assert.match(err.message, /PORT/);
        assert.match(err.message, /OPENAI_BASE_URL: must be a URL/);
        return true;
      },
    );
  });
});
