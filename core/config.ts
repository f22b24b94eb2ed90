import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { z } from "zod";
import { ARTICLE_ID_PLACEHOLDER, isWebUrl } from "./url.ts";

/** A duration in milliseconds; small values are refused, as they are likely meant as seconds. */
function milliseconds(fallback: number) {
  return z.coerce
    .number({ message: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(1000, "is in milliseconds and must be at least 1000")
    .default(fallback);
}

/** ANSWER_CACHE_SIZE's default: answers take a few KB each, so a few MB in all. */
export const DEFAULT_ANSWER_CACHE_SIZE = 1000;
/** The largest body the article management API accepts (`PUT` and `POST /api/articles`). */
export const ADMIN_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Settings from the environment (and `.env`, when present), checked once at start-up. Every
 * variable is optional: with none set Goftogu runs offline with the local embedder and
 * extractive answers. See `.env.example` and the README for what each one does.
 */
const Env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    ARTICLES_DIR: z.string().min(1).default("data/articles"),
    INDEX_DIR: z.string().min(1).default("data/index"),
    VECTOR_STORE: z.enum(["embedded", "pgvector"], { message: 'must be "embedded" or "pgvector"' }).default("embedded"),
    DENSE_SEARCH_THREAD: z.enum(["auto", "on", "off"], { message: 'must be "auto", "on" or "off"' }).default("auto"),
    LEXICAL_SEARCH_THREAD: z.enum(["auto", "on", "off"], { message: 'must be "auto", "on" or "off"' }).default("auto"),
    VECTOR_SEARCH_EF: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(10_000, "must be at most 10000")
      .optional(),
    INDEX_SEGMENT_CHUNKS: z.coerce
      .number({ message: "must be a whole number of chunks" })
      .int("must be a whole number of chunks")
      .min(1, "must be at least 1")
      .optional(),
    DATABASE_URL: z
      .string()
      .regex(
        /^postgres(?:ql)?:\/\//,
        "must be a PostgreSQL URL such as postgres://user:password@host:5432/goftogu?sslmode=require",
      )
      .optional(),
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a plain lower-case SQL name such as goftogu")
      .default("goftogu"),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url({ message: "must be a URL such as http://localhost:11434/v1" }).optional(),
    CHAT_MODEL: z.string().min(1).optional(),
    EMBEDDING_MODEL: z.string().min(1).optional(),
    RETRIEVAL_STAGES: z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z.enum(["dense", "lexical", "rerank", "feedback", "associations"], {
              message: "must list stages among dense, lexical, rerank, feedback, associations",
            }),
          )
          .min(1, "must name at least one stage"),
      )
      .refine((stages) => stages.includes("dense") || stages.includes("lexical"), "must include dense or lexical")
      .default(["dense", "lexical", "rerank"]),
    FEEDBACK_DIR: z.string().min(1).default("data/feedback"),
    WORKERS: z
      .string()
      .trim()
      .regex(/^(?:auto|\d+)$/, 'must be "auto" or a whole number of threads (0: answers on the main thread)')
      .transform((s) => (s === "auto" ? ("auto" as const) : Number(s)))
      .refine((n) => n === "auto" || n <= 64, "must be at most 64 threads")
      .default("auto"),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0, "must be 0 (no limit) or more").default(60),
    ANSWER_CACHE_SIZE: z.coerce
      .number({ message: "must be a number of answers" })
      .int("must be a whole number of answers")
      .min(0, "must be 0 (no cache) or more")
      .default(DEFAULT_ANSWER_CACHE_SIZE),
    TRUST_PROXY: z
      .string()
      .transform((s, ctx): ProxyTrust | "true" => {
        const value = s.trim().toLowerCase();
        if (value === "false") return { hops: 0 };
        if (value === "true") return "true";
        if (/^\d+$/.test(value)) return { hops: Number(value) };
        const addresses = value
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean);
        for (const entry of addresses) {
          if (!isProxyAddress(entry))
            ctx.addIssue({
              code: "custom",
              message: `"${entry}" is neither a number of proxies nor an address, a CIDR range (10.0.0.0/8) or one of ${[...PROXY_RANGES.keys()].join(", ")}`,
            });
        }
        return { addresses };
      })
      .default({ hops: 0 }),
    ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters (it guards changing articles)").optional(),
    REQUEST_TIMEOUT_MS: milliseconds(30_000),
    STREAM_TIMEOUT_MS: milliseconds(120_000),
    MODEL_TIMEOUT_MS: milliseconds(8_000),
    RETRIEVAL_FUSION: z.enum(["weighted", "rrf"], { message: 'must be "weighted" or "rrf"' }).default("weighted"),
    SPAN_READER: z.enum(["learned", "rules"], { message: 'must be "learned" or "rules"' }).default("learned"),
    SPAN_READER_WEIGHTS: z.string().min(1).optional(),
    RERANKER: z.enum(["learned", "rules"], { message: 'must be "learned" or "rules"' }).default("learned"),
    RERANKER_WEIGHTS: z.string().min(1).optional(),
    CONFIDENCE_WEIGHTS: z.string().min(1).optional(),
    FEED_URLS: z
      .string()
      .transform((s, ctx): string[] => {
        const urls = s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean);
        for (const url of urls)
          if (!isWebUrl(url))
            ctx.addIssue({
              code: "custom",
              message: `"${url}" is not an http(s) address of an RSS or Atom feed or a sitemap`,
            });
        return [...new Set(urls)];
      })
      .default([]),
    FEED_POLL_MINUTES: z.coerce
      .number({ message: "must be a number of minutes" })
      .positive("must be more than 0 minutes")
      .default(10),
    FEED_MAX_ITEMS: z.coerce
      .number({ message: "must be a number of items" })
      .int("must be a whole number of items")
      .min(1, "must be at least 1")
      .default(500),
    ARTICLE_URL_TEMPLATE: z
      .string()
      .refine(
        (s) => s.includes(ARTICLE_ID_PLACEHOLDER) && isWebUrl(s.replaceAll(ARTICLE_ID_PLACEHOLDER, "x")),
        "must be an http(s) address with {id} where the article's id goes, e.g. https://www.example.ir/news/{id}",
      )
      .optional(),
    ALLOWED_ORIGINS: z
      .string()
      .transform((s, ctx): string[] | "*" => {
        const listed = s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean);
        if (listed.length === 0 || listed.includes("*")) return "*";
        const origins: string[] = [];
        for (const entry of listed) {
          const origin = originOf(entry);
          if (origin) origins.push(origin);
          else
            ctx.addIssue({
              code: "custom",
              message: `"${entry}" is not an origin: write scheme, host and port only, e.g. https://news.example`,
            });
        }
        return [...new Set(origins)];
      })
      .default("*"),
  })
  .superRefine((e, ctx) => {
    if (e.VECTOR_STORE === "pgvector" && !e.DATABASE_URL)
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL"],
        message: "must be set when VECTOR_STORE is pgvector (postgres://user:password@host:5432/goftogu)",
      });
  });

