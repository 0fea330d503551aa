import assert from "node:assert/strict";
import { ClosedError, LockedError, StoreFailedError } from "../../src/errors.ts";
import { Db } from "../../src/lsm/db.ts";
import { MAX_VALUE_SIZE } from "../../src/lsm/_keys.ts";
import { WriteBatch } from "../../src/lsm/write_batch.ts";
import { DenoVfs } from "../../src/vfs/deno_vfs.ts";
import { FaultVfs } from "../../src/vfs/fault_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import {
  filesEnding,
  flushAndSettle,
  scanText,
  SMALL_OPTIONS,
  text,
  utf8,
  waitFor,
} from "../_helpers/db_fixture.ts";
import { Prng } from "../_helpers/prng.ts";
import { SyncGateVfs } from "../_helpers/sync_gate_vfs.ts";

const key = (i: number): string => `key${String(i).padStart(5, "0")}`;

Deno.test("Db.get() returns what Db.put() stored, for byte and string keys alike", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("alpha", "one");
  await db.put(new Uint8Array([0, 1, 2, 255]), new Uint8Array([9, 8, 7]));
  await db.put("ключ ✓", "значение ✓");
  assert.deepEqual(await db.get("alpha"), utf8("one"));
  assert.deepEqual(await db.get(utf8("alpha")), utf8("one"));
  assert.deepEqual(await db.get(new Uint8Array([0, 1, 2, 255])), new Uint8Array([9, 8, 7]));
  assert.equal(text(await db.get("ключ ✓")), "значение ✓");
  assert.equal(await db.get("absent"), undefined);
  assert.equal(await db.get(new Uint8Array([0, 1, 2])), undefined);
});

Deno.test("Db.get() returns undefined for a deleted key", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("a", "1");
  await db.put("b", "2");
  await db.delete("a");
  await db.delete("never-written");
  assert.equal(await db.get("a"), undefined);
  assert.equal(await db.get("never-written"), undefined);
  assert.equal(text(await db.get("b")), "2");
  await db.put("a", "3");
  assert.equal(text(await db.get("a")), "3");
});

Deno.test("Db.put() overwrites, and the newest value wins in every layer", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  await db.put("k", "v1");
  await db.put("k", "v2");
  assert.equal(text(await db.get("k")), "v2");
  await db.flush();
  await db.put("k", "v3");
  assert.equal(text(await db.get("k")), "v3");
  await db.flush();
  await flushAndSettle(db);
  assert.equal(text(await db.get("k")), "v3");
  assert.deepEqual(await scanText(db), [["k", "v3"]]);
});

Deno.test("Db.get() returns a copy the caller may change", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  const value = utf8("value");
  await db.put("k", value);
  value.fill(0);
  const first = (await db.get("k"))!;
  first.fill(1);
  assert.equal(text(await db.get("k")), "value");
});

Deno.test("Db stores empty values and values of MAX_VALUE_SIZE bytes, across flush and reopen", async () => {
  const seed = 0x7e57;
  const vfs = new MemVfs();
  const big = new Prng(seed).bytes(MAX_VALUE_SIZE);
  const medium = new Prng(seed + 1).bytes(3 * 1024 * 1024 + 17);
  {
    await using db = await Db.open("/db", { vfs });
    await db.put("empty", new Uint8Array(0));
    await db.put("empty-string", "");
    await db.put("big", big);
    await db.put("medium", medium);
    assert.deepEqual(await db.get("empty"), new Uint8Array(0));
    assert.deepEqual(await db.get("empty-string"), new Uint8Array(0));
    assert.ok(equal(await db.get("big"), big), `big value from the memtable (seed ${seed})`);
  }
  {
    await using db = await Db.open("/db", { vfs });
    assert.deepEqual(await db.get("empty"), new Uint8Array(0), "empty value after WAL replay");
    assert.ok(equal(await db.get("big"), big), `big value after WAL replay (seed ${seed})`);
    await db.flush();
    assert.ok(equal(await db.get("medium"), medium), `medium value from a table (seed ${seed})`);
  }
  await using db = await Db.open("/db", { vfs });
  assert.equal(db.stats().memtableBytes, 0, "everything is in tables");
  assert.ok(db.stats().levels[0]!.files >= 1);
  assert.deepEqual(await db.get("empty"), new Uint8Array(0), "empty value from a table");
  assert.ok(equal(await db.get("big"), big), `big value from a table (seed ${seed})`);
  const keys = (await scanText(db, { keysOnly: true })).map(([k]) => k);
  assert.deepEqual(keys, ["big", "empty", "empty-string", "medium"]);
});

