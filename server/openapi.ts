import { z } from "zod";
import { ArticlesQuery, ChatBody, SearchBody } from "./schemas.ts";

/**
 * The OpenAPI 3.1 description of the HTTP API. Request bodies and query parameters come from the
 * same zod schemas that validate requests (`schemas.ts`), so the document cannot drift from what
 * the server accepts; responses are described here.
 */
function schemaOf(s: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
}

const json = (schema: unknown) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [String(code), { description: ERROR_TEXT[code] ?? "Error", content: json(ref("Error")) }]),
  );
const ERROR_TEXT: Record<number, string> = {
  400: "Bad input; the message names the field",
  401: "Missing or wrong admin token",
  404: "Unknown article or route",
  413: "Body too large",
  415: "unsupported_media_type: the body must be sent with Content-Type: application/json",
  429: "Rate limited; see Retry-After",
  503: "not_ready: the server is still loading its index; see Retry-After. deletion_list_damaged (article changes only): the operator must repair the server's list of deleted articles",
  504: "timeout: the request took longer than REQUEST_TIMEOUT_MS and was stopped",
};

export function openApiDocument(): Record<string, unknown> {
  const query = schemaOf(ArticlesQuery) as { properties: Record<string, unknown> };
  return {
    openapi: "3.1.0",
    info: {
      title: "Goftogu API",
      version: "0.1.0",
      description:
        "Answers readers' questions about Persian news articles, citing them. Errors are {error: {code, message}} with a 4xx status; 503 (with Retry-After) while the server loads its index, 504 when a request runs out of time. A streamed answer that runs out of time ends with event: error, code timeout.",
    },
    paths: {
      "/api/health": {
        get: {
          summary: "Readiness, and the corpus, embedder and answerer in use",
          responses: {
            "200": { description: "Ready", content: json(ref("Health")) },
            "503": {
              description:
                "Not ready: the index is being built or loaded (loading), or its database cannot be read (unavailable)",
              content: json({
                type: "object",
                required: ["status"],
                properties: { status: { enum: ["loading", "unavailable"] }, reason: { type: "string" } },
              }),
            },
          },
        },
      },
      "/api/articles": {
        get: {
          summary: "Articles, newest first",
          parameters: Object.entries(query.properties).map(([name, schema]) => ({
            name,
            in: "query",
            required: false,
            schema,
          })),
          responses: {
            "200": {
              description: "A page of articles",
              content: json({
                type: "object",
                properties: { articles: { type: "array", items: ref("ArticleSummary") }, total: { type: "integer" } },
              }),
            },
            ...errors(400, 503, 504),
          },
        },
        post: {
          summary: "Publish one article, an array, or {articles: [...]} (admin)",
          security: [{ bearer: [] }],
          requestBody: { content: json({}) },
          responses: { "201": { description: "Published", content: json({}) }, ...errors(400, 401, 413, 415, 503) },
        },
      },
      "/api/articles/{id}": {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        get: {
          summary: "An article with its cleaned text and checked suggested questions",
          responses: { "200": { description: "The article", content: json(ref("Article")) }, ...errors(404, 503, 504) },
        },
        put: {
          summary: "Add or replace an article (admin)",
          security: [{ bearer: [] }],
          requestBody: { content: json({}) },
          responses: { "200": { description: "Published", content: json({}) }, ...errors(400, 401, 413, 415, 503) },
        },
        delete: {
          summary: "Delete an article (admin)",
          security: [{ bearer: [] }],
          responses: { "204": { description: "Deleted" }, ...errors(401, 404, 503) },
        },
      },
      "/api/search": {
        post: {
          summary: "Passages that answer a query, best first",
          requestBody: { required: true, content: json(schemaOf(SearchBody)) },
          responses: {
            "200": {
              description: "Results",
              content: json({ type: "object", properties: { results: { type: "array", items: ref("SearchResult") } } }),
            },
            ...errors(400, 404, 413, 415, 429, 503, 504),
          },
        },
      },
      "/api/chat": {
        post: {
          summary: "An answer with citations; Server-Sent Events with stream: true or Accept: text/event-stream",
          parameters: [
            {
              name: "Cache-Control",
              in: "header",
              required: false,
              description: "no-cache: write the answer anew, even if one was kept for this question",
              schema: { type: "string" },
            },
          ],
          requestBody: { required: true, content: json(schemaOf(ChatBody)) },
          responses: {
            "200": {
              description:
                "The answer (JSON), or the events token…, citations, done (error on a failure mid-stream, or code timeout after STREAM_TIMEOUT_MS)",
              headers: {
                "X-Answer-Cache": {
                  description:
                    "hit: the answer given before to the same question (spelling variants such as ي/ی, ك/ک, digit sets and ZWNJ count as the same), article and history, the articles unchanged since; shared: with a chat model, the answer being written for another reader who asked the same meanwhile (written once, for both); miss: written for this request",
                  schema: { type: "string", enum: ["hit", "shared", "miss"] },
                },
              },
              content: { ...json(ref("Answer")), "text/event-stream": { schema: { type: "string" } } },
            },
            ...errors(400, 404, 413, 415, 429, 503, 504),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: { code: { type: "string" }, message: { type: "string" } },
            },
          },
        },
        Health: {
          type: "object",
          properties: {
            status: { type: "string" },
            articles: { type: "integer" },
            chunks: { type: "integer" },
            embedder: { type: "string" },
            answerer: { type: "string" },
            reranker: { type: "string", enum: ["learned", "rules"] },
          },
        },
        ArticleSummary: {
          type: "object",
          properties: {
            id: { type: "string" },
            title: { type: "string" },
            source: { type: "string" },
            publishedAt: { type: "string" },
            url: { type: "string" },
          },
        },
        Article: {
          type: "object",
          properties: {
            id: { type: "string" },
            title: { type: "string" },
            text: { type: "string" },
            url: { type: "string" },
            source: { type: "string" },
            publishedAt: { type: "string" },
            newsId: { type: "string" },
            suggestedQuestions: { type: "array", items: { type: "string" } },
          },
        },
        SearchResult: {
          type: "object",
          properties: {
            articleId: { type: "string" },
            title: { type: "string" },
            chunkId: { type: "string" },
            text: { type: "string" },
            start: { type: "integer" },
            end: { type: "integer" },
            score: { type: "number" },
          },
        },
        Citation: {
          type: "object",
          properties: {
            n: { type: "integer" },
            articleId: { type: "string" },
            title: { type: "string" },
            url: { type: "string" },
            quote: { type: "string" },
            start: { type: "integer" },
            end: { type: "integer" },
            score: { type: "number" },
          },
        },
        Answer: {
          type: "object",
          required: ["answer", "found", "mode", "citations"],
          properties: {
            answer: { type: "string" },
            found: { type: "boolean" },
            mode: { enum: ["extractive", "llm"] },
            citations: { type: "array", items: ref("Citation") },
            short: { type: "string" },
            confidence: { type: "number", minimum: 0, maximum: 1 },
            warning: { type: "string" },
          },
        },
      },
    },
  };
}

/** A readable page of the same document, for people: each operation with its request schema. */
export function apiPage(doc: Record<string, unknown>, escape: (s: string) => string): string {
  const paths = doc.paths as Record<
    string,
    Record<string, { summary?: string; requestBody?: { content?: Record<string, { schema?: unknown }> } }>
  >;
  const rows = Object.entries(paths).flatMap(([p, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ["get", "post", "put", "delete"].includes(method))
      .map(([method, op]) => {
        const schema = op.requestBody?.content?.["application/json"]?.schema;
        const body =
          schema && Object.keys(schema as object).length > 0
            ? `<pre>${escape(JSON.stringify(schema, null, 2))}</pre>`
            : "";
        return `<section><h2><code>${method.toUpperCase()} ${escape(p)}</code></h2><p>${escape(op.summary ?? "")}</p>${body}</section>`;
      }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Goftogu API</title>
<link rel="stylesheet" href="/site.css"></head>
<body class="api-docs"><h1>Goftogu API</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors are <code>{"error": {"code", "message"}}</code> with a 4xx status.</p>${rows.join("\n")}</body></html>`;
}
