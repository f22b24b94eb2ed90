import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Where the shipped weights are, found from the root: the server runs these modules bundled
 * into .build/ (server/start.mjs), one level below the root as answer/ is, so a path beside
 * this file would point into .build/.
 */
export const WEIGHTS_DIR = path.join(import.meta.dirname, "..", "answer/weights");

/**
 * A learned model's weights file (answer/weights/*.json), parsed once per file and checked by
 * `check`, which returns the model or undefined when the file is not its weights. Throws with the
 * file and the reason when unusable: the caller decides what stands in (the rules, the dev-fitted
 * weights) and logs why.
 */
export function loadWeightsFile<T>(
  cache: Map<string, T>,
  file: string,
  check: (parsed: unknown) => T | undefined,
  expected: string,
): T {
  let model = cache.get(file);
  if (model === undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`cannot read ${file}: ${(err as Error).message}`);
    }
    model = check(parsed);
    if (model === undefined) throw new Error(`${file} is not ${expected}: run npm run train`);
    cache.set(file, model);
  }
  return model;
}
