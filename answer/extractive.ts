import type { Article } from "../core/article.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { splitSentences } from "../core/persian/sentences.ts";
import {
  coverage,
  matchTarget,
  mergeTargets,
  termMatch,
  weighTerms,
  type MatchTarget,
  type WeightedTerm,
} from "./match.ts";
import { analyzeQuestion, type QuestionAnalysis } from "./question.ts";
import {
  findPeople,
  findQuantities,
  findTimes,
  type Found,
  type Person,
  type QuantitySpan,
} from "../core/persian/spans.ts";
import { StampedCache } from "./stamped-cache.ts";
import {
  streamWhole,
  type Answer,
  type Answerer,
  type AnswerEvent,
  type AnswerRequest,
  type Citation,
  type Passage,
} from "./types.ts";

/**
 * The default answerer: no model, only the articles. It picks the sentence that best answers the
 * question (weighted term coverage, plus the kind of span the question asks for: a number with
 * its unit for «چند», a name for «چه کسی», a date for «کی»), states the span first and quotes
 * the sentence with its source. When no sentence covers enough of the question it says so and
 * cites nothing: it never writes a fact the articles do not state.
 */
export interface ExtractiveOptions {
  /** Minimum weighted coverage of the question by the best sentence for `found: true`. */
  minCoverage: number;
  /** At most this many quoted sentences. */
  maxCitations: number;
}

/**
 * Calibrated on test/fixtures/questions.json (every unanswerable refused) and the dev splits of
 * `npm run eval` (0.45 → 0.40 answers 5% more of ParsiNLU dev, refuses the same fixtures).
 */
export const DEFAULT_EXTRACTIVE = { minCoverage: 0.4, maxCitations: 3 } satisfies ExtractiveOptions;

export const NOT_FOUND_ANSWER =
  "در خبرهایی که در اختیار دارم پاسخی برای این پرسش پیدا نکردم. اگر پرسش را با جزئیات بیشتری بنویسید، دوباره جست‌وجو می‌کنم.";

interface Candidate {
  articleId: string;
  text: string;
  start: number;
  end: number;
  target: MatchTarget;
  coverage: number;
  /** How many distinct question terms the sentence (with its context) contains. */
  matched: number;
  /** The sentence after it in the same chunk, quoted too when this one only restates the question. */
  next?: { text: string; start: number; end: number };
  /** Share of the sentence's words that are not the question's: what it adds. */
  novelty: number;
  score: number;
  span?: AnswerSpan;
}

const REFERS_BACK = /(?<![\p{L}])(?:این|ان|انها|اینها|وی|او|ایشان|همین|همان)(?![\p{L}])/u;

const CURRENCY = /دلار|تومان|ریال|یورو|درهم|یوان|پوند/u;

/** Words that give a reason: a «چرا» question is answered by the sentence that has one. */
const CAUSE =
  /(?<![\p{L}])(?:زیرا|چون|به دلیل|به علت|از انجا که|از آنجا که|به خاطر|چرا که|بنابراین|در نتیجه)(?![\p{L}])/u;
/** Below this share of words of its own, a sentence restates the question rather than answering it. */
const RESTATES_BELOW = 0.35;

/**
 * How much the earlier turns' words weigh in choosing a sentence: enough to pick «۱۰۰ نفر» of
 * the cosmetics line over «۷۱ هزار نفر» when the conversation is about that line; too little to
 * outweigh a sentence that covers more of the question itself.
 */
const CONVERSATION_WEIGHT = 0.2;

/** Question kinds whose answer is a span the sentence must contain. */
const SPAN_KINDS = new Set<QuestionAnalysis["kind"]>(["quantity", "time", "person"]);

/**
 * A chunk's sentences and their analyses, which do not depend on the question. A reader's
 * questions about an article keep reaching its chunks (the widget scopes every question to the
 * article on the page), and analyzing every sentence of every passage again was most of an
 * answer's time. Keyed by chunk and title, checked against the text: a replaced chunk misses.
 */
interface AnalyzedChunk {
  sentences: ReturnType<typeof splitSentences>;
  targets: MatchTarget[];
  titleTarget: MatchTarget;
  spans: SentenceSpans[];
  /** Each sentence read with the title and the sentence before it (see `candidates`). */
  contexts: MatchTarget[];
  /** Whether each sentence opens by referring back to the one before. */
  refers: boolean[];
  /** The title and every sentence: what a conversation's earlier words are looked for in. */
  whole?: MatchTarget;
}

