import assert from "node:assert/strict";
import { Db, type DbOptions } from "../../src/lsm/db.ts";
import { MAX_KEY_SIZE, MAX_VALUE_SIZE } from "../../src/lsm/_keys.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { scanText, text } from "../_helpers/db_fixture.ts";

// deno-lint-ignore no-explicit-any
type Loose = any;

const WRONG_TYPES: unknown[] = [
  42,
  null,
  undefined,
  { key: "a" },
  ["a"],
  true,
  1n,
  new ArrayBuffer(2),
];

/** Asserts that the database still holds exactly `a=1` and still takes writes. */
async function assertUnchanged(db: Db, what: string): Promise<void> {
  assert.deepEqual(await scanText(db), [["a", "1"]], `nothing was written by ${what}`);
  assert.equal(db.stats().lastSequence, 1, `no sequence was used by ${what}`);
}

Deno.test("Db.put(), Db.get() and Db.delete() reject keys and values of the wrong type with TypeError", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("a", "1");
  for (const bad of WRONG_TYPES) {
    const what = `${typeof bad} ${String(bad)}`;
    await assert.rejects(db.put(bad as Loose, "v"), TypeError, `put key ${what}`);
    await assert.rejects(db.put("k", bad as Loose), TypeError, `put value ${what}`);
    await assert.rejects(db.get(bad as Loose), TypeError, `get key ${what}`);
    await assert.rejects(db.delete(bad as Loose), TypeError, `delete key ${what}`);
    assert.throws(() => db.batch().put(bad as Loose, "v"), TypeError, `batch put ${what}`);
    assert.throws(() => db.batch().put("k", bad as Loose), TypeError, `batch value ${what}`);
    assert.throws(() => db.batch().delete(bad as Loose), TypeError, `batch delete ${what}`);
  }
  await assert.rejects(db.put("k", "v", { sync: "yes" as Loose }), TypeError);
  await assert.rejects(db.put("k", "v", { sync: null as Loose }), TypeError);
  await assert.rejects(db.batch().put("k", "v").commit({ sync: 1 as Loose }), TypeError);
  await assertUnchanged(db, "bad types");
});

Deno.test("Db.put() rejects a key over MAX_KEY_SIZE or a value over MAX_VALUE_SIZE with RangeError and writes nothing", async () => {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs });
    await db.put("a", "1");
    const longKey = new Uint8Array(MAX_KEY_SIZE + 1);
    await assert.rejects(db.put(longKey, "v"), RangeError);
    await assert.rejects(db.put("x".repeat(MAX_KEY_SIZE + 1), "v"), RangeError);
    await assert.rejects(db.put("é".repeat(MAX_KEY_SIZE / 2 + 1), "v"), RangeError);
    await assert.rejects(db.get(longKey), RangeError);
    await assert.rejects(db.delete(longKey), RangeError);
    await assert.rejects(db.put("k", new Uint8Array(MAX_VALUE_SIZE + 1)), RangeError);
    assert.throws(() => db.batch().put("k", new Uint8Array(MAX_VALUE_SIZE + 1)), RangeError);
    await assertUnchanged(db, "oversized input");
    await db.put(new Uint8Array(MAX_KEY_SIZE).fill(1), "max key");
    assert.equal(text(await db.get(new Uint8Array(MAX_KEY_SIZE).fill(1))), "max key");
  }
  await using db = await Db.open("/db", { vfs });
  assert.equal(db.stats().lastSequence, 2);
  assert.equal(text(await db.get("a")), "1");
  assert.equal(text(await db.get(new Uint8Array(MAX_KEY_SIZE).fill(1))), "max key");
});

Deno.test("Db.write() with a bad batch writes nothing and the database goes on", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("a", "1");
  await assert.rejects(db.write({} as Loose), TypeError);
  await assert.rejects(db.write(null as Loose), TypeError);
  await assertUnchanged(db, "a bad batch");
  await db.put("b", "2");
  assert.equal(text(await db.get("b")), "2");
});

