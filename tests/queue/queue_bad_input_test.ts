import assert from "node:assert/strict";
import { DurableQueue } from "../../src/queue/mod.ts";
import { ClosedError } from "../../src/errors.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { text } from "../_helpers/queue_text.ts";

const DIR = "/queue";

Deno.test("DurableQueue.open() rejects bad paths and options with TypeError or RangeError", async () => {
  const vfs = new MemVfs();
  await assert.rejects(DurableQueue.open(""), TypeError);
  await assert.rejects(DurableQueue.open(42 as unknown as string), TypeError);
  const cases: [Record<string, unknown>, ErrorConstructor][] = [
    [{ maxFiles: 1 }, RangeError],
    [{ maxFiles: 2.5 }, RangeError],
    [{ maxFiles: "3" }, TypeError],
    [{ maxFileSize: 100 }, RangeError],
    [{ maxChunk: 0.5 }, RangeError],
    [{ maxChunk: "big" }, TypeError],
    [{ filePrefix: "a/b" }, TypeError],
    [{ fileLocking: "yes" }, TypeError],
    [{ sync: 1 }, TypeError],
    [{ whenFull: "drop" }, TypeError],
    [{ pollIntervalMs: 0 }, RangeError],
    [{ vfs: {} }, TypeError],
  ];
  for (const [options, kind] of cases) {
    await assert.rejects(
      DurableQueue.open(DIR, { vfs, ...options } as never),
      kind,
      JSON.stringify(options),
    );
  }
  assert.deepEqual(vfs.exists(DIR) ? vfs.list(DIR) : [], []);
});

Deno.test("Bad items, indices and consumer names throw typed errors and store nothing", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  await q.write("kept");
  await assert.rejects(q.write(), TypeError);
  await assert.rejects(q.write("ok", 7 as unknown as string), TypeError);
  await assert.rejects(q.read(0), RangeError);
  await assert.rejects(q.read(1.5), RangeError);
  await assert.rejects(q.delete(-1), RangeError);
  await assert.rejects(q.delete(1, Number.NaN), RangeError);
  assert.throws(() => q.consumer(""), TypeError);
  assert.throws(() => q.consumer("a b"), TypeError);
  assert.throws(() => q.consumer("x", { maxAttempts: 0 }), RangeError);
  assert.throws(() => q.consumer("x", { visibilityTimeoutMs: -5 }), RangeError);
  assert.throws(() => q.consumer("x", { backoffMs: "1" as unknown as number }), TypeError);
  const c = q.consumer("ok");
  await assert.rejects(c.receive({ timeoutMs: -1 }), RangeError);
  await assert.rejects(
    c.ack({ index: 1, data: new Uint8Array(), attempt: 1, consumer: "other" }),
    TypeError,
  );
  await assert.rejects(c.nack(null as never), TypeError);
  assert.equal(q.length, 1);
  assert.equal(text(await q.read()), "kept");
  await q.close();
});

Deno.test("Calls after close() throw ClosedError", async () => {
  const q = await DurableQueue.open(DIR, { vfs: new MemVfs() });
  const c = q.consumer("c");
  await q.close();
  await assert.rejects(q.write("x"), ClosedError);
  await assert.rejects(q.read(), ClosedError);
  await assert.rejects(q.delete(), ClosedError);
  assert.throws(() => q.consumer("d"), ClosedError);
  await assert.rejects(c.receive(), ClosedError);
  await q.close();
});
