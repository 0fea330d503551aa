// The child process of db_killed_process_test.ts: opens a Db on the real disk in the
// directory given as its argument and commits durable batches forever, four at a time,
// printing each acknowledged batch's number on its own line. It resumes after the last
// batch a previous child left. Batch `n` is `killedProcessBatch(n)`, so the parent can
// recompute what any number of whole batches leaves in the database.

import { Db, type DbOptions } from "../../src/lsm/db.ts";
import type { KvOp, KvState } from "../_helpers/kv_model.ts";
import { recordData } from "../_helpers/record_data.ts";

/** Small tables and memtables, so that the child flushes and compacts often. */
export const CHILD_OPTIONS: DbOptions = {
  memtableSize: 64 * 1024,
  targetFileSize: 64 * 1024,
  level0CompactionTrigger: 2,
  blockSize: 1024,
};

/** The key every batch sets to its own number. */
export const LAST_KEY = "last";
/** Batch `n` deletes slot 0 of batch `n - DELETE_LAG`. */
const DELETE_LAG = 5;
const SLOTS = 3;

function slotKey(batch: number, slot: number): string {
  return `b${String(batch).padStart(7, "0")}/${slot}`;
}

function slotValue(batch: number, slot: number): Uint8Array {
  return recordData(batch * SLOTS + slot, 16 + (batch * 7919 + slot * 104729) % 6000);
}

/** The operations of batch `batch`. */
export function killedProcessBatch(batch: number): KvOp[] {
  const ops: KvOp[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    ops.push({ key: slotKey(batch, slot), value: slotValue(batch, slot) });
  }
  if (batch >= DELETE_LAG) ops.push({ key: slotKey(batch - DELETE_LAG, 0), value: undefined });
  ops.push({ key: LAST_KEY, value: new TextEncoder().encode(String(batch)) });
  return ops;
}

/** What batches 0 … count - 1, all whole, leave in the database. */
export function stateAfterBatches(count: number): KvState {
  const state: KvState = new Map();
  for (let batch = 0; batch < count; batch++) {
    for (let slot = batch + DELETE_LAG < count ? 1 : 0; slot < SLOTS; slot++) {
      state.set(slotKey(batch, slot), slotValue(batch, slot));
    }
  }
  if (count > 0) state.set(LAST_KEY, new TextEncoder().encode(String(count - 1)));
  return state;
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (dir === undefined) throw new TypeError("Usage: _db_crash_child.ts <database directory>");
  const db = await Db.open(dir, CHILD_OPTIONS);
  const last = await db.get(LAST_KEY);
  const encoder = new TextEncoder();
  for (
    let batch = last === undefined ? 0 : Number(new TextDecoder().decode(last)) + 1;;
    batch += 4
  ) {
    await Promise.all([0, 1, 2, 3].map(async (offset) => {
      const commit = db.batch();
      for (const op of killedProcessBatch(batch + offset)) {
        if (op.value === undefined) commit.delete(op.key);
        else commit.put(op.key, op.value);
      }
      await commit.commit({ sync: true });
      Deno.stdout.writeSync(encoder.encode(`${batch + offset}\n`));
    }));
  }
}
