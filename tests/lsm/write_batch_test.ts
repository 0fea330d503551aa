import assert from "node:assert/strict";
import { Db } from "../../src/lsm/db.ts";
import { MAX_BATCH_SIZE, MAX_VALUE_SIZE } from "../../src/lsm/_keys.ts";
import { WriteBatch } from "../../src/lsm/write_batch.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { scanText, SMALL_OPTIONS, text, utf8 } from "../_helpers/db_fixture.ts";

Deno.test("WriteBatch methods chain and count operations and bytes", () => {
  const batch = new WriteBatch();
  assert.equal(batch.count, 0);
  assert.equal(batch.byteSize, 0);
  const returned = batch.put("ab", "cde").delete("f").put(new Uint8Array(4), "");
  assert.equal(returned, batch);
  assert.equal(batch.count, 3);
  assert.equal(batch.byteSize, 2 + 3 + 1 + 4);
  batch.put("é", "✓");
  assert.equal(batch.byteSize, 10 + 2 + 3, "strings count their UTF-8 bytes");
});

Deno.test("WriteBatch copies the caller's arrays when operations are added", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  const key = utf8("key");
  const value = utf8("value");
  const batch = db.batch().put(key, value);
  key.set(utf8("KEY"));
  value.fill(0);
  await batch.commit();
  assert.equal(text(await db.get("key")), "value");
  assert.equal(await db.get("KEY"), undefined);
});

Deno.test("WriteBatch: later operations on the same key win", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  await db.put("d", "old");
  await db.batch()
    .put("a", "1").put("a", "2")
    .put("b", "1").delete("b")
    .delete("c").put("c", "3")
    .delete("d")
    .commit();
  const expected = [["a", "2"], ["c", "3"]];
  assert.deepEqual(await scanText(db), expected);
  assert.equal(await db.get("b"), undefined);
  assert.equal(await db.get("d"), undefined);
  await db.flush();
  assert.deepEqual(await scanText(db), expected, "after a flush");
});

Deno.test("WriteBatch keeps its order after WAL replay", async () => {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs });
    await db.batch().put("a", "1").delete("a").put("b", "1").put("b", "2").commit();
    await db.write(new WriteBatch().delete("b").put("a", "3"));
  }
  await using db = await Db.open("/db", { vfs });
  assert.deepEqual(await scanText(db), [["a", "3"]]);
  assert.equal(db.stats().lastSequence, 6);
});

Deno.test("WriteBatch: committing an empty batch resolves and writes nothing", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  const before = db.stats();
  await db.batch().commit();
  await db.write(new WriteBatch());
  assert.equal(db.stats().lastSequence, before.lastSequence);
  assert.equal(db.stats().walBytes, before.walBytes);
});

Deno.test("WriteBatch may be committed again and reused after a commit", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  const batch = db.batch().put("a", "1");
  await batch.commit();
  await db.put("a", "changed");
  await batch.commit();
  assert.equal(text(await db.get("a")), "1");
  batch.put("b", "2");
  await db.write(batch);
  assert.deepEqual(await scanText(db), [["a", "1"], ["b", "2"]]);
  assert.equal(db.stats().lastSequence, 1 + 1 + 1 + 2);
});

Deno.test("WriteBatch.commit() of a batch not made by Db.batch() rejects with TypeError", async () => {
  const batch = new WriteBatch().put("a", "1");
  await assert.rejects(batch.commit(), TypeError);
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.write(batch);
  assert.equal(text(await db.get("a")), "1");
  // deno-lint-ignore no-explicit-any
  await assert.rejects(db.write({ commit() {} } as any), TypeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(db.write(undefined as any), TypeError);
});

Deno.test("WriteBatch rejects an operation that would pass MAX_BATCH_SIZE with RangeError", () => {
  const value = new Uint8Array(MAX_VALUE_SIZE);
  const batch = new WriteBatch();
  let added = 0;
  while (batch.byteSize + 1 + value.length <= MAX_BATCH_SIZE) {
    batch.put(`k${added++}`, value);
  }
  const { count, byteSize } = batch;
  assert.throws(() => batch.put("over", value), RangeError);
  assert.throws(() => batch.put("o", new Uint8Array(MAX_BATCH_SIZE - byteSize)), RangeError);
  assert.equal(batch.count, count, "the failed put added nothing");
  assert.equal(batch.byteSize, byteSize);
  batch.put("o", new Uint8Array(MAX_BATCH_SIZE - byteSize - 1));
  assert.equal(batch.byteSize, MAX_BATCH_SIZE);
  assert.throws(() => batch.delete("x"), RangeError);
});

Deno.test("WriteBatch: an operation that throws leaves the batch as it was", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  const batch = db.batch().put("a", "1").put("b", "2");
  assert.throws(() => batch.put(7 as unknown as string, "x"), TypeError);
  await batch.commit();
  assert.deepEqual(await scanText(db), [["a", "1"], ["b", "2"]]);
});

Deno.test("WriteBatch of nearly MAX_BATCH_SIZE bytes commits whole and survives reopen", async () => {
  const vfs = new MemVfs();
  const value = new Uint8Array(MAX_VALUE_SIZE - 8).fill(7);
  {
    await using db = await Db.open("/db", { vfs });
    const batch = db.batch().put("a", value).put("b", value).put("c", value);
    assert.ok(batch.byteSize > MAX_BATCH_SIZE - 64);
    await batch.commit();
    assert.equal((await db.get("c"))?.length, value.length);
  }
  await using db = await Db.open("/db", { vfs });
  for (const key of ["a", "b", "c"]) {
    const found = await db.get(key);
    assert.equal(found?.length, value.length, key);
    assert.ok(found!.every((byte) => byte === 7), key);
  }
});
