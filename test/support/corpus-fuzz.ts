import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { normalizeForMatch } from "../../core/persian/normalize.ts";
import { mulberry32 } from "./fuzz.ts";

/**
 * Hostile and unlucky articles, generated from a seed: every `Object.prototype` name (and other
 * names JavaScript gives meaning to) as words, ids, titles and sources, Latin and Arabic text,
 * URLs, emoji, bidi marks, HTML, 10,000-character words, a one-line megabyte and control
 * characters. Half are ingested from ARTICLES_DIR, half published through the management API;
 * then each is asked about, read, replaced or deleted (`runCorpusFuzz`). Nothing of it may give
 * a 5xx. `test/corpus-fuzz.test.ts` runs the small corpus in-process on both stores;
 * `npm run bench -- fuzz` (bench/load/corpus-fuzz.ts) the full one against the real server.
 */
export const CORPUS_FUZZ_KINDS = [
  "prototype names",
  "Latin and Arabic",
  "URLs",
  "emoji",
  "bidi marks",
  "HTML",
  "long words",
  "one-line megabyte",
  "control characters",
] as const;
export type CorpusFuzzKind = (typeof CORPUS_FUZZ_KINDS)[number];

export interface FuzzArticle {
  kind: CorpusFuzzKind;
  id: string;
  title?: string;
  text: string;
  url?: string;
  source?: string;
  /** How it enters the corpus: a `.txt` page, a JSONL line, or the management API. */
  via: "txt" | "jsonl" | "api";
  /** Whether the management API must refuse it (a NUL, a url that is not http(s)): a 400, not a 5xx. */
  refused?: boolean;
  /** A question this article alone answers, and the figure the answer must state. */
  question?: string;
  figure?: string;
}

/**
 * Names that mean something to JavaScript objects: a lookup of a word on a plain object returns
 * one of these instead of undefined, and `then` makes an object look like a promise.
 */
export const HOSTILE_NAMES = [
  ...new Set([
    ...Object.getOwnPropertyNames(Object.prototype),
    "prototype",
    "then",
    "length",
    "name",
    "call",
    "apply",
    "bind",
    "map",
    "push",
    "toJSON",
    "constructor",
  ]),
];

const SYLLABLES_A = ["کار", "سپ", "نو", "داد", "مهر", "تاب", "بهر", "زر", "گل", "شید", "آر", "بن"];
const SYLLABLES_B = ["ور", "یار", "مند", "سار", "گون", "زاد", "پور", "نیک", "بان", "تاش", "کیش", "دان"];
const persian = (n: number) => n.toLocaleString("fa-IR", { useGrouping: false });
const BIDI = [
  "\u202e",
  "\u202b",
  "\u202a",
  "\u202d",
  "\u2067",
  "\u2066",
  "\u2068",
  "\u2069",
  "\u200f",
  "\u200e",
  "\u061c",
  "\u200d",
  "\u200c",
  "\ufeff",
  "\u202c",
];
const EMOJI = ["🙂", "👍🏽", "👨‍👩‍👧‍👦", "🇮🇷", "🏭", "📈", "🧕🏻", "❤️", "🔥", "🫠"];
const HTML = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  '"><svg onload=alert(1)>',
  "&amp; &lt;b&gt; &#x3C;",
  "<!-- comment -->",
  "</textarea></title><style>*{display:none}</style>",
  "<iframe src=javascript:alert(1)>",
  "]]><![CDATA[",
];
const CONTROL = [
  "\u0001",
  "\u0007",
  "\b",
  "\u000b",
  "\u000c",
  "\u001b[31m",
  "\u007f",
  "\u0085",
  "\u2028",
  "\u2029",
  "\ud800",
  "\udfff",
  "\r",
];
const SENTENCES = [
  "به گزارش خبرگزاری، مدیرکل صنعت استان از افزایش تولید در شهرک‌های صنعتی خبر داد.",
  "وی افزود: ارزش صادرات غیرنفتی در شش ماه نخست سال رشد چشمگیری داشته است.",
  "این طرح با سرمایه‌گذاری بخش خصوصی و حمایت دولت اجرا می‌شود.",
  "کارشناسان معتقدند کمبود نقدینگی مهم‌ترین مشکل واحدهای تولیدی کوچک است.",
  "استاندار در این نشست بر لزوم رفع موانع تولید تاکید کرد.",
];

