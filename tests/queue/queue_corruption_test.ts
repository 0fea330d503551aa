// One test per way the queue's files can be damaged: a torn tail is repaired, every other
// damage raises CorruptionError naming the file and offset, and wrong bytes are never
// returned.

import assert from "node:assert/strict";
import { DurableQueue } from "../../src/queue/mod.ts";
import { CorruptionError } from "../../src/errors.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { encodeFileHeader, FileKind } from "../../src/queue/_format.ts";
import { cutFile, flipByte, rewriteFile } from "../_helpers/rewrite_file.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";
import { text } from "../_helpers/queue_text.ts";

const DIR = "/queue";
const OPTIONS = { maxFileSize: 4096, maxChunk: 0 };
const ITEM = "i".repeat(900);

/** A closed queue of 12 items of 900 bytes in segments of items 1–5, 6–10, 11–12; 1 and 5 deleted. */
async function makeQueue(): Promise<MemVfs> {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  for (let i = 0; i < 12; i++) await q.write(ITEM);
  await q.delete(1, 5);
  await q.close();
  return vfs;
}

/** A closed queue of items "a", "b", "c" with two DELETE records (of 1, then of 2). */
async function makeDeletes(): Promise<MemVfs> {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  await q.write("a", "b", "c");
  await q.delete(1);
  await q.delete(2);
  await q.close();
  return vfs;
}

async function assertCorrupt(vfs: MemVfs, file: string, offset?: number): Promise<void> {
  const error = await DurableQueue.open(DIR, { vfs, ...OPTIONS }).then(
    async (q) => void await q.close(),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof CorruptionError, `expected CorruptionError, got ${error}`);
  assert.equal(error.file, `${DIR}/${file}`);
  if (offset !== undefined) assert.equal(error.offset, offset);
}

Deno.test("A torn tail of the newest items file is cut off and the items before it kept", async () => {
  const vfs = await makeQueue();
  const path = `${DIR}/000003.items`;
  await cutFile(vfs, path, fileContents(vfs, path).length - 100);
  const q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  assert.equal(q.length, 9);
  assert.equal(await q.read(12), undefined);
  assert.deepEqual(await q.write("new"), [12, 12]);
  await q.close();
});

Deno.test("A flipped byte in an older items file raises CorruptionError at its offset", async () => {
  const vfs = await makeQueue();
  await flipByte(vfs, `${DIR}/000002.items`, 32 + 11 + 100);
  await assertCorrupt(vfs, "000002.items", 32);
});

Deno.test("Damage in the newest items file that valid records follow is corruption, not a torn tail", async () => {
  const vfs = await makeQueue();
  await flipByte(vfs, `${DIR}/000003.items`, 32 + 5);
  await assertCorrupt(vfs, "000003.items", 32);
});

Deno.test("A damaged items file header raises CorruptionError at offset 0", async () => {
  const vfs = await makeQueue();
  await flipByte(vfs, `${DIR}/000002.items`, 2);
  await assertCorrupt(vfs, "000002.items", 0);
});

Deno.test("A missing items file of a middle segment raises CorruptionError", async () => {
  const vfs = await makeQueue();
  vfs.remove(`${DIR}/000002.items`);
  vfs.remove(`${DIR}/000002.state`);
  await assertCorrupt(vfs, "000002.items", 0);
});

Deno.test("A missing state file raises CorruptionError instead of bringing deleted items back", async () => {
  const vfs = await makeQueue();
  vfs.remove(`${DIR}/000001.state`);
  await assertCorrupt(vfs, "000001.state", 0);
});

Deno.test("An older items file cut short raises CorruptionError", async () => {
  const vfs = await makeQueue();
  const path = `${DIR}/000001.items`;
  await cutFile(vfs, path, fileContents(vfs, path).length - 919);
  await assertCorrupt(vfs, "000002.items", 20);
});

Deno.test("A damaged state record that valid records follow raises CorruptionError", async () => {
  const vfs = await makeDeletes();
  await flipByte(vfs, `${DIR}/000001.state`, 32 + 12);
  await assertCorrupt(vfs, "000001.state", 32);
});

Deno.test("A torn tail of a state file is cut off", async () => {
  const vfs = await makeDeletes();
  const path = `${DIR}/000001.state`;
  await cutFile(vfs, path, fileContents(vfs, path).length - 2);
  const again = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  assert.equal(text(await again.read()), "b");
  await again.delete(2);
  await again.close();
});

Deno.test("A missing meta file raises CorruptionError", async () => {
  const vfs = await makeQueue();
  vfs.remove(`${DIR}/queue.meta`);
  await assertCorrupt(vfs, "queue.meta", 0);
});

Deno.test("A damaged meta record that valid records follow raises CorruptionError", async () => {
  const vfs = new MemVfs();
  const q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  q.consumer("a");
  q.consumer("b");
  await q.write("x");
  await q.close();
  await flipByte(vfs, `${DIR}/queue.meta`, 32 + 14);
  await assertCorrupt(vfs, "queue.meta", 32);
});

Deno.test("An items file renamed over another fails its header check", async () => {
  const vfs = await makeQueue();
  await rewriteFile(vfs, `${DIR}/000002.items`, () => fileContents(vfs, `${DIR}/000003.items`));
  await assertCorrupt(vfs, "000002.items", 0);
});

Deno.test("read() of an item damaged after open raises CorruptionError, never wrong bytes", async () => {
  const vfs = await makeQueue();
  const q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  const file = vfs.open(`${DIR}/000003.items`);
  const bytes = fileContents(vfs, `${DIR}/000003.items`);
  file.truncate(32 + 11 + 400);
  bytes[32 + 11 + 400] = bytes[32 + 11 + 400]! ^ 1;
  file.append(bytes.subarray(32 + 11 + 400));
  file.close();
  await assert.rejects(q.read(11), CorruptionError);
  assert.equal(text(await q.read(12)), ITEM);
  await q.close();
});

Deno.test("A segment whose creation a killed writer cut short is repaired on open", async () => {
  const vfs = await makeQueue();
  // Segment 4 started with its items file whole and its state file still empty.
  const items = vfs.open(`${DIR}/000004.items`, { create: true });
  items.append(encodeFileHeader({ kind: FileKind.ITEMS, fileId: 4, firstIndex: 13 }));
  items.close();
  vfs.open(`${DIR}/000004.state`, { create: true }).close();
  let q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  assert.deepEqual(await q.write("next"), [13, 13]);
  await q.close();
  // Segment 5 cut short before its items file got its header.
  vfs.open(`${DIR}/000005.items`, { create: true }).close();
  q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  assert.equal(text(await q.read(13)), "next");
  assert.deepEqual(await q.write("again"), [14, 14]);
  await q.close();
  assert.ok(!vfs.list(DIR).includes("000005.items"));
});

Deno.test("A meta file whose creation was cut short is made again when no segment exists", async () => {
  const vfs = new MemVfs();
  vfs.mkdir(DIR);
  vfs.open(`${DIR}/queue.meta`, { create: true }).close();
  const q = await DurableQueue.open(DIR, { vfs, ...OPTIONS });
  assert.deepEqual(await q.write("first"), [1, 1]);
  await q.close();
});
