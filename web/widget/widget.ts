import { chat, ChatFailure, fetchArticle, sendFeedback, type ArticleInfo, type Citation, type Turn } from "./api.ts";
import { isWebUrl } from "../../core/url.ts";
import { clearTurns, loadTurns, saveTurns } from "./store.ts";
import { styles } from "./styles.ts";
import { persianDigits, TEXT } from "./text.ts";

export interface WidgetConfig {
  articleId?: string;
  apiBase: string;
  title?: string;
  greeting?: string;
  position: "left" | "right";
  accent: string;
}

/** Turns sent as history with each question (the server bounds it too). */
const HISTORY_SENT = 10;

/**
 * The «گفتگو با هوش مصنوعی» panel: launcher, greeting, suggested questions, streamed answers
 * with citation chips, stop, retry, start over. Everything from the API is put in the page as
 * text (`textContent`), never parsed as HTML.
 */
export class Widget {
  private readonly host = document.createElement("goftogu-widget");
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLDivElement;
  private readonly log: HTMLDivElement;
  private readonly chips: HTMLDivElement;
  private readonly error: HTMLDivElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private article: ArticleInfo | undefined;
  private turns: Turn[] = [];
  private running: AbortController | undefined;
  private loaded: Promise<void> | undefined;

  constructor(private readonly config: WidgetConfig) {
    const shadow = this.host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = styles(config.accent, config.position);
    this.root = el("div", "root");
    this.root.setAttribute("lang", "fa");
    this.root.setAttribute("dir", "rtl");
    shadow.append(style, this.root);

    this.launcher = el("button", "launcher");
    this.launcher.type = "button";
    this.launcher.textContent = `💬 ${TEXT.open}`;
    this.launcher.setAttribute("aria-haspopup", "dialog");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.addEventListener("click", () => this.open());

    this.panel = el("div", "panel");
    this.panel.hidden = true;
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-modal", "true");
    this.panel.setAttribute("aria-labelledby", "gf-title");
    const header = el("header");
    const heading = el("h2");
    heading.id = "gf-title";
    heading.textContent = TEXT.heading;
    const restart = button(TEXT.restart, () => this.restart());
    const close = button("✕", () => this.close());
    close.setAttribute("aria-label", TEXT.close);
    header.append(heading, restart, close);

    this.log = el("div", "log");
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    this.chips = el("div", "chips");
    this.chips.setAttribute("aria-label", TEXT.suggestions);
    this.error = el("div", "error");
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;

    const form = el("form");
    this.input = el("textarea");
    this.input.placeholder = TEXT.placeholder;
    this.input.setAttribute("aria-label", TEXT.placeholder);
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.sendButton = button(TEXT.send, () => this.submit());
    this.sendButton.type = "submit";
    this.stopButton = button(TEXT.stop, () => this.running?.abort());
    this.stopButton.className = "stop";
    this.stopButton.hidden = true;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    form.append(this.input, this.sendButton, this.stopButton);

    this.panel.append(header, this.log, this.chips, this.error, form);
    this.panel.addEventListener("keydown", (e) => this.onKey(e));
    this.root.append(this.launcher, this.panel);
  }

  mount(): void {
    if (!this.host.isConnected) document.body.append(this.host);
    this.loaded ??= this.load();
  }

  open(): void {
    this.mount();
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    this.input.focus();
  }