/** The articles of one run: `small` for `npm test` (seconds), `full` for `npm run bench -- --fuzz`. */
export function fuzzCorpus(seed: number, size: "small" | "full"): FuzzArticle[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const articles: FuzzArticle[] = [];
  let serial = 0;
  const vias = ["txt", "jsonl", "api"] as const;
  /** A made-up word no other article has, so its question has one right source. */
  const unique = () => {
    const n = serial++;
    return `${SYLLABLES_A[n % SYLLABLES_A.length]}${SYLLABLES_B[Math.floor(n / SYLLABLES_A.length) % SYLLABLES_B.length]}${n >= 144 ? SYLLABLES_A[Math.floor(n / 144) % 12] : ""}`;
  };
  const figure = () => persian(100 + Math.floor(random() * 800));
  const add = (a: Omit<FuzzArticle, "via"> & { via?: FuzzArticle["via"] }) =>
    articles.push({ via: vias[articles.length % 3]!, ...a });
  /** An article built around one made-up festival, with `noise` mixed into its words. */
  const festival = (kind: CorpusFuzzKind, noise: () => string, id?: string) => {
    const name = unique();
    const count = figure();
    const text = [
      `${noise()} جشنواره ${name} ${noise()} امسال با حضور ${count} شرکت‌کننده ${noise()} برگزار شد.`,
      `${pick(SENTENCES)} ${noise()} ${pick(SENTENCES)}`,
      `${noise()} ${pick(SENTENCES)}`,
    ].join("\n\n");
    add({
      kind,
      id: id ?? `${kind.replace(/\s+/g, "-")}-${serial}`,
      title: `جشنواره ${name} ${noise()}`,
      text,
      source: noise().slice(0, 200) || undefined,
      question: `جشنواره ${name} چند شرکت‌کننده داشت؟`,
      figure: `${count} شرکت‌کننده`,
    });
  };

  const names =
    size === "small"
      ? HOSTILE_NAMES
      : HOSTILE_NAMES.flatMap((n) => [n, n.toUpperCase(), n[0]!.toUpperCase() + n.slice(1)]);
  for (const name of names) {
    const contracts = figure();
    // «constructor», «Constructor» and «CONSTRUCTOR» read as one word: a made-up one tells them apart.
    const company = `${name} ${unique()}`;
    add({
      kind: "prototype names",
      id: name,
      title: `گزارش ${name}`,
      source: name,
      url: `https://news.example/${encodeURIComponent(name)}`,
      text: `شرکت ${company} در سال گذشته ${contracts} قرارداد تازه امضا کرد.\n\nمدیر ${name.toUpperCase()} گفت: ${name} و ${name.toLowerCase()} دو نام یک شرکت‌اند. ${pick(SENTENCES)}`,
      question: `شرکت ${company} چند قرارداد امضا کرد؟`,
      figure: `${contracts} قرارداد`,
    });
  }
  // Questions made of the names alone, on an article whose every word is one of them.
  add({
    kind: "prototype names",
    id: `names-${serial++}`,
    text: `${HOSTILE_NAMES.join(" ")}.\n\n${HOSTILE_NAMES.map((n) => n.toUpperCase()).join(" ")}.`,
  });

  const rounds = size === "small" ? 1 : 12;
  for (let r = 0; r < rounds; r++) {
    festival("Latin and Arabic", () =>
      pick([
        "The minister said exports rose by 12 percent to $263 million.",
        "قالَ الوزيرُ إنّ الصادراتِ ارتفعت بنسبة ١٢ في المئة",
        "Goftogu",
        "NASA",
        "iPhone ۱۵ Pro",
        "كيلوغرام ٣٤٥٫٦",
        "e.g. i.e. U.S.A.",
        "C++ & C#",
        "naïve café Ünïcödé",
      ]),
    );
    festival("URLs", () =>
      pick([
        "https://www.irna.ir/news/85123456/گزارش-صادرات?utm_source=x&a=%D8%A7#frag",
        "www.example.com",
        "mailto:editor@news.example",
        "javascript:alert(1)",
        "ftp://files.example/a.txt",
        "http://[::1]:3000/api/chat",
        "https://x.ir/?q=" + "%".repeat(20),
        "file:///etc/passwd",
      ]),
    );
    festival("emoji", () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(EMOJI)).join(""));
    festival(
      "bidi marks",
      () =>
        Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(BIDI)).join("") +
        pick(["abc", "قم", "۱۲۳", ""]),
    );
    festival("HTML", () => pick(HTML));
    festival("control characters", () =>
      Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(CONTROL)).join(""),
    );
  }

  const longWords = [
    "ب".repeat(10_000),
    "a".repeat(10_000),
    "۱".repeat(10_000),
    `https://news.example/${"a".repeat(10_000)}`,
    "ب\u200c".repeat(5_000),
    "🙂".repeat(5_000),
  ];
  for (const word of size === "small" ? longWords.slice(0, 3) : longWords) festival("long words", () => word);

  // A megabyte on one line: sentences with no line break; in the full run also with no punctuation.
  const megabyte = (punctuated: boolean, via: FuzzArticle["via"]) => {
    const name = unique();
    const count = figure();
    const parts = [`جشنواره ${name} امسال با حضور ${count} شرکت‌کننده برگزار شد.`];
    let bytes = 0;
    while (bytes < 1024 * 1024) {
      const s = punctuated ? pick(SENTENCES) : pick(SENTENCES).replace(/[.،:؛]/g, "");
      parts.push(s);
      bytes += Buffer.byteLength(s) + 1;
    }
    add({
      kind: "one-line megabyte",
      id: `megabyte-${serial}`,
      via,
      title: `یک خط ${name}`,
      text: parts.join(" "),
      question: `جشنواره ${name} چند شرکت‌کننده داشت؟`,
      figure: `${count} شرکت‌کننده`,
    });
  };
  // Ingested in the small run: publishing one costs PGlite (the tests' PostgreSQL) ~10 s.
  megabyte(true, "txt");
  if (size === "full") {
    megabyte(true, "api");
    megabyte(false, "jsonl");
  }

  // What the management API must refuse, and ingest must survive.
  add({
    kind: "URLs",
    id: "bad-url-api",
    via: "api",
    refused: true,
    text: "متن خبر با نشانی بد.",
    url: "JavaScript:alert(document.cookie)",
  });
  add({
    kind: "URLs",
    id: "bad-url-file",
    via: "jsonl",
    text: "متن خبر با نشانی بد در پرونده.",
    url: "javascript:alert(document.cookie)",
  });
  add({ kind: "control characters", id: "nul-api", via: "api", refused: true, text: "متن\u0000خبر" });
  add({ kind: "control characters", id: "nul-file", via: "txt", text: "متن\u0000خبر در پرونده." });
  return articles;
}

