import { readFile } from "node:fs/promises";
import path from "node:path";
import { analyzeQuestion } from "../answer/question.ts";
import { candidateSpans, readQuestion, SpanReader, wordRange, type ReaderWeights } from "../answer/reader.ts";
import { splitSentences } from "../core/persian/sentences.ts";
import { normalizeForMatch } from "../core/persian/normalize.ts";
import { tokenF1 } from "./metrics.ts";
import { evalDataDir } from "./sets.ts";

/**
 * The span reader's training (answer/reader.ts), run by `npm run train` (eval/train.ts): its
 * weights learned from PQuAD's training questions (`../shared/train/pquad`, CC BY-SA 4.0). PQuAD
 * dev (`../shared/eval/pquad/dev.jsonl`) chooses the regularisation and is printed; the test
 * split is never read. Deterministic: full-batch optimisation in a fixed order, no randomness.
 *
 * The model is a softmax over every admissible span of the sentence that holds the answer
 * (conditional log-likelihood of the gold span, L2-regularised), fitted with AdaGrad.
 */
export interface ReaderOptions {
  trainDir: string;
  l2: number;
  epochs: number;
  prune: number;
  minCount: number;
}

interface Example {
  /** Feature ids and values of every candidate, flattened; `offsets[c]..offsets[c+1]` is candidate c. */
  ids: Int32Array;
  values: Float32Array;
  offsets: Int32Array;
  gold: number;
}

const ids = new Map<string, number>();
/** In how many training questions' sentences each feature occurs. */
const counts = new Map<string, number>();
const names: string[] = [];
const idOf = (name: string) => {
  let id = ids.get(name);
  if (id === undefined) {
    ids.set(name, (id = names.length));
    names.push(name);
  }
  return id;
};

function example(sentence: string, question: string, from: number, to: number): Example | undefined {
  const rq = readQuestion(question, analyzeQuestion(question).kind);
  const { facts, spans } = candidateSpans(sentence, rq);
  // The gold span in words: the words its characters touch.
  const range = wordRange(facts.words, from, to);
  const gold = range ? spans.findIndex((s) => s.from === range.from && s.to === range.to) : -1;
  if (gold < 0) return undefined;
  const seen = new Set<string>();
  for (const s of spans) for (const name of s.features.keys()) seen.add(name);
  for (const name of seen) counts.set(name, (counts.get(name) ?? 0) + 1);
  let size = 0;
  for (const s of spans) size += s.features.size;
  const out: Example = {
    ids: new Int32Array(size),
    values: new Float32Array(size),
    offsets: new Int32Array(spans.length + 1),
    gold,
  };
  let at = 0;
  spans.forEach((s, c) => {
    out.offsets[c] = at;
    for (const [name, value] of s.features) {
      out.ids[at] = idOf(name);
      out.values[at++] = value;
    }
  });
  out.offsets[spans.length] = at;
  return out;
}

