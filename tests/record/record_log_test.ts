import assert from "node:assert/strict";
import { ClosedError } from "../../src/errors.ts";
import { RecordLog } from "../../src/record/record_log.ts";
import { FaultVfs } from "../../src/vfs/fault_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import {
  appendRecords,
  assertRecords,
  recordData,
  segmentPath,
  type WrittenRecord,
} from "../_helpers/record_data.ts";

const KiB = 1024;
const BLOCK = 32 * KiB;
const SEGMENT_HEADER = 36;
const CHUNK_HEADER = 11;

function assertReadsBack(log: RecordLog, written: readonly WrittenRecord[], message = ""): void {
  for (const record of written) {
    assert.deepEqual(log.read(record.position), record.data, `read(${record.position}) ${message}`);
  }
  assertRecords([...log.records()], written, message);
}

Deno.test("RecordLog round-trips empty, small and block-spanning records", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  // The record at 170 leaves a 5-byte block trailer, so the next starts at the next
  // block; the one at 32779 leaves exactly a chunk header of room, so the next record's
  // first chunk is a bare header; the last big ones span two and three blocks.
  const sizes = [0, 1, 100, 32582, 0, 32735, 40000, 70000, 5, 0];
  const written = await appendRecords(log, sizes);
  assert.deepEqual(
    written.slice(0, 7).map((record) => record.position),
    [36, 47, 59, 170, BLOCK, BLOCK + CHUNK_HEADER, 2 * BLOCK - CHUNK_HEADER],
  );
  assertReadsBack(log, written);
  await log.close();

  const reopened = await RecordLog.open("/wal", { vfs });
  assertReadsBack(reopened, written, "after reopen");
  assert.equal(reopened.stats().tornBytesRepaired, 0);
  await reopened.close();
});

Deno.test("RecordLog round-trips a 5 MiB record between small ones", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  const written = await appendRecords(log, [10, 5 * KiB * KiB, 10]);
  assert.deepEqual(log.read(written[1]!.position), written[1]!.data);
  await log.close();
  const reopened = await RecordLog.open("/wal", { vfs });
  assertReadsBack(reopened, written, "after reopen");
  await reopened.close();
});

Deno.test("RecordLog spreads hundreds of records over many small segments", async () => {
  const seed = 0x5e9;
  const prng = new Prng(seed);
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs, segmentSize: 64 * KiB, sync: false });
  const sizes = Array.from({ length: 400 }, () => prng.int(2500));
  const written = await appendRecords(log, sizes);
  await log.sync();
  const segments = log.stats().segments;
  assert.ok(segments >= 8, `seed ${seed}: ${segments} segments`);
  assert.equal(vfs.list("/wal").filter((name) => name.endsWith(".log")).length, segments);
  assertReadsBack(log, written, `seed ${seed}`);
  await log.close();

  const reopened = await RecordLog.open("/wal", { vfs, segmentSize: 64 * KiB });
  assert.equal(reopened.stats().segments, segments);
  assertReadsBack(reopened, written, `seed ${seed}, after reopen`);
  await reopened.close();
});

Deno.test("RecordLog.records() with from starts at that record, in any segment", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs, segmentSize: 64 * KiB, sync: false });
  const sizes = Array.from({ length: 120 }, (_, index) => (index * 397) % 3000);
  const written = await appendRecords(log, sizes);
  await log.sync();
  for (const [index, record] of written.entries()) {
    const from = [...log.records({ from: record.position })];
    assertRecords(from, written.slice(index), `from ${record.position}`);
  }
  assert.deepEqual([...log.records({ from: log.stats().endPosition })], []);
  await log.close();
});