/**
 * Writes the articles that enter through ARTICLES_DIR: `.txt` pages (named by id, as the id is
 * the file stem) and one JSONL export. Ids that cannot be file names go in the export.
 */
export async function writeFuzzFiles(dir: string, articles: FuzzArticle[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  for (const a of articles) {
    if (a.via === "api") continue;
    if (a.via === "txt" && /^[\p{L}\p{N}_.-]{1,100}$/u.test(a.id) && !a.id.startsWith(".")) {
      await writeFile(path.join(dir, `${a.id}.txt`), `${a.title ? `${a.title}\n` : ""}${a.text}`);
    } else {
      lines.push(JSON.stringify({ id: a.id, title: a.title, text: a.text, url: a.url, source: a.source }));
    }
  }
  await writeFile(path.join(dir, "fuzz.jsonl"), `${lines.join("\n")}\n`);
}

/** One request to the service under test, in process (`app.request`) or over a socket. */
export type Send = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; text: string }>;

export interface CorpusFuzzRow {
  kind: CorpusFuzzKind;
  articles: number;
  requests: number;
  ok2xx: number;
  client4xx: number;
  server5xx: number;
  /** Streams that ended with `event: error`. */
  streamErrors: number;
  /** Questions with one right article: answered with its figure and citing it. */
  asked: number;
  right: number;
}

