// Several openers of one directory with fileLocking (as separate processes would be; the
// real-process test is queue_killed_process_test.ts): appends are serialized, each sees
// what the others append without reopening, and a consumer name has one server.

import assert from "node:assert/strict";
import { DurableQueue } from "../../src/queue/mod.ts";
import { LockedError } from "../../src/errors.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { text } from "../_helpers/queue_text.ts";

const DIR = "/queue";

Deno.test("With fileLocking two openers append in turn and read each other's items", async () => {
  const vfs = new MemVfs();
  const options = { vfs, fileLocking: true, maxFileSize: 4096 };
  const a = await DurableQueue.open(DIR, options);
  const b = await DurableQueue.open(DIR, options);
  const writes = [];
  for (let i = 0; i < 40; i++) {
    writes.push(a.write(`a${i}`.padEnd(200, ".")), b.write(`b${i}`.padEnd(200, ".")));
  }
  const ranges = await Promise.all(writes);
  const indices = ranges.map(([first]) => first).sort((x, y) => x - y);
  assert.deepEqual(indices, Array.from({ length: 80 }, (_, i) => i + 1));
  await a.refresh();
  await b.refresh();
  assert.equal(a.length, 80);
  assert.equal(b.length, 80);
  for (const [first] of ranges) assert.equal(text(await a.read(first)), text(await b.read(first)));
  await a.delete(1, 2, 3);
  await b.refresh();
  assert.equal(b.length, 77);
  assert.equal(text(await b.read())?.length, 200);
  await a.close();
  await b.close();
  const again = await DurableQueue.open(DIR, { vfs, maxFileSize: 4096 });
  assert.equal(again.length, 77);
  await again.close();
});

Deno.test("A consumer in one opener receives items another opener writes, and its acks remove segments", async () => {
  const vfs = new MemVfs();
  const options = { vfs, fileLocking: true, maxFileSize: 4096, pollIntervalMs: 1 };
  const producer = await DurableQueue.open(DIR, options);
  const consumerSide = await DurableQueue.open(DIR, options);
  const worker = consumerSide.consumer("worker");
  const received: number[] = [];
  const consuming = (async () => {
    while (received.length < 60) {
      const message = await worker.receive({ timeoutMs: 2000 });
      assert.ok(message !== undefined, `timed out after ${received.length}`);
      received.push(Number(text(message.data)!.split(" ")[1]));
      await worker.ack(message);
    }
  })();
  for (let i = 0; i < 60; i++) await producer.write(`item ${i} `.padEnd(300, "-"));
  await consuming;
  assert.deepEqual(received, Array.from({ length: 60 }, (_, i) => i));
  await producer.refresh();
  assert.equal(producer.length, 0);
  const items = vfs.list(DIR).filter((name) => name.endsWith(".items"));
  assert.equal(items.length, 1);
  await producer.close();
  await consumerSide.close();
});

Deno.test("With fileLocking one opener at a time serves a consumer name", async () => {
  const vfs = new MemVfs();
  const options = { vfs, fileLocking: true };
  const a = await DurableQueue.open(DIR, options);
  const b = await DurableQueue.open(DIR, options);
  const worker = a.consumer("worker");
  assert.throws(() => b.consumer("worker"), LockedError);
  worker.close();
  b.consumer("worker");
  await a.close();
  await b.close();
});

Deno.test("A single owner and sharers of a directory exclude each other with LockedError", async () => {
  const vfs = new MemVfs();
  const owner = await DurableQueue.open(DIR, { vfs });
  await assert.rejects(DurableQueue.open(DIR, { vfs, fileLocking: true }), LockedError);
  await owner.close();
  const sharer = await DurableQueue.open(DIR, { vfs, fileLocking: true });
  const appending = sharer.write("shared");
  await assert.rejects(DurableQueue.open(DIR, { vfs }), LockedError);
  await appending;
  await sharer.close();
});

Deno.test("A sharer's write rejects with LockedError while a single owner holds the directory", async () => {
  const vfs = new MemVfs();
  const sharer = await DurableQueue.open(DIR, { vfs, fileLocking: true });
  const owner = await DurableQueue.open(DIR, { vfs });
  await assert.rejects(sharer.write("refused"), LockedError);
  await owner.close();
  assert.deepEqual(await sharer.write("accepted"), [1, 1]);
  await sharer.close();
});
