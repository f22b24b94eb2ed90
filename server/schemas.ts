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

const articleId = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be empty")
  .max(200, "is longer than 200 characters")
  .nullish()
  .transform((v) => v ?? undefined);

const text = (name: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is required` : "must be a string") })
    .trim()
    .min(1, "must not be empty")
    .max(LIMITS.questionChars, `is longer than ${LIMITS.questionChars} characters`);

export const SearchBody = z.object({
  query: text("query"),
  k: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(LIMITS.maxK, `must be at most ${LIMITS.maxK}`).default(10),
  articleId,
});
export type SearchBody = z.infer<typeof SearchBody>;

const Turn = z.object({
  role: z.enum(["user", "assistant"], { error: 'must be "user" or "assistant"' }),
  content: z.string({ error: "must be a string" }).max(LIMITS.turnChars, `is longer than ${LIMITS.turnChars} characters`),
});

export const ChatBody = z.object({
  question: text("question"),
  articleId,
  history: z.array(Turn, { error: "must be an array of {role, content}" }).max(LIMITS.historyTurns, `has more than ${LIMITS.historyTurns} turns`).default([]),
  stream: z.boolean({ error: "must be true or false" }).default(false),
});
export type ChatBody = z.infer<typeof ChatBody>;

export const ArticlesQuery = z.object({
  limit: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(LIMITS.pageSize, `must be at most ${LIMITS.pageSize}`).default(20),
  offset: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(0, "must not be negative").default(0),
});

/** Parses a JSON body (whatever its Content-Type: `curl -d` sends form encoding) against a schema. */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const raw = await request.text();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ApiError(400, "invalid_json", raw.trim() === "" ? "Request body is empty: send a JSON object" : "Request body is not valid JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ApiError(400, "invalid_request", "Request body must be a JSON object");
  }
  return check(schema, json);
}

export function check<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  // "question is required" already names its field.
  const message = field && !issue.message.startsWith(field) ? `${field} ${issue.message}` : issue.message;
  throw new ApiError(400, "invalid_request", message);
}
