import { mkdir } from "node:fs/promises";
import type { PGlite } from "@electric-sql/pglite";

/**
 * Readers' ratings of answers, kept in an embedded PostgreSQL (PGlite, WASM: no server, no native
 * build) under FEEDBACK_DIR. Opened on first use: creating the database takes a few seconds, and
 * a server that never receives feedback should not pay for it, nor for loading PGlite at start-up.
 */
export interface FeedbackInput {
  rating: "up" | "down";
  comment?: string;
  question: string;
  answer: string;
  citations: unknown[];
  articleId?: string;
}

export interface FeedbackRow extends FeedbackInput {
  id: number;
  createdAt: string;
}

export interface FeedbackFilter {
  rating?: "up" | "down";
  articleId?: string;
  limit: number;
  offset: number;
}

export class FeedbackStore {
  private db: Promise<PGlite> | undefined;

  constructor(private readonly dir: string) {}

  private open(): Promise<PGlite> {
    this.db ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      const { PGlite } = await import("@electric-sql/pglite");
      const db = new PGlite(this.dir);
      await db.exec(`create table if not exists feedback (
        id serial primary key,
        created_at timestamptz not null default now(),
        rating text not null check (rating in ('up', 'down')),
        comment text,
        question text not null,
        answer text not null,
        citations jsonb not null default '[]',
        article_id text
      )`);
      return db;
    })();
    this.db.catch(() => (this.db = undefined));
    return this.db;
  }

  async add(f: FeedbackInput): Promise<number> {
    const db = await this.open();
    const result = await db.query<{ id: number }>(
      "insert into feedback (rating, comment, question, answer, citations, article_id) values ($1, $2, $3, $4, $5, $6) returning id",
      [f.rating, f.comment ?? null, f.question, f.answer, JSON.stringify(f.citations), f.articleId ?? null],
    );
    return result.rows[0]!.id;
  }

  async list(filter: FeedbackFilter): Promise<{ rows: FeedbackRow[]; total: number }> {
    const db = await this.open();
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.rating) where.push(`rating = $${params.push(filter.rating)}`);
    if (filter.articleId) where.push(`article_id = $${params.push(filter.articleId)}`);
    const clause = where.length > 0 ? `where ${where.join(" and ")}` : "";
    const total = (await db.query<{ n: number }>(`select count(*)::int as n from feedback ${clause}`, params)).rows[0]!
      .n;
    const rows = await db.query<{
      id: number;
      created_at: Date;
      rating: "up" | "down";
      comment: string | null;
      question: string;
      answer: string;
      citations: unknown[];
      article_id: string | null;
    }>(`select * from feedback ${clause} order by id desc limit $${params.length + 1} offset $${params.length + 2}`, [
      ...params,
      filter.limit,
      filter.offset,
    ]);
    return {
      total,
      rows: rows.rows.map((r) => ({
        id: r.id,
        createdAt: new Date(r.created_at).toISOString(),
        rating: r.rating,
        question: r.question,
        answer: r.answer,
        citations: r.citations,
        ...(r.comment !== null && { comment: r.comment }),
        ...(r.article_id !== null && { articleId: r.article_id }),
      })),
    };
  }

  /** Closes the database; a later call opens it again. */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) await (await db).close();
  }
}

/** What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Rows as CSV (RFC 4180 quoting), for a spreadsheet. A reader writes the question, comment and
 * answer, so a cell that a spreadsheet would read as a formula («=HYPERLINK(…)», «+», «-», «@»,
 * or a tab or carriage return before one) starts with «'», which makes it text (OWASP's advice
 * against CSV injection).
 */
export function toCsv(rows: FeedbackRow[]): string {
  const cell = (v: unknown) => {
    const s = String(v ?? "");
    return `"${(FORMULA_START.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
  };
  const header = ["id", "createdAt", "rating", "articleId", "question", "answer", "comment"];
  return (
    [
      header.join(","),
      ...rows.map((r) =>
        [r.id, r.createdAt, r.rating, r.articleId, r.question, r.answer, r.comment].map(cell).join(","),
      ),
    ].join("\r\n") + "\r\n"
  );
}

/**
 * Rows as question lines for `npm run eval -- --questions` (docs/evaluation.md), one JSON object
 * a line, as test/fixtures/questions.jsonl is written: the reader's question, asked from the
 * reader's article (`scope`), with the answer given kept in `note`. The editor fills in
 * `answers` and `articleId`, or sets `answerable` to false; until then eval names the line
 * («answers is empty but answerable is true»), so no rating becomes a question by accident.
 */
export function toFixtures(rows: FeedbackRow[]): string {
  return rows
    .map((r) => {
      const cited = (r.citations as Array<{ articleId?: unknown }>)
        .map((c) => c?.articleId)
        .filter((id): id is string => typeof id === "string");
      const given = r.answer.length > 200 ? `${r.answer.slice(0, 200)}…` : r.answer;
      const fixture = {
        id: `feedback-${r.id}`,
        question: r.question,
        answerable: true,
        answers: [],
        articleId: "",
        ...(r.articleId && { scope: r.articleId }),
        tags: ["feedback", r.rating],
        note: [
          `rated ${r.rating} ${r.createdAt}`,
          r.comment && `comment: ${r.comment}`,
          `answered: ${given}`,
          cited.length > 0 && `cited: ${[...new Set(cited)].join(", ")}`,
        ]
          .filter(Boolean)
          .join(" · "),
      };
      return `${JSON.stringify(fixture)}\n`;
    })
    .join("");
}
