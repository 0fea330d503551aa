import assert from "node:assert/strict";
import { ClosedError } from "../../src/errors.ts";
import { Db } from "../../src/lsm/db.ts";
import { Snapshot } from "../../src/lsm/snapshot.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import {
  flushAndSettle,
  Model,
  scanBinary,
  scanText,
  SMALL_OPTIONS,
  text,
} from "../_helpers/db_fixture.ts";
import { testSeed } from "../_helpers/iterator_walk.ts";
import { randomOps } from "../_helpers/layered_db.ts";
import { Prng } from "../_helpers/prng.ts";

Deno.test("Db.get() through a snapshot sees the value at the time it was taken", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("k", "old");
  await db.put("gone", "here");
  const snapshot = db.snapshot();
  await db.put("k", "new");
  await db.delete("gone");
  await db.put("born", "later");
  assert.equal(text(await db.get("k", { snapshot })), "old");
  assert.equal(text(await db.get("gone", { snapshot })), "here");
  assert.equal(await db.get("born", { snapshot }), undefined);
  assert.equal(text(await db.get("k")), "new");
  assert.deepEqual(await scanText(db, { snapshot }), [["gone", "here"], ["k", "old"]]);
  assert.deepEqual(await scanText(db, { snapshot, reverse: true, limit: 1 }), [["k", "old"]]);
  assert.deepEqual(await scanText(db), [["born", "later"], ["k", "new"]]);
  snapshot.release();
});

Deno.test("Db snapshots keep their view across flushes and compactions", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  for (let i = 0; i < 50; i++) await db.put(`k${i}`, "v1");
  const first = db.snapshot();
  for (let i = 0; i < 50; i += 2) await db.put(`k${i}`, "v2");
  await db.flush();
  const second = db.snapshot();
  for (let i = 0; i < 50; i += 5) await db.delete(`k${i}`);
  await flushAndSettle(db);
  assert.equal(db.stats().compactions, 1);
  for (let i = 0; i < 50; i++) {
    assert.equal(text(await db.get(`k${i}`, { snapshot: first })), "v1", `k${i} at first`);
    assert.equal(
      text(await db.get(`k${i}`, { snapshot: second })),
      i % 2 === 0 ? "v2" : "v1",
      `k${i} at second`,
    );
    assert.equal(
      text(await db.get(`k${i}`)),
      i % 5 === 0 ? undefined : i % 2 === 0 ? "v2" : "v1",
      `k${i} now`,
    );
  }
  assert.equal((await scanText(db, { snapshot: first })).length, 50);
  assert.equal((await scanText(db, { snapshot: second, reverse: true })).length, 50);
  assert.equal((await scanText(db)).length, 40);
  first.release();
  second.release();
});

Deno.test("Db compaction drops old versions once no snapshot needs them", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  const big = "x".repeat(20_000);
  await db.put("a", big);
  await db.put("b", big);
  await db.flush();
  const snapshot = db.snapshot();
  await db.put("a", "small");
  await db.delete("b");
  await flushAndSettle(db);
  assert.equal(db.stats().compactions, 1);
  assert.ok(db.stats().levels[1]!.bytes > 40_000, "old versions kept for the snapshot");
  assert.equal(text(await db.get("a", { snapshot })), big);
  assert.equal(text(await db.get("b", { snapshot })), big);
  snapshot.release();
  // Keys inside [a, b], so that the next compaction rewrites the level-1 table.
  await db.put("a1", "1");
  await db.flush();
  await db.put("a1", "2");
  await flushAndSettle(db);
  assert.equal(db.stats().compactions, 2);
  assert.ok(
    db.stats().levels[1]!.bytes < 5_000,
    `old versions dropped: ${db.stats().levels[1]!.bytes}`,
  );
  assert.deepEqual(await scanText(db), [["a", "small"], ["a1", "2"]]);
});

Deno.test("Db snapshots declared with using are released at the end of the block", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("k", "v");
  let kept: Snapshot;
  {
    using snapshot = db.snapshot();
    kept = snapshot;
    assert.equal(db.stats().snapshots, 1);
    assert.equal(snapshot.released, false);
    assert.equal(snapshot.sequence, 1);
  }
  assert.equal(db.stats().snapshots, 0);
  assert.equal(kept.released, true);
  kept.release();
  assert.equal(db.stats().snapshots, 0);
});

Deno.test("Db.get() and Db.scan() with a released snapshot reject with ClosedError", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("k", "v");
  const snapshot = db.snapshot();
  snapshot.release();
  await assert.rejects(db.get("k", { snapshot }), ClosedError);
  await assert.rejects(scanText(db, { snapshot }), ClosedError);
  await assert.rejects(db.get("k", { snapshot: new Snapshot(1) }), ClosedError);
});

Deno.test("Db.get() and Db.scan() with another database's snapshot reject with TypeError", async () => {
  const vfs = new MemVfs();
  await using one = await Db.open("/one", { vfs });
  await using two = await Db.open("/two", { vfs });
  await one.put("k", "v");
  await two.put("k", "w");
  using snapshot = one.snapshot();
  await assert.rejects(two.get("k", { snapshot }), TypeError);
  await assert.rejects(scanText(two, { snapshot }), TypeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(two.get("k", { snapshot: { sequence: 1 } as any }), TypeError);
  assert.equal(text(await one.get("k", { snapshot })), "v");
});

Deno.test("Db.get() with a snapshot after close() rejects with ClosedError", async () => {
  const db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("k", "v");
  const snapshot = db.snapshot();
  await db.close();
  await assert.rejects(db.get("k", { snapshot }), ClosedError);
  snapshot.release();
});

Deno.test("Db snapshots taken between random writes each keep their own view", async () => {
  const seed = testSeed("snapshot views");
  const prng = new Prng(seed);
  await using db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  const model = new Model();
  const views: { snapshot: Snapshot; model: Model }[] = [];
  for (let round = 0; round < 6; round++) {
    await randomOps(db, model, prng, 120, round % 2 === 0 ? 800 : 20);
    views.push({ snapshot: db.snapshot(), model: model.clone() });
    if (round % 2 === 1) await flushAndSettle(db);
    else await db.flush();
  }
  await flushAndSettle(db);
  for (const [index, view] of views.entries()) {
    assert.deepEqual(
      await scanBinary(db, { snapshot: view.snapshot }),
      view.model.scan(),
      `snapshot ${index} (seed ${seed})`,
    );
    assert.deepEqual(
      await scanBinary(db, { snapshot: view.snapshot, reverse: true }),
      view.model.scan({ reverse: true }),
      `snapshot ${index} reversed (seed ${seed})`,
    );
    view.snapshot.release();
  }
  assert.deepEqual(await scanBinary(db), model.scan(), `now (seed ${seed})`);
});
