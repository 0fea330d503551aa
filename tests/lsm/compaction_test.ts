import assert from "node:assert/strict";
import { ClosedError } from "../../src/errors.ts";
import { Db } from "../../src/lsm/db.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { waitFor, writeRandomBatches } from "../_helpers/db_fixture.ts";
import { Prng } from "../_helpers/prng.ts";

const SMALL = {
  memtableSize: 64 * 1024,
  blockSize: 1024,
  targetFileSize: 64 * 1024,
  level0CompactionTrigger: 2,
  level1MaxBytes: 64 * 1024,
  levelSizeRatio: 2,
  sync: false,
} as const;

const text = new TextDecoder();

async function contents(
  db: Db,
  options: Parameters<Db["scan"]>[0] = {},
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [key, value] of db.scan(options)) out.set(text.decode(key), text.decode(value));
  return out;
}

/** Asserts that Db.check() finds every invariant holding. */
async function assertConsistent(db: Db, where = ""): Promise<void> {
  assert.deepEqual((await db.check()).problems, [], `Db.check() ${where}`);
}

Deno.test("Leveled compaction pushes data down many levels and keeps every read right", async () => {
  const seed = 4242;
  const prng = new Prng(seed);
  const vfs = new MemVfs();
  let db = await Db.open("/db", { vfs, ...SMALL });
  const model = new Map<string, string>();
  await writeRandomBatches(db, model, prng, {
    rounds: 40,
    perRound: 200,
    keySpace: 3000,
    deleteOneIn: 10,
    maxFiller: 200,
  });
  await db.flush();
  for (let i = 0; i < 200 && db.stats().levels.slice(3).every((level) => level.files === 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const levels = db.stats().levels;
  assert.ok(
    levels.slice(3).some((level) => level.files > 0),
    `seed ${seed}: ${JSON.stringify(levels)}`,
  );
  assert.deepEqual(await contents(db), new Map([...model].sort()), `seed ${seed}`);
  await assertConsistent(db, `seed ${seed}`);
  for (const [key, value] of model) assert.equal(text.decode((await db.get(key))!), value, key);
  await db.close();
  db = await Db.open("/db", { vfs, ...SMALL });
  assert.deepEqual(await contents(db), new Map([...model].sort()), `seed ${seed} after reopen`);
  await db.close();
});

Deno.test("Leveled compaction keeps what a live snapshot sees, down the levels", async () => {
  const vfs = new MemVfs();
  const db = await Db.open("/db", { vfs, ...SMALL });
  for (let i = 0; i < 2000; i++) await db.put(`k${String(i).padStart(5, "0")}`, `old-${i}`);
  const snapshot = db.snapshot();
  for (let round = 0; round < 3; round++) {
    const batch = db.batch();
    for (let i = 0; i < 2000; i++) {
      if (i % 3 === 0) batch.delete(`k${String(i).padStart(5, "0")}`);
      else batch.put(`k${String(i).padStart(5, "0")}`, `new-${round}-${i}`);
    }
    await batch.commit();
    await db.flush();
  }
  const seen = await contents(db, { snapshot });
  assert.equal(seen.size, 2000);
  assert.equal(seen.get("k00003"), "old-3");
  assert.ok(db.stats().compactions > 0);
  snapshot.release();
  const now = await contents(db);
  assert.equal(now.size, 2000 - Math.ceil(2000 / 3));
  assert.equal(now.get("k00004"), "new-2-4");
  await assertConsistent(db);
  await db.close();
});

Deno.test("Tables written in key order move down the levels without a rewrite", async () => {
  const db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL });
  for (let table = 0; table < 12; table++) {
    const batch = db.batch();
    for (let i = 0; i < 100; i++) batch.put(`k${String(table * 100 + i).padStart(6, "0")}`, "v");
    await batch.commit();
    await db.flush();
  }
  const stats = db.stats();
  assert.ok(stats.compactions > 0, "tables were compacted");
  assert.equal(stats.compactedBytes, 0, "every compaction was a move");
  assert.equal((await contents(db)).size, 1200);
  await assertConsistent(db);
  await db.close();
});