async function jsonl<T>(file: string): Promise<T[]> {
  return (await readFile(file, "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

/** The sentence of a passage that holds [start, end), and the offsets inside it. */
function sentenceOf(text: string, start: number, end: number) {
  const s = splitSentences(text).find((x) => x.start <= start && end <= x.end);
  return s && { text: s.text, from: start - s.start, to: end - s.start };
}

function train(examples: Example[], keep: Uint8Array, l2: number, epochs: number): Float64Array {
  const features = keep.length;
  const w = new Float64Array(features);
  const g2 = new Float64Array(features).fill(1e-8);
  const rate = 0.5;
  for (let e = 0; e < epochs; e++) {
    let loss = 0;
    for (const ex of examples) {
      const n = ex.offsets.length - 1;
      const z = new Float64Array(n);
      let max = -Infinity;
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let k = ex.offsets[c]!; k < ex.offsets[c + 1]!; k++) s += w[ex.ids[k]!]! * ex.values[k]!; // w is 0 where not kept
        z[c] = s;
        if (s > max) max = s;
      }
      let total = 0;
      for (let c = 0; c < n; c++) total += z[c] = Math.exp(z[c]! - max);
      loss -= Math.log(z[ex.gold]! / total);
      // Gradient of the negative log-likelihood: expected features minus the gold span's.
      const grad = new Map<number, number>();
      for (let c = 0; c < n; c++) {
        const p = z[c]! / total - (c === ex.gold ? 1 : 0);
        if (Math.abs(p) < 1e-6) continue;
        for (let k = ex.offsets[c]!; k < ex.offsets[c + 1]!; k++) {
          const id = ex.ids[k]!;
          if (!keep[id]) continue;
          grad.set(id, (grad.get(id) ?? 0) + p * ex.values[k]!);
        }
      }
      for (const [id, g0] of grad) {
        const g = g0 + l2 * w[id]!;
        g2[id]! += g * g;
        w[id]! -= (rate * g) / Math.sqrt(g2[id]!);
      }
    }
    if (process.env.TRAIN_VERBOSE) console.error(`epoch ${e + 1}: loss ${(loss / examples.length).toFixed(4)}`);
  }
  return w;
}

interface TrainQuestion {
  question: string;
  answers: Array<{ text: string; start: number }>;
  passage_id: string;
}
interface DevQuestion {
  question: string;
  answers: string[];
  passage_id: string;
}

/** Learns the reader's weights; returns the weights file's text and what to print. */
export async function trainReader(options: ReaderOptions): Promise<{ json: string; lines: string[] }> {
  const lines: string[] = [];
  const trainDir = path.join(options.trainDir, "pquad");
  const passages = new Map(
    (await jsonl<{ id: string; text: string }>(path.join(trainDir, "passages.jsonl"))).map((p) => [p.id, p.text]),
  );
  const examples: Example[] = [];
  let skipped = 0;
  for (const q of await jsonl<TrainQuestion>(path.join(trainDir, "train.jsonl"))) {
    const text = passages.get(q.passage_id);
    const a = q.answers[0];
    const s = text && a ? sentenceOf(text, a.start, a.start + a.text.length) : undefined;
    const ex = s && example(s.text, q.question, s.from, s.to);
    if (ex) examples.push(ex);
    else skipped++;
  }
  lines.push(`PQuAD train: ${examples.length} questions whose answer is a span of one sentence (${skipped} skipped)`);

  // Dev: the reader alone, given the sentence that holds a gold answer.
  const devPassages = new Map(
    (await jsonl<{ id: string; text: string }>(path.join(evalDataDir(), "pquad/passages.jsonl"))).map((p) => [
      p.id,
      p.text,
    ]),
  );
  const dev = (await jsonl<DevQuestion>(path.join(evalDataDir(), "pquad/dev.jsonl"))).flatMap((q) => {
    const text = devPassages.get(q.passage_id) ?? "";
    const sentence = splitSentences(text).find((s) =>
      q.answers.some((a) => normalizeForMatch(s.text).includes(normalizeForMatch(a))),
    );
    return sentence ? [{ ...q, sentence: sentence.text }] : [];
  });

  function modelOf(w: Float64Array, prune: number): ReaderWeights {
    const weights: Record<string, number> = {};
    const order = names.map((n, i) => [n, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, i] of order) {
      const v = Math.round(w[i]! * 1000) / 1000;
      // Weights this small change no answer and make the file large.
      if (Math.abs(v) >= prune) weights[name] = v;
    }
    return { version: 1, trainedOn: "PQuAD train (CC BY-SA 4.0), ../shared/train/pquad", weights };
  }

  function devF1(model: ReaderWeights): { f1: number; exact: number } {
    const reader = new SpanReader(model);
    let f1 = 0;
    let exact = 0;
    for (const q of dev) {
      const best = reader.read(q.sentence, readQuestion(q.question, analyzeQuestion(q.question).kind), 1)[0];
      const f = best ? tokenF1(best.text, q.answers) : 0;
      f1 += f;
      if (f === 1) exact++;
    }
    return { f1: f1 / dev.length, exact: exact / dev.length };
  }

  const { l2, epochs } = options;
  const started = Date.now();
  // A feature seen in a few sentences only (a rare word) would be learned by heart: left out.
  const minCount = options.minCount;
  const keep = Uint8Array.from(names, (name) => ((counts.get(name) ?? 0) >= minCount ? 1 : 0));
  const model = modelOf(train(examples, keep, l2, epochs), options.prune);
  const measured = devF1(model);
  lines.push(
    `l2 ${l2}, ${epochs} epochs, ${names.length} features (${Object.keys(model.weights).length} kept) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  lines.push(
    `PQuAD dev, the answering sentence given (${dev.length} questions): span token F1 ${measured.f1.toFixed(3)}, exact ${measured.exact.toFixed(3)}`,
  );
  const json = `${JSON.stringify(model, null, 0).replace(/,"/g, ',\n"')}\n`;
  return { json, lines };
}
