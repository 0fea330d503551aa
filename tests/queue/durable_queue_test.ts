import assert from "node:assert/strict";
import { DurableQueue } from "../../src/queue/mod.ts";
import { QueueFullError } from "../../src/queue/errors.ts";
import { LockedError } from "../../src/errors.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { drain, text } from "../_helpers/queue_text.ts";

const DIR = "/queue";

Deno.test("DurableQueue.write() returns monotonic index ranges and read() returns items by index", async () => {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs });
  assert.deepEqual(await q.write("a", "b"), [1, 2]);
  assert.deepEqual(await q.write(new Uint8Array([1, 2, 3])), [3, 3]);
  assert.equal(text(await q.read()), "a");
  assert.equal(text(await q.read(2)), "b");
  assert.deepEqual(await q.read(3), new Uint8Array([1, 2, 3]));
  assert.equal(await q.read(4), undefined);
  assert.equal(q.length, 3);
  assert.ok(q.size > 0);
  await q.close();
});

Deno.test("DurableQueue keeps items and deletes across a reopen and a crash", async () => {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs });
  await q.write("a", "b", "c", "d");
  await q.delete();
  await q.delete(3);
  vfs.crash();
  const again = await DurableQueue.open(DIR, { vfs });
  assert.equal(again.length, 2);
  assert.deepEqual(await drain(again), ["b", "d"]);
  await again.close();
});

Deno.test("DurableQueue never reuses an index after everything is deleted and reopened", async () => {
  const vfs = new MemVfs();
  const options = { vfs, maxFileSize: 4096 };
  let q = await DurableQueue.open(DIR, options);
  for (let i = 0; i < 300; i++) await q.write(`item ${i}`);
  assert.equal((await drain(q)).length, 300);
  assert.equal(q.length, 0);
  await q.close();
  q = await DurableQueue.open(DIR, options);
  assert.deepEqual(await q.write("next"), [301, 301]);
  await q.close();
});

Deno.test("DurableQueue removes a segment as soon as all its items are deleted, not only at the front", async () => {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs, maxFileSize: 4096 });
  const payload = "x".repeat(1000);
  for (let i = 0; i < 12; i++) await q.write(payload);
  const files = () => vfs.list(DIR).filter((name) => name.endsWith(".items"));
  const before = files();
  assert.ok(before.length >= 3);
  // The items of the second segment: find them by deleting until a file goes.
  await q.delete(5, 6, 7, 8);
  assert.equal(files().length, before.length - 1);
  assert.equal(q.length, 8);
  assert.equal(text(await q.read()), payload);
  await q.close();
  const again = await DurableQueue.open(DIR, { vfs });
  assert.equal(again.length, 8);
  assert.equal(await again.read(6), undefined);
  await again.close();
});

Deno.test("DurableQueue holds up to maxChunk bytes of items in memory, none with 0, all when negative", async () => {
  for (const [maxChunk, expectHits] of [[-1, 50], [0, 0], [300, 30]] as const) {
    const q = await DurableQueue.open(DIR, { vfs: new MemVfs(), maxChunk, maxFileSize: 4096 });
    for (let i = 0; i < 50; i++) await q.write("0123456789");
    for (let i = 1; i <= 50; i++) assert.equal(text(await q.read(i)), "0123456789");
    const stats = q.stats();
    if (maxChunk < 0) assert.equal(stats.cacheHits, expectHits);
    if (maxChunk === 0) {
      assert.equal(stats.cachedBytes, 0);
      assert.equal(stats.diskReads, 50);
    }
    if (maxChunk > 0) assert.ok(stats.cachedBytes <= maxChunk);
    await q.close();
  }
});

Deno.test("DurableQueue.write() rejects with QueueFullError when full and whenFull is error", async () => {
  const q = await DurableQueue.open(DIR, {
    vfs: new MemVfs(),
    maxFiles: 2,
    maxFileSize: 4096,
    whenFull: "error",
  });
  const payload = "y".repeat(1500);
  let written = 0;
  await assert.rejects(async () => {
    for (;;) {
      await q.write(payload);
      written++;
    }
  }, QueueFullError);
  assert.equal(q.length, written);
  await q.delete(1, 2, 3);
  await q.write(payload);
  await q.close();
});

Deno.test("DurableQueue.write() waits for room when full and whenFull is wait", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs(), maxFiles: 2, maxFileSize: 4096 });
  const payload = "z".repeat(1500);
  for (let i = 0; i < 6; i++) await q.write(payload);
  let done = false;
  const pending = q.write("late").then((range) => {
    done = true;
    return range;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(done, false);
  await q.delete(1, 2, 3);
  assert.deepEqual(await pending, [7, 7]);
  await q.close();
});

Deno.test("DurableQueue.open() throws LockedError for a second owner without fileLocking", async () => {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs });
  await assert.rejects(DurableQueue.open(DIR, { vfs }), LockedError);
  await q.close();
  await (await DurableQueue.open(DIR, { vfs })).close();
});

Deno.test("DurableQueue.prune() removes every file of the queue", async () => {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs, filePrefix: "jobs-" });
  await q.write("a");
  vfs.open(`${DIR}/other.txt`, { create: true }).close();
  await q.prune();
  assert.deepEqual(vfs.list(DIR), ["other.txt"]);
});

Deno.test("Two queues with different file prefixes share a directory", async () => {
  const vfs = new MemVfs();
  const a = await DurableQueue.open(DIR, { vfs, filePrefix: "a-" });
  const b = await DurableQueue.open(DIR, { vfs, filePrefix: "b-" });
  await a.write("for a");
  await b.write("for b");
  assert.equal(text(await a.read()), "for a");
  assert.equal(text(await b.read()), "for b");
  await a.close();
  await b.close();
});

Deno.test("DurableQueue counts writes, deliveries and acks in stats() and a metrics registry", async () => {
  const metrics = new MetricsRegistry();
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs(), metrics });
  const c = q.consumer("c", { maxAttempts: 1 });
  await q.write("a", "bb");
  await c.ack((await c.receive())!);
  await c.nack((await c.receive())!);
  const stats = q.stats();
  assert.equal(stats.itemsWritten, 2);
  assert.equal(stats.writtenBytes, 3);
  assert.equal(stats.deliveries, 2);
  assert.equal(stats.acks, 1);
  assert.equal(stats.nacks, 1);
  assert.equal(stats.deadLetters, 1);
  assert.ok(stats.syncs > 0 && stats.groups > 0);
  const written = metrics.counter("cairn_queue_items_written_total", "", {
    labels: { queue: "queue" },
  });
  assert.equal(written.value, 2);
  await q.close();
});
