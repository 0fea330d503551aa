import assert from "node:assert/strict";
import { CorruptionError } from "../../src/errors.ts";
import { readFramedRecord, RecordFramer, RecordScanner } from "../../src/record/framing.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { recordData } from "../_helpers/record_data.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

/** A file of framed records of the given sizes after a 16-byte header; their offsets. */
function framedFile(sizes: number[], frameId = 3) {
  const vfs = new MemVfs();
  const file = vfs.open("/f", { create: true });
  file.append(new Uint8Array(16));
  const framer = new RecordFramer(frameId, 16);
  const offsets = sizes.map((size, i) => framer.add(recordData(i, size)));
  file.append(framer.bytes());
  assert.equal(file.size(), framer.end);
  return { vfs, file, offsets };
}

Deno.test("RecordFramer frames records across blocks that RecordScanner and readFramedRecord read back", () => {
  const sizes = [10, 40_000, 0, 32_757, 5, 100_000];
  const { file, offsets } = framedFile(sizes);
  const scanner = new RecordScanner(file, 3, 16, file.size());
  for (const [i, size] of sizes.entries()) {
    const step = scanner.next();
    assert.equal(step.kind, "record");
    if (step.kind !== "record") continue;
    assert.equal(step.offset, offsets[i]);
    assert.deepEqual(step.data, recordData(i, size));
    assert.deepEqual(readFramedRecord(file, 3, offsets[i]!, file.size()), recordData(i, size));
  }
  assert.equal(scanner.next().kind, "end");
  assert.equal(scanner.offset, file.size());
});

Deno.test("RecordScanner reports damage, and validChunkAfter tells a torn tail from corruption", () => {
  const { vfs, file, offsets } = framedFile([100, 100, 100]);
  const bytes = fileContents(vfs, "/f");
  // Damage the middle record: a valid chunk follows, so it is corruption.
  bytes[offsets[1]! + 20] = bytes[offsets[1]! + 20]! ^ 1;
  const damaged = vfs.open("/g", { create: true });
  damaged.append(bytes);
  const scanner = new RecordScanner(damaged, 3, 16, damaged.size());
  assert.equal(scanner.next().kind, "record");
  const step = scanner.next();
  assert.equal(step.kind, "damage");
  if (step.kind === "damage") {
    assert.equal(step.offset, offsets[1]);
    assert.equal(scanner.validChunkAfter(step.offset), true);
  }
  assert.throws(() => readFramedRecord(damaged, 3, offsets[1]!, damaged.size()), CorruptionError);
  // Cut the last record short: nothing valid follows, a torn tail.
  const torn = new RecordScanner(file, 3, offsets[2]!, file.size() - 30);
  const tail = torn.next();
  assert.equal(tail.kind, "damage");
  if (tail.kind === "damage") assert.equal(torn.validChunkAfter(tail.offset), false);
  // Another frame id: every chunk fails its check.
  assert.equal(new RecordScanner(file, 4, 16, file.size()).next().kind, "damage");
});