export interface CorpusFuzzResult {
  rows: CorpusFuzzRow[];
  /** Every request that was a 5xx, a stream error, or not the status expected; the first 20. */
  failures: string[];
}

/**
 * Publishes the API half of `articles` (the other half is already ingested), then asks about,
 * reads, replaces and deletes each: the answers, searches, pages and article reads a reader and
 * a CMS make. Nothing may be a 5xx; what the API must refuse must be a 4xx.
 */
export async function runCorpusFuzz(
  send: Send,
  articles: FuzzArticle[],
  options: { adminToken: string; concurrency?: number },
): Promise<CorpusFuzzResult> {
  const rows = new Map<CorpusFuzzKind, CorpusFuzzRow>(
    CORPUS_FUZZ_KINDS.map((kind) => [
      kind,
      { kind, articles: 0, requests: 0, ok2xx: 0, client4xx: 0, server5xx: 0, streamErrors: 0, asked: 0, right: 0 },
    ]),
  );
  const failures: string[] = [];
  const admin = { authorization: `Bearer ${options.adminToken}` };
  const call = async (
    a: FuzzArticle,
    method: string,
    url: string,
    expect: "2xx" | "4xx",
    body?: unknown,
    headers?: Record<string, string>,
  ) => {
    const row = rows.get(a.kind)!;
    row.requests++;
    const res = await send(method, url, body, headers).catch((err: unknown) => ({ status: 0, text: String(err) }));
    if (res.status >= 500 || res.status === 0) row.server5xx++;
    else if (res.status >= 400) row.client4xx++;
    else row.ok2xx++;
    const streamError = res.status === 200 && res.text.includes("event: error");
    if (streamError) row.streamErrors++;
    const wrongClass =
      res.status >= 500 ||
      res.status === 0 ||
      (expect === "2xx" ? res.status >= 400 : res.status < 400 || res.status >= 500);
    if ((wrongClass || streamError) && failures.length < 20)
      failures.push(
        `${a.kind} · ${method} ${url.slice(0, 80)} → ${res.status} ${res.text.slice(0, 160).replace(/\s+/g, " ")}`,
      );
    return res;
  };
  const idPath = (id: string) => encodeURIComponent(id);
  // What a reader sends holds no NUL (the API refuses it, tested on its own); an article read
  // from a file may, and ingest removes it.
  const typed = (s: string) => s.replaceAll("\u0000", "");
  const live = articles.filter((a) => !a.refused);
  for (const a of articles) rows.get(a.kind)!.articles++;

  // Publish: one at a time, then the rest of the kind as one batch.
  const published = articles.filter((a) => a.via === "api");
  for (const [i, a] of published.entries()) {
    const body = { title: a.title, text: a.text, url: a.url, source: a.source };
    if (i % 2 === 0 || a.refused)
      await call(a, "PUT", `/api/articles/${idPath(a.id)}`, a.refused ? "4xx" : "2xx", body, admin);
  }
  const batch = published.filter((a, i) => i % 2 === 1 && !a.refused);
  if (batch.length > 0)
    await call(
      batch[0]!,
      "POST",
      "/api/articles",
      "2xx",
      { articles: batch.map((a) => ({ id: a.id, title: a.title, text: a.text, url: a.url, source: a.source })) },
      admin,
    );

  const work: Array<() => Promise<void>> = [];
  for (const a of live) {
    work.push(async () => {
      const question = typed(a.question ?? a.text.slice(0, 200));
      const text = typed(a.text);
      const chat = await call(a, "POST", "/api/chat", "2xx", { question });
      if (a.question && a.figure) {
        const row = rows.get(a.kind)!;
        row.asked++;
        try {
          const answer = JSON.parse(chat.text) as {
            answer: string;
            found: boolean;
            citations: Array<{ articleId: string }>;
          };
          if (
            answer.found &&
            answer.citations[0]?.articleId === a.id &&
            normalizeForMatch(answer.answer).includes(normalizeForMatch(a.figure))
          )
            row.right++;
        } catch {
          // Counted as not right; the status was judged above.
        }
      }
      await call(a, "POST", "/api/chat", "2xx", { question, articleId: a.id });
      await call(a, "POST", "/api/chat", "2xx", { question, articleId: a.id, stream: true });
      await call(a, "POST", "/api/chat", "2xx", {
        question: (a.title ?? question).slice(0, 1000) || "؟",
        history: [
          { role: "user", content: text.slice(0, 4000) },
          { role: "assistant", content: `${text.slice(0, 300)} [1]` },
        ],
      });
      await call(a, "POST", "/api/search", "2xx", { query: question, k: 5 });
      await call(a, "POST", "/api/search", "2xx", { query: text.slice(0, 1000), articleId: a.id });
      await call(a, "GET", `/api/articles/${idPath(a.id)}`, "2xx");
      await call(a, "GET", `/articles/${idPath(a.id)}`, "2xx");
      await call(a, "POST", "/api/feedback", "2xx", {
        rating: "down",
        question,
        answer: text.slice(0, 8000),
        comment: (a.title ?? "").slice(0, 1000),
        articleId: a.id,
        citations: [{ n: 1, articleId: a.id, title: (a.title ?? "").slice(0, 1000), quote: text.slice(0, 4000) }],
      });
    });
  }
  await inParallel(work, options.concurrency ?? 4);

  // The lists that show every article, then replacing and deleting some through the API.
  const first = live[0]!;
  for (let offset = 0; offset < live.length + 100; offset += 100)
    await call(first, "GET", `/api/articles?limit=100&offset=${offset}`, "2xx");
  await call(first, "GET", "/", "2xx");
  await call(first, "GET", "/api/health", "2xx");
  for (const [i, a] of live.entries()) {
    if (i % 3 === 0 && (a.kind !== "one-line megabyte" || a.via === "api"))
      await call(
        a,
        "PUT",
        `/api/articles/${idPath(a.id)}`,
        "2xx",
        { title: a.title, text: `${typed(a.text)}\n\n${pick(i)}`, source: a.source },
        admin,
      );
    else if (i % 3 === 1) await call(a, "DELETE", `/api/articles/${idPath(a.id)}`, "2xx", undefined, admin);
  }
  await inParallel(
    live.map((a) => async () => {
      await call(a, "POST", "/api/chat", "2xx", { question: typed(a.question ?? a.text.slice(0, 200)) });
      await call(a, "POST", "/api/search", "2xx", { query: typed(a.question ?? a.text.slice(0, 200)) });
    }),
    options.concurrency ?? 4,
  );
  return { rows: [...rows.values()], failures };
}