Deno.test("Db.open() rejects an empty or non-string path with TypeError", async () => {
  const vfs = new MemVfs();
  for (const path of ["", 5, null, undefined, {}]) {
    await assert.rejects(Db.open(path as Loose, { vfs }), TypeError, String(path));
  }
  assert.deepEqual(vfs.list("/"), []);
});

Deno.test("Db.open() rejects numeric options out of range with RangeError", async () => {
  const cases: [keyof DbOptions, number[]][] = [
    ["memtableSize", [0, 64 * 1024 - 1, 1024 * 1024 * 1024 + 1, 100_000.5, NaN, Infinity, -1]],
    ["maxImmutableMemtables", [0, 65, 1.5, -1, NaN]],
    ["blockSize", [0, 255, 1024 * 1024 + 1, 4096.5]],
    ["blockCacheSize", [-1, 2 ** 40 + 1, 0.5, Infinity]],
    ["bloomBitsPerKey", [-1, 65, 10.5]],
    ["targetFileSize", [0, 64 * 1024 - 1, 4096 * 1024 * 1024 + 1]],
    ["level0CompactionTrigger", [0, 1, 1001, 2.5]],
    ["level0StopWritesTrigger", [0, 4, 10_001, 12.5]],
    ["pendingCompactionStopBytes", [0, 1024 * 1024 - 1, 2 ** 50 + 1, 1.5e6 + 0.5]],
    ["pendingCompactionSlowdownBytes", [0, 2 ** 31, 1.5e6 + 0.5]],
  ];
  const vfs = new MemVfs();
  for (const [name, values] of cases) {
    for (const value of values) {
      await assert.rejects(
        Db.open("/db", { vfs, [name]: value }),
        RangeError,
        `${name}: ${value}`,
      );
    }
  }
  await assert.rejects(
    Db.open("/db", { vfs, level0CompactionTrigger: 8, level0StopWritesTrigger: 8 }),
    RangeError,
    "the stop trigger must be above the compaction trigger",
  );
  await using db = await Db.open("/db", {
    vfs,
    memtableSize: 64 * 1024,
    maxImmutableMemtables: 1,
    blockSize: 256,
    blockCacheSize: 0,
    bloomBitsPerKey: 0,
    targetFileSize: 64 * 1024,
    level0CompactionTrigger: 2,
    level0StopWritesTrigger: 3,
  });
  await db.put("k", "v");
  await db.flush();
  assert.equal(text(await db.get("k")), "v", "the smallest settings work");
});

Deno.test("Db.open() rejects options of the wrong type with TypeError", async () => {
  const vfs = new MemVfs();
  const names: (keyof DbOptions)[] = [
    "memtableSize",
    "maxImmutableMemtables",
    "blockSize",
    "blockCacheSize",
    "bloomBitsPerKey",
    "targetFileSize",
    "level0CompactionTrigger",
    "level0StopWritesTrigger",
    "pendingCompactionSlowdownBytes",
    "pendingCompactionStopBytes",
  ];
  for (const name of names) {
    for (const value of ["1", null, true, {}, 5n]) {
      await assert.rejects(
        Db.open("/db", { vfs, [name]: value } as Loose),
        TypeError,
        `${name}: ${String(value)}`,
      );
    }
  }
  for (const value of ["true", 1, null, {}]) {
    await assert.rejects(Db.open("/db", { vfs, sync: value } as Loose), TypeError, `sync ${value}`);
  }
  await assert.rejects(Db.open("/db", null as Loose), TypeError);
  await assert.rejects(Db.open("/db", "options" as Loose), TypeError);
});

Deno.test("Db.open() that fails on bad options leaves the directory unlocked", async () => {
  const vfs = new MemVfs();
  await assert.rejects(Db.open("/db", { vfs, blockSize: 1 }), RangeError);
  await using db = await Db.open("/db", { vfs });
  await db.put("k", "v");
});
