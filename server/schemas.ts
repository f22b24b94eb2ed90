import { z } from "zod";
import { ApiError } from "./errors.ts";

/**
 * Request shapes of the HTTP API, checked at the boundary. Inner code receives these typed values
 * and trusts them. Limits keep one request from costing more than a reader's question should.
 */
export const LIMITS = {
  bodyBytes: 64 * 1024,
  questionChars: 1000,
  historyTurns: 20,
  turnChars: 4000,
  maxK: 50,
  pageSize: 100,
} as const;

/**
 * A string a client sends. NUL is refused everywhere: no reader types it, PostgreSQL cannot
 * store it in text, and a log line or spreadsheet that carries it is cut short. Half a surrogate
 * pair («\ud800» in JSON) is no character a reader typed either, and PostgreSQL refuses it in
 * JSON: U+FFFD stands in for it, as for a broken byte.
 */
export const clientString = (error: Parameters<typeof z.string>[0] = { error: "must be a string" }) =>
  z
    .string(error)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters")
    .overwrite((s) => s.toWellFormed());

const articleId = clientString()
  .trim()
  .min(1, "must not be empty")
  .max(200, "is longer than 200 characters")
  .nullish()
  .transform((v) => v ?? undefined);

const text = (name: string) =>
  clientString({ error: (issue) => (issue.input === undefined ? `${name} is required` : "must be a string") })
    .trim()
    .min(1, "must not be empty")
    .max(LIMITS.questionChars, `is longer than ${LIMITS.questionChars} characters`);

export const SearchBody = z.object({
  query: text("query"),
  k: z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(LIMITS.maxK, `must be at most ${LIMITS.maxK}`)
    .default(10),
  articleId,
});
export type SearchBody = z.infer<typeof SearchBody>;

const Turn = z.object({
  role: z.enum(["user", "assistant"], { error: 'must be "user" or "assistant"' }),
  content: clientString().max(LIMITS.turnChars, `is longer than ${LIMITS.turnChars} characters`),
});

export const ChatBody = z.object({
  question: text("question"),
  articleId,
  history: z
    .array(Turn, { error: "must be an array of {role, content}" })
    .max(LIMITS.historyTurns, `has more than ${LIMITS.historyTurns} turns`)
    .default([]),
  stream: z.boolean({ error: "must be true or false" }).default(false),
});
export type ChatBody = z.infer<typeof ChatBody>;

export const ArticlesQuery = z.object({
  limit: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(LIMITS.pageSize, `must be at most ${LIMITS.pageSize}`)
    .default(20),
  offset: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must not be negative")
    .default(0),
});

/**
 * The JSON body of a request. Only `Content-Type: application/json` (or another JSON type) is
 * read: a browser sends a `text/plain` or form POST to another origin without asking first (no
 * CORS preflight), so accepting those would let any page write ratings or questions through a
 * reader's browser, whatever ALLOWED_ORIGINS says. The bytes must be UTF-8: decoded leniently,
 * a broken byte inside a field's name turns it into another name, and the request is refused
 * for a field it did send.
 */
export async function readJson(request: Request, what = "a JSON object"): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!JSON_TYPE.test(type)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `Send the body as JSON with Content-Type: application/json${type ? ` (not ${JSON.stringify(type.slice(0, 100))})` : ""}`,
    );
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  let raw: string;
  try {
    raw = STRICT_UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "Request body is not valid UTF-8: send JSON encoded as UTF-8");
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(
      400,
      "invalid_json",
      raw.trim() === "" ? `Request body is empty: send ${what}` : "Request body is not valid JSON",
    );
  }
}

/** `application/json`, `application/json; charset=utf-8`, `application/merge-patch+json`… */
const JSON_TYPE = /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Parses a JSON object body (see `readJson`) against a schema. */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const json = await readJson(request);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ApiError(400, "invalid_request", "Request body must be a JSON object");
  }
  return check(schema, json);
}

export function check<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
  // "question is required" already names its field.
  const message = field && !issue.message.startsWith(field) ? `${field} ${issue.message}` : issue.message;
  throw new ApiError(400, "invalid_request", message);
}
