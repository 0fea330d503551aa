import assert from "node:assert/strict";
import { CorruptionError } from "../../src/errors.ts";
import { RecordLog } from "../../src/record/record_log.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { recordData } from "../_helpers/record_data.ts";
import { rewriteFile } from "../_helpers/rewrite_file.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

const PREALLOCATE = 16 * 1024;
const SEGMENT = "/wal/000001.log";

async function openLog(vfs: MemVfs): Promise<RecordLog> {
  return await RecordLog.open("/wal", { vfs, preallocate: PREALLOCATE, segmentSize: 64 * 1024 });
}

Deno.test("RecordLog with preallocate keeps zeros ahead of its records and cuts them on close", async () => {
  const vfs = new MemVfs();
  const log = await openLog(vfs);
  const positions = [];
  for (let i = 0; i < 5; i++) positions.push(await log.append(recordData(i, 3000)));
  const end = log.stats().endPosition;
  // The first write past the file's end wrote PREALLOCATE zeros after itself.
  assert.ok(fileContents(vfs, SEGMENT).length > end, "zeros ahead");
  assert.deepEqual(
    fileContents(vfs, SEGMENT).subarray(end),
    new Uint8Array(fileContents(vfs, SEGMENT).length - end),
  );
  await log.close();
  assert.equal(fileContents(vfs, SEGMENT).length, end, "close cuts the zeros");
  const again = await openLog(vfs);
  assert.equal(again.stats().tornBytesRepaired, 0);
  assert.deepEqual(
    [...again.records()].map((r) => r.data),
    [0, 1, 2, 3, 4].map((i) => recordData(i, 3000)),
  );
  for (const [i, position] of positions.entries()) {
    assert.deepEqual(again.read(position), recordData(i, 3000));
  }
  await again.close();
});

Deno.test("RecordLog with preallocate cuts each finished segment to its last record", async () => {
  const vfs = new MemVfs();
  const log = await openLog(vfs);
  for (let i = 0; i < 40; i++) await log.append(recordData(i, 5000));
  const stats = log.stats();
  assert.ok(stats.segments >= 3, `segments: ${stats.segments}`);
  await log.close();
  const again = await openLog(vfs);
  assert.equal([...again.records()].length, 40, "the base position chain holds");
  await again.close();
});

Deno.test("RecordLog with preallocate repairs unsynced writes that reached the disk out of order", async () => {
  const vfs = new MemVfs();
  const log = await openLog(vfs);
  const durable = await log.append(recordData(0, 100));
  const torn = await Promise.all(
    [1, 2, 3].map((i) => log.append(recordData(i, 3000), { sync: false })),
  );
  // The page holding record 1 never reached the disk; the later pages did.
  await rewriteFile(vfs, SEGMENT, (bytes) => bytes.fill(0, torn[0]!, torn[1]!));
  vfs.crash();
  const again = await openLog(vfs);
  assert.deepEqual([...again.records()].map((r) => r.position), [durable]);
  assert.ok(again.stats().tornBytesRepaired > 0);
  assert.deepEqual(again.read(durable), recordData(0, 100));
  const next = await again.append(recordData(9, 10));
  assert.deepEqual(again.read(next), recordData(9, 10));
  await again.close();
});

Deno.test("RecordLog with preallocate reports damage a later write proves durable as corruption", async () => {
  const vfs = new MemVfs();
  const log = await openLog(vfs);
  const first = await log.append(recordData(0, 100));
  const second = await log.append(recordData(1, 100));
  await log.append(recordData(2, 100));
  vfs.crash();
  // Record 1 was synced before record 2's group was written, which says so.
  await rewriteFile(vfs, SEGMENT, (bytes) => {
    bytes[second + 20] = bytes[second + 20]! ^ 0xff;
    return bytes;
  });
  const error = await openLog(vfs).then(() => undefined, (e) => e);
  assert.ok(error instanceof CorruptionError, String(error));
  assert.equal(error.file, SEGMENT);
  assert.equal(error.offset, second);
  const skipping = await RecordLog.open("/wal", { vfs, recovery: "skip" });
  assert.deepEqual([...skipping.records()].map((r) => r.data), [
    recordData(0, 100),
    recordData(2, 100),
  ]);
  assert.deepEqual(skipping.read(first), recordData(0, 100));
  await skipping.close();
});
