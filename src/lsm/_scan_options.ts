// The options of a scan, checked and turned into a plan: one lower and one upper bound,
// direction, limit, keysOnly and the sequence to read at.

import { compareBytes } from "../encoding/bytes.ts";
import type { Bound, ScanPlan } from "./_db_iterator.ts";
import { type Bytes, keyBytes } from "./_keys.ts";
import type { Snapshot } from "./snapshot.ts";

/** Options of `Db.scan`. */
export interface ScanOptions {
  /** Only keys after this one. */
  gt?: Bytes;
  /** Only keys at or after this one. */
  gte?: Bytes;
  /** Only keys before this one. */
  lt?: Bytes;
  /** Only keys at or before this one. */
  lte?: Bytes;
  /** Only keys that start with these bytes. */
  prefix?: Bytes;
  /** Descending key order. Default `false`. */
  reverse?: boolean;
  /** Stop after this many entries. Default: no limit. */
  limit?: number;
  /** Return empty values (the keys are still read). Default `false`. */
  keysOnly?: boolean;
  /** Read as of this snapshot. */
  snapshot?: Snapshot;
}

/**
 * Checks scan options and makes the plan.
 *
 * @throws {TypeError} When an option has the wrong type, or both `gt` and `gte` (or both
 * `lt` and `lte`) are given.
 * @throws {RangeError} When `limit` is negative or not an integer.
 */
export function planScan(options: ScanOptions, sequence: number): ScanPlan {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Scan options must be an object");
  }
  if (options.gt !== undefined && options.gte !== undefined) {
    throw new TypeError("Scan takes gt or gte, not both");
  }
  if (options.lt !== undefined && options.lte !== undefined) {
    throw new TypeError("Scan takes lt or lte, not both");
  }
  let lower = bound(options.gt, false, "gt") ?? bound(options.gte, true, "gte");
  let upper = bound(options.lt, false, "lt") ?? bound(options.lte, true, "lte");
  if (options.prefix !== undefined) {
    const prefix = keyBytes(options.prefix, "Prefix");
    lower = tighterLower(lower, { key: prefix, inclusive: true });
    const end = successor(prefix);
    if (end !== undefined) upper = tighterUpper(upper, { key: end, inclusive: false });
  }
  const limit = options.limit === undefined ? Infinity : options.limit;
  if (typeof limit !== "number") throw new TypeError("Scan limit must be a number");
  if (limit !== Infinity && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new RangeError(`Scan limit must be a non-negative integer, got ${limit}`);
  }
  const reverse = flag(options.reverse, "reverse");
  const keysOnly = flag(options.keysOnly, "keysOnly");
  return { lower, upper, reverse, limit, keysOnly, sequence };
}

function bound(key: Bytes | undefined, inclusive: boolean, name: string): Bound | undefined {
  return key === undefined ? undefined : { key: keyBytes(key, `Bound ${name}`), inclusive };
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`Scan option ${name} must be a boolean`);
  return value;
}

/** The tighter of two lower bounds. */
function tighterLower(a: Bound | undefined, b: Bound): Bound {
  if (a === undefined) return b;
  const order = compareBytes(a.key, b.key);
  if (order !== 0) return order > 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The tighter of two upper bounds. */
function tighterUpper(a: Bound | undefined, b: Bound): Bound {
  if (a === undefined) return b;
  const order = compareBytes(a.key, b.key);
  if (order !== 0) return order < 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The smallest key greater than every key starting with `prefix`; none when all 0xff. */
function successor(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i]!++;
      return end;
    }
  }
  return undefined;
}