  close(): void {
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
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

  /** Greeting, earlier turns of this session, and the suggested questions. */
  private renderStart(): void {
    this.log.replaceChildren();
    const title = this.config.title ?? this.article?.title;
    this.addMessage("assistant").append(
      paragraph(this.config.greeting ?? (title ? TEXT.greeting(title) : TEXT.greetingNoTitle)),
    );
    for (const t of this.turns)
      this.addMessage(t.role).append(
        ...(t.role === "assistant" ? renderAnswer(t.content, []) : [paragraph(t.content)]),
      );
    this.chips.replaceChildren(
      ...(this.article?.suggestedQuestions ?? []).slice(0, 3).map((q) => {
        const chip = button(q, () => void this.send(q));
        return chip;
      }),
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
    const asked = this.addMessage("user");
    asked.append(paragraph(question));
    const history = this.turns.slice(-HISTORY_SENT);
    const controller = new AbortController();
    this.running = controller;
    this.setStreaming(true);
    const typing = el("div", "typing");
    typing.setAttribute("aria-label", TEXT.typing);
    typing.append(el("span"), el("span"), el("span"));
    this.log.append(typing);
    this.scroll();

    let bubble: HTMLDivElement | undefined;
    let text = "";
    let citations: Citation[] = [];
    let done = false;
    try {
      const events = chat(
        this.config.apiBase,
        { question, history, ...(this.config.articleId && { articleId: this.config.articleId }) },
        controller.signal,
      );
      for await (const event of events) {
        if (event.type === "error") throw new ChatFailure("failed");
        if (event.type === "token") {
          text += event.text;
          if (!bubble) {
            typing.remove();
            bubble = this.addMessage("assistant");
            bubble.setAttribute("aria-busy", "true");
          }
          bubble.replaceChildren(...renderAnswer(text, citations, this.config.apiBase));
          this.scroll();
        } else if (event.type === "citations") {
          citations = event.citations;
          if (bubble) bubble.replaceChildren(...renderAnswer(text, citations, this.config.apiBase));
        } else if (event.type === "done") {
          done = true;
        }
      }
      if (controller.signal.aborted) {
        bubble?.append(paragraph(TEXT.stopped));
      } else if (!done) {
        throw new ChatFailure("failed");
      }
      if (bubble && text) {
        bubble.removeAttribute("aria-busy");
        if (done) bubble.append(this.feedback(question, text, citations));
        this.remember(question, text);
      }
    } catch (err) {
      // The question goes back to the reader: the retry asks it again.
      bubble?.remove();
      asked.remove();
      const kind = err instanceof ChatFailure ? err.kind : "failed";
      this.showError(
        kind === "network" ? TEXT.network : kind === "quota" ? TEXT.quota : TEXT.failed,
        () => void this.send(question),
      );
    } finally {
      typing.remove();
      this.running = undefined;
      this.setStreaming(false);
    }
  }

  private remember(question: string, answer: string): void {
    this.turns.push({ role: "user", content: question }, { role: "assistant", content: answer });
    if (this.config.articleId) saveTurns(this.config.articleId, this.turns);
  }

  private feedback(question: string, answer: string, citations: Citation[]): HTMLElement {
    const row = el("div", "actions");
    const send = (rating: "up" | "down", pressed: HTMLButtonElement) => {
      for (const b of row.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === pressed));
      sendFeedback(this.config.apiBase, { rating, question, answer, citations, articleId: this.config.articleId });
    };
    const up = button(`👍 ${TEXT.useful}`, () => send("up", up));
    up.setAttribute("aria-label", TEXT.helpful);
    const down = button(`👎 ${TEXT.notUseful}`, () => send("down", down));
    down.setAttribute("aria-label", TEXT.notHelpful);
    for (const b of [up, down]) b.setAttribute("aria-pressed", "false");
    row.append(up, down);
    return row;
  }

  private addMessage(role: Turn["role"]): HTMLDivElement {
    const message = el("div", `msg ${role}`);
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

  /** Escape closes; Tab stays inside the open panel (a modal dialog). */
  private onKey(e: KeyboardEvent): void {
    if (e.key === "Escape") {
      e.preventDefault();
      this.close();
      return;
    }
    if (e.key !== "Tab") return;
    const focusable = [...this.panel.querySelectorAll<HTMLElement>("button, textarea, a[href]")].filter(
      (x) => !x.hidden && !x.closest("[hidden]"),
    );
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
 * An answer as text with `[n]` markers turned into citation chips; a chip shows its quote and
 * a link to the article. Before the citations arrive the chips are plain numbers.
 */
function renderAnswer(text: string, citations: Citation[], apiBase = ""): Node[] {
  const out: Node[] = [];
  for (const line of text.split("\n")) {
    const p = document.createElement("p");
    let last = 0;
    for (const m of line.matchAll(/\[(\d+)\]/g)) {
      p.append(document.createTextNode(line.slice(last, m.index)));
      const n = Number(m[1]);
      const citation = citations.find((c) => c.n === n);
      const chip = button(persianDigits(String(n)), () => toggleQuote(p, chip, citation, apiBase));
      chip.className = "cite";
      chip.setAttribute("aria-label", `${TEXT.source} ${persianDigits(String(n))}`);
      chip.setAttribute("aria-expanded", "false");
      chip.disabled = !citation;
      p.append(chip);
      last = m.index! + m[0].length;
    }
    p.append(document.createTextNode(line.slice(last)));
    out.push(p);
  }
  return out;
}

function toggleQuote(
  paragraphEl: HTMLElement,
  chip: HTMLButtonElement,
  citation: Citation | undefined,
  apiBase: string,
): void {
  if (!citation) return;
  const open = paragraphEl.nextElementSibling;
  if (open instanceof HTMLElement && open.classList.contains("quote") && open.dataset.n === String(citation.n)) {
    open.remove();
    chip.setAttribute("aria-expanded", "false");
    return;
  }
  if (open instanceof HTMLElement && open.classList.contains("quote")) open.remove();
  const box = el("div", "quote");
  box.dataset.n = String(citation.n);
  const quote = paragraph(`«${citation.quote}»`);
  const link = document.createElement("a");
  // Only an http(s) address becomes the link: this page is the host site's, and a «javascript:»
  // URL in an article would run as its script. Anything else links to the article's own page.
  link.href =
    citation.url && isWebUrl(citation.url)
      ? citation.url
      : `${apiBase}/articles/${encodeURIComponent(citation.articleId)}`;
  link.target = "_top";
  link.rel = "noopener";
  link.textContent = `${TEXT.viewArticle}: ${citation.title}`;
  box.append(quote, link);
  paragraphEl.after(box);
  chip.setAttribute("aria-expanded", "true");
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const b = el("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function paragraph(text: string): HTMLParagraphElement {
  const p = el("p");
  p.textContent = text;
  return p;
}
