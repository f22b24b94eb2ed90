import { createHash } from "node:crypto";
import type { Corpus } from "../core/corpus/corpus.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { SharedAnswer } from "./shared-answer.ts";
import { StampedCache } from "./stamped-cache.ts";
import type { Answer, Answerer, AnswerEvent, Turn } from "./types.ts";

/** One question as the assistant reads it: the text, the reader's article, the conversation before. */
export interface Question {
  question: string;
  articleId?: string;
  history: Turn[];
}

/**
 * `hit`: an answer kept from before; `shared`: the one being written for a reader who asked the
 * same meanwhile; `miss`: written for this request.
 */
export type Reused = "hit" | "shared" | "miss";

export interface ReuseOptions {
  /** False to write the answer anew even when one is kept (the new one is then kept instead). */
  reuse?: boolean;
}

/** What is kept for one question: the answer, if any and still current, and how to keep a new one. */
export interface Recalled {
  kept: Answer | undefined;
  keep: (answer: Answer) => void;
  /** The question's key with the corpus's revision: the key of the answer being written for it. */
  key: string;
}

type Write = (signal: AbortSignal) => AsyncIterable<AnswerEvent> | Promise<Answer>;

/**
 * Answers given before and answers being written, so a question asked again, or asked by many
 * readers at once, is answered once.
 *
 * Kept answers are keyed by answerer, question, article and conversation, and stamped with the
 * corpus's revision: a change to the articles (here, or by another server sharing the database)
 * makes every one of them stale at once. Answers being written by a chat model are shared by the
 * same key and revision.
 */
export class AnswerReuse {
  private readonly kept: StampedCache<Answer>;
  private readonly writing = new Map<string, SharedAnswer>();

  constructor(
    private readonly corpus: Corpus,
    size: number,
  ) {
    this.kept = new StampedCache<Answer>(size);
  }

  /** The answer kept for this question, if any and still current, how to keep a new one, and the key of both. */
  async recall(answerer: Answerer, q: Question, options: ReuseOptions): Promise<Recalled> {
    // Hashed: a conversation can be long. Normalised as every stage reads the question, so a
    // reader who types «ي» or «ك», Arabic or Latin digits, a ZWNJ or none, or extra spaces asks the
    // question another reader asked.
    const conversation = q.history.map((turn) => [turn.role, normalizeForMatch(turn.content)]);
    const key = createHash("sha256")
      .update(JSON.stringify([answerer.id, normalizeForMatch(q.question), q.articleId ?? null, conversation]))
      .digest("base64");
    // Read before the answer is written: one written while the corpus changes is kept under the old revision, so it is not used.
    const revision = await this.corpus.revision();
    return {
      kept: options.reuse === false ? undefined : this.kept.peek(key, revision),
      // An answer the model could not write (`warning`) is not kept: the next reader gets the model's.
      keep: (answer) => {
        if (answer.warning === undefined) this.kept.set(key, revision, answer);
      },
      key: `${String(revision)} ${key}`,
    };
  }

  /**
   * The answer being written for the recalled question, joined, or one started for others to
   * join; undefined when answers are not shared. They are with a chat model only: an extractive
   * answer takes milliseconds, the CPU that readers asking at the same moment would save. With no
   * answers kept (ANSWER_CACHE_SIZE=0), none is given to another request.
   */
  share(
    answerer: Answerer,
    recalled: Recalled,
    write: Write,
    options: ReuseOptions,
  ): { writing: SharedAnswer; joined: boolean } | undefined {
    if (answerer.mode !== "llm" || !this.kept.enabled) return undefined;
    const { key, keep } = recalled;
    const being = options.reuse === false ? undefined : this.writing.get(key);
    if (being) return { writing: being, joined: true };
    const writing: SharedAnswer = new SharedAnswer(write, {
      written: keep,
      // A request with no-cache writes its own, which readers after it join in place of the older.
      closed: () => this.writing.get(key) === writing && this.writing.delete(key),
    });
    this.writing.set(key, writing);
    return { writing, joined: false };
  }
}

/** The events as they come, keeping the whole answer when it does. */
export async function* keepingWhole(
  events: AsyncIterable<AnswerEvent>,
  keep: (answer: Answer) => void,
): AsyncIterable<AnswerEvent> {
  for await (const event of events) {
    if (event.type === "done") keep(event.answer);
    yield event;
  }
}