function pick(i: number): string {
  return SENTENCES[i % SENTENCES.length]!;
}

async function inParallel(work: Array<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < work.length) await work[next++]!();
    }),
  );
}

/** The fuzz's figures as a markdown table. */
export function corpusFuzzTable(result: CorpusFuzzResult): string {
  const header =
    "| kind | articles | requests | 2xx | 4xx | 5xx | stream errors | right answers |\n|---|---|---|---|---|---|---|---|";
  const line = (r: Omit<CorpusFuzzRow, "kind"> & { kind: string }) =>
    `| ${r.kind} | ${r.articles} | ${r.requests} | ${r.ok2xx} | ${r.client4xx} | ${r.server5xx} | ${r.streamErrors} | ${r.asked ? `${r.right} of ${r.asked}` : "—"} |`;
  const total = result.rows.reduce(
    (t, r) => ({
      kind: "**all**",
      articles: t.articles + r.articles,
      requests: t.requests + r.requests,
      ok2xx: t.ok2xx + r.ok2xx,
      client4xx: t.client4xx + r.client4xx,
      server5xx: t.server5xx + r.server5xx,
      streamErrors: t.streamErrors + r.streamErrors,
      asked: t.asked + r.asked,
      right: t.right + r.right,
    }),
    {
      kind: "**all**",
      articles: 0,
      requests: 0,
      ok2xx: 0,
      client4xx: 0,
      server5xx: 0,
      streamErrors: 0,
      asked: 0,
      right: 0,
    },
  );
  return [header, ...result.rows.map(line), line(total)].join("\n");
}
