import { chat, ChatFailure, fetchArticle, sendFeedback, type ArticleInfo, type FailureKind } from "./api.ts";
import { answerActions } from "./answer-actions.ts";
import { copyText, renderAnswer, sourcesOf, type AnswerData } from "./answer-view.ts";
import type { WidgetConfig } from "./config.ts";
import { button, el, paragraph, spoken } from "./dom.ts";
import { applyLook, applyStylesheet } from "./look.ts";
import { clearTurns, loadTurns, saveTurns, type StoredTurn } from "./store.ts";
import { TEXT } from "./text.ts";

/** Turns sent as history with each question (the server bounds it too). */
const HISTORY_SENT = 10;
/** Suggested questions shown as chips: the server offers up to four (the gist and three more). */
const MAX_SUGGESTIONS = 4;

/**
 * The «گفتگو با هوش مصنوعی» box: greeting, suggested questions, streamed answers with citation
 * chips, stop, retry, start over. Floating, it is a dialog opened by a launcher in a corner;
 * inline, a region in the page's flow, always open. Everything from the API is put in the page
 * as text, never parsed as HTML. What the reader does is told to the site as DOM events on the
 * `<goftogu-widget>` element (`goftogu:open`, `:ask`, `:answer`, `:feedback`, `:error`, `:close`).
 */