function analyzedChunk(chunk: Passage["chunk"]): AnalyzedChunk {
  return ANALYSED.get(`${chunk.id}\n${chunk.title}`, chunk.text, () => {
    const sentences = splitSentences(chunk.text);
    const targets = sentences.map((s) => matchTarget(s.text));
    const titleTarget = matchTarget(chunk.title);
    return {
      sentences,
      targets,
      titleTarget,
      spans: sentences.map((s) => new SentenceSpans(s.text)),
      // **NOTE:** neither depends on the question: made for every sentence of every passage of
      // every question, they cost 3–5% of a chat question's time at 100k articles.
      contexts: targets.map((target, i) =>
        i > 0 ? mergeTargets(titleTarget, targets[i - 1]!, target) : mergeTargets(titleTarget, target),
      ),
      refers: sentences.map(
        (s, i) => i > 0 && REFERS_BACK.test(normalizeForMatch(s.text.split(/\s+/u).slice(0, 4).join(" "))),
      ),
    };
  });
}

/**
 * What a sentence holds that may answer a question: its amounts, times and people, and the
 * words around each, found when first asked for and kept with the sentence. None of it depends
 * on the question; finding it in every sentence of every passage was most of an answer's time.
 */
export class SentenceSpans {
  private found?: { quantities?: QuantitySpan[]; times?: Found[]; people?: Person[] };
  private windows?: Map<string, MatchTarget>;

  constructor(readonly text: string) {}

  get quantities(): QuantitySpan[] {
    return ((this.found ??= {}).quantities ??= findQuantities(this.text));
  }

  get times(): Found[] {
    return ((this.found ??= {}).times ??= findTimes(this.text));
  }

  get people(): Person[] {
    return ((this.found ??= {}).people ??= findPeople(this.text));
  }

  /** A part of the sentence (a span, the words around one) analyzed, kept for the next question. */
  target(part: string): MatchTarget {
    const windows = (this.windows ??= new Map());
    let target = windows.get(part);
    if (!target) windows.set(part, (target = matchTarget(part)));
    return target;
  }
}

/** A few thousand chunks (each a few KB analyzed): a busy site's popular articles, bounded. */
const ANALYSED = new StampedCache<AnalyzedChunk>(4096);

export class ExtractiveAnswerer implements Answerer {
  readonly id = "extractive";
  readonly mode = "extractive" as const;

  constructor(private readonly options: ExtractiveOptions = DEFAULT_EXTRACTIVE) {}

  async *stream(request: AnswerRequest): AsyncIterable<AnswerEvent> {
    yield* streamWhole(await this.answer(request));
  }

  async answer(request: AnswerRequest): Promise<Answer> {
    const { articles } = request;
    const question = analyzeQuestion(request.question);
    const current = request.articleId ? articles.get(request.articleId) : undefined;
    if (question.kind === "summary" && current) return this.summary(current);
    const weighted = weighTerms(question.content, request.terms);
    const own = new Set(weighted.map((t) => t.term));
    // Words of earlier turns only choose between sentences that answer the question's own words.
    const context = request.context ? weighTerms(request.context, request.terms).filter((t) => !own.has(t.term)) : [];
    if (weighted.length === 0) return notFound();

    const candidates = this.candidates(request.passages, weighted, context, question, request.articleId);
    const best = candidates[0];
    // One rare word in common («قیمت» in «قیمت دلار امروز چقدر است؟») is not an answer: a
    // question of two or more content words needs two of them found.
    if (!best || best.coverage < this.options.minCoverage || best.matched < Math.min(2, weighted.length))
      return notFound();
    if (question.kind === "quantity" && !best.span && findQuantities(best.text).length === 0) return notFound();

    const chosen = [this.extended(best, question, articles), ...this.complements(best, candidates, weighted)];
    const citations = chosen.map((c, i) => this.citation(c, i + 1, articles));
    // The quote first, its source after: a long quote should not push the answer out of view.
    const lines = chosen.map((c, i) => `«${c.text}» [${i + 1}] (${this.attribution(c.articleId, articles)})`);
    // Each quoted sentence's span leads, with its marker: «۴۵هزار واحد صنفی [1]؛ ۶۳ واحد… [2]».
    // A person is named with their role: «سعید نبیل، رئیس سازمان صنعت، معدن و تجارت استان قزوین».
    const spans = chosen.flatMap((c, i) =>
      c.span ? [`${c.span.text}${c.span.role ? `، ${c.span.role}` : ""} [${i + 1}]`] : [],
    );
    const lead = best.span ? `${spans.join("؛ ")}\n` : "";
    return {
      answer: lead + lines.join("\n"),
      found: true,
      mode: "extractive",
      citations,
      ...(best.span && { short: best.span.text }),
    };
  }