/**
 * Whom X-Forwarded-For is believed from (TRUST_PROXY): the `hops` proxies nearest the server
 * (0: none, the socket's peer is the client), or proxies at these addresses and ranges.
 */
export type ProxyTrust = { hops: number } | { addresses: string[] };

/** Express's names for the address ranges a proxy commonly sits in. */
export const PROXY_RANGES: ReadonlyMap<string, readonly string[]> = new Map([
  ["loopback", ["127.0.0.0/8", "::1/128"]],
  ["linklocal", ["169.254.0.0/16", "fe80::/10"]],
  ["uniquelocal", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]],
]);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.has(entry)) return true;
  const [address, bits, extra] = entry.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
}

/** `https://News.example/` → `https://news.example`, as browsers send it in `Origin`; undefined if it is more than an origin. */
function originOf(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]+\/?$/i.test(entry)) return undefined;
  return url.origin;
}

export type EmbedderSpec = { kind: "local" } | { kind: "openai"; model: string; apiKey: string; baseURL?: string };

/** Where the index lives: INDEX_DIR (embedded), or a PostgreSQL database with pgvector. */
export type StoreSpec =
  | {
      kind: "embedded";
      /** DENSE_SEARCH_THREAD: whether the vector segments are searched on threads of their own (core/corpus/embedded/corpus.ts). */
      searchThread?: "auto" | "on" | "off";
      /** INDEX_SEGMENT_CHUNKS: the most chunks a vector segment holds (core/corpus/embedded/segments.ts); read by builds. */
      segmentChunks?: number;
      /** VECTOR_SEARCH_EF: the ef each vector segment is searched at. */
      searchEf?: number;
      /** LEXICAL_SEARCH_THREAD: whether BM25F is searched on a thread of its own. */
      lexicalThread?: "auto" | "on" | "off";
    }
  | { kind: "pgvector"; database: { url: string; schema: string } };

