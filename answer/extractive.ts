import type { Article } from "../core/article.ts";
import { reporterOf } from "../core/byline.ts";
import { formatJalali } from "../core/persian/dates.ts";
import { foldLetters, normalizeForMatch, rawSpan } from "../core/persian/normalize.ts";
import { findPlaces, namesPlace } from "../core/persian/places.ts";
import { splitSentences } from "../core/persian/sentences.ts";
import {
  amountsIn,
  findNames,
  findPeople,
  findInstance,
  findQuantities,
  findRank,
  findSpeaker,
  findTimes,
  findYears,
  type Found,
  type Person,
  type QuantitySpan,
  type Speaker,
} from "../core/persian/spans.ts";
import { confidenceOf, FOUND_THRESHOLD, loadConfidence, type AnswerFeatures } from "./confidence.ts";
import {
  coverage,
  matchTarget,
  mergeTargets,
  termMatch,
  weighTerms,
  type MatchTarget,
  type WeightedTerm,
} from "./match.ts";
import { analyzeQuestion, MONTH_NAMES, periodsIn, type QuestionAnalysis } from "./question.ts";
import { loadReader, readQuestion, type SpanReader } from "./reader.ts";
import { slotSpan } from "./span.ts";
import { speakerOf } from "./speakers.ts";
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
 * The default answerer: no model, only the articles. It reads what kind of answer the question
 * wants (a person, an amount in the unit asked, a date, a place, a reason, yes or no), picks the
 * sentence that states it, and answers with the span first and the words around it quoted, with
 * its source and date. Constraints the question states (a place, a period, a role, a measure)
 * must hold in the sentence's article; a confidence score decides whether to answer at all. It
 * never writes a fact the articles do not state, and says «نمی‌دانم» rather than guess.
 */
export interface ExtractiveOptions {
  /** Confidence below which the answer is «not found» (see confidence.ts). */
  threshold: number;
  /** At most this many quoted sentences. */
  maxCitations: number;
  /** The confidence model's weights (confidence.ts); the shipped learned ones by default. */
  weights?: readonly number[];
  /** The span reader; the shipped weights by default (reader.ts); null for the word-order rules alone. */
  reader?: SpanReader | null;
}

export const DEFAULT_EXTRACTIVE = { threshold: FOUND_THRESHOLD, maxCitations: 3 } satisfies ExtractiveOptions;

export const NOT_FOUND_ANSWER =
  "در خبرهایی که در اختیار دارم پاسخی برای این پرسش پیدا نکردم. اگر پرسش را با جزئیات بیشتری بنویسید، دوباره جست‌وجو می‌کنم.";

/** The quote in the answer text: the clause around the span, at most this long. */
const QUOTE_MAX = 220;

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
  /** The sentence with its title and the one before: where the question's constraints are looked for. */
  context: MatchTarget;
  /** Position of its passage in the retrieved list (0 = best). */
  rank: number;
  relPassage: number;
  confidence: number;
  features: AnswerFeatures;
}

const REFERS_BACK = /(?<![\p{L}])(?:این|ان|انها|اینها|وی|او|ایشان|همین|همان)(?![\p{L}])/u;

const CURRENCY = /دلار|تومان|ریال|یورو|درهم|یوان|پوند|روبل|لیر|ین(?![\p{L}])/u;
/** The unit an amount must have for each measure a question asks about. */
const MEASURE_UNITS: Record<string, RegExp> = {
  money: CURRENCY,
  weight: /(?<![\p{L}])(?:تن|تُن|کیلو|کیلوگرم|گرم|مثقال|تناژ)(?![\p{L}])/u,
  percent: /درصد|٪|%/u,
  duration: /(?<![\p{L}])(?:روز|روزه|ماه|ماهه|سال|ساله|ساعت|دقیقه|هفته|دهه|قرن|سده|ثانیه|ماهگی)/u,
  area: /هکتار|متر\s*مربع|کیلومتر|جریب/u,
  length: /متر|کیلومتر|سانتی|مایل/u,
  volume: /لیتر|مکعب|بشکه|گالن/u,
  energy: /وات|مگاوات|کیلووات/u,
};

/** Words that give a reason: a «چرا» question is answered by the sentence that has one. */
const CAUSE =
  /(?<![\p{L}])(?:زیرا|چون|به دلیل|به دلایلی|به دلایل|به علت|از انجا که|از آنجا که|به خاطر|چرا که|بنابراین|در نتیجه|باعث|سبب|موجب)(?![\p{L}])/u;
/** Below this share of words of its own, a sentence restates the question rather than answering it. */
const RESTATES_BELOW = 0.35;
/** Negation in a Persian verb or copula: «ندارد», «نیست», «نمی‌شود», «نشد». */
const NEGATED =
  /(?<![\p{L}])(?:ن(?:دار|داشت|یست|بود|شد|شو|کرد|کن|می|خواه|گرفت|یافت|رسید|باید)\p{L}*|هیچ|نه)(?![\p{L}])/u;

/**
 * How much the earlier turns' words weigh in choosing a sentence: enough to pick «۱۰۰ نفر» of
 * the cosmetics line over «۷۱ هزار نفر» when the conversation is about that line; too little to
 * outweigh a sentence that covers more of the question itself.
 */
const CONVERSATION_WEIGHT = 0.2;

/**
 * Question kinds the learned reader marks the answer of, when no span of the kind asked is found,
 * and chooses between a sentence's dates, names or places for. Not amounts: which of a news
 * sentence's figures is asked is told by the unit and the words beside it (`findSpan`), which
 * PQuAD's Wikipedia questions rarely teach.
 */
const LEARNED_KINDS = new Set<QuestionAnalysis["kind"]>([
  "fact",
  "definition",
  "list",
  "manner",
  "reason",
  "person",
  "place",
  "time",
]);