function equal(actual: Uint8Array | undefined, expected: Uint8Array): boolean {
  if (actual === undefined || actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return false;
  return true;
}

Deno.test("Db keeps its data across close and reopen, from the WAL and from tables", async () => {
  const vfs = new MemVfs();
  {
    const db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
    for (let i = 0; i < 200; i++) await db.put(key(i), `a${i}`);
    await db.flush();
    for (let i = 0; i < 200; i += 3) await db.delete(key(i));
    for (let i = 200; i < 250; i++) await db.put(key(i), `b${i}`, { sync: false });
    await db.close();
  }
  const check = async (db: Db, when: string): Promise<void> => {
    for (let i = 0; i < 250; i++) {
      const expected = i % 3 === 0 && i < 200 ? undefined : i < 200 ? `a${i}` : `b${i}`;
      assert.equal(text(await db.get(key(i))), expected, `${key(i)} ${when}`);
    }
  };
  {
    await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
    assert.equal(db.stats().lastSequence, 200 + 67 + 50);
    await check(db, "after the first reopen");
    await db.flush();
  }
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  await check(db, "after the second reopen");
  assert.equal(db.stats().walBytes, 0);
  await db.put("after", "reopen");
  assert.equal(db.stats().lastSequence, 200 + 67 + 50 + 1);
});

Deno.test("Db.get() finds keys in the memtable, a frozen memtable, level 0 and level 1", async () => {
  const gate = new SyncGateVfs(new MemVfs(), { suffix: ".sst" });
  await using db = await Db.open("/db", { vfs: gate, ...SMALL_OPTIONS });
  await db.put("in-l1", "deep");
  await db.put("shadowed", "l1");
  await db.delete("gone-l1");
  await db.flush();
  await db.put("gone-l0", "to be deleted");
  // Within the first table's key range, so that the two level-0 tables are merged rather
  // than the first moved down alone.
  await db.put("h-filler", "x");
  await flushAndSettle(db);
  assert.deepEqual(db.stats().levels.slice(0, 2).map((level) => level.files), [0, 1]);
  await db.put("in-l0", "zero");
  await db.put("shadowed", "l0");
  await db.delete("gone-l0");
  await db.flush();
  gate.closeGate();
  await db.put("in-frozen", "frozen");
  await db.put("shadowed", "frozen");
  const held = db.flush();
  await waitFor(() => gate.waiting > 0, "the flush to reach the gate");
  await db.put("in-active", "active");
  const stats = db.stats();
  assert.deepEqual(stats.levels.slice(0, 2).map((level) => level.files), [1, 1]);
  assert.equal(stats.immutableMemtables, 1);
  const expected: [string, string | undefined][] = [
    ["in-l1", "deep"],
    ["in-l0", "zero"],
    ["in-frozen", "frozen"],
    ["in-active", "active"],
    ["shadowed", "frozen"],
    ["gone-l0", undefined],
    ["gone-l1", undefined],
  ];
  for (const [k, v] of expected) assert.equal(text(await db.get(k)), v, k);
  gate.openGate();
  await held;
  await flushAndSettle(db);
  for (const [k, v] of expected) assert.equal(text(await db.get(k)), v, `${k} after compaction`);
});

Deno.test("Db.stats() counts flushes, compactions, memtable and WAL bytes and cache use", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  const empty = db.stats();
  assert.equal(empty.flushes, 0);
  assert.equal(empty.compactions, 0);
  assert.equal(empty.memtableBytes, 0);
  assert.equal(empty.walBytes, 0);
  assert.equal(empty.lastSequence, 0);
  assert.equal(empty.levels.length, 7);
  for (let i = 0; i < 100; i++) await db.put(key(i), "x".repeat(100));
  const written = db.stats();
  assert.ok(written.memtableBytes >= 100 * 100, `memtable holds ${written.memtableBytes}`);
  assert.ok(written.walBytes >= 100 * 100, `WAL holds ${written.walBytes}`);
  assert.equal(written.lastSequence, 100);
  await db.flush();
  const flushed = db.stats();
  assert.equal(flushed.flushes, 1);
  assert.equal(flushed.memtableBytes, 0);
  assert.equal(flushed.walBytes, 0);
  assert.equal(flushed.levels[0]!.files, 1);
  assert.ok(flushed.levels[0]!.bytes > 100 * 100);
  const before = db.stats().blockCache;
  assert.equal(text(await db.get(key(5))), "x".repeat(100));
  assert.equal(db.stats().blockCache.bytes, before.bytes, "a first miss is not cached");
  assert.equal(text(await db.get(key(5))), "x".repeat(100));
  const missed = db.stats().blockCache;
  assert.equal(missed.misses, before.misses + 2);
  assert.ok(missed.bytes > before.bytes, "a second miss is");
  assert.equal(text(await db.get(key(5))), "x".repeat(100));
  const hit = db.stats().blockCache;
  assert.equal(hit.hits, missed.hits + 1);
  assert.equal(hit.misses, missed.misses);
  await db.put(key(0), "y");
  await flushAndSettle(db);
  const compacted = db.stats();
  assert.equal(compacted.flushes, 2);
  assert.equal(compacted.compactions, 1);
  assert.ok(compacted.compactedBytes >= flushed.levels[0]!.bytes);
  assert.equal(compacted.levels[0]!.files, 0);
  assert.equal(compacted.levels[1]!.files, 1);
  const snapshot = db.snapshot();
  assert.equal(db.stats().snapshots, 1);
  snapshot.release();
  assert.equal(db.stats().snapshots, 0);
});

