// The expected contents of a key-value store in model-based and crash tests: a map from
// key to value, the writes that change it, what a scan of it returns, reading a Db's
// whole contents back, and finding which prefix of a write history a recovered store
// holds.

import assert from "node:assert/strict";
import { equalBytes } from "../../src/encoding/bytes.ts";
import type { Db, ScanOptions } from "../../src/lsm/db.ts";

/** Keys as strings of one character per byte (Latin-1), so they sort bytewise. */
export type KvState = Map<string, Uint8Array>;

/** One operation of a write: a put, or a delete when `value` is undefined. */
export interface KvOp {
  key: string;
  value: Uint8Array | undefined;
}

/** The Latin-1 string of `bytes`: one character per byte, same order as the bytes. */
export function byteString(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return text;
}

/** The bytes of a Latin-1 string made by {@linkcode byteString}. */
export function stringBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** Applies a write's operations to `state`, in order. */
export function applyOps(state: KvState, ops: readonly KvOp[]): void {
  for (const op of ops) {
    if (op.value === undefined) state.delete(op.key);
    else state.set(op.key, op.value);
  }
}

/** Every live entry of `db`, read by one forward scan (through `options.snapshot`). */
export async function readAll(db: Db, options: ScanOptions = {}): Promise<KvState> {
  const state: KvState = new Map();
  for await (const [key, value] of db.scan(options)) state.set(byteString(key), value);
  return state;
}

/** Whether two states hold the same keys with the same bytes. */
export function sameState(a: KvState, b: KvState): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    const other = b.get(key);
    if (other === undefined || !equalBytes(value, other)) return false;
  }
  return true;
}

/** Up to `max` differences between an expected and an actual state, for a message. */
export function describeDifference(expected: KvState, actual: KvState, max = 5): string {
  const lines: string[] = [];
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const key of keys) {
    const want = expected.get(key);
    const got = actual.get(key);
    if (want !== undefined && got !== undefined && equalBytes(want, got)) continue;
    lines.push(
      `${JSON.stringify(key)}: expected ${describeValue(want)}, got ${describeValue(got)}`,
    );
    if (lines.length >= max) break;
  }
  return `${expected.size} keys expected, ${actual.size} found; ${lines.join("; ")}`;
}

/** A short description of a value for messages: absent, or its length and first bytes. */
export function describeValue(value: Uint8Array | undefined): string {
  if (value === undefined) return "absent";
  const head = [...value.subarray(0, 6)].map((byte) => byte.toString(16).padStart(2, "0"));
  return `${value.length} bytes [${head.join(" ")}${value.length > 6 ? " …" : ""}]`;
}

/**
 * The smallest k >= `minimum` such that `base` with `history[0..k)` applied equals
 * `actual`, or undefined when no such prefix exists.
 */
export function matchingPrefix(
  base: KvState,
  history: readonly (readonly KvOp[])[],
  actual: KvState,
  minimum: number,
): number | undefined {
  const state = new Map(base);
  for (let k = 0; k <= history.length; k++) {
    if (k > 0) applyOps(state, history[k - 1]!);
    if (k >= minimum && sameState(state, actual)) return k;
  }
  return undefined;
}

/** `base` with `history[0..k)` applied, as a new state. */
export function stateAfter(
  base: KvState,
  history: readonly (readonly KvOp[])[],
  k: number,
): KvState {
  const state = new Map(base);
  for (const ops of history.slice(0, k)) applyOps(state, ops);
  return state;
}

/**
 * What a scan with `options` returns from `state`. REQUIRES: bounds and prefix are
 * strings of one character per byte, like the state's keys.
 */
export function expectedScan(state: KvState, options: ScanOptions): [string, Uint8Array][] {
  const text = (bound: ScanOptions["gt"]): string | undefined =>
    bound === undefined ? undefined : String(bound);
  const gt = text(options.gt);
  const gte = text(options.gte);
  const lt = text(options.lt);
  const lte = text(options.lte);
  const prefix = text(options.prefix);
  let keys = [...state.keys()].sort().filter((key) =>
    (gt === undefined || key > gt) && (gte === undefined || key >= gte) &&
    (lt === undefined || key < lt) && (lte === undefined || key <= lte) &&
    (prefix === undefined || key.startsWith(prefix))
  );
  if (options.reverse) keys.reverse();
  if (options.limit !== undefined) keys = keys.slice(0, options.limit);
  const empty = new Uint8Array(0);
  return keys.map((key) => [key, options.keysOnly ? empty : state.get(key)!]);
}

/** Asserts that two lists of scanned entries are equal, naming the first difference. */
export function assertSameEntries(
  got: readonly [string, Uint8Array][],
  want: readonly [string, Uint8Array][],
  message: string,
): void {
  const length = Math.max(got.length, want.length);
  for (let i = 0; i < length; i++) {
    const [gotKey, gotValue] = got[i] ?? [undefined, undefined];
    const [wantKey, wantValue] = want[i] ?? [undefined, undefined];
    assert.ok(
      gotKey === wantKey && gotValue !== undefined && wantValue !== undefined &&
        equalBytes(gotValue, wantValue),
      `${message}: entry ${i} is ${JSON.stringify(gotKey)} = ${describeValue(gotValue)}, ` +
        `expected ${JSON.stringify(wantKey)} = ${describeValue(wantValue)} ` +
        `(${got.length} entries, expected ${want.length})`,
    );
  }
}
