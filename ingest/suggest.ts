import type { Article } from "../core/article.ts";
export function suggestQuestions(_a: Article): string[] { return []; }