export type AnswererSpec =
  | { kind: "extractive" }
  | {
      kind: "llm";
      model: string;
      apiKey: string;
      baseURL?: string;
      /** How long one call may wait for the model's reply to start (the call is tried twice) before the extractive answer stands in. */
      timeoutMs?: number;
    };

/** Which retrieval stages run; see answer/retrieve.ts. */
export interface RetrievalConfig {
  dense: boolean;
  lexical: boolean;
  rerank: boolean;
  expand: boolean;
  /** Terms the archive uses together (RETRIEVAL_STAGES `associations`). */
  associations: boolean;
  fusion: "weighted" | "rrf";
}

export interface Config {
  port: number;
  host: string;
  articlesDir: string;
  indexDir: string;
  /** VECTOR_STORE and DATABASE_URL. */
  store: StoreSpec;
  embedder: EmbedderSpec;
  answerer: AnswererSpec;
  retrieval: RetrievalConfig;
  /**
   * SPAN_READER: who marks the extractive short answer of a question of no fixed kind: the
   * learned reader (answer/reader.ts, weights learned from PQuAD) or the word-order rules alone.
   */
  spanReader: "learned" | "rules";
  /** SPAN_READER_WEIGHTS: the learned reader's weights, when not the shipped answer/weights/reader.json. */
  spanReaderWeights?: string;
  /**
   * RERANKER: who orders the retrieved candidates: the learned re-ranker (answer/rerank.ts,
   * weights learned from PQuAD) or the hand-tuned weights.
   */
  reranker: "learned" | "rules";
  /** RERANKER_WEIGHTS: the learned re-ranker's weights, when not the shipped answer/weights/reranker.json. */
  rerankerWeights?: string;
  /**
   * CONFIDENCE_WEIGHTS: the confidence model's weights, when not the shipped
   * answer/weights/confidence.json (learned from PQuAD by `npm run train`).
   */
  confidenceWeights?: string;
  /** Enables the article management API when set. */
  adminToken?: string;
  /** Where readers' ratings are stored (an embedded PostgreSQL). */
  feedbackDir: string;
  /**
   * WORKERS: threads that write extractive answers beside the main thread (answer/answer-threads.ts);
   * "auto" is one a core but the main thread's, 0 writes them on the main thread.
   */
  workers: number | "auto";
  /** Requests a minute per client on /api/chat and /api/search (0: no limit). */
  rateLimitPerMinute: number;
  /** Answers kept for questions asked again while the articles stay the same (0: none). */
  answerCacheSize: number;
  /** Whose X-Forwarded-For is believed for the client address (see server/client-address.ts). */
  trustProxy: ProxyTrust;
  /** Origins whose pages may call `/api/*` from the browser (CORS), or "*" for any. */
  allowedOrigins: string[] | "*";
  /**
   * ARTICLE_URL_TEMPLATE: the publisher's address of an article that has no `url` of its own,
   * `{id}` standing for its id; citations and the demo site link there (core/url.ts `articleUrl`).
   */
  articleUrlTemplate?: string;
  /** FEED_URLS, FEED_POLL_MINUTES, FEED_MAX_ITEMS: the publisher's feeds kept in sync (ingest/feeds/). */
  feeds: { urls: string[]; pollMinutes: number; maxItems: number };
  /** The longest an API request may take before it is answered 504 (streamed answers excepted). */
  requestTimeoutMs: number;
  /** The longest a streamed answer may run before it ends with `event: error`. */
  streamTimeoutMs: number;
  /** Settings that are valid but probably not what was meant; logged at start-up. */
  warnings: string[];
}

/**
 * Time a JSON answer may need besides the two attempts at the model: a follow-up's rewrite (at
 * most 10 s, answer/llm.ts), the SDK's back-off before its retry, retrieval and the
 * extractive answer.
 */
const FALLBACK_MARGIN_MS = 12_000;