  /** Every sentence of the retrieved chunks, scored, best first. */
  private candidates(
    passages: Passage[],
    weighted: WeightedTerm[],
    conversation: WeightedTerm[],
    question: QuestionAnalysis,
    articleId?: string,
  ): Candidate[] {
    const seen = new Set<string>();
    const out: Candidate[] = [];
    const topScore = passages[0]?.score ?? 1;
    const needsSpan = SPAN_KINDS.has(question.kind);
    for (const { chunk, score: passageScore } of passages) {
      // Each sentence and the title analyzed once; contexts are merged from them.
      const analyzed = analyzedChunk(chunk);
      const { sentences, targets, spans, contexts } = analyzed;
      const conversationCoverage =
        conversation.length > 0
          ? coverage(conversation, (analyzed.whole ??= mergeTargets(analyzed.titleTarget, ...targets)))
          : 0;
      sentences.forEach((s, i) => {
        const start = chunk.start + s.start;
        const key = `${chunk.articleId}:${start}`;
        if (seen.has(key)) return;
        seen.add(key);
        const target = targets[i]!;
        const own = coverage(weighted, target);
        // The sentence read with its title and the sentence before it: «این نمایشگاه…» and
        // «وی افزود…» refer back, so the question's other terms may stand just before.
        const contextTarget = contexts[i]!;
        const context = coverage(weighted, contextTarget);
        const matched = weighted.filter((t) => termMatch(t, contextTarget) >= 0.6).length;
        // A sentence that opens by referring back («این فیلم…», «عکس آن…», «وی افزود…») is about
        // the previous sentence's subject: it is read together with that sentence.
        const refers = analyzed.refers[i]!;
        const cov = refers ? Math.max(own, context) : Math.max(own, (own + context) / 2);
        const span = findSpan(spans[i]!, question, weighted);
        let score =
          (refers ? 0.3 * own + 0.55 * context : 0.6 * own + 0.25 * context) +
          0.05 * (topScore > 0 ? passageScore / topScore : 0);
        // A question that asks «how many» or «who» is answered by a sentence holding a number
        // or a name; one without is at best background.
        if (needsSpan) score += span ? 0.2 + 0.1 * span.fit : -0.2;
        if (articleId && chunk.articleId === articleId) score += 0.05;
        score += CONVERSATION_WEIGHT * conversationCoverage;
        // A sentence that is only a subheading («احیای ۶۳ واحد صنعتی در استان قم») says less
        // than the sentence that tells the story.
        if (s.text.length < 40) score -= 0.05;
        if (question.kind === "reason" && CAUSE.test(s.text)) score += 0.1;
        const novelty = noveltyOf(target, weighted);
        const after = sentences[i + 1];
        const next = after && { text: after.text, start: chunk.start + after.start, end: chunk.start + after.end };
        out.push({
          articleId: chunk.articleId,
          text: s.text,
          start,
          end: start + s.text.length,
          target,
          coverage: cov,
          matched,
          novelty,
          score,
          ...(span && { span }),
          ...(next && { next }),
        });
      });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /**
   * Further sentences for the parts of the question the best one leaves open («… و …»
   * questions, comparisons across articles): each must cover most of what is still missing.
   */
  private complements(best: Candidate, candidates: Candidate[], weighted: WeightedTerm[]): Candidate[] {
    const out: Candidate[] = [];
    let open = weighted.filter((w) => termMatch(w, best.target) < 0.6);
    for (const c of candidates) {
      if (out.length + 1 >= this.options.maxCitations || open.length === 0) break;
      const openWeight = open.reduce((s, w) => s + w.weight, 0) / weighted.reduce((s, w) => s + w.weight, 0);
      if (openWeight < 0.2) break;
      if (c === best || c.coverage < this.options.minCoverage * 0.6) continue;
      if (coverage(open, c.target) < 0.6) continue;
      out.push(c);
      open = open.filter((w) => termMatch(w, c.target) < 0.6);
    }
    return out;
  }

  /**
   * A sentence that only restates the question («این واژه در آغاز برای تمسخر این شیوه استفاده
   * می‌شد.») is usually followed by the answer («زیرا منتقدان…»): quote the two together.
   */
  private extended(c: Candidate, question: QuestionAnalysis, articles: ReadonlyMap<string, Article>): Candidate {
    if (!c.next || c.span) return c;
    const restates =
      c.novelty < RESTATES_BELOW || (question.kind === "reason" && !CAUSE.test(c.text) && CAUSE.test(c.next.text));
    if (!restates) return c;
    const article = articles.get(c.articleId);
    if (!article) return c;
    return { ...c, text: article.text.slice(c.start, c.next.end), end: c.next.end };
  }

  /** «خلاصه این خبر چیست؟»: the lead of the article the reader is on. */
  private summary(article: Article): Answer {
    const sentences = splitSentences(article.text)
      .filter((s) => s.text.length >= 40)
      .slice(0, 2);
    if (sentences.length === 0) return notFound();
    const quotes = sentences.map((s, i) => ({
      articleId: article.id,
      text: s.text,
      start: s.start,
      end: s.end,
      score: 1,
      n: i + 1,
    }));
    const lines = quotes.map((q) => `«${q.text}» [${q.n}]`);
    return {
      answer: `${attributionOf(article)}، خلاصه خبر «${article.title}»:\n${lines.join("\n")}`,
      found: true,
      mode: "extractive",
      citations: quotes.map((q) => ({
        n: q.n,
        articleId: article.id,
        title: article.title,
        ...(article.url && { url: article.url }),
        quote: q.text,
        start: q.start,
        end: q.end,
        score: 1,
      })),
    };
  }

  private citation(c: Candidate, n: number, articles: ReadonlyMap<string, Article>): Citation {
    const article = articles.get(c.articleId);
    return {
      n,
      articleId: c.articleId,
      title: article?.title ?? "",
      ...(article?.url && { url: article.url }),
      quote: c.text,
      start: c.start,
      end: c.end,
      score: round(c.score),
    };
  }

  private attribution(articleId: string, articles: ReadonlyMap<string, Article>): string {
    return attributionOf(articles.get(articleId), articleId);
  }
}

function attributionOf(article: Article | undefined, articleId = article?.id): string {
  if (article?.source) return `به گزارش ${article.source}`;
  return `طبق خبر «${article?.title ?? articleId}»`;
}

/** A span that answers the question; `role` for a person («رئیس سازمان …»). */
export type AnswerSpan = Found & { fit: number; role?: string };

/**
 * The span the question asks for, if this sentence has one, with `fit` (0..1) saying how well
 * it fits beyond its kind: the unit the question names («چند پروانه»), money for «ارزش».
 */
export function findSpan(
  sentence: SentenceSpans,
  question: QuestionAnalysis,
  weighted: WeightedTerm[],
): AnswerSpan | undefined {
  const near = (span: Found) =>
    coverage(weighted, sentence.target(sentence.text.slice(Math.max(0, span.start - 50), span.end + 50)));
  const pick = <T extends Found>(spans: T[], fit: (s: T) => number = () => 0): (T & { fit: number }) | undefined => {
    // One span needs no comparing: reading the words around it (analyzing a window of the
    // sentence) was most of an answer's time, and most sentences hold one number or name.
    if (spans.length === 1) return { ...spans[0]!, fit: fit(spans[0]!) };
    let best: (T & { fit: number }) | undefined;
    let bestScore = -Infinity;
    for (const s of spans) {
      const f = fit(s);
      const score = near(s) + f;
      if (score > bestScore) [best, bestScore] = [{ ...s, fit: f }, score];
    }
    return best;
  };
  switch (question.kind) {
    case "quantity": {
      // Numbers the question states are context («صادرات ۲۶۳ میلیون دلاری…»), not the answer.
      const unit = question.unit;
      // «ارزش/اعتبار … چقدر» asks for money: an amount of months or tons is not its answer.
      const wantsMoney = question.money && !unit;
      const spans = sentence.quantities.filter(
        (q) => !q.numberTerms.some((n) => question.numbers.has(n)) && (!wantsMoney || CURRENCY.test(q.text)),
      );
      return pick(spans, (q) => {
        if (unit) return q.unitTerms.some((u) => u === unit || u.startsWith(unit) || unit.startsWith(u)) ? 1 : 0;
        return wantsMoney ? 0.5 : 0;
      });
    }
    case "time":
      return pick(
        sentence.times.filter((t) => coverage(weighted, sentence.target(t.text)) < 1 || weighted.length === 0),
      );
    case "person":
      return pick(sentence.people, (p) =>
        coverage(weighted, sentence.target(sentence.text.slice(p.roleStart, p.roleStart + 70))),
      );
    default:
      return undefined;
  }
}

function noveltyOf(target: MatchTarget, question: WeightedTerm[]): number {
  if (target.terms.size === 0) return 0;
  let own = 0;
  for (const term of target.terms) {
    if (
      !question.some(
        (q) =>
          q.term === term ||
          (term.length >= 4 && q.term.length >= 4 && (term.startsWith(q.term) || q.term.startsWith(term))),
      )
    )
      own++;
  }
  return own / target.terms.size;
}

function notFound(): Answer {
  return { answer: NOT_FOUND_ANSWER, found: false, mode: "extractive", citations: [] };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