/** Question kinds whose answer is a span of that kind the sentence must contain. */
const SPAN_KINDS = new Set<QuestionAnalysis["kind"]>(["quantity", "time", "person", "place"]);

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
  /** Whether each sentence is a subheading (see `isHeading`). */
  headings: boolean[];
  /** The title and every sentence: what a conversation's earlier words are looked for in. */
  whole?: MatchTarget;
  /** The chunk's text and its article's head in normalised form, for the places a question names. */
  named?: { text: string; head: string; normalizedHead: string };
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
      headings: sentences.map((s) => isHeading(chunk.text, s)),
    };
  });
}

/**
 * What a sentence holds that may answer a question: its amounts, times and people, and the
 * words around each, found when first asked for and kept with the sentence. None of it depends
 * on the question; finding it in every sentence of every passage was most of an answer's time.
 */
export class SentenceSpans {
  private found?: {
    quantities?: QuantitySpan[];
    times?: Found[];
    people?: Person[];
    years?: Found[];
    speaker?: Speaker | null;
  };
  private windows?: Map<string, MatchTarget>;

  constructor(readonly text: string) {}

  get quantities(): QuantitySpan[] {
    return ((this.found ??= {}).quantities ??= findQuantities(this.text));
  }

  get times(): Found[] {
    return ((this.found ??= {}).times ??= findTimes(this.text));
  }

  get years(): Found[] {
    return ((this.found ??= {}).years ??= findYears(this.text));
  }

  get people(): Person[] {
    return ((this.found ??= {}).people ??= findPeople(this.text));
  }

