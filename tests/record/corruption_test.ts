import assert from "node:assert/strict";
import { CorruptionError } from "../../src/errors.ts";
import { type LogRecord, RecordLog } from "../../src/record/record_log.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { assertRecords, segmentPath, writeLog } from "../_helpers/record_data.ts";
import { cutFile, flipByte, rewriteFile } from "../_helpers/rewrite_file.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

const BLOCK = 32 * 1024;
const CHUNK_HEADER = 11;
const SIX = [100, 100, 100, 100, 100, 100];

/** A check for assert.throws/rejects: a CorruptionError naming `file` and `offset`. */
function corruptionAt(file: string, offset: number, detail?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof CorruptionError, `not a CorruptionError: ${error}`);
    assert.equal(error.file, file);
    assert.equal(error.offset, offset);
    if (detail !== undefined) assert.match(error.message, detail);
    return true;
  };
}

/** Opening must fail without changing a byte of any segment file. */
async function assertOpenFails(
  vfs: MemVfs,
  check: (error: unknown) => boolean,
): Promise<void> {
  const before = vfs.list("/wal").map((name) => fileContents(vfs, `/wal/${name}`));
  await assert.rejects(RecordLog.open("/wal", { vfs }), check);
  const after = vfs.list("/wal").map((name) => fileContents(vfs, `/wal/${name}`));
  assert.deepEqual(after, before, "a failed open changed the files");
}

// Each field of the chunk header of the third record, damaged in turn: checksum,
// length (smaller, larger, past the block), type, and the segment id's low bits.
const HEADER_DAMAGE: [string, (bytes: Uint8Array, at: number) => void, RegExp][] = [
  ["checksum", (bytes, at) => bytes[at + 1] = bytes[at + 1]! ^ 0x10, /checksum/],
  ["payload", (bytes, at) => bytes[at + 60] = bytes[at + 60]! ^ 0x01, /checksum/],
  ["smaller length", (bytes, at) => bytes[at + 4] = 40, /checksum/],
  ["larger length", (bytes, at) => bytes[at + 4] = 140, /checksum/],
  ["length past the block", (bytes, at) => bytes[at + 5] = 0xff, /crosses its block/],
  ["type", (bytes, at) => bytes[at + 6] = 9, /bad chunk type 9/],
  ["segment id", (bytes, at) => bytes[at + 7] = 2, /checksum/],
];

for (const [field, damage, detail] of HEADER_DAMAGE) {
  Deno.test(`RecordLog.open() throws CorruptionError for a bad ${field} mid last segment`, async () => {
    const vfs = new MemVfs();
    const { all } = await writeLog(vfs, "/wal", [SIX]);
    const at = all[2]!.position;
    await rewriteFile(vfs, segmentPath("/wal", 1), (bytes) => {
      damage(bytes, at);
      return bytes;
    });
    await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 1), at, detail));
  });

  Deno.test(`RecordLog reads throw CorruptionError for a bad ${field} in an older segment`, async () => {
    const vfs = new MemVfs();
    const { segments, bases, all } = await writeLog(vfs, "/wal", [SIX, SIX]);
    const damaged = segments[0]![2]!;
    await rewriteFile(vfs, segmentPath("/wal", 1), (bytes) => {
      damage(bytes, damaged.position - bases[0]!);
      return bytes;
    });
    const log = await RecordLog.open("/wal", { vfs });
    const check = corruptionAt(segmentPath("/wal", 1), damaged.position, detail);
    assert.throws(() => log.read(damaged.position), check);
    for (const record of all.filter((record) => record !== damaged)) {
      assert.deepEqual(log.read(record.position), record.data);
    }
    const seen: LogRecord[] = [];
    const iterator = log.records();
    assert.throws(() => {
      for (const record of iterator) seen.push(record);
    }, check);
    assertRecords(seen, all.slice(0, 2), "before the damage");
    assertRecords([...log.records({ from: all[3]!.position })], all.slice(3), "past it");
    await log.close();
  });
}

