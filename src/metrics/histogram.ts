/**
 * A distribution of non-negative values (latencies, sizes) in bounded memory, with
 * exact count, sum, min and max and percentiles within 1 % of the exact value.
 *
 * @module
 */

import { validateLabels, validateMetricName } from "./_names.ts";

/** What a {@linkcode Histogram} measures; only changes how values are printed. */
export type HistogramUnit = "seconds" | "bytes" | "none";

/** Options for a {@linkcode Histogram}. */
export interface HistogramOptions {
  /** The unit of recorded values. Default `"seconds"`. */
  unit?: HistogramUnit;
  /**
   * Constant labels attached to the metric in Prometheus output. Names match
   * `[a-zA-Z_][a-zA-Z0-9_]*`, do not start with `__` and are not `quantile`.
   * Default: none.
   */
  labels?: Readonly<Record<string, string>>;
}

/** A plain-object copy of a {@linkcode Histogram}'s statistics; all 0 when empty. */
export interface HistogramSnapshot {
  /** How many values were recorded. */
  count: number;
  /** The sum of the recorded values. */
  sum: number;
  /** `sum / count`. */
  avg: number;
  /** The smallest recorded value. */
  min: number;
  /** The largest recorded value. */
  max: number;
  /** The median. */
  p50: number;
  /** The 95th percentile. */
  p95: number;
  /** The 99th percentile. */
  p99: number;
}

// Bucket layout (HDR-style, log-linear). A value v in [2^e, 2^(e+1)) with
// MIN_EXP <= e < MAX_EXP falls into major bucket e - MIN_EXP and linear sub-bucket
// floor((v / 2^e - 1) * SUB_BUCKETS). Each bucket spans 1/64 of its lower bound, so its
// midpoint is within 0.79 % of any value in it. Values below 2^MIN_EXP (~0.93 ns when in
// seconds, and 0) count as underflow, reported as `min`; values from 2^MAX_EXP up are
// in no bucket: ranks past the last bucket report `max`. Major buckets are allocated on first use: at most
// 83 * 64 counts (42 KiB), however many values are recorded.
const MIN_EXP = -30;
const MAX_EXP = 53;
const SUB_BUCKETS = 64;
const LOWEST = 2 ** MIN_EXP;
const HIGHEST = 2 ** MAX_EXP;

/**
 * Records non-negative values and reports count, sum, min, max, average and
 * percentiles. Memory is bounded whatever the number of values; percentiles are within
 * 1 % of the exact nearest-rank value for values from 1 ns (2^-30) to 2^53.
 *
 * @example Timing an operation and reading its percentiles
 * ```ts
 * import assert from "node:assert/strict";
 * import { Histogram } from "./histogram.ts";
 *
 * const latency = new Histogram("cairn_sync_seconds", "fsync latency");
 * for (const ms of [1, 2, 3, 4, 100]) latency.record(ms / 1000);
 * assert.equal(latency.count, 5);
 * assert.equal(latency.max, 0.1);
 * assert.ok(Math.abs(latency.percentile(50) - 0.003) < 0.003 * 0.01);
 * const answer = await latency.time(() => Promise.resolve(42));
 * assert.equal(answer, 42);
 * assert.equal(latency.snapshot().count, 6);
 * ```
 */
export class Histogram {
  /** The metric name, matching `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  readonly name: string;
  /** One line of text saying what is measured. */
  readonly help: string;
  /** The unit of recorded values. */
  readonly unit: HistogramUnit;
  /** Constant labels, names sorted; empty when none. */
  readonly labels: Readonly<Record<string, string>>;
  #majors: (Float64Array | undefined)[] = [];
  #majorCounts = new Float64Array(MAX_EXP - MIN_EXP);
  #underflow = 0;
  #count = 0;
  #sum = 0;
  #min = 0;
  #max = 0;

  /**
   * Creates an empty histogram.
   *
   * @param name The metric name, matching `[a-zA-Z_:][a-zA-Z0-9_:]*`.
   * @param help One line of text saying what is measured.
   * @param options The unit and constant labels.
   * @throws {TypeError} When the name or a label name is invalid, or the unit unknown.
   */
  constructor(name: string, help: string, options: HistogramOptions = {}) {
    validateMetricName(name);
    const unit = options.unit ?? "seconds";
    if (unit !== "seconds" && unit !== "bytes" && unit !== "none") {
      throw new TypeError(`Histogram unit must be seconds, bytes or none, got ${unit}`);
    }
    this.name = name;
    this.help = help;
    this.unit = unit;
    this.labels = validateLabels(options.labels ?? {}, ["quantile"]);
  }