  /** Who the sentence says is speaking («… اظهار داشت: …»), if it quotes someone. */
  get speaker(): Speaker | undefined {
    const found = (this.found ??= {});
    if (found.speaker === undefined) found.speaker = findSpeaker(this.text) ?? null;
    return found.speaker ?? undefined;
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
  readonly id: string;
  readonly mode = "extractive" as const;

  private readonly reader: SpanReader | undefined;
  private readonly weights: readonly number[];

  constructor(private readonly options: ExtractiveOptions = DEFAULT_EXTRACTIVE) {
    this.reader = options.reader === null ? undefined : (options.reader ?? loadReader());
    this.weights = options.weights ?? loadConfidence();
    this.id = this.reader ? "extractive" : "extractive (rules span)";
  }

  async *stream(request: AnswerRequest): AsyncIterable<AnswerEvent> {
    yield* streamWhole(await this.answer(request));
  }

  async answer(request: AnswerRequest): Promise<Answer> {
    return (await this.choose(request)).answer;
  }

  /** The answer and the evidence its confidence was computed from (for fitting: eval/train-confidence.ts). */
  async choose(request: AnswerRequest): Promise<{ answer: Answer; features?: AnswerFeatures }> {
    const answer = (a: Answer, features?: AnswerFeatures) => ({ answer: a, ...(features && { features }) });
    const { articles } = request;
    const question = analyzeQuestion(request.question);
    const current = request.articleId ? articles.get(request.articleId) : undefined;
    if (question.kind === "summary" && current) return answer(this.summary(current));
    if (question.kind === "metadata") return answer(metadataAnswer(question, current));
    const asked = weighTerms(question.content, request.terms);
    const earlier = request.context ? weighTerms(request.context, request.terms) : [];
    // «چه کسی این را گفت؟» after «ارزش صادرات قزوین چقدر بود؟» asks who said what that was about.
    const weighted = asked.length === 0 && question.speaker ? earlier : asked;
    const own = new Set(weighted.map((t) => t.term));
    // Words of earlier turns only choose between sentences that answer the question's own words.
    const context = earlier.filter((t) => !own.has(t.term));
    if (weighted.length === 0) return answer(notFound());

    const all = this.candidates(request.passages, weighted, context, question, articles, request.articleId);
    const answering = all.filter((c) => c.confidence >= this.options.threshold);
    // The reader's article first: its answer wins over another article's, unless it has none.
    const scoped = request.articleId ? answering.filter((c) => c.articleId === request.articleId) : [];
    let ranked = pickOrder(scoped.length > 0 ? scoped : answering, articles, question);
    // «سخنگوی دولت کیست؟» where the article names the post in one sentence and its holder in
    // another («… برنامه‌های فاطمه مهاجرانی در سفر به استان …»).
    if (question.role && (ranked.length === 0 || (request.articleId && scoped.length === 0))) {
      // The reader's article first, then the articles read, in order: the reader's article may
      // not name the post at all.
      const order = new Set([
        ...(request.articleId ? [request.articleId] : []),
        ...request.passages.map((p) => p.chunk.articleId),
      ]);
      for (const id of order) {
        const article = articles.get(id);
        const held = article && roleHolder(article, question.role, weighted);
        if (held) {
          ranked = [held];
          break;
        }
      }
    }
    const first = ranked[0];
    if (!first) return answer(notFound(all[0]?.confidence), all[0]?.features);
    const best = this.read(first, question, weighted);

    const chosen = [this.extended(best, question, articles)];
    // A fact that changes over time (a post holder, a figure): another dated article's differing
    // answer is named with its date, not silently dropped.
    const other = scoped.length > 0 ? undefined : conflicting(best, answering, articles);
    if (other) chosen.push(other);
    // A second quote only for a question that asks two things («… و …», a list), not to add words.
    else if (question.kind === "list" || / و /u.test(question.content))
      chosen.push(...this.complements(best, all, weighted));
    const citations = chosen.map((c, i) => this.citation(c, i + 1, articles));
    const lines: string[] = [];
    const shortOf = (c: Candidate) => (c.span ? `${c.span.text}${c.span.role ? `، ${c.span.role}` : ""}` : undefined);
    // A sentence that restates the question is quoted with the next, whose reason is the answer.
    const head = chosen[0]!.span?.typed && !best.span?.typed ? chosen[0]! : best;
    const lead = shortOf(head);
    if (lead) lines.push(`${lead} [1]`);
    lines.push(`${attributionOf(articles.get(best.articleId), best.articleId)}: «${quoteAround(best)}» [1]`);
    chosen.slice(1).forEach((c, k) => {
      const n = k + 2;
      const article = articles.get(c.articleId);
      const short = shortOf(c);
      if (c === other && short) lines.push(`${inArticle(article, c.articleId)}: ${short} [${n}]`);
      else lines.push(`${attributionOf(article, c.articleId)}: «${quoteAround(c)}» [${n}]`);
    });
    return answer(
      {
        answer: lines.join("\n"),
        found: true,
        mode: "extractive",
        citations,
        ...(head.span && { short: head.span.text }),
        confidence: round(best.confidence),
      },
      best.features,
    );
  }

  /** Every sentence of the retrieved chunks, scored, best first. */
  private candidates(
    passages: Passage[],
    weighted: WeightedTerm[],
    conversation: WeightedTerm[],
    question: QuestionAnalysis,
    articles: ReadonlyMap<string, Article>,
    articleId?: string,
  ): Candidate[] {
    const seen = new Set<string>();
    const out: Candidate[] = [];
    const topScore = passages[0]?.score ?? 1;
    const needsSpan = SPAN_KINDS.has(question.kind);
    const askedAmounts = question.speaker ? amountsIn(question.text) : [];
    const rarest = weighted.reduce<WeightedTerm | undefined>((a, t) => (!a || t.weight > a.weight ? t : a), undefined);
    // The reader's article's passages are ranked among themselves: they are read first whatever
    // other articles score (see `answer`), so their rank among all passages says little.
    const own = articleId ? passages.filter((p) => p.chunk.articleId === articleId) : [];
    const ownTop = own[0]?.score ?? 1;
    passages.forEach(({ chunk, score: passageScore }, overall) => {
      const scoped = chunk.articleId === articleId;
      const rank = scoped ? own.findIndex((p) => p.chunk === chunk) : overall;
      // Each sentence and the title analyzed once; contexts are merged from them.
      const analyzed = analyzedChunk(chunk);
      const { sentences, targets, spans, contexts } = analyzed;
      const article = articles.get(chunk.articleId);
      const conversationCoverage =
        conversation.length > 0
          ? coverage(conversation, (analyzed.whole ??= mergeTargets(analyzed.titleTarget, ...targets)))
          : 0;
      const placesHold = question.places.length === 0 || articleNames(analyzed, article, chunk, question.places);
      const chunkCoverage = coverage(weighted, (analyzed.whole ??= mergeTargets(analyzed.titleTarget, ...targets)));
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
        const top = scoped ? ownTop : topScore;
        const relPassage = top > 0 ? passageScore / top : 0;
        const previous = i > 0 ? sentences[i - 1]!.text : "";
        // The sentence itself must name the period: the one before often names another («سال قبل»).
        const periodsHold =
          question.periods.every((p) => periodHolds(p, `${chunk.title} ${s.text}`)) &&
          !contradicts(question.text, () => normalizeForMatch(`${previous} ${s.text}`));
        // «چه کسی گفت صادرات ۵۰۰ میلیون دلار بود؟» restates what was said: its figures must be the sentence's.
        const saysFigures = !question.speaker || saysEvery(askedAmounts, s.text);
        let span = placesHold && periodsHold && saysFigures ? findSpan(spans[i]!, question, weighted) : undefined;
        // «… به دلایلی از جمله؛» ends a sentence: the reason is the next one's opening clause.
        if (question.kind === "reason" && !span?.typed && i > 0 && /[؛:]\s*$/u.test(previous) && CAUSE.test(previous)) {
          const clause = /^[^،,]{4,160}/u.exec(s.text);
          if (clause) span = { text: clause[0].trim(), start: 0, end: clause[0].trim().length, fit: 1, typed: true };
        }
        // «وی بیان کرد: …»: the speaker by name, from this sentence or those before it.
        if (span?.speaker) {
          const who = article && speakerOf(article, chunk.start + s.start);
          const at = who ? s.text.indexOf(who.name, span.start) : -1;
          span = who && {
            ...span,
            text: who.name,
            ...(who.role && { role: who.role }),
            ...(at >= 0 ? { start: at, end: at + who.name.length } : { start: 0, end: 0, referred: true }),
          };
        }
        // «… او انقلاب عظیمی … به وجود آورد»: who «او» is, from the sentences before or the title.
        else if (span && question.kind === "person" && PRONOUN.test(normalizeForMatch(span.text))) {
          const named = referent(sentences, spans, i, chunk.title);
          span = named ? { ...span, text: named, start: 0, end: 0, typed: true, fit: 0, referred: true } : undefined;
        }
        let score = (refers ? 0.3 * own + 0.55 * context : 0.6 * own + 0.25 * context) + 0.05 * relPassage;
        // A question that asks «how many» or «who» is answered by a sentence holding a number
        // or a name; one without is at best background.
        if (needsSpan) score += span?.typed ? 0.2 + 0.1 * span.fit : -0.2;
        if (articleId && chunk.articleId === articleId) score += 0.05;
        score += CONVERSATION_WEIGHT * conversationCoverage;
        // A sentence that is only a subheading («احیای ۶۳ واحد صنعتی در استان قم») says less
        // than the sentence that tells the story; a line of its own without a full stop is one
        // whatever its length, and is a title for what follows rather than a statement.
        if (s.text.length < 40) score -= 0.05;
        if (analyzed.headings[i]) score -= 0.1;
        if (question.kind === "reason" && CAUSE.test(s.text)) score += 0.1;
        const novelty = noveltyOf(target, weighted);
        const after = sentences[i + 1];
        const next = after && { text: after.text, start: chunk.start + after.start, end: chunk.start + after.end };
        const features: AnswerFeatures = {
          coverage: cov,
          own,
          matchedShare: matched / weighted.length,
          typed: span?.typed ? 1 : 0,
          fit: span?.fit ?? 0,
          generic: span && !span.typed ? 1 : 0,
          needsType: needsSpan ? 1 : 0,
          rank,
          relPassage,
          terms: weighted.length,
          chunkCoverage,
          rareMissing: rarest && termMatch(rarest, contextTarget) < 0.6 ? 1 : 0,
          margin: 0,
        };
        const vetoed =
          !placesHold ||
          !periodsHold ||
          !saysFigures ||
          (needsSpan && !span?.typed && !span?.loose) ||
          matched < Math.min(2, weighted.length);
        out.push({
          articleId: chunk.articleId,
          text: s.text,
          start,
          end: start + s.text.length,
          target,
          context: contextTarget,
          coverage: cov,
          matched,
          novelty,
          score,
          rank,
          relPassage,
          confidence: vetoed ? 0 : 1,
          features,
          ...(span && { span }),
          ...(next && { next }),
        });
      });
    });
    out.sort((a, b) => b.score - a.score);
    // How far each stands above the next sentence that says something else: a clear winner is
    // likelier right, and two sentences naming the same person agree rather than compete.
    out.forEach((c, i) => {
      const said = c.span && normalizeForMatch(c.span.text);
      const rival = out.slice(i + 1).find((o) => !said || !o.span || normalizeForMatch(o.span.text) !== said);
      c.features.margin = Math.max(0, c.score - (rival?.score ?? 0));
      if (c.confidence === 0) return;
      c.confidence = confidenceOf(c.features, this.weights);
      // A name with the very role asked, an amount in the very unit asked, in a sentence that
      // has the whole question: the dev sets have too few of these to learn from, and in news
      // they are right (test/fixtures).
      if (c.span?.typed && c.span.fit >= 0.8 && c.coverage >= 0.8) c.confidence = Math.max(c.confidence, STRONG_SPAN);
    });
    return out;
  }

  /**
   * The chosen sentence's answer span, by the learned reader (reader.ts) when the rules found
   * none of the kind asked: the words where the question has its question word, as PQuAD's
   * readers mark them. Read for the chosen sentence only: every span of every retrieved sentence
   * would cost tens of milliseconds a question.
   */
  private read(c: Candidate, question: QuestionAnalysis, weighted: WeightedTerm[]): Candidate {
    const reader = this.reader;
    if (!reader || c.span?.referred || c.span?.speaker || !LEARNED_KINDS.has(question.kind)) return c;
    const asked = readQuestion(question.text, question.kind);
    if (c.span?.typed) {
      if (question.kind === "reason" || c.end - c.start !== c.text.length) return c;
      const span = findSpan(new SentenceSpans(c.text), question, weighted, (spans) =>
        argmax(reader.scoreSpans(c.text, asked, spans)),
      );
      return span?.typed
        ? { ...c, span: { ...span, ...(c.span.role !== undefined && !span.role && { role: c.span.role }) } }
        : c;
    }
    const best = reader.read(c.text, asked, 1)[0];
    if (!best) return c;
    return { ...c, span: { text: best.text, start: best.start, end: best.end, fit: 0, typed: false } };
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
      if (openWeight < 0.3) break;
      if (c === best || c.confidence < this.options.threshold) continue;
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
    if (!c.next || c.span?.typed) return c;
    const restates =
      c.novelty < RESTATES_BELOW || (question.kind === "reason" && !CAUSE.test(c.text) && CAUSE.test(c.next.text));
    if (!restates) return c;
    const article = articles.get(c.articleId);
    if (!article) return c;
    const next = c.next;
    const span = question.kind === "reason" ? reasonSpan(next.text) : undefined;
    return {
      ...c,
      text: article.text.slice(c.start, next.end),
      end: next.end,
      ...(span && {
        span: {
          ...span,
          start: span.start + next.start - c.start,
          end: span.end + next.start - c.start,
          fit: 1,
          typed: true,
        },
      }),
    };
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
      confidence: 1,
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
}

