import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import hnswlib from "hnswlib-node";
import { openIndex } from "../../core/corpus/embedded/store.ts";
import { planSegments, SegmentSet, topK } from "../../core/corpus/embedded/segments.ts";
import type { BenchQuestion } from "../../test/support/corpus.ts";
import { exactTopK, neighboursOf, recallAtK, VectorTable } from "../scale/exact-search.ts";

/**
 * What other HNSW graph parameters would give on an index the bench built and kept
 * (`BENCH_KEEP=1 npm run bench`): for each M:efConstruction, the graph is rebuilt from the
 * index's own vectors, then recall@10 against exact search and search time are measured at
 * several ef, on the bench's questions. The index itself is only read.
 *
 * `--dimensions D` (a divisor of the index's dimensions) first folds every vector, and each
 * query, into D dimensions: the local embedder signed-hashes a feature into dimension h mod N,
 * so summing dimensions d, d + D, d + 2D, … gives exactly the vectors it would hash into D.
 * This is how fewer dimensions were weighed: recall and build time here, quality with
 * `npm run eval` after changing DEFAULT_LOCAL.
 *
 * `--segments 2500,5000` cuts the vectors into segments of at most that many chunks, as a build
 * does (core/corpus/embedded/segments.ts), and searches them all for each query: how the bound
 * SEGMENT_CHUNKS and the ef SEGMENT_EF were chosen. Without it, one graph holds every vector.
 *
 *   npx tsx bench/tools/hnsw-params.ts --index DIR/index --questions DIR/probe/questions.json --params 16:100,32:200 [--dimensions 64] [--segments 5000]
 */
function usage(problem: string): never {
  console.error(`hnsw-params: ${problem}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    index: { type: "string" },
    questions: { type: "string" },
    params: { type: "string", default: "16:100,16:200,32:200" },
    ef: { type: "string", default: "128,256,512,1024" },
    queries: { type: "string", default: "200" },
    dimensions: { type: "string" },
    segments: { type: "string", default: "" },
  },
});
if (!values.index || !values.questions)
  usage("--index (an index directory) and --questions (the bench's questions.json) are required");
const params = values.params.split(",").map((pair) => {
  const [m, efConstruction] = pair.split(":").map(Number);
  if (!(Number.isInteger(m) && Number.isInteger(efConstruction) && m! > 1 && efConstruction! > 0))
    usage(`--params takes M:efConstruction pairs such as 16:100, not "${pair}"`);
  return { m: m!, efConstruction: efConstruction! };
});
const efs = values.ef.split(",").map(Number);
if (efs.some((ef) => !(Number.isInteger(ef) && ef > 0))) usage(`--ef takes positive whole numbers, not "${values.ef}"`);
const K = 10;
const bounds = values.segments === "" ? [] : values.segments.split(",").map(Number);
if (bounds.some((b) => !(Number.isInteger(b) && b > 0)))
  usage(`--segments takes segment sizes in chunks such as 2500,5000, not "${values.segments}"`);

const index = await openIndex(values.index, { kind: "local" });
const questions = (JSON.parse(await readFile(values.questions, "utf8")) as BenchQuestion[]).slice(
  0,
  Number(values.queries),
);
const source = await SegmentSet.load(index.manifest.embedder.dimensions, index.segmentChunks, index.segments);
const stored = source.dimensions;
const dimensions = values.dimensions === undefined ? stored : Number(values.dimensions);
if (!(Number.isInteger(dimensions) && dimensions > 0 && stored % dimensions === 0))
  usage(`--dimensions takes a divisor of the index's ${stored} dimensions, not "${values.dimensions}"`);
const fold = (vector: ArrayLike<number>) => {
  const folded = new Float32Array(dimensions);
  for (let d = 0; d < vector.length; d++) folded[d % dimensions]! += vector[d]!;
  return folded;
};
const queries = await Promise.all(questions.map(async (q) => fold(await index.embedder.embedQuery(q.question))));
const table = new VectorTable(dimensions);
for (const [label, vector] of source.vectors()) table.add(label, fold(vector));
const labels = table.labels;
const exact = exactTopK(table, queries, K);
console.error(`${table.size} vectors of ${table.dimensions} dimensions, ${queries.length} queries`);

const rows: string[] = [
  `| segment chunks | segments | M | efConstruction | build (s, one thread) | ${efs.map((ef) => `ef ${ef}: recall@10 · ms a search`).join(" | ")} |`,
  `|---|---|---|---|---|${efs.map(() => "---").join("|")}|`,
];
for (const bound of bounds.length > 0 ? bounds : [labels.length])
  for (const { m, efConstruction } of params) {
    // Segments as a build cuts them (planSegments), each its own graph; a search asks each for
    // its k nearest and merges them, one segment after another on this thread.
    let t = performance.now();
    const graphs = planSegments(labels.length, bound).map(({ first, count }) => {
      const graph = new hnswlib.HierarchicalNSW("cosine", table.dimensions);
      graph.initIndex(count, m, efConstruction, 100);
      for (let row = first; row < first + count; row++) graph.addPoint(Array.from(table.row(row)), labels[row]!);
      return graph;
    });
    const buildS = (performance.now() - t) / 1000;
    const cells = efs.map((ef) => {
      for (const g of graphs) g.setEf(ef);
      t = performance.now();
      const found = queries.map((q) => {
        const query = Array.from(q);
        const each = graphs.map((g) => g.searchKnn(query, Math.min(K, g.getCurrentCount())));
        const merged = topK(
          each.flatMap((r) => r.neighbors),
          each.flatMap((r) => r.distances),
          K,
        );
        return neighboursOf({ neighbors: merged.labels, distances: merged.distances });
      });
      const ms = (performance.now() - t) / queries.length;
      return `${recallAtK(found, exact, K).recall.toFixed(3)} · ${ms.toFixed(2)}`;
    });
    rows.push(
      `| ${bound} | ${graphs.length} | ${m} | ${efConstruction} | ${buildS.toFixed(1)} | ${cells.join(" | ")} |`,
    );
    console.error(rows[rows.length - 1]);
  }
console.log(rows.join("\n"));