Deno.test("RecordLog positions keep growing across reopens and are never reused", async () => {
  const vfs = new MemVfs();
  const written: WrittenRecord[] = [];
  for (let round = 0; round < 4; round++) {
    const log = await RecordLog.open("/wal", { vfs, segmentSize: 64 * KiB });
    const last = written.at(-1)?.position ?? -1;
    const added = await appendRecords(log, [300, 0, 20000, 7], written.length);
    assert.ok(added[0]!.position > last, `round ${round}: ${added[0]!.position} <= ${last}`);
    written.push(...added);
    assertReadsBack(log, written, `round ${round}`);
    if (round % 2 === 1) await log.roll();
    await log.close();
  }
  const positions = written.map((record) => record.position);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  assert.equal(new Set(positions).size, positions.length);
});

Deno.test("RecordLog.roll() starts a new segment where the next record goes", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  const before = await appendRecords(log, [100, 200]);
  const start = await log.roll();
  assert.equal(start, before[1]!.position + CHUNK_HEADER + 200 + SEGMENT_HEADER);
  assert.equal(log.stats().segments, 2);
  assert.deepEqual(vfs.list("/wal"), ["000001.log", "000002.log", "LOCK"]);
  assert.equal(await log.roll(), start, "rolling an empty segment makes no new one");
  assert.equal(log.stats().segments, 2);
  const after = await appendRecords(log, [50], 2);
  assert.equal(after[0]!.position, start);
  assertReadsBack(log, [...before, ...after]);
  await log.close();
  const reopened = await RecordLog.open("/wal", { vfs });
  assertReadsBack(reopened, [...before, ...after], "after reopen");
  await reopened.close();
});

Deno.test("RecordLog.removeBefore() removes only whole older segments, never the last", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  const segments: WrittenRecord[][] = [];
  for (let id = 1; id <= 4; id++) {
    segments.push(await appendRecords(log, [100, 100, 100], id * 10));
    if (id < 4) await log.roll();
  }
  const firstOf = (id: number): number => segments[id - 1]![0]!.position;

  assert.equal(await log.removeBefore(firstOf(2) - SEGMENT_HEADER - 1), 0);
  assert.equal(await log.removeBefore(firstOf(2) - SEGMENT_HEADER), 1, "segment 1 ends there");
  assert.equal(vfs.exists(segmentPath("/wal", 1)), false);
  assert.equal(await log.removeBefore(firstOf(3) + 1), 1, "segment 3 is not wholly before");
  assert.deepEqual(vfs.list("/wal"), ["000003.log", "000004.log", "LOCK"]);
  assert.equal(log.stats().firstPosition, firstOf(3));
  for (const record of [...segments[0]!, ...segments[1]!]) {
    assert.throws(() => log.read(record.position), RangeError);
  }
  assertReadsBack(log, [...segments[2]!, ...segments[3]!]);
  assert.throws(() => [...log.records({ from: firstOf(1) })], RangeError);

  assert.equal(await log.removeBefore(Number.MAX_SAFE_INTEGER), 1, "the last segment stays");
  assert.deepEqual(vfs.list("/wal"), ["000004.log", "LOCK"]);
  assertReadsBack(log, segments[3]!);
  await log.close();

  vfs.crash();
  const reopened = await RecordLog.open("/wal", { vfs });
  assert.equal(reopened.stats().firstPosition, firstOf(4));
  assertReadsBack(reopened, segments[3]!, "after crash and reopen");
  const later = await appendRecords(reopened, [10], 99);
  assertReadsBack(reopened, [...segments[3]!, ...later], "after an append");
  await reopened.close();
});

