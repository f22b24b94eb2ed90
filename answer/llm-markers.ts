/**
 * Cleans a model's source markers as its text streams in: `[n]` that points at a source is
 * renumbered in order of first use (`[3]` first becomes `[1]`), a marker that points at no source
 * is dropped, Persian digits count (`[۲]`). A marker split across chunks (`"[1"`, `"2]"`) is held
 * back until it is complete. The model's «NOT_FOUND» reply is held back too, so the reader never
 * sees it.
 */
export const NOT_FOUND_MARK = "NOT_FOUND";

export class MarkerFilter {
  /** Source number (1-based, as the model saw it) → number in the answer. */
  readonly used = new Map<number, number>();
  private pending = "";
  private out = "";
  private started = false;
  notFound = false;

  constructor(private readonly sources: number) {}

  /** Feeds model output; returns what can be shown now. */
  push(chunk: string): string {
    this.pending += chunk;
    if (!this.started) {
      const head = this.pending.trimStart();
      // Hold back while the reply could still be «NOT_FOUND».
      if (head.length < NOT_FOUND_MARK.length && NOT_FOUND_MARK.startsWith(head)) return "";
      if (head.startsWith(NOT_FOUND_MARK)) {
        this.notFound = true;
        this.pending = "";
        return "";
      }
      this.started = true;
      this.pending = head;
    }
    if (this.notFound) return "";
    // Everything up to an unfinished «[…» can go out, less the spaces before it: they go with
    // the marker if it is dropped.
    const open = this.pending.lastIndexOf("[");
    let hold =
      open >= 0 && !this.pending.slice(open).includes("]") && this.pending.length - open <= 8
        ? open
        : this.pending.length;
    if (hold < this.pending.length) while (hold > 0 && /\s/.test(this.pending[hold - 1]!)) hold--;
    const ready = this.pending.slice(0, hold);
    this.pending = this.pending.slice(hold);
    return this.emit(ready);
  }

  /** Flushes what is left at the end of the reply. */
  end(): string {
    if (!this.started) {
      const head = this.pending.trim();
      if (head === "" || NOT_FOUND_MARK.startsWith(head) || head.startsWith(NOT_FOUND_MARK)) {
        this.notFound = true;
        return "";
      }
    }
    const rest = this.pending;
    this.pending = "";
    return this.emit(rest);
  }

  /** All text shown so far, markers cleaned. */
  get text(): string {
    return this.out;
  }

  private emit(text: string): string {
    const cleaned = text.replace(/\s*\[\s*([0-9۰-۹]+)\s*\]/gu, (whole, digits: string) => {
      const n = Number(digits.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0)));
      if (n < 1 || n > this.sources) return "";
      if (!this.used.has(n)) this.used.set(n, this.used.size + 1);
      return `${whole.match(/^\s*/)![0]}[${this.used.get(n)}]`;
    });
    this.out += cleaned;
    return cleaned;
  }
}
