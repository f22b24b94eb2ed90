/** Small builders of the widget's DOM: every text goes in as text (`textContent`), never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

export function button(label: string, onClick: () => void): HTMLButtonElement {
  const b = el("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

export function paragraph(text: string): HTMLParagraphElement {
  const p = el("p");
  p.textContent = text;
  return p;
}

/** Text only screen readers read (the stylesheet's `.sr` hides it from sight, not from them). */
export function spoken(text: string): HTMLSpanElement {
  const span = el("span", "sr");
  span.textContent = text;
  return span;
}
