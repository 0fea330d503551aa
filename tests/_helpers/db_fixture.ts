// Shared pieces of the Db tests: byte/text conversions, collecting scans, waiting for
// background work, listing a store's files, and a reference model of the key space.

import type { Db, DbOptions, ScanOptions } from "../../src/lsm/db.ts";
import type { Vfs } from "../../src/vfs/vfs.ts";
import type { Prng } from "./prng.ts";

/** Options that make flushes and compactions happen after a few KiB of writes. */
export const SMALL_OPTIONS: DbOptions = {
  memtableSize: 64 * 1024,
  blockSize: 256,
  targetFileSize: 64 * 1024,
  level0CompactionTrigger: 2,
};

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The text of UTF-8 `bytes`, or undefined for undefined. */
export function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** The bytes whose codes are the characters of `binary` (each below 256). */
export function latin1(binary: string): Uint8Array {
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** The string with one character per byte: its order is the bytewise order of keys. */
export function binary(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

/** Every `[key, value]` of a scan, as UTF-8 text. */
export async function scanText(db: Db, options: ScanOptions = {}): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const [key, value] of db.scan(options)) out.push([text(key)!, text(value)!]);
  return out;
}

/** Every `[key, value]` of a scan, bytes converted with {@linkcode binary}. */
export async function scanBinary(db: Db, options: ScanOptions = {}): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const [key, value] of db.scan(options)) out.push([binary(key), binary(value)]);
  return out;
}

/** Polls `condition` between turns of the event loop until it holds; fails after 5 s. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Flushes, then waits until level 0 holds fewer than `trigger` tables: the compaction the
 * flush set off has finished.
 */
export async function flushAndSettle(db: Db, trigger = 2): Promise<void> {
  await db.flush();
  await waitFor(() => {
    const stats = db.stats();
    return stats.immutableMemtables === 0 && stats.levels[0]!.files < trigger;
  }, "level 0 to be compacted");
}

/** The names in `dir` ending with `suffix`, sorted. */
export function filesEnding(vfs: Vfs, dir: string, suffix: string): string[] {
  return vfs.list(dir).filter((name) => name.endsWith(suffix));
}

/** The names in `dir` starting with `prefix`, sorted. */
export function filesStarting(vfs: Vfs, dir: string, prefix: string): string[] {
  return vfs.list(dir).filter((name) => name.startsWith(prefix));
}

/**
 * What the database should hold: keys and values as {@linkcode binary} strings. Its scan
 * follows the documented semantics of `Db.scan` with byte-string bounds.
 */
export class Model {
  readonly entries: Map<string, string> = new Map();

  put(key: string, value: string): void {
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** A copy of the model. */
  clone(): Model {
    const copy = new Model();
    for (const [key, value] of this.entries) copy.entries.set(key, value);
    return copy;
  }

  /** The scan's expected result for bounds given as binary strings. */
  scan(options: ModelScan = {}): [string, string][] {
    const { gt, gte, lt, lte, prefix } = options;
    let out = [...this.entries].filter(([key]) =>
      (gt === undefined || key > gt) && (gte === undefined || key >= gte) &&
      (lt === undefined || key < lt) && (lte === undefined || key <= lte) &&
      (prefix === undefined || key.startsWith(prefix))
    );
    out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (options.reverse) out.reverse();
    if (options.keysOnly) out = out.map(([key]) => [key, ""]);
    return out.slice(0, options.limit ?? Infinity);
  }
}

/** Scan options of {@linkcode Model.scan}: bounds as binary strings. */
export interface ModelScan {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  prefix?: string;
  reverse?: boolean;
  limit?: number;
  keysOnly?: boolean;
}

/** The `Db.scan` options for a model scan: binary-string bounds turned into bytes. */
export function toScanOptions(options: ModelScan): ScanOptions {
  const out: ScanOptions = {};
  if (options.gt !== undefined) out.gt = latin1(options.gt);
  if (options.gte !== undefined) out.gte = latin1(options.gte);
  if (options.lt !== undefined) out.lt = latin1(options.lt);
  if (options.lte !== undefined) out.lte = latin1(options.lte);
  if (options.prefix !== undefined) out.prefix = latin1(options.prefix);
  if (options.reverse !== undefined) out.reverse = options.reverse;
  if (options.limit !== undefined) out.limit = options.limit;
  if (options.keysOnly !== undefined) out.keysOnly = options.keysOnly;
  return out;
}

/** The shape of {@linkcode writeRandomBatches}'s workload. */
export interface RandomBatches {
  rounds: number;
  perRound: number;
  /** Keys are `key-` and a number below this, five digits. */
  keySpace: number;
  /** One write in this many is a delete. */
  deleteOneIn: number;
  /** Values carry up to this many filler bytes after their round and index. */
  maxFiller: number;
}

/** Commits `rounds` random batches of puts and deletes, mirroring each in `model`. */
export async function writeRandomBatches(
  db: Db,
  model: Map<string, string>,
  prng: Prng,
  shape: RandomBatches,
): Promise<void> {
  for (let round = 0; round < shape.rounds; round++) {
    const batch = db.batch();
    for (let i = 0; i < shape.perRound; i++) {
      const key = `key-${String(prng.int(shape.keySpace)).padStart(5, "0")}`;
      if (prng.int(shape.deleteOneIn) === 0) {
        batch.delete(key);
        model.delete(key);
      } else {
        const value = `${round}-${i}-${"v".repeat(prng.int(shape.maxFiller))}`;
        batch.put(key, value);
        model.set(key, value);
      }
    }
    await batch.commit();
  }
}
