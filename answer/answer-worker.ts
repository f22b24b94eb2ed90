import { workerData } from "node:worker_threads";
import { serveThread } from "../core/thread.ts";
import { fromPortable, type AnswerWorkerData, type PortableRequest } from "./answer-threads.ts";
import { DEFAULT_EXTRACTIVE, ExtractiveAnswerer } from "./extractive.ts";
import { loadReader } from "./reader.ts";
import type { Answer } from "./types.ts";

/** The thread behind answer/answer-threads.ts: the extractive answerer, one request at a time. */
const setup = workerData as AnswerWorkerData;

serveThread<PortableRequest, never, Answer>(async () => {
  const answerer = new ExtractiveAnswerer({
    ...DEFAULT_EXTRACTIVE,
    reader: setup.readerWeights === null ? null : loadReader(setup.readerWeights),
    weights: setup.confidenceWeights,
  });
  return {
    search: (request) => answerer.answer(fromPortable(request)),
    change() {},
  };
});
