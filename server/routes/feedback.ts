import { Hono } from "hono";
import { z } from "zod";
import { toCsv, toFixtures, type FeedbackStore } from "../feedback.ts";
import { check, clientString, parseJsonBody } from "../schemas.ts";
import { requireToken } from "./admin.ts";

/**
 * `POST /api/feedback` (the widget's 👍/👎, open to readers) and, with ADMIN_TOKEN,
 * `GET /api/feedback?rating&articleId&limit&offset&format=json|csv|fixtures` for the editors.
 */
const text = (max: number) => clientString().max(max, `is longer than ${max} characters`);
const count = z.number({ error: "must be a number" }).int("must be a whole number").min(0, "must not be negative");

/**
 * A citation as the answer gave it (`Citation` in answer/types.ts), checked field by
 * field: the rating stores it, so nothing of another shape (nesting thousands deep, megabytes of
 * quote) gets in. Fields it does not know are dropped.
 */
const FeedbackCitation = z.object(
  {
    n: count.min(1, "must be at least 1").max(100, "must be at most 100"),
    articleId: text(200).min(1, "must not be empty"),
    title: text(1000).optional(),
    url: text(2000).optional(),
    quote: text(4000).optional(),
    start: count.optional(),
    end: count.optional(),
    score: z.number({ error: "must be a number" }).optional(),
  },
  { error: "must be a citation {n, articleId, title, quote, …}" },
);

const FeedbackBody = z.object({
  rating: z.enum(["up", "down"], { error: 'must be "up" or "down"' }),
  comment: text(1000).optional(),
  question: text(1000).min(1, "must not be empty"),
  answer: text(8000),
  citations: z
    .array(FeedbackCitation, { error: "must be an array of citations" })
    .max(10, "has more than 10 items")
    .default([]),
  articleId: text(200)
    .nullish()
    .transform((v) => v ?? undefined),
});

const FeedbackQuery = z.object({
  rating: z.enum(["up", "down"], { error: 'must be "up" or "down"' }).optional(),
  articleId: z.string().max(200).optional(),
  limit: z.coerce
    .number({ error: "must be a number" })
    .int()
    .min(1, "must be at least 1")
    .max(500, "must be at most 500")
    .default(100),
  offset: z.coerce.number({ error: "must be a number" }).int().min(0, "must not be negative").default(0),
  format: z.enum(["json", "csv", "fixtures"], { error: "must be json, csv or fixtures" }).default("json"),
});

export function feedbackRoutes(store: FeedbackStore, adminToken: string | undefined): Hono {
  const app = new Hono();
  app.post("/feedback", async (c) => {
    const body = await parseJsonBody(c.req.raw, FeedbackBody);
    const id = await store.add({ ...body, ...(body.articleId && { articleId: body.articleId }) });
    return c.json({ id }, 201);
  });
  if (adminToken) {
    app.get("/feedback", requireToken(adminToken), async (c) => {
      const q = check(FeedbackQuery, c.req.query());
      const { rows, total } = await store.list({
        limit: q.limit,
        offset: q.offset,
        ...(q.rating && { rating: q.rating }),
        ...(q.articleId && { articleId: q.articleId }),
      });
      if (q.format === "csv")
        return c.body(toCsv(rows), 200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": 'attachment; filename="goftogu-feedback.csv"',
        });
      if (q.format === "fixtures")
        return c.body(toFixtures(rows), 200, {
          "content-type": "application/x-ndjson; charset=utf-8",
          "content-disposition": 'attachment; filename="goftogu-feedback.jsonl"',
        });
      return c.json({ feedback: rows, total });
    });
  }
  return app;
}