Deno.test("Db.compact() pushes a range down to one level and drops dead versions", async () => {
  const vfs = new MemVfs();
  const db = await Db.open("/db", { vfs, ...SMALL, level1MaxBytes: 16 * 1024 * 1024 });
  for (let round = 0; round < 4; round++) {
    const batch = db.batch();
    for (let i = 0; i < 600; i++) {
      batch.put(`k${String(i).padStart(4, "0")}`, `r${round}-${"x".repeat(100)}`);
    }
    await batch.commit();
    await db.flush();
  }
  for (let i = 0; i < 300; i++) await db.delete(`k${String(i).padStart(4, "0")}`);
  const before = db.stats().levels.reduce((sum, level) => sum + level.bytes, 0);
  await db.compact({ gte: "k0000", lt: "k9999" });
  const stats = db.stats();
  assert.equal(stats.immutableMemtables, 0);
  assert.equal(stats.levels[0]!.files, 0, JSON.stringify(stats.levels));
  const after = stats.levels.reduce((sum, level) => sum + level.bytes, 0);
  assert.ok(after < before, `tables shrank from ${before} to ${after} bytes`);
  const now = await contents(db);
  assert.equal(now.size, 300);
  assert.ok(now.get("k0300")?.startsWith("r3-"));
  await assertConsistent(db);
  await assert.rejects(db.compact({ gte: 5 as unknown as string }), TypeError);
  await db.close();
  await assert.rejects(db.compact(), ClosedError);
});

Deno.test("Compaction never brings a deleted key back, before or after a reopen", async () => {
  const vfs = new MemVfs();
  const prng = new Prng(77);
  const name = (i: number) => `k${String(i).padStart(5, "0")}`;
  let db = await Db.open("/db", { vfs, ...SMALL });
  // Old values sink to deep levels first; the deletes land above them later.
  for (let round = 0; round < 5; round++) {
    const batch = db.batch();
    for (let i = 0; i < 1500; i++) batch.put(name(i), `r${round}-${"x".repeat(40)}`);
    await batch.commit();
    await db.flush();
  }
  const deleted = new Set<number>();
  for (let i = 0; i < 1500; i++) if (prng.int(3) === 0) deleted.add(i);
  for (const i of deleted) await db.delete(name(i));
  const verify = async (where: string) => {
    const seen = await contents(db);
    for (const i of deleted) assert.equal(seen.has(name(i)), false, `${name(i)} ${where}`);
    for (const i of deleted) assert.equal(await db.get(name(i)), undefined, `${name(i)} ${where}`);
    assert.equal(seen.size, 1500 - deleted.size, where);
    await assertConsistent(db, where);
  };
  await db.compact({ gte: name(0), lt: name(500) });
  await verify("after a partial compaction");
  await db.close();
  db = await Db.open("/db", { vfs, ...SMALL });
  await verify("after reopening");
  await db.compact();
  await verify("after a full compaction");
  await db.close();
  db = await Db.open("/db", { vfs, ...SMALL });
  await verify("after reopening again");
  await db.close();
});

Deno.test("Writes slow down while level 0 is long, and stats() counts it", async () => {
  const db = await Db.open("/db", {
    vfs: new MemVfs(),
    ...SMALL,
    level0CompactionTrigger: 2,
    level0SlowdownWritesTrigger: 2,
    level0StopWritesTrigger: 50,
  });
  for (let table = 0; table < 6; table++) {
    await db.put(`k${table}`, "v");
    await db.flush();
  }
  for (let i = 0; i < 50; i++) await db.put(`x${i}`, "v");
  assert.ok(db.stats().slowdowns > 0, JSON.stringify(db.stats().levels));
  await assert.rejects(
    Db.open("/other", {
      vfs: new MemVfs(),
      level0SlowdownWritesTrigger: 20,
      level0StopWritesTrigger: 20,
    }),
    RangeError,
  );
  await db.close();
});

Deno.test("Writes wait while compaction is too far behind, and stats() shows the pending bytes", async () => {
  const MiB = 1024 * 1024;
  const db = await Db.open("/db", {
    vfs: new MemVfs(),
    ...SMALL,
    level1MaxBytes: 64 * 1024,
    levelSizeRatio: 2,
    pendingCompactionSlowdownBytes: MiB,
    pendingCompactionStopBytes: MiB,
  });
  let sawPending = 0;
  for (let round = 0; round < 40; round++) {
    const batch = db.batch();
    for (let i = 0; i < 500; i++) {
      batch.put(`k${(round * 7919 + i * 104729) % 20000}`, "x".repeat(90));
    }
    await batch.commit();
    sawPending = Math.max(sawPending, db.stats().pendingCompactionBytes);
  }
  const stats = db.stats();
  assert.ok(sawPending > 0, "compaction fell behind at some point");
  assert.ok(stats.stalls > 0 || stats.slowdowns > 0, JSON.stringify(stats));
  await waitFor(() => db.stats().pendingCompactionBytes === 0, "compaction to catch up");
  assert.deepEqual((await db.check()).problems, []);
  await db.close();
  await assert.rejects(
    Db.open("/other", {
      vfs: new MemVfs(),
      pendingCompactionSlowdownBytes: 4 * MiB,
      pendingCompactionStopBytes: 2 * MiB,
    }),
    RangeError,
  );
});
