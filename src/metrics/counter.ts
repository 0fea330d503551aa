/**
 * A monotonically increasing count: operations, bytes, errors.
 *
 * @module
 */

import { validateLabels, validateMetricName } from "./_names.ts";

/** Options for a {@linkcode Counter}. */
export interface CounterOptions {
  /**
   * Constant labels attached to the metric in Prometheus output (for example
   * `{ store: "raft" }`). Names match `[a-zA-Z_][a-zA-Z0-9_]*` and do not start with
   * `__`. Default: none.
   */
  labels?: Readonly<Record<string, string>>;
}

/**
 * A count that only goes up. Adding is a single floating-point addition, cheap enough
 * for every operation on a hot path.
 *
 * Counts are exact up to 2^53 (`Number.MAX_SAFE_INTEGER`).
 *
 * @example Counting writes and bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { Counter } from "./counter.ts";
 *
 * const writes = new Counter("cairn_writes_total", "Records written");
 * writes.add();
 * writes.add(2);
 * assert.equal(writes.value, 3);
 * ```
 */
export class Counter {
  /** The metric name, matching `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  readonly name: string;
  /** One line of text saying what is counted. */
  readonly help: string;
  /** Constant labels, names sorted; empty when none. */
  readonly labels: Readonly<Record<string, string>>;
  #value = 0;

  /**
   * Creates a counter at zero.
   *
   * @param name The metric name, matching `[a-zA-Z_:][a-zA-Z0-9_:]*`.
   * @param help One line of text saying what is counted.
   * @param options Constant labels.
   * @throws {TypeError} When the name or a label name is invalid.
   */
  constructor(name: string, help: string, options: CounterOptions = {}) {
    validateMetricName(name);
    this.name = name;
    this.help = help;
    this.labels = validateLabels(options.labels ?? {});
  }

  /**
   * Adds `n` to the count.
   *
   * @param n How much to add: a finite number ≥ 0. Default 1.
   * @throws {RangeError} When `n` is negative, NaN or infinite.
   */
  add(n = 1): void {
    if (!Number.isFinite(n) || n < 0) {
      throw new RangeError(`Counter increment must be a finite number >= 0, got ${n}`);
    }
    this.#value += n;
  }

  /**
   * The current count.
   *
   * @returns The sum of everything added.
   */
  get value(): number {
    return this.#value;
  }
}
