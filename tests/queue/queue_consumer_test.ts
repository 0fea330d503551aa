import assert from "node:assert/strict";
import { DurableQueue } from "../../src/queue/mod.ts";
import { ClosedError, LockedError } from "../../src/errors.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { text } from "../_helpers/queue_text.ts";

const DIR = "/queue";

Deno.test("QueueConsumer.receive() delivers items in order and ack() settles them", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const c = q.consumer("billing");
  await q.write("a", "b");
  const first = await c.receive();
  const second = await c.receive();
  assert.deepEqual([first?.index, second?.index], [1, 2]);
  assert.equal(text(first?.data), "a");
  assert.equal(await c.receive({ timeoutMs: 5 }), undefined);
  await c.ack(first!);
  await c.ack(second!);
  assert.equal(q.length, 0);
  await q.close();
});

Deno.test("QueueConsumer.receive() waits for an item written later", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const c = q.consumer("worker");
  const waiting = c.receive({ timeoutMs: 5000 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await q.write("late");
  assert.equal(text((await waiting)?.data), "late");
  await q.close();
});

Deno.test("QueueConsumer.receive() rejects with the signal's reason when it aborts", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const c = q.consumer("worker");
  const controller = new AbortController();
  const waiting = c.receive({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  await q.close();
});

Deno.test("An item not acknowledged within the visibility timeout is delivered again", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const c = q.consumer("worker", { visibilityTimeoutMs: 10 });
  await q.write("job");
  const first = await c.receive();
  const again = await c.receive({ timeoutMs: 1000 });
  assert.equal(again?.index, first?.index);
  assert.equal(again?.attempt, 2);
  await q.close();
});

Deno.test("A nacked item comes back after the backoff, then goes to the dead letters after maxAttempts", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const c = q.consumer("worker", { maxAttempts: 3, backoffMs: 2 });
  await q.write("poison", "fine");
  const attempts: number[] = [];
  for (;;) {
    const message = await c.receive({ timeoutMs: 200 });
    if (message === undefined) break;
    if (text(message.data) === "fine") {
      await c.ack(message);
      continue;
    }
    attempts.push(message.attempt);
    await c.nack(message);
  }
  assert.deepEqual(attempts, [1, 2, 3]);
  const dead = await c.deadLetters();
  assert.deepEqual(dead.map((message) => text(message.data)), ["poison"]);
  assert.equal(q.length, 1);
  await c.ack(dead[0]!);
  assert.equal(q.length, 0);
  assert.deepEqual(await c.deadLetters(), []);
  await q.close();
});

Deno.test("Acknowledgements and dead letters survive a crash; unacknowledged items come again", async () => {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs });
  const c = q.consumer("worker", { maxAttempts: 1 });
  await q.write("acked", "leased", "dead");
  await c.ack((await c.receive())!);
  await c.receive();
  await c.nack((await c.receive())!);
  vfs.crash();
  const again = await DurableQueue.open(DIR, { vfs });
  const c2 = again.consumer("worker", { maxAttempts: 2 });
  const message = await c2.receive({ timeoutMs: 10 });
  assert.equal(text(message?.data), "leased");
  assert.equal(message?.attempt, 2);
  assert.deepEqual((await c2.deadLetters()).map((m) => text(m.data)), ["dead"]);
  await again.close();
});

Deno.test("An item is settled only when every consumer acknowledged it", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const a = q.consumer("a");
  const b = q.consumer("b");
  await q.write("shared");
  await a.ack((await a.receive())!);
  assert.equal(q.length, 1);
  await b.ack((await b.receive())!);
  assert.equal(q.length, 0);
  await q.close();
});

Deno.test("A consumer name is served by one consumer at a time", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const c = q.consumer("worker");
  assert.throws(() => q.consumer("worker"), LockedError);
  c.close();
  q.consumer("worker");
  await q.close();
});

Deno.test("A receive() waiting when the queue closes rejects with ClosedError", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const waiting = q.consumer("worker").receive();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await q.close();
  await assert.rejects(waiting, ClosedError);
});