/**
 * The order answering candidates are chosen in: by score, except that among near-equal answers
 * of a fact that changes over time (who holds a post, a figure), the newest article's wins.
 */
function pickOrder(
  candidates: Candidate[],
  articles: ReadonlyMap<string, Article>,
  question: QuestionAnalysis,
): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const top = sorted[0];
  if (!top || !top.span?.typed || question.kind !== "person") return sorted;
  const rivals = sorted.filter(
    (c) =>
      c.span?.typed &&
      c.articleId !== top.articleId &&
      c.confidence >= top.confidence - 0.15 &&
      c.score >= top.score - 0.15,
  );
  if (rivals.length === 0) return sorted;
  const newest = [top, ...rivals].sort(
    (a, b) => dateOf(articles.get(b.articleId)) - dateOf(articles.get(a.articleId)),
  )[0]!;
  return [newest, ...sorted.filter((c) => c !== newest)];
}

/** Another article's answer to the same question that differs from the chosen one, if any. */
function conflicting(
  best: Candidate,
  answering: Candidate[],
  articles: ReadonlyMap<string, Article>,
): Candidate | undefined {
  if (!best.span?.typed) return undefined;
  const said = normalizeForMatch(best.span.text);
  return answering.find(
    (c) =>
      c !== best &&
      c.articleId !== best.articleId &&
      c.span?.typed &&
      normalizeForMatch(c.span.text) !== said &&
      c.confidence >= best.confidence - 0.15 &&
      c.score >= best.score - 0.3 &&
      (articles.get(c.articleId)?.publishedAt ?? articles.get(best.articleId)?.publishedAt) !== undefined,
  );
}