Deno.test("Db deletes WAL segments once flushed and tables once compacted", async () => {
  const vfs = new MemVfs();
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  const firstWal = filesEnding(vfs, "/db", ".wal");
  assert.equal(firstWal.length, 1);
  for (let i = 0; i < 100; i++) await db.put(key(i), "v".repeat(100));
  await db.flush();
  const tables = filesEnding(vfs, "/db", ".sst");
  assert.equal(tables.length, 1);
  const wals = filesEnding(vfs, "/db", ".wal");
  assert.equal(wals.length, 1, `one WAL segment after the flush: ${wals}`);
  assert.notEqual(wals[0], firstWal[0], "the flushed segment was removed");
  for (let i = 0; i < 100; i++) await db.put(key(i), "w".repeat(100));
  await flushAndSettle(db);
  const after = filesEnding(vfs, "/db", ".sst");
  assert.equal(db.stats().compactions, 1);
  assert.equal(after.length, db.stats().levels[1]!.files);
  for (const table of tables) assert.ok(!after.includes(table), `${table} was deleted`);
  assert.equal(filesEnding(vfs, "/db", ".wal").length, 1);
});

Deno.test("Db.open() deletes tables no version names and keeps the rest", async () => {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
    await db.put("a", "1");
    await db.flush();
  }
  const [live] = filesEnding(vfs, "/db", ".sst");
  vfs.open("/db/999999.sst", { create: true }).close();
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  assert.deepEqual(filesEnding(vfs, "/db", ".sst"), [live]);
  assert.equal(text(await db.get("a")), "1");
});

Deno.test("Db.open() of a directory another Db holds rejects with LockedError at once", async () => {
  const vfs = new MemVfs();
  const db = await Db.open("/db", { vfs });
  await db.put("k", "v");
  const started = performance.now();
  await assert.rejects(Db.open("/db", { vfs }), LockedError);
  assert.ok(performance.now() - started < 1000);
  assert.equal(text(await db.get("k")), "v", "the holder is unaffected");
  await db.close();
  await using again = await Db.open("/db", { vfs });
  assert.equal(text(await again.get("k")), "v");
});