Deno.test("RecordLog read() throws CorruptionError for a damaged middle fragment", async () => {
  const vfs = new MemVfs();
  const { segments, bases } = await writeLog(vfs, "/wal", [[100, 70000, 100], [100]]);
  const record = segments[0]![1]!;
  const middle = BLOCK; // The record's first chunk fills block 0; its middle one is block 1.
  assert.ok(record.position < middle && record.position + CHUNK_HEADER + 70000 > 2 * BLOCK);
  await flipByte(vfs, segmentPath("/wal", 1), middle - bases[0]! + CHUNK_HEADER + 5);
  const log = await RecordLog.open("/wal", { vfs });
  const check = corruptionAt(segmentPath("/wal", 1), middle, /checksum/);
  assert.throws(() => log.read(record.position), check);
  assert.throws(() => [...log.records()], check);
  assert.deepEqual(log.read(segments[0]![2]!.position), segments[0]![2]!.data);
  await log.close();
});

Deno.test("RecordLog.open() throws CorruptionError naming a missing middle segment", async () => {
  const vfs = new MemVfs();
  await writeLog(vfs, "/wal", [SIX, SIX, SIX]);
  vfs.remove(segmentPath("/wal", 2));
  await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 2), 0, /missing/));
});

Deno.test("RecordLog.open() throws CorruptionError for a truncated middle segment", async () => {
  const vfs = new MemVfs();
  const { bases } = await writeLog(vfs, "/wal", [SIX, SIX, SIX]);
  const size = bases[2]! - bases[1]!;
  for (const cut of [size - 1, size - 50, 36]) {
    await cutFile(vfs, segmentPath("/wal", 2), cut);
    await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 3), 24, /does not follow/));
  }
});

Deno.test("RecordLog.open() throws CorruptionError for a grown middle segment", async () => {
  const vfs = new MemVfs();
  await writeLog(vfs, "/wal", [SIX, SIX, SIX]);
  await rewriteFile(vfs, segmentPath("/wal", 2), (bytes) => {
    const grown = new Uint8Array(bytes.length + 111);
    grown.set(bytes);
    return grown;
  });
  await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 3), 24, /does not follow/));
});

for (
  const [part, offset, detail] of [
    ["magic", 0, /bad segment magic/],
    ["version", 8, /checksum/],
    ["base position", 25, /checksum/],
    ["checksum", 33, /checksum/],
  ] as const
) {
  Deno.test(`RecordLog.open() throws CorruptionError for a bad ${part} in an older segment header`, async () => {
    const vfs = new MemVfs();
    await writeLog(vfs, "/wal", [SIX, SIX, SIX]);
    await flipByte(vfs, segmentPath("/wal", 2), offset);
    await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 2), 0, detail));
  });
}

Deno.test("RecordLog.open() throws CorruptionError for a segment header naming another", async () => {
  const vfs = new MemVfs();
  await writeLog(vfs, "/wal", [SIX, SIX, SIX]);
  const header = fileContents(vfs, segmentPath("/wal", 2)).slice(0, 36);
  await rewriteFile(vfs, segmentPath("/wal", 3), (bytes) => {
    bytes.set(header);
    return bytes;
  });
  await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 3), 16, /names segment 2/));
});

Deno.test("RecordLog.open() throws CorruptionError for a bad last header before records", async () => {
  const vfs = new MemVfs();
  await writeLog(vfs, "/wal", [SIX, SIX]);
  await flipByte(vfs, segmentPath("/wal", 2), 3);
  await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 2), 0, /bad segment magic/));
});

Deno.test("RecordLog.open() throws CorruptionError for a bad block trailer mid segment", async () => {
  const vfs = new MemVfs();
  // The second record ends 5 bytes before the block's end; a record follows in block 1.
  const { all } = await writeLog(vfs, "/wal", [[100, 32605, 100, 100]]);
  const trailer = all[1]!.position + CHUNK_HEADER + 32605;
  assert.equal(BLOCK - trailer, 5);
  await flipByte(vfs, segmentPath("/wal", 1), trailer + 2);
  await assertOpenFails(vfs, corruptionAt(segmentPath("/wal", 1), trailer, /trailer/));
});
