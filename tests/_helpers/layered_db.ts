// A database whose live data is spread over every layer at once: level 1, level 0, a
// frozen memtable held back from its flush, and the active memtable, with overwrites and
// deletes in each, plus the model of what it should hold.

import assert from "node:assert/strict";
import { Db, type DbOptions } from "../../src/lsm/db.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { binary, flushAndSettle, latin1, Model, SMALL_OPTIONS, waitFor } from "./db_fixture.ts";
import { Prng } from "./prng.ts";
import { SyncGateVfs } from "./sync_gate_vfs.ts";

/** Key prefixes of the layered key space: shared prefixes, 0xff bytes, the empty key. */
const KEY_STEMS = ["", "a", "ab", "b", "k", "\xff", "\xff\xff", "\x00"];

/** A random key of the layered key space, as a binary string. */
export function layeredKey(prng: Prng): string {
  const stem = KEY_STEMS[prng.int(KEY_STEMS.length)]!;
  const suffix = prng.int(4) === 0 ? "" : String(prng.int(40)).padStart(2, "0");
  return stem + suffix;
}

/** A database spread over every layer; see {@linkcode openLayered}. */
export interface LayeredDb {
  db: Db;
  mem: MemVfs;
  gate: SyncGateVfs;
  model: Model;
  /** Lets the held flush finish and waits for it. */
  release(): Promise<void>;
}

/**
 * Applies `count` random puts and deletes (one in four a delete) to `db` and `model`.
 * Values are 0 to `maxValue` random bytes.
 */
export async function randomOps(
  db: Db,
  model: Model,
  prng: Prng,
  count: number,
  maxValue: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = layeredKey(prng);
    if (prng.int(4) === 0) {
      await db.delete(latin1(key), { sync: false });
      model.delete(key);
    } else {
      const value = prng.bytes(prng.int(maxValue + 1));
      await db.put(latin1(key), value, { sync: false });
      model.put(key, binary(value));
    }
  }
}

/**
 * Opens a database on a MemVfs and fills level 1 (several tables), level 0 (one table),
 * one frozen memtable whose flush is held at the gate, and the active memtable, each
 * layer overwriting and deleting keys of the layers below.
 */
export async function openLayered(seed: number, options: DbOptions = {}): Promise<LayeredDb> {
  const prng = new Prng(seed);
  const mem = new MemVfs();
  const gate = new SyncGateVfs(mem, { suffix: ".sst" });
  const db = await Db.open("/db", { ...SMALL_OPTIONS, ...options, vfs: gate });
  const model = new Model();
  await randomOps(db, model, prng, 300, 1500);
  await flushAndSettle(db);
  await randomOps(db, model, prng, 200, 1500);
  await flushAndSettle(db);
  while (db.stats().levels[0]!.files > 0) {
    await randomOps(db, model, prng, 1, 1500);
    await flushAndSettle(db);
  }
  await randomOps(db, model, prng, 80, 30);
  await db.flush();
  gate.closeGate();
  await randomOps(db, model, prng, 80, 30);
  const held = db.flush();
  await waitFor(() => gate.waiting > 0, "the held flush to reach the gate");
  await randomOps(db, model, prng, 80, 30);
  const stats = db.stats();
  const where = `seed ${seed}`;
  assert.ok(stats.levels[1]!.files >= 2, `level 1 has several tables (${where})`);
  assert.equal(stats.levels[0]!.files, 1, `level 0 has one table (${where})`);
  assert.equal(stats.immutableMemtables, 1, `one frozen memtable (${where})`);
  assert.ok(stats.memtableBytes > 0, `the active memtable holds data (${where})`);
  return {
    db,
    mem,
    gate,
    model,
    release: async () => {
      gate.openGate();
      await held;
    },
  };
}