/** Reads and checks the configuration; throws one error that lists every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty values ("CHAT_MODEL=" in a copied .env.example) mean "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const openai = e.OPENAI_API_KEY
    ? { apiKey: e.OPENAI_API_KEY, ...(e.OPENAI_BASE_URL && { baseURL: e.OPENAI_BASE_URL }) }
    : undefined;
  const warnings: string[] = [];
  if (!openai && e.EMBEDDING_MODEL)
    warnings.push("EMBEDDING_MODEL is set but OPENAI_API_KEY is not: using the local embedder");
  if (!openai && e.CHAT_MODEL) warnings.push("CHAT_MODEL is set but OPENAI_API_KEY is not: answers are extractive");
  if (openai && !e.EMBEDDING_MODEL && !e.CHAT_MODEL)
    warnings.push("OPENAI_API_KEY is set but neither CHAT_MODEL nor EMBEDDING_MODEL: nothing uses it");
  if (e.TRUST_PROXY === "true")
    warnings.push(
      "TRUST_PROXY=true is read as 1: one proxy of yours in front of the server, whose X-Forwarded-For entry is believed; set the number of proxies, or their addresses, to say so",
    );
  // Two attempts at the model, then retrieval and the extractive answer, must fit in a request.
  if (openai && e.CHAT_MODEL && 2 * e.MODEL_TIMEOUT_MS + FALLBACK_MARGIN_MS > e.REQUEST_TIMEOUT_MS) {
    warnings.push(
      `MODEL_TIMEOUT_MS (${e.MODEL_TIMEOUT_MS}) is more than REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS}) allows for two attempts and the fallback: a hanging model will make answers time out (504) instead of falling back to the extractive answer`,
    );
  }
  return {
    warnings,
    port: e.PORT,
    host: e.HOST,
    articlesDir: e.ARTICLES_DIR,
    indexDir: e.INDEX_DIR,
    store:
      e.VECTOR_STORE === "pgvector"
        ? { kind: "pgvector", database: { url: e.DATABASE_URL!, schema: e.DATABASE_SCHEMA } }
        : {
            kind: "embedded",
            searchThread: e.DENSE_SEARCH_THREAD,
            lexicalThread: e.LEXICAL_SEARCH_THREAD,
            ...(e.INDEX_SEGMENT_CHUNKS !== undefined && { segmentChunks: e.INDEX_SEGMENT_CHUNKS }),
            ...(e.VECTOR_SEARCH_EF !== undefined && { searchEf: e.VECTOR_SEARCH_EF }),
          },
    embedder: openai && e.EMBEDDING_MODEL ? { kind: "openai", model: e.EMBEDDING_MODEL, ...openai } : { kind: "local" },
    answerer:
      openai && e.CHAT_MODEL
        ? { kind: "llm", model: e.CHAT_MODEL, ...openai, timeoutMs: e.MODEL_TIMEOUT_MS }
        : { kind: "extractive" },
    spanReader: e.SPAN_READER,
    ...(e.SPAN_READER_WEIGHTS && { spanReaderWeights: e.SPAN_READER_WEIGHTS }),
    reranker: e.RERANKER,
    ...(e.RERANKER_WEIGHTS && { rerankerWeights: e.RERANKER_WEIGHTS }),
    ...(e.CONFIDENCE_WEIGHTS && { confidenceWeights: e.CONFIDENCE_WEIGHTS }),
    retrieval: {
      dense: e.RETRIEVAL_STAGES.includes("dense"),
      lexical: e.RETRIEVAL_STAGES.includes("lexical"),
      rerank: e.RETRIEVAL_STAGES.includes("rerank"),
      expand: e.RETRIEVAL_STAGES.includes("feedback"),
      associations: e.RETRIEVAL_STAGES.includes("associations"),
      fusion: e.RETRIEVAL_FUSION,
    },
    allowedOrigins: e.ALLOWED_ORIGINS,
    ...(e.ARTICLE_URL_TEMPLATE && { articleUrlTemplate: e.ARTICLE_URL_TEMPLATE }),
    feeds: { urls: e.FEED_URLS, pollMinutes: e.FEED_POLL_MINUTES, maxItems: e.FEED_MAX_ITEMS },
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    streamTimeoutMs: e.STREAM_TIMEOUT_MS,
    ...(e.ADMIN_TOKEN && { adminToken: e.ADMIN_TOKEN }),
    workers: e.WORKERS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    answerCacheSize: e.ANSWER_CACHE_SIZE,
    feedbackDir: e.FEEDBACK_DIR,
    trustProxy: e.TRUST_PROXY === "true" ? { hops: 1 } : e.TRUST_PROXY,
  };
}

/** Loads `.env` from the working directory into `process.env` when the file exists. */
export function loadDotEnv(file = ".env"): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