function dateOf(article: Article | undefined): number {
  const t = article?.publishedAt ? Date.parse(article.publishedAt) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * Whether the chunk, or its article's title and lead, names every place. Their normalised forms
 * are kept with the chunk's analysis: made anew for every question, they were a tenth of the
 * answerer's time. The head is kept with the article's title it was made from.
 */
function articleNames(
  analyzed: AnalyzedChunk,
  article: Article | undefined,
  chunk: Passage["chunk"],
  places: readonly string[],
): boolean {
  const head = article ? `${article.title} ${article.text.slice(0, 400)}` : chunk.title;
  if (analyzed.named?.head !== head)
    analyzed.named = {
      text: analyzed.named?.text ?? normalizeForMatch(chunk.text),
      head,
      normalizedHead: normalizeForMatch(head),
    };
  const { text, normalizedHead } = analyzed.named;
  return places.every((place) => namesPlace(normalizedHead, place) || namesPlace(text, place));
}

/**
 * Whether a period the question names is the one the text speaks of: its numbers and month names
 * must be there («سه ماه نخست» is not «۶ ماه نخست»), and the rest must not all be missing.
 */
function periodHolds(period: string[], text: string): boolean {
  const has = (words: string[], t: string) => words.some((w) => w === t || (t.length >= 3 && w.startsWith(t)));
  const exact = period.filter((t) => /^[0-9]/.test(t) || MONTH.test(t));
  const named = periodsIn(text);
  if (exact.length > 0) return named.some((words) => exact.every((t) => has(words, t)));
  return named.some((words) => period.some((t) => has(words, t)));
}
const MONTH = new RegExp(`^(?:${MONTH_NAMES})$`, "u");

/** Words whose opposite answers another question: «واردات» is not «صادرات». */
const OPPOSITES: ReadonlyArray<[RegExp, RegExp]> = [
  [/واردات|وارد شد/u, /صادرات|صادر شد|صادر شده/u],
  [/صادرات|صادر /u, /واردات|وارد شد|وارد شده/u],
  [/کاهش/u, /افزایش/u],
  [/افزایش/u, /کاهش/u],
];

/** Whether the text speaks of the opposite of what the question asks, and not of it. */
function contradicts(question: string, text: () => string): boolean {
  // The text is normalised only for a question that asks one side: most ask neither.
  const asks = OPPOSITES.filter(([asked, other]) => asked.test(question) && !other.test(question));
  if (asks.length === 0) return false;
  const read = text();
  return asks.some(([asked, other]) => other.test(read) && !asked.test(read));
}

/** «به گزارش ایرنا، ۱ شهریور ۱۴۰۱», or «طبق خبر «…»» for an article of unknown source. */
function attributionOf(article: Article | undefined, articleId = article?.id): string {
  const date = article?.publishedAt ? formatJalali(article.publishedAt) : undefined;
  const by = article?.source ? `به گزارش ${article.source}` : `طبق خبر «${article?.title ?? articleId}»`;
  return date ? `${by}، ${date}` : by;
}

/** «در خبر ۲۴ آذر ۱۴۰۴ (باشگاه خبرنگاران جوان)»: how another article's answer is introduced. */
function inArticle(article: Article | undefined, articleId: string): string {
  const date = article?.publishedAt ? formatJalali(article.publishedAt) : undefined;
  const source = article?.source ? ` (${article.source})` : "";
  return date ? `در خبر ${date}${source}` : `در خبر «${article?.title ?? articleId}»${source}`;
}

/**
 * The words around the span (or the question's words) cut to at most QUOTE_MAX characters on
 * word boundaries, with «…» where cut: the answer shows the clause, the citation the sentence.
 */
export function quoteAround(c: { text: string; span?: AnswerSpan | undefined }, max = QUOTE_MAX): string {
  const text = c.text;
  if (c.span && (c.span.referred || c.span.end <= c.span.start)) c = { text };
  if (text.length <= max) return text;
  const center = c.span ? (c.span.start + c.span.end) / 2 : max / 2;
  let from = Math.max(0, Math.round(center - max / 2));
  let to = Math.min(text.length, from + max);
  from = Math.max(0, to - max);
  if (c.span) {
    from = Math.min(from, c.span.start);
    to = Math.max(to, Math.min(text.length, c.span.end));
  }
  // Snap to word boundaries, inward.
  if (from > 0) {
    const space = text.indexOf(" ", from);
    from = space >= 0 && space < (c.span?.start ?? to) ? space + 1 : from;
  }
  if (to < text.length) {
    const space = text.lastIndexOf(" ", to);
    to = space > (c.span?.end ?? from) ? space : to;
  }
  const cut = text.slice(from, to).replace(/^[\s،,؛]+|[\s،,؛]+$/gu, "");
  return `${from > 0 ? "… " : ""}${cut}${to < text.length ? " …" : ""}`;
}

/** A span that answers the question; `typed` when it is of the kind asked, `role` for a person. */
export type AnswerSpan = Found & {
  fit: number;
  role?: string;
  typed: boolean;
  loose?: boolean;
  referred?: boolean;
  /** The sentence's speaker, named (speakers.ts), for «چه کسی گفت …؟». */
  speaker?: boolean;
};

/**
 * The span the question asks for, if this sentence has one, with `fit` (0..1) saying how well
 * it fits beyond its kind: the unit the question names («چند پروانه»), money for «ارزش», the
 * role for «سخنگوی دولت کیست». Otherwise, for questions of no fixed kind, the words standing
 * where the question has its question word (span.ts).
 */
export function findSpan(
  sentence: SentenceSpans,
  question: QuestionAnalysis,
  weighted: WeightedTerm[],
  choose?: (spans: Found[]) => number,
): AnswerSpan | undefined {
  const near = (span: Found) =>
    coverage(weighted, sentence.target(sentence.text.slice(Math.max(0, span.start - 50), span.end + 50)));
  const pick = <T extends Found>(spans: T[], fit: (s: T) => number = () => 0): (T & { fit: number }) | undefined => {
    // One span needs no comparing: reading the words around it (analyzing a window of the
    // sentence) was most of an answer's time, and most sentences hold one number or name.
    if (spans.length === 1) return { ...spans[0]!, fit: fit(spans[0]!) };
    if (choose && spans.length > 1) {
      // Among the spans that fit best, the one the reader marks: «کیانوری در چه سالی به حزب
      // توده پیوست؟» is the year beside «به حزب … پیوست», not the sentence's other year.
      const fits = spans.map(fit);
      const top = Math.max(...fits);
      const best = spans.filter((_, k) => fits[k]! >= top - 1e-9);
      const k = best.length === 1 ? 0 : choose(best);
      return { ...best[k]!, fit: top };
    }
    let best: (T & { fit: number }) | undefined;
    let bestScore = -Infinity;
    for (const s of spans) {
      const f = fit(s);
      const score = near(s) + f;
      if (score > bestScore) [best, bestScore] = [{ ...s, fit: f }, score];
    }
    return best;
  };
  const typed = <T extends Found>(s: (T & { fit: number }) | undefined): AnswerSpan | undefined =>
    s && { text: s.text, start: s.start, end: s.end, fit: s.fit, typed: true };
  // «قم در رده چندم توسعه صنعتی است؟» → «رده میانی»: the noun asked and the word after it.
  const ranked = question.ordinal ? findRank(sentence.text, question.ordinal) : undefined;
  if (ranked) return { ...ranked, fit: 1, typed: true };
  // «کارگران کدام واحد مشکل دارند؟» → «کنتور سازی» of «واحدی نظیر کنتور سازی».
  const instance = question.which ? findInstance(sentence.text, question.which) : undefined;
  if (instance) return { ...instance, fit: 1, typed: true };
  // «ساعت برگزاری نمایشگاه چیست؟» → «از تاریخ یکم تا چهارم شهریور ماه از ساعت ۱۷ الی ۲۲».
  const time = question.asksTime ? typed(pick(sentence.times)) : undefined;
  if (time) return time;
  switch (question.kind) {
    case "quantity": {
      // Numbers the question states are context («صادرات ۲۶۳ میلیون دلاری…»), not the answer.
      const unit = question.unit;
      const measure = question.measure && question.measure !== "count" ? MEASURE_UNITS[question.measure] : undefined;
      const spans = sentence.quantities.filter(
        (q) =>
          !q.numberTerms.some((n) => question.numbers.has(n)) &&
          (!measure || measure.test(q.text)) &&
          // A count is not a sum of money or a share.
          (question.measure !== "count" || !(CURRENCY.test(q.text) || MEASURE_UNITS.percent!.test(q.text))),
      );
      return typed(
        pick(spans, (q) => {
          if (unit) return q.unitTerms.some((u) => u === unit || u.startsWith(unit) || unit.startsWith(u)) ? 1 : 0;
          return measure ? 0.5 : 0;
        }),
      );
    }
    case "time": {
      const times = sentence.times.filter(
        (t) => coverage(weighted, sentence.target(t.text)) < 1 || weighted.length === 0,
      );
      const asksYear = /سال|قرن|سده|تاریخ/u.test(question.text);
      const time = typed(pick(times.length > 0 ? times : asksYear ? sentence.years : []));
      if (time) return time;
      // «چه زمانی هورمون رشد ترشح می‌شود؟» is answered by a clause («هنگام ورزش…»), not a date.
      const slot = slotSpan(sentence.text, weighted, question.kind);
      return slot && { ...slot, fit: 0, typed: false, loose: true };
    }
    case "person": {
      // «چه کسی گفت …؟»: whoever the sentence quotes, not a name inside the quote. Named by the caller.
      const speaker = question.speaker ? sentence.speaker : undefined;
      if (speaker)
        return { text: speaker.text, start: speaker.start, end: speaker.end, fit: 0, typed: true, speaker: true };
      const people = sentence.people;
      const role = question.role;
      if (role) {
        // «سخنگوی دولت کیست؟»: a name whose role is the one asked, not any name in the sentence.
        const asked = weighTerms(role, UNIFORM).filter((t) => !isPlaceTerm(t.term));
        const holders = people.filter((p) => asked.length === 0 || coverage(asked, sentence.target(p.role)) >= 0.8);
        const best = pick(holders, (p) => coverage(asked, sentence.target(p.role)));
        if (best) return { ...typed(best)!, role: best.role };
        return undefined;
      }
      const best = pick(people, (p) =>
        coverage(weighted, sentence.target(sentence.text.slice(p.roleStart, p.roleStart + 70))),
      );
      if (best) return { ...typed(best)!, role: best.role };
      const named = findNames(sentence.text).filter((n) => coverage(weighted, sentence.target(n.text)) < 0.5);
      if (named.length > 0) return typed(pick(named));
      // Who said it is a name or nobody: the words where the question has «چه کسی» are a guess.
      if (question.speaker) return undefined;
      const slot = slotSpan(sentence.text, weighted, question.kind);
      return slot && { ...slot, fit: 0, typed: false, loose: true };
    }
    case "yesno": {
      // «آیا قم شهرک غیردولتی دارد؟» → «بله» from the sentence that says so, «خیر» when it denies it.
      const denies = NEGATED.test(normalizeForMatch(sentence.text)) && !NEGATED.test(question.content);
      return { text: denies ? "خیر" : "بله", start: 0, end: 0, fit: 0, typed: true };
    }
    case "place": {
      // Not the place the question names: «نمایشگاه … قزوین کجا…» is not answered by «استان قزوین».
      const places = placeSpans(sentence.text).filter(
        (p) =>
          !question.places.some((q) => namesPlace(normalizeForMatch(p.text), q)) &&
          novelty(sentence.target(p.text), weighted) >= 0.5,
      );
      const best = pick(places);
      if (best) return typed(best);
      const slot = slotSpan(sentence.text, weighted, question.kind);
      return slot && { ...slot, fit: 0, typed: false, loose: true };
    }
    case "reason": {
      const reason = reasonSpan(sentence.text);
      if (reason) return { ...reason, fit: 1, typed: true };
      const slot = slotSpan(sentence.text, weighted, question.kind);
      return slot && { ...slot, fit: 0, typed: false };
    }
    case "statement":
      // «… درباره … چه گفت؟»: what was said is the quote itself.
      return undefined;
    default: {
      const slot = slotSpan(sentence.text, weighted, question.kind);
      return slot && { ...slot, fit: 0, typed: false };
    }
  }
}

/** «در محل دائمی نمایشگاههای بینالمللی قزوین»: a place phrase, up to a verb or a clause end. */
const PLACE_PHRASE =
  /(?<![\p{L}])(?:در\s+)?(?:محل|سالن|شهر|شهرستان|شهرک|استان|کشور|منطقه|روستای|روستا|خیابان|میدان|ساختمان|دانشگاه|مجموعه|مرکز|بندر|جزیره|کوه|کوههای|دریای|حوالی|نزدیکی|جنوب|شمال|شرق|غرب)[\s\u200c]+[^،,.؛:()«»]{2,60}/gu;
const PLACE_END =
  /\s+(?:برگزار|برپا|قرار|واقع|است|بود|شد|میشود|خواهد|میباشد|دارد|انجام|افتتاح|ساخته|که|و\s+از|با|از\s+ساعت)(?![\p{L}])/u;

function placeSpans(text: string): Found[] {
  const out: Found[] = [];
  for (const m of text.matchAll(PLACE_PHRASE)) {
    let phrase = m[0];
    const end = PLACE_END.exec(phrase);
    if (end) phrase = phrase.slice(0, end.index);
    phrase = phrase.trim();
    if (phrase.split(/\s+/u).length < 2) continue;
    out.push({ text: phrase, start: m.index!, end: m.index! + phrase.length });
  }
  // Found in the folded text («قزوين» with Arabic yeh is «قزوین»), cut from the sentence's own.
  const folded = foldLetters(text);
  for (const p of findPlaces(folded.text)) out.push(rawSpan(text, folded.raw, p.start, p.end));
  return out;
}

const PRONOUN = /^(?:او|وی|ایشان|انها|ایشان)$/u;

/** Whether a sentence states every amount a question does, whatever the way it writes them. */
function saysEvery(asked: readonly number[], sentence: string): boolean {
  if (asked.length === 0) return true;
  const said = amountsIn(sentence);
  return asked.every((a) => said.some((s) => Math.abs(s - a) <= 1e-9 * Math.max(1, Math.abs(a))));
}

/** The person a pronoun of sentence `i` stands for: the last one named before it, else a short title. */
function referent(
  sentences: ReturnType<typeof splitSentences>,
  spans: SentenceSpans[],
  i: number,
  title: string,
): string | undefined {
  for (let k = i - 1; k >= Math.max(0, i - 3); k--) {
    const person = spans[k]!.people.at(-1) ?? findNames(sentences[k]!.text).at(-1);
    if (person) return person.text;
  }
  return title.split(/\s+/u).length <= 4 ? title : undefined;
}

/**
 * The holder of a post the article names without a name beside it: the nearest name the article
 * gives without a role of its own, sharing the most words with the sentence that names the post.
 */
function roleHolder(article: Article, role: string, weighted: WeightedTerm[]): Candidate | undefined {
  const asked = weighTerms(role, UNIFORM).filter((t) => !isPlaceTerm(t.term));
  if (asked.length === 0) return undefined;
  const sentences = splitSentences(article.text);
  const spans = sentences.map((x) => new SentenceSpans(x.text));
  const holders = new Set(spans.flatMap((x) => x.people.map((p) => normalizeForMatch(p.text))));
  let best: { score: number; at: number; name: Found } | undefined;
  sentences.forEach((s, i) => {
    const target = spans[i]!.target(s.text);
    if (coverage(asked, target) < 0.99) return;
    // The post's sentence names someone else for it: no holder is told here.
    if (spans[i]!.people.some((p) => coverage(asked, spans[i]!.target(p.role)) >= 0.8)) return;
    const words = new Set([...target.terms].filter((t) => !asked.some((a) => a.term === t)));
    sentences.forEach((other, k) => {
      for (const name of findNames(other.text)) {
        const norm = normalizeForMatch(name.text);
        if ([...holders].some((h) => h.startsWith(norm)) || /(?:حضرت|امام)\s*$/u.test(other.text.slice(0, name.start)))
          continue;
        const otherTarget = spans[k]!.target(other.text);
        const shared = [...otherTarget.terms].filter((t) => words.has(t));
        const closeness = shared.length === 0 ? 0 : 1 / (1 + nearestWord(other.text, name, shared) / 20);
        const score = shared.length + closeness - Math.abs(k - i) * 0.05;
        if (!best || score > best.score) best = { score, at: k, name };
      }
    });
  });
  if (!best || best.score < 1) return undefined;
  const { at, name } = best;
  const s = sentences[at]!;
  const target = spans[at]!.target(s.text);
  const features: AnswerFeatures = {
    coverage: coverage(weighted, target),
    own: 0,
    matchedShare: 0,
    typed: 1,
    fit: 0.5,
    generic: 0,
    needsType: 1,
    rank: 0,
    relPassage: 1,
    terms: weighted.length,
    chunkCoverage: 0,
    rareMissing: 0,
    margin: 0,
  };
  return {
    articleId: article.id,
    text: s.text,
    start: s.start,
    end: s.end,
    target,
    context: target,
    coverage: features.coverage,
    matched: 0,
    novelty: 1,
    score: 0,
    rank: 0,
    relPassage: 1,
    confidence: ROLE_HOLDER_CONFIDENCE,
    features,
    span: { ...name, fit: 0.5, typed: true },
  };
}

/** The confidence of a span of the very kind, role or unit asked in a sentence that covers the question. */
const STRONG_SPAN = 0.8;
/** Told across sentences, a post's holder is likelier wrong than one named beside the post. */
const ROLE_HOLDER_CONFIDENCE = 0.6;
const UNIFORM = { idf: () => 1, df: () => 1 } as never;

/** Characters from the name to the nearest of the words, in the sentence. */
function nearestWord(text: string, name: Found, terms: string[]): number {
  let best = Infinity;
  for (const m of text.matchAll(/[\p{L}\p{M}\u200c]+/gu)) {
    if (!terms.some((t) => normalizeForMatch(m[0]).startsWith(t))) continue;
    best = Math.min(best, Math.abs(m.index! - name.end), Math.abs(name.start - (m.index! + m[0].length)));
  }
  return best;
}

/** The clause a cause word opens: «… به دلیل داشتن زیرساخت مناسب …». */
function reasonSpan(text: string): Found | undefined {
  const m = CAUSE.exec(text);
  if (!m) return undefined;
  const start = m.index;
  const rest = text.slice(start);
  const stop = /[.؛!؟?]/u.exec(rest.slice(m[0].length));
  let end = start + (stop ? m[0].length + stop.index : rest.length);
  if (end - start > 200) {
    const space = text.lastIndexOf(" ", start + 200);
    end = space > start ? space : start + 200;
  }
  return { text: text.slice(start, end).trim(), start, end: start + text.slice(start, end).trim().length };
}

const PLACE_WORDS = /^(?:استان|شهر|کشور)$/u;
function isPlaceTerm(t: string): boolean {
  return PLACE_WORDS.test(t) || namesPlace(t, t);
}

/** What the reader is told when the page does not give the fact asked about it. */
export const METADATA_UNKNOWN: Record<NonNullable<QuestionAnalysis["field"]>, string> = {
  published: "تاریخ انتشار این خبر را نمی‌دانم: در صفحه‌ی خبر نیامده است.",
  source: "منبع این خبر را نمی‌دانم: در صفحه‌ی خبر نیامده است.",
  reporter: "نام خبرنگار این خبر را نمی‌دانم: در صفحه‌ی خبر نیامده است.",
};

/** «این خبر کی منتشر شد؟», «منبع این خبر؟», «خبرنگار این خبر کیست؟»: the article's own facts. */
function metadataAnswer(question: QuestionAnalysis, article: Article | undefined): Answer {
  if (!article) return notFound();
  let value: string | undefined;
  let line: string | undefined;
  if (question.field === "published" && article.publishedAt) {
    value = formatJalali(article.publishedAt);
    line = value && `خبر «${article.title}» در ${value} منتشر شده است.`;
  } else if (question.field === "source" && article.source) {
    value = article.source;
    line = `منبع خبر «${article.title}» ${article.source} است.`;
  } else if (question.field === "reporter") {
    value = reporterOf(article.text);
    line = value && `خبر «${article.title}» را ${value}${article.source ? ` (${article.source})` : ""} نوشته است.`;
  }
  if (!value || !line) return { ...notFound(), answer: METADATA_UNKNOWN[question.field ?? "published"] };
  const lead = splitSentences(article.text)[0];
  return {
    answer: `${line} [1]`,
    found: true,
    mode: "extractive",
    citations: lead
      ? [
          {
            n: 1,
            articleId: article.id,
            title: article.title,
            ...(article.url && { url: article.url }),
            quote: lead.text,
            start: lead.start,
            end: lead.end,
            score: 1,
          },
        ]
      : [],
    short: value,
    confidence: 1,
  };
}

const novelty = (target: MatchTarget, question: WeightedTerm[]) => noveltyOf(target, question);

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

function notFound(confidence?: number): Answer {
  return {
    answer: NOT_FOUND_ANSWER,
    found: false,
    mode: "extractive",
    citations: [],
    ...(confidence !== undefined && { confidence: round(confidence) }),
  };
}

function argmax(xs: number[]): number {
  let best = 0;
  xs.forEach((x, i) => {
    if (x > xs[best]!) best = i;
  });
  return best;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Whether a sentence is a line of its own that ends without a full stop: a subheading. */
function isHeading(text: string, s: { start: number; end: number; text: string }): boolean {
  if (/[.!?؟:»)"]\s*$/u.test(s.text)) return false;
  // The text's start or a line break before it, and a line break after it, other spaces aside.
  let before = s.start - 1;
  while (before >= 0 && isInlineSpace(text[before]!)) before--;
  let after = s.end;
  while (after < text.length && isInlineSpace(text[after]!)) after++;
  return (s.start === 0 || text[before] === "\n") && text[after] === "\n";
}

function isInlineSpace(c: string): boolean {
  return c !== "\n" && /\s/u.test(c);
}
