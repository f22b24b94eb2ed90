import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { growthExponent } from "../eval/metrics.ts";

describe("growthExponent, the scale bench's growth column", () => {
  it("reads k of value ∝ N^k from the sizes measured", () => {
    const at = (f: (n: number) => number) => [1_000, 10_000, 100_000].map((size) => ({ size, value: f(size) }));
    assert.ok(Math.abs(growthExponent(at((n) => 0.004 * n))! - 1) < 1e-9, "linear");
    assert.ok(Math.abs(growthExponent(at((n) => 3e-8 * n * n))! - 2) < 1e-9, "quadratic");
    assert.ok(Math.abs(growthExponent(at(() => 5))!) < 1e-9, "flat");
    assert.ok(Math.abs(growthExponent(at((n) => Math.log(n)))! - 0.11) < 0.01, "logarithmic, about N^0.11 here");
  });

  it("says nothing from a single size, or from figures that are not there", () => {
    assert.equal(growthExponent([{ size: 1_000, value: 3 }]), undefined);
    assert.equal(
      growthExponent([
        { size: 1_000, value: 3 },
        { size: 1_000, value: 4 },
      ]),
      undefined,
    );
    assert.equal(
      growthExponent([
        { size: 1_000, value: 3 },
        { size: 10_000, value: 0 },
      ]),
      undefined,
    );
  });
});