export class Widget {
  private readonly host = document.createElement("goftogu-widget");
  private readonly inline: boolean;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLDivElement;
  private readonly log: HTMLDivElement;
  private readonly chips: HTMLDivElement;
  private readonly error: HTMLDivElement;
  private readonly status: HTMLSpanElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private article: ArticleInfo | undefined;
  private turns: StoredTurn[] = [];
  /** The answerer's mode as last seen, so a model's Markdown is read as such while it streams. */
  private lastMode: string | undefined;
  private running: AbortController | undefined;
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly config: WidgetConfig,
    /** The script element: an inline box goes right after it. */
    private readonly script: HTMLScriptElement | null,
  ) {
    this.inline = config.mode === "inline";
    const shadow = this.host.attachShadow({ mode: "open" });
    applyStylesheet(shadow, config.stylesheetUrl);
    const root = el("div", "root");
    root.lang = "fa";
    root.dir = "rtl";
    applyLook(this.host, root, config);
    shadow.append(root);

    this.launcher = button("", () => this.open());
    this.launcher.className = "launcher";
    const icon = el("span");
    icon.textContent = "💬";
    icon.setAttribute("aria-hidden", "true");
    this.launcher.append(icon, config.launcherLabel);
    this.launcher.setAttribute("aria-haspopup", "dialog");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.hidden = this.inline;

    this.panel = el("div", "panel");
    this.panel.hidden = !this.inline;
    if (this.inline) {
      this.panel.setAttribute("role", "region");
    } else {
      this.panel.setAttribute("role", "dialog");
      this.panel.setAttribute("aria-modal", "true");
    }
    this.panel.setAttribute("aria-labelledby", "gf-title");
    const header = el("header");
    const heading = el("h2");
    heading.id = "gf-title";
    heading.textContent = config.heading;
    const restart = button(TEXT.restart, () => this.restart());
    header.append(heading, restart);
    if (!this.inline) {
      const close = button("✕", () => this.close());
      close.setAttribute("aria-label", TEXT.close);
      header.append(close);
    }

    this.log = el("div", "log");
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    this.log.tabIndex = 0;
    this.log.setAttribute("aria-labelledby", "gf-title");
    this.chips = el("div", "chips");
    this.chips.setAttribute("role", "group");
    this.chips.setAttribute("aria-label", TEXT.suggestions);
    this.error = el("div", "error");
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;
    this.status = spoken("");
    this.status.setAttribute("role", "status");

    const form = el("form");
    this.input = el("textarea");
    this.input.placeholder = config.placeholder;
    this.input.setAttribute("aria-label", config.placeholder);
    this.input.addEventListener("keydown", (e) => {
      // Enter sends, Shift+Enter is a new line; an IME's Enter (composing) is the IME's.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.sendButton = button(config.sendLabel, () => {});
    this.sendButton.type = "submit";
    this.stopButton = button(TEXT.stop, () => this.running?.abort());
    this.stopButton.className = "stop";
    this.stopButton.hidden = true;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    form.append(this.input, this.sendButton, this.stopButton);

    this.panel.append(header, this.log, this.chips, this.error, form, this.status);
    this.panel.addEventListener("keydown", (e) => this.onKey(e));
    root.append(this.launcher, this.panel);
  }

  /** Puts the widget in the page (idempotent): inline where the site asked, floating at the end of the body. */
  mount(): void {
    if (!this.host.isConnected) {
      const spot = this.inline ? inlineSpot(this.config.target, this.script) : undefined;
      if (spot) spot(this.host);
      else document.body.append(this.host);
    }
    if (!this.loaded) {
      this.loaded = this.load();
      if (this.inline) this.emit("open", { mode: "inline" });
    }
  }

  open(): void {
    this.mount();
    if (this.inline || !this.panel.hidden) {
      this.input.focus();
      return;
    }
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    this.input.focus();
    this.emit("open", { mode: "floating" });
  }

  /** Floating only: an inline box has nothing to close. */
  close(): void {
    if (this.inline || this.panel.hidden) return;
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
    this.emit("close", { mode: "floating" });
  }

  async ask(question: string): Promise<void> {
    this.open();
    await this.loaded;
    await this.send(question);
  }

  private async load(): Promise<void> {
    if (this.config.articleId) this.article = await fetchArticle(this.config.apiBase, this.config.articleId);
    this.turns = this.config.articleId ? loadTurns(this.config.articleId) : [];
    this.renderStart();
  }

  /** Greeting, earlier turns of this session (shown as they were), and the suggested questions. */
  private renderStart(): void {
    this.log.replaceChildren();
    const title = this.config.title ?? this.article?.title;
    this.addMessage("assistant").append(
      paragraph(this.config.greeting ?? (title ? TEXT.greeting(title) : TEXT.greetingNoTitle)),
    );
    let question = "";
    for (const turn of this.turns) {
      if (turn.role === "user") {
        question = turn.content;
        this.addMessage("user").append(paragraph(turn.content));
        continue;
      }
      const answer: AnswerData = {
        text: turn.content,
        citations: turn.citations ?? [],
        ...(turn.short && { short: turn.short }),
        ...(turn.mode && { mode: turn.mode }),
      };
      this.lastMode = turn.mode ?? this.lastMode;
      const bubble = this.addMessage("assistant");
      bubble.append(...renderAnswer(answer, this.config.apiBase));
      // An answer kept before it was finished (stopped) has no actions, as it had none.
      if (turn.mode) bubble.append(this.actions(question, answer, turn));
    }
    this.chips.replaceChildren(
      ...(this.article?.suggestedQuestions ?? [])
        .slice(0, MAX_SUGGESTIONS)
        .map((q) => button(q, () => void this.send(q))),
    );
    this.chips.hidden = this.turns.length > 0 || this.chips.childElementCount === 0;
  }

  private restart(): void {
    this.running?.abort();
    if (this.config.articleId) clearTurns(this.config.articleId);
    this.turns = [];
    this.hideError();
    this.renderStart();
    this.input.focus();
  }

  private submit(): void {
    const question = this.input.value.trim();
    if (question === "") {
      this.showError(TEXT.empty);
      return;
    }
    this.input.value = "";
    void this.send(question);
  }

  private async send(question: string): Promise<void> {
    if (this.running) return;
    this.hideError();
    this.chips.hidden = true;
    this.emit("ask", { question });
    const asked = this.addMessage("user");
    asked.append(paragraph(question));
    const history = this.turns.slice(-HISTORY_SENT).map(({ role, content }) => ({ role, content }));
    const controller = new AbortController();
    this.running = controller;
    this.setStreaming(true);
    const typing = el("div", "typing");
    typing.append(spoken(TEXT.typing), el("span"), el("span"), el("span"));
    this.log.append(typing);
    this.scroll();

    let bubble: HTMLDivElement | undefined;
    const answer: AnswerData = { text: "", citations: [], ...(this.lastMode && { mode: this.lastMode }) };
    const show = () => {
      if (!bubble) {
        typing.remove();
        bubble = this.addMessage("assistant");
        bubble.setAttribute("aria-busy", "true");
      }
      bubble.replaceChildren(...renderAnswer(answer, this.config.apiBase));
      this.scroll();
    };
    let found: boolean | undefined;
    try {
      const events = chat(
        this.config.apiBase,
        { question, history, ...(this.config.articleId && { articleId: this.config.articleId }) },
        controller.signal,
      );
      for await (const event of events) {
        if (event.type === "error") throw new ChatFailure(event.code === "timeout" ? "timeout" : "server");
        if (event.type === "token") {
          answer.text += event.text;
          show();
        } else if (event.type === "citations") {
          answer.citations = event.citations;
          if (bubble) show();
        } else {
          found = event.found;
          answer.mode = this.lastMode = event.mode;
          if (event.short) answer.short = event.short;
        }
      }
      if (controller.signal.aborted) {
        // Not when the reader started over meanwhile: that conversation is gone.
        if (bubble?.isConnected && answer.text) {
          bubble.removeAttribute("aria-busy");
          bubble.append(paragraph(TEXT.stopped));
          this.remember(question, { text: answer.text, citations: answer.citations });
        }
        return;
      }
      // A stream that ends without `done` was cut short on the server's side.
      if (found === undefined) throw new ChatFailure("server");
      show();
      const turn = this.remember(question, answer);
      bubble!.removeAttribute("aria-busy");
      bubble!.append(this.actions(question, answer, turn));
      this.emit("answer", {
        question,
        found,
        mode: answer.mode,
        citedIds: [...new Set(sourcesOf(answer).map((c) => c.articleId))],
      });
    } catch (err) {
      bubble?.remove();
      asked.remove();
      this.fail(question, err instanceof ChatFailure ? err.kind : "failed");
    } finally {
      typing.remove();
      this.running = undefined;
      this.setStreaming(false);
    }
  }

  /**
   * No answer: say whose problem it is, and give the question back, in the box (unless the
   * reader has typed another meanwhile) and as a retry button that asks it again.
   */
  private fail(question: string, kind: FailureKind): void {
    if (this.input.value.trim() === "") this.input.value = question;
    this.showError(TEXT[kind], () => {
      if (this.input.value.trim() === question) this.input.value = "";
      void this.send(question);
    });
    this.emit("error", { question, reason: kind });
  }

  private remember(question: string, answer: AnswerData): StoredTurn {
    const turn: StoredTurn = {
      role: "assistant",
      content: answer.text,
      citations: answer.citations,
      ...(answer.short && { short: answer.short }),
      ...(answer.mode && { mode: answer.mode }),
    };
    this.turns.push({ role: "user", content: question }, turn);
    this.save();
    return turn;
  }

  private save(): void {
    if (this.config.articleId) saveTurns(this.config.articleId, this.turns);
  }

  /** Under a finished answer: 👍/👎 (sent to /api/feedback, kept with the turn) and copy. */
  private actions(question: string, answer: AnswerData, turn: StoredTurn): HTMLElement {
    return answerActions(copyText(answer, this.config.apiBase), turn.rating, this.host.shadowRoot!, {
      rate: (rating) => {
        turn.rating = rating;
        this.save();
        sendFeedback(this.config.apiBase, {
          rating,
          question,
          answer: answer.text,
          citations: answer.citations,
          articleId: this.config.articleId,
        });
        this.emit("feedback", { question, rating });
      },
      announce: (text) => (this.status.textContent = text),
    });
  }

  private emit(name: string, detail: Record<string, unknown>): void {
    this.host.dispatchEvent(
      new CustomEvent(`goftogu:${name}`, {
        bubbles: true,
        composed: true,
        detail: { articleId: this.config.articleId ?? null, ...detail },
      }),
    );
  }

  private addMessage(role: StoredTurn["role"]): HTMLDivElement {
    const message = el("div", `msg ${role}`);
    message.setAttribute("role", "article");
    message.setAttribute("aria-label", role === "user" ? TEXT.you : TEXT.assistant);
    this.log.append(message);
    this.scroll();
    return message;
  }

  private setStreaming(on: boolean): void {
    this.sendButton.hidden = on;
    this.stopButton.hidden = !on;
  }

  private showError(message: string, retry?: () => void): void {
    this.error.replaceChildren(paragraph(message));
    if (retry) this.error.append(button(TEXT.retry, () => (this.hideError(), retry())));
    this.error.hidden = false;
  }

  private hideError(): void {
    this.error.hidden = true;
    this.error.replaceChildren();
  }

  private scroll(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Floating, the panel is a modal dialog: Escape closes it and Tab stays inside. Inline, neither. */
  private onKey(e: KeyboardEvent): void {
    if (this.inline) return;
    if (e.key === "Escape") {
      e.preventDefault();
      this.close();
      return;
    }
    if (e.key !== "Tab") return;
    const focusable = [
      ...this.panel.querySelectorAll<HTMLElement>("button, textarea, a[href], summary, [tabindex]"),
    ].filter((x) => !(x as HTMLButtonElement).disabled && !x.closest("[hidden]") && x.getClientRects().length > 0);
    if (focusable.length === 0) return;
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    const active = this.host.shadowRoot!.activeElement;
    if (e.shiftKey && active === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  }
}

/**
 * Where an inline box goes: into the site's `data-target` element, else right after the script
 * tag. Undefined when neither is in the page's body (the box then goes at the end of the body).
 */
function inlineSpot(
  target: string | undefined,
  script: HTMLScriptElement | null,
): ((host: Element) => void) | undefined {
  let container: Element | null = null;
  try {
    if (target) container = document.querySelector(target);
  } catch {
    // Not a valid selector: as if not found.
  }
  if (container) return (host) => container.append(host);
  if (script && document.body?.contains(script)) return (host) => script.after(host);
  return undefined;
}
