import { createHash } from "node:crypto";
import type { Article } from "../core/article.ts";
import type { Answer } from "./types.ts";

/** Suggestions offered for an article: the gist and three ways in fit a widget without scrolling. */
export const SUGGESTIONS_OFFERED = 4;

/** Articles whose checked suggestions are remembered; the least recently asked go first. */
const CHECKED_ARTICLES = 10_000;

interface Check {
  questions: string[];
  /** False when asking some question failed: the result is then not cached. */
  complete: boolean;
}

/**
 * The article's suggested questions that Goftogu itself answers: asked as a reader on that
 * article would, each must come back `found` and cite the article. Ingest writes more candidates
 * than are offered; the first `SUGGESTIONS_OFFERED` that pass are. Checked on the first call for
 * a version of an article, then cached. The assistant asks them with the extractive answerer
 * (same retrieval, no model calls), so the check is cheap and deterministic even when a chat
 * model writes the answers.
 */
export class SuggestionCheck {
  /**
   * Keyed by the article's content: a version replaced since, here or by another server sharing
   * the database, is checked anew.
   */
  private readonly checked = new Map<string, Promise<Check>>();

  constructor(private readonly ask: (question: string, articleId: string) => Promise<Answer>) {}

  async questions(article: Article): Promise<string[]> {
    const key = versionOf(article);
    let check = this.checked.get(key);
    this.checked.delete(key);
    if (!check) {
      check = this.check(article);
      // A question that failed (rather than went unanswered) is asked again next time.
      check.then(
        (c) => !c.complete && this.checked.delete(key),
        () => this.checked.delete(key),
      );
    }
    this.checked.set(key, check);
    if (this.checked.size > CHECKED_ARTICLES) this.checked.delete(this.checked.keys().next().value!);
    return (await check).questions.slice(0, SUGGESTIONS_OFFERED);
  }

  /** Asks each suggested question on its article; keeps those answered from that article. */
  private async check(article: Article): Promise<Check> {
    const verdicts = await Promise.all(
      article.suggestedQuestions.map(async (question) => {
        try {
          const answer = await this.ask(question, article.id);
          return answer.found && answer.citations.some((c) => c.articleId === article.id);
        } catch {
          return undefined;
        }
      }),
    );
    return {
      questions: article.suggestedQuestions.filter((_, i) => verdicts[i] === true),
      complete: !verdicts.includes(undefined),
    };
  }
}

function versionOf(article: Article): string {
  return createHash("sha256")
    .update(article.id)
    .update("\0")
    .update(article.text)
    .update("\0")
    .update(article.suggestedQuestions.join("\n"))
    .digest("base64");
}