Deno.test("Db.open() on the real disk rejects a second owner with LockedError", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "cairn_db_test_" });
  try {
    const db = await Db.open(dir, { vfs: new DenoVfs() });
    await db.put("k", "v");
    await assert.rejects(Db.open(dir), LockedError);
    await db.close();
    await using again = await Db.open(dir);
    assert.equal(text(await again.get("k")), "v");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("Db methods reject with ClosedError after close()", async () => {
  const db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("k", "v");
  const batch = db.batch().put("a", "b");
  await db.close();
  await assert.rejects(db.get("k"), ClosedError);
  await assert.rejects(db.put("k", "w"), ClosedError);
  await assert.rejects(db.delete("k"), ClosedError);
  await assert.rejects(db.write(new WriteBatch().put("x", "y")), ClosedError);
  await assert.rejects(batch.commit(), ClosedError);
  await assert.rejects(scanText(db), ClosedError);
  assert.throws(() => db.snapshot(), ClosedError);
  await assert.rejects(db.flush(), ClosedError);
});

Deno.test("Db.close() twice is harmless, and await using closes the database", async () => {
  const vfs = new MemVfs();
  const db = await Db.open("/db", { vfs });
  await db.put("k", "v");
  await Promise.all([db.close(), db.close()]);
  await db.close();
  {
    await using reopened = await Db.open("/db", { vfs });
    assert.equal(text(await reopened.get("k")), "v");
  }
  await using third = await Db.open("/db", { vfs });
  assert.equal(text(await third.get("k")), "v");
});

Deno.test("Db.close() waits for writes in flight", async () => {
  const vfs = new MemVfs();
  const db = await Db.open("/db", { vfs });
  const writes = Array.from({ length: 20 }, (_, i) => db.put(key(i), "v"));
  await db.close();
  await Promise.all(writes);
  await using again = await Db.open("/db", { vfs });
  assert.equal((await scanText(again)).length, 20);
});

Deno.test("Db writes reject with StoreFailedError after a failed WAL fsync; reads go on", async () => {
  const mem = new MemVfs();
  const faults = new FaultVfs(mem);
  const db = await Db.open("/db", { vfs: faults });
  await db.put("before", "1");
  faults.inject({ op: "sync", kind: "error", path: ".wal" });
  await assert.rejects(db.put("failed", "2"), StoreFailedError);
  faults.clear();
  await assert.rejects(db.put("later", "3"), StoreFailedError);
  await assert.rejects(db.delete("before"), StoreFailedError);
  await assert.rejects(db.batch().put("x", "y").commit(), StoreFailedError);
  assert.equal(text(await db.get("before")), "1");
  assert.equal(await db.get("failed"), undefined, "a failed write is not visible");
  assert.deepEqual(await scanText(db), [["before", "1"]]);
  await assert.rejects(
    db.flush(),
    StoreFailedError,
    "a flush cannot make the failed write durable",
  );
  await assert.rejects(db.close(), StoreFailedError, "closing a failed database says so");
  await using reopened = await Db.open("/db", { vfs: mem });
  assert.equal(text(await reopened.get("before")), "1");
  assert.equal(await reopened.get("later"), undefined);
  await reopened.put("later", "3");
  assert.equal(text(await reopened.get("later")), "3");
});

Deno.test("Db group commit: 64 concurrent durable puts share a few fsyncs", async () => {
  const faults = new FaultVfs(new MemVfs());
  await using db = await Db.open("/db", { vfs: faults });
  await db.put("warm", "up");
  const before = faults.calls("sync");
  await Promise.all(Array.from({ length: 64 }, (_, i) => db.put(key(i), `v${i}`)));
  const syncs = faults.calls("sync") - before;
  assert.ok(syncs >= 1 && syncs <= 4, `64 durable puts took ${syncs} fsyncs`);
  for (let i = 0; i < 64; i++) assert.equal(text(await db.get(key(i))), `v${i}`);
});

Deno.test("Db writes with sync: false issue no fsync", async () => {
  const faults = new FaultVfs(new MemVfs());
  await using db = await Db.open("/db", { vfs: faults, sync: false });
  const before = faults.calls("sync");
  for (let i = 0; i < 20; i++) await db.put(key(i), "v");
  assert.equal(faults.calls("sync"), before);
  await db.put("durable", "v", { sync: true });
  assert.ok(faults.calls("sync") > before);
});

Deno.test("Db.flush() rejects with StoreFailedError when a table sync fails; reads go on", async () => {
  const mem = new MemVfs();
  const faults = new FaultVfs(mem);
  const db = await Db.open("/db", { vfs: faults, ...SMALL_OPTIONS });
  await db.put("a", "1");
  faults.inject({ op: "sync", path: ".sst" });
  await assert.rejects(db.flush(), StoreFailedError);
  await assert.rejects(db.put("b", "2"), StoreFailedError);
  assert.equal(text(await db.get("a")), "1");
  assert.deepEqual(await scanText(db), [["a", "1"]]);
  await db.close();
  assert.deepEqual(filesEnding(mem, "/db", ".sst"), [], "the failed table was removed");
  await using reopened = await Db.open("/db", { vfs: mem, ...SMALL_OPTIONS });
  assert.equal(text(await reopened.get("a")), "1", "recovered from the WAL");
  assert.equal(await reopened.get("b"), undefined);
});