Deno.test("RecordLog.stats() counters move with appends, syncs, rolls and removals", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  const opened = log.stats();
  assert.deepEqual(
    { ...opened, syncs: 0, dirSyncs: 0 },
    {
      segments: 1,
      firstPosition: SEGMENT_HEADER,
      endPosition: SEGMENT_HEADER,
      appends: 0,
      appendedBytes: 0,
      writes: 0,
      writtenBytes: 0,
      syncs: 0,
      dirSyncs: 0,
      segmentsCreated: 1,
      segmentsRemoved: 0,
      tornBytesRepaired: 0,
      corruptionsSkipped: 0,
      failed: false,
    },
  );
  await log.append(recordData(0, 100));
  let stats = log.stats();
  assert.equal(stats.appends, 1);
  assert.equal(stats.appendedBytes, 100);
  assert.equal(stats.writes, 1);
  assert.equal(stats.writtenBytes, 111);
  assert.equal(stats.syncs, opened.syncs + 1);
  assert.equal(stats.endPosition, SEGMENT_HEADER + 111);

  await Promise.all([log.append(recordData(1, 10)), log.append(recordData(2, 20))]);
  stats = log.stats();
  assert.equal(stats.appends, 3);
  assert.equal(stats.appendedBytes, 130);
  assert.equal(stats.writes, 2, "one write for the group of two");
  assert.equal(stats.syncs, opened.syncs + 2, "one sync for the group of two");

  await log.roll();
  stats = log.stats();
  assert.equal(stats.segments, 2);
  assert.equal(stats.segmentsCreated, 2);
  assert.ok(stats.dirSyncs > opened.dirSyncs);
  assert.equal(stats.endPosition, SEGMENT_HEADER + 111 + 21 + 31 + SEGMENT_HEADER);

  await log.removeBefore(stats.endPosition);
  stats = log.stats();
  assert.equal(stats.segments, 1);
  assert.equal(stats.segmentsRemoved, 1);
  assert.equal(stats.firstPosition, stats.endPosition);
  const copy = log.stats();
  copy.appends = -1;
  assert.equal(log.stats().appends, 3, "stats() returns a fresh object");
  await log.close();
});

Deno.test("RecordLog closes through await using", async () => {
  const vfs = new MemVfs();
  let escaped: RecordLog | undefined;
  let position = -1;
  {
    await using log = await RecordLog.open("/wal", { vfs, sync: false });
    escaped = log;
    position = await log.append(recordData(7, 70));
  }
  assert.throws(() => escaped.read(position), ClosedError);
  vfs.crash();
  const reopened = await RecordLog.open("/wal", { vfs });
  assert.deepEqual(reopened.read(position), recordData(7, 70), "close synced the record");
  await reopened[Symbol.asyncDispose]();
  assert.throws(() => reopened.read(position), ClosedError);
});

Deno.test("RecordLog names segments with a prefix and no suffix", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/db", { vfs, prefix: "MANIFEST-", suffix: "", lock: false });
  const first = await log.append(new Uint8Array([1]));
  await log.roll();
  const second = await log.append(new Uint8Array([2]));
  await log.close();
  assert.deepEqual(vfs.list("/db"), ["MANIFEST-000001", "MANIFEST-000002"]);
  const reopened = await RecordLog.open("/db", {
    vfs,
    prefix: "MANIFEST-",
    suffix: "",
    lock: false,
  });
  assert.deepEqual([...reopened.records()].map((record) => record.position), [first, second]);
  await reopened.close();
  await assert.rejects(RecordLog.open("/x", { vfs, suffix: "" }), TypeError);
  await assert.rejects(RecordLog.open("/x", { vfs, prefix: "a/b" }), TypeError);
});

Deno.test("RecordLog.locate() names the segment file and offset of a position", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  await log.append(new Uint8Array(10));
  await log.roll();
  const position = await log.append(new Uint8Array(10));
  assert.deepEqual(log.locate(position), { path: "/wal/000002.log", offset: SEGMENT_HEADER });
  assert.throws(() => log.locate(-1), RangeError);
  await log.close();
});

Deno.test("RecordLog.sync() with nothing written since the last sync issues no fsync", async () => {
  const faults = new FaultVfs(new MemVfs());
  const log = await RecordLog.open("/wal", { vfs: faults });
  await log.sync();
  await log.append(new Uint8Array([1]));
  const after = faults.calls("sync");
  await log.sync();
  await log.sync();
  assert.equal(faults.calls("sync"), after, "a clean log needs no fsync");
  await log.append(new Uint8Array([2]), { sync: false });
  await log.sync();
  assert.equal(faults.calls("sync"), after + 1, "a write makes the next sync real");
  await log.close();
});
