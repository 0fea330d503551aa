/**
 * The LSM engine: {@linkcode Db}, an embedded ordered key-value store over a write-ahead
 * log, memtables and sorted tables, with batches, scans and snapshots. The table format
 * is specified in `docs/table_format.md`; `docs/impl.md` walks through the engine.
 *
 * @example A durable store on the real disk
 * ```ts
 * import { Db } from "@cairn/cairn/lsm";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const db = await Db.open(dir);
 * await db.batch().put("a", "1").put("b", "2").commit();
 * await db.delete("a");
 * const entries: string[] = [];
 * for await (const [key, value] of db.scan()) {
 *   entries.push(`${new TextDecoder().decode(key)}=${new TextDecoder().decode(value)}`);
 * }
 * assert.deepEqual(entries, ["b=2"]);
 * await db.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  Db,
  type DbCheckReport,
  type DbOptions,
  type DbStats,
  type ReadOptions,
  type ScanOptions,
  type WriteOptions,
} from "./db.ts";
export { WriteBatch } from "./write_batch.ts";
export { Snapshot } from "./snapshot.ts";
export { type Bytes, MAX_BATCH_SIZE, MAX_KEY_SIZE, MAX_VALUE_SIZE } from "./_keys.ts";
