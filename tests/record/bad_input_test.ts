import assert from "node:assert/strict";
import { ClosedError } from "../../src/errors.ts";
import { RecordLog, type RecordLogOptions } from "../../src/record/record_log.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { appendRecords, assertRecords, recordData } from "../_helpers/record_data.ts";

Deno.test("RecordLog.append() rejects anything but a Uint8Array with TypeError", async () => {
  const log = await RecordLog.open("/wal", { vfs: new MemVfs() });
  const wrong: unknown[] = ["text", 42, null, undefined, [1, 2], new ArrayBuffer(4)];
  for (const value of wrong) {
    await assert.rejects(log.append(value as Uint8Array), TypeError, `append(${String(value)})`);
  }
  await assert.rejects(
    log.append(new DataView(new ArrayBuffer(2)) as unknown as Uint8Array),
    TypeError,
  );
  assert.equal(log.stats().appends, 0);
  const written = await appendRecords(log, [10]);
  assertRecords([...log.records()], written);
  await log.close();
});

Deno.test("RecordLog.append() rejects a record over maxRecordSize and keeps working", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs, maxRecordSize: 1000 });
  const before = await appendRecords(log, [1000]);
  await assert.rejects(log.append(recordData(1, 1001)), RangeError);
  const after = await appendRecords(log, [999], 2);
  assertRecords([...log.records()], [...before, ...after]);
  assert.equal(log.stats().failed, false);
  await log.close();

  const none = await RecordLog.open("/wal", { vfs, maxRecordSize: 0 });
  await assert.rejects(none.append(recordData(3, 1)), RangeError);
  const empty = await none.append(new Uint8Array(0));
  assert.deepEqual(none.read(empty), new Uint8Array(0));
  await none.close();
});

Deno.test("RecordLog.open() rejects bad options with RangeError or TypeError", async () => {
  const vfs = new MemVfs();
  const cases: [RecordLogOptions, ErrorConstructor | RangeErrorConstructor][] = [
    [{ segmentSize: 64 * 1024 - 1 }, RangeError],
    [{ segmentSize: 0 }, RangeError],
    [{ segmentSize: -1 }, RangeError],
    [{ segmentSize: 100_000.5 }, RangeError],
    [{ segmentSize: 2 ** 41 }, RangeError],
    [{ segmentSize: NaN }, RangeError],
    [{ segmentSize: "1048576" as unknown as number }, TypeError],
    [{ maxRecordSize: -1 }, RangeError],
    [{ maxRecordSize: 1024 ** 3 + 1 }, RangeError],
    [{ maxRecordSize: 1.5 }, RangeError],
    [{ maxRecordSize: Infinity }, RangeError],
    [{ maxRecordSize: true as unknown as number }, TypeError],
    [{ suffix: "" }, TypeError],
    [{ suffix: "log" }, TypeError],
    [{ suffix: "./log" }, TypeError],
    [{ suffix: ".a/b" }, TypeError],
    [{ suffix: 7 as unknown as string }, TypeError],
    [{ preallocate: -1 }, RangeError],
    [{ preallocate: 1.5 }, RangeError],
    [{ preallocate: 64 * 1024 * 1024 + 1 }, RangeError],
    [{ preallocate: "1" as unknown as number }, TypeError],
    [{ recovery: "lenient" as "skip" }, TypeError],
    [{ sync: "yes" as unknown as boolean }, TypeError],
    [{ onCorruption: "log" as unknown as () => void }, TypeError],
  ];
  for (const [options, expected] of cases) {
    await assert.rejects(
      RecordLog.open("/wal", { vfs, ...options }),
      expected,
      `options ${JSON.stringify(options)}`,
    );
  }
  await assert.rejects(RecordLog.open("", { vfs }), TypeError);
  await assert.rejects(RecordLog.open(5 as unknown as string, { vfs }), TypeError);
  assert.equal(vfs.exists("/wal"), false, "a refused open creates nothing");

  const log = await RecordLog.open("/wal", { vfs, segmentSize: 64 * 1024, suffix: ".wal-2" });
  await log.append(recordData(0, 10));
  await log.close();
  assert.deepEqual(vfs.list("/wal"), ["000001.wal-2", "LOCK"]);
});

Deno.test("RecordLog.read() rejects a bad or unwritten position with RangeError", async () => {
  const log = await RecordLog.open("/wal", { vfs: new MemVfs() });
  const [record] = await appendRecords(log, [100]);
  const end = log.stats().endPosition;
  const bad = [-1, 0.5, record!.position + 0.5, NaN, Infinity, 2 ** 53, 0, 35, end, end + 1, 1e12];
  for (const position of bad) assert.throws(() => log.read(position), RangeError, `${position}`);
  assert.throws(() => log.read("36" as unknown as number), RangeError);
  assert.throws(() => [...log.records({ from: -1 })], RangeError);
  await assert.rejects(log.removeBefore(-1), RangeError);
  await assert.rejects(log.removeBefore(1.5), RangeError);
  assert.deepEqual(log.read(record!.position), record!.data);
  await log.close();
});

Deno.test("RecordLog refuses every use after close with ClosedError", async () => {
  const log = await RecordLog.open("/wal", { vfs: new MemVfs() });
  const [record] = await appendRecords(log, [100]);
  await log.close();
  await assert.rejects(log.append(recordData(1, 10)), ClosedError);
  await assert.rejects(log.sync(), ClosedError);
  await assert.rejects(log.roll(), ClosedError);
  await assert.rejects(log.removeBefore(0), ClosedError);
  assert.throws(() => log.read(record!.position), ClosedError);
  assert.throws(() => [...log.records()], ClosedError);
  assert.equal(log.stats().appends, 1, "stats() still answers");
});

Deno.test("RecordLog.close() twice is harmless, also when called concurrently", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs, sync: false });
  const pending = log.append(recordData(0, 10));
  const first = log.close();
  await log.close();
  const position = await pending;
  assert.throws(() => log.read(position), ClosedError, "the second close waits for the first");
  await first;
  await log.close();
  vfs.crash();
  const reopened = await RecordLog.open("/wal", { vfs });
  assert.deepEqual(reopened.read(position), recordData(0, 10), "close synced the append");
  await reopened.close();
});
