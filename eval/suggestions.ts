import type { Assistant } from "../answer/assistant.ts";
import type { Corpus } from "../core/corpus/corpus.ts";
import { SUMMARY_QUESTION, suggestionCandidates } from "../ingest/suggest.ts";
import { mean } from "./metrics.ts";

/** How the suggested questions of a set's articles fare, as the widget offers them. */
export interface SuggestionRow {
  articles: number;
  /** Candidates ingest wrote per article, the gist included. */
  candidates: number;
  /** Questions offered per article (answered from it by the server's check), the gist included. */
  offered: number;
  /** Share of articles offered at least three questions, the gist included. */
  atLeastThree: number;
  /** Offered questions other than the gist. */
  asked: number;
  /**
   * Share of those whose answer quotes the sentence the question was made from: answered, and
   * with the fact it asks about, not some other sentence that happened to match.
   */
  fromOwnSentence: number;
}

/** Articles read: enough for a stable share, few enough for a quick eval. */
const MAX_ARTICLES = 300;

/**
 * Offers each article's suggestions as `GET /api/articles/:id` does, then asks every offered
 * question on its article and checks the answer quotes the sentence it came from (a question
 * made from the headline counts when the answer cites the article).
 */
export async function evaluateSuggestions(
  assistant: Assistant,
  corpus: Corpus,
  articleIds: Iterable<string>,
): Promise<SuggestionRow> {
  const ids = [...new Set(articleIds)].slice(0, MAX_ARTICLES);
  const articles = await corpus.articles(ids);
  const candidates: number[] = [];
  const offered: number[] = [];
  const right: boolean[] = [];
  for (const id of ids) {
    const article = articles.get(id);
    if (!article) continue;
    const sources = new Map(suggestionCandidates(article).map((s) => [s.question, s.source]));
    const questions = await assistant.suggestedQuestions(article);
    candidates.push(article.suggestedQuestions.length);
    offered.push(questions.length);
    for (const question of questions) {
      if (question === SUMMARY_QUESTION) continue;
      const { answer } = await assistant.ask({ question, articleId: id, history: [] }, { reuse: false });
      const source = sources.get(question);
      right.push(
        answer.found &&
          answer.citations.some(
            (c) => c.articleId === id && (!source || (c.start < source.end && c.end > source.start)),
          ),
      );
    }
  }
  return {
    articles: offered.length,
    candidates: mean(candidates),
    offered: mean(offered),
    atLeastThree: mean(offered.map((n) => (n >= 3 ? 1 : 0))),
    asked: right.length,
    fromOwnSentence: mean(right.map(Number)),
  };
}
