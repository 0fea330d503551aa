import assert from "node:assert/strict";
import { Histogram } from "../../src/metrics/histogram.ts";
import { Prng } from "../_helpers/prng.ts";

const SEEDS = [1, 42, 0xc0ffee, Date.now() >>> 0];
const PERCENTILES = [0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

/** Nearest-rank percentile of sorted values, the definition Histogram documents. */
function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1]!;
}

const DISTRIBUTIONS: Record<string, (rng: Prng) => number> = {
  "log-uniform from 1 ns to 1000 s": (rng) => 10 ** (-9 + 12 * rng.float()),
  "uniform in [0, 1)": (rng) => rng.float(),
  "exponential with mean 250 µs": (rng) => -Math.log(1 - rng.float()) * 250e-6,
  "integer sizes up to 1 MiB": (rng) => rng.int(1 << 20),
  "few distinct values": (rng) => [0.001, 0.002, 0.5][rng.int(3)]!,
};

Deno.test("Histogram.percentile() stays within 3 % of the exact value", () => {
  for (const seed of SEEDS) {
    for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
      const rng = new Prng(seed);
      const histogram = new Histogram("h", "test");
      const values: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const value = draw(rng);
        values.push(value);
        histogram.record(value);
      }
      values.sort((a, b) => a - b);
      for (const p of PERCENTILES) {
        const exact = exactPercentile(values, p);
        const estimate = histogram.percentile(p);
        assert.ok(
          Math.abs(estimate - exact) <= 0.03 * exact,
          `seed ${seed}, ${name}, p${p}: estimate ${estimate}, exact ${exact}`,
        );
      }
    }
  }
});

Deno.test("Histogram keeps exact count, sum, min, max and average", () => {
  for (const seed of SEEDS) {
    const rng = new Prng(seed);
    const histogram = new Histogram("h", "test", { unit: "bytes" });
    const values = Array.from({ length: 1000 }, () => rng.int(100_000));
    for (const value of values) histogram.record(value);
    const sum = values.reduce((a, b) => a + b, 0);
    const message = `seed ${seed}`;
    assert.equal(histogram.count, 1000, message);
    assert.equal(histogram.sum, sum, message);
    assert.equal(histogram.min, Math.min(...values), message);
    assert.equal(histogram.max, Math.max(...values), message);
    assert.equal(histogram.avg, sum / 1000, message);
    assert.equal(histogram.percentile(0), histogram.min, message);
    assert.equal(histogram.percentile(100), histogram.max, message);
  }
});

Deno.test("Histogram reports zeros when empty", () => {
  const histogram = new Histogram("h", "test");
  assert.equal(histogram.count, 0);
  assert.equal(histogram.avg, 0);
  assert.equal(histogram.percentile(50), 0);
  assert.deepEqual(histogram.snapshot(), {
    count: 0,
    sum: 0,
    avg: 0,
    min: 0,
    max: 0,
    p50: 0,
    p95: 0,
    p99: 0,
  });
});

Deno.test("Histogram.snapshot() returns a plain object of the statistics", () => {
  const histogram = new Histogram("h", "test", { unit: "none" });
  for (const value of [1, 2, 3, 4]) histogram.record(value);
  const snapshot = histogram.snapshot();
  assert.equal(Object.getPrototypeOf(snapshot), Object.prototype);
  assert.deepEqual(Object.keys(snapshot), [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "p50",
    "p95",
    "p99",
  ]);
  assert.equal(snapshot.count, 4);
  assert.equal(snapshot.sum, 10);
  assert.equal(snapshot.avg, 2.5);
  assert.ok(Math.abs(snapshot.p50 - 2) <= 0.03 * 2);
  assert.equal(snapshot.p99, 4);
});

Deno.test("Histogram.record() throws RangeError for negative, NaN and infinite values", () => {
  const histogram = new Histogram("h", "test");
  for (const bad of [-1, -1e-12, NaN, Infinity, -Infinity]) {
    assert.throws(() => histogram.record(bad), RangeError, `record(${bad})`);
  }
  assert.equal(histogram.count, 0);
});

Deno.test("Histogram.percentile() throws RangeError outside [0, 100], even when empty", () => {
  const histogram = new Histogram("h", "test");
  for (const bad of [-1, -0.001, 100.001, NaN, Infinity]) {
    assert.throws(() => histogram.percentile(bad), RangeError, `percentile(${bad})`);
  }
});

Deno.test("Histogram reports values outside its bucket range as min and max", () => {
  const histogram = new Histogram("h", "test", { unit: "none" });
  histogram.record(0);
  histogram.record(1e-12);
  histogram.record(1e-11);
  histogram.record(1e20);
  histogram.record(1e21);
  assert.equal(histogram.percentile(40), 0);
  assert.equal(histogram.percentile(80), 1e21);
  assert.equal(histogram.max, 1e21);
  assert.equal(histogram.count, 5);
});

Deno.test("Histogram.time() records the elapsed seconds, also when the function rejects", async () => {
  const histogram = new Histogram("h", "test");
  const result = await histogram.time(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return "done";
  });
  assert.equal(result, "done");
  assert.equal(histogram.count, 1);
  assert.ok(histogram.max >= 0.015 && histogram.max < 5, `elapsed ${histogram.max} s`);
  await assert.rejects(
    histogram.time(() => Promise.reject(new Error("boom"))),
    { message: "boom" },
  );
  assert.equal(histogram.count, 2);
});

Deno.test("Histogram.reset() forgets every value", () => {
  const histogram = new Histogram("h", "test");
  for (const value of [0.001, 0.5, 2]) histogram.record(value);
  histogram.reset();
  assert.deepEqual(histogram.snapshot(), new Histogram("h", "test").snapshot());
  histogram.record(0.25);
  assert.equal(histogram.min, 0.25);
  assert.equal(histogram.percentile(50), 0.25);
});

Deno.test("Histogram rejects invalid names, units and the quantile label with TypeError", () => {
  assert.throws(() => new Histogram("a-b", "test"), TypeError);
  assert.throws(
    // @ts-expect-error: an invalid unit, as untyped callers could pass
    () => new Histogram("h", "test", { unit: "minutes" }),
    TypeError,
  );
  assert.throws(() => new Histogram("h", "test", { labels: { quantile: "x" } }), TypeError);
  assert.equal(new Histogram("h", "test").unit, "seconds");
});