  /**
   * Records one value.
   *
   * @param value A finite number ≥ 0, in the histogram's unit.
   * @throws {RangeError} When `value` is negative, NaN or infinite.
   */
  record(value: number): void {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Histogram value must be a finite number >= 0, got ${value}`);
    }
    if (this.#count === 0) {
      this.#min = value;
      this.#max = value;
    } else if (value < this.#min) this.#min = value;
    else if (value > this.#max) this.#max = value;
    this.#count++;
    this.#sum += value;
    if (value < LOWEST) {
      this.#underflow++;
      return;
    }
    if (value >= HIGHEST) return;
    let exp = Math.floor(Math.log2(value));
    if (2 ** exp > value) exp--;
    else if (2 ** (exp + 1) <= value) exp++;
    const sub = Math.min(SUB_BUCKETS - 1, Math.floor((value / 2 ** exp - 1) * SUB_BUCKETS));
    const major = exp - MIN_EXP;
    const counts = this.#majors[major] ??= new Float64Array(SUB_BUCKETS);
    counts[sub]!++;
    this.#majorCounts[major]!++;
  }

  /**
   * Runs `fn` and records how long it took, in seconds (measured with
   * `performance.now()`), whether it resolves or rejects.
   *
   * @typeParam T What `fn` resolves to.
   * @param fn The operation to time.
   * @returns What `fn` resolves to.
   * @throws Whatever `fn` throws or rejects with.
   */
  async time<T>(fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.record(Math.max(0, performance.now() - start) / 1000);
    }
  }

  /** How many values were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The exact sum of the recorded values. */
  get sum(): number {
    return this.#sum;
  }

  /** The smallest recorded value; 0 when empty. */
  get min(): number {
    return this.#min;
  }

  /** The largest recorded value; 0 when empty. */
  get max(): number {
    return this.#max;
  }

  /** The mean of the recorded values; 0 when empty. */
  get avg(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * Estimates the `p`-th percentile by nearest rank: the value at rank
   * `ceil(p * count / 100)` (at least 1) of the sorted values. The estimate is within
   * 1 % of that value, never below `min` nor above `max`; `p` 0 gives `min` and 100
   * gives `max` exactly.
   *
   * @param p The percentile, from 0 to 100.
   * @returns The estimate; 0 when the histogram is empty.
   * @throws {RangeError} When `p` is outside [0, 100] or NaN.
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) {
      throw new RangeError(`Percentile must be between 0 and 100, got ${p}`);
    }
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p * this.#count) / 100));
    if (rank === 1) return this.#min;
    if (rank >= this.#count) return this.#max;
    let seen = this.#underflow;
    if (seen >= rank) return this.#min;
    for (let major = 0; major < this.#majorCounts.length; major++) {
      const inMajor = this.#majorCounts[major]!;
      if (seen + inMajor < rank) {
        seen += inMajor;
        continue;
      }
      const counts = this.#majors[major]!;
      for (let sub = 0; sub < SUB_BUCKETS; sub++) {
        seen += counts[sub]!;
        if (seen >= rank) {
          const mid = 2 ** (major + MIN_EXP) * (1 + (sub + 0.5) / SUB_BUCKETS);
          return Math.min(this.#max, Math.max(this.#min, mid));
        }
      }
    }
    return this.#max;
  }

  /**
   * Copies the statistics into a plain object.
   *
   * @returns Count, sum, average, min, max and the 50th, 95th and 99th percentiles.
   */
  snapshot(): HistogramSnapshot {
    return {
      count: this.#count,
      sum: this.#sum,
      avg: this.avg,
      min: this.#min,
      max: this.#max,
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
    };
  }

  /** Forgets every recorded value. */
  reset(): void {
    this.#majors = [];
    this.#majorCounts.fill(0);
    this.#underflow = 0;
    this.#count = 0;
    this.#sum = 0;
    this.#min = 0;
    this.#max = 0;
  }
}
