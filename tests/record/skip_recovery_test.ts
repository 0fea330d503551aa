import assert from "node:assert/strict";
import { CorruptionError } from "../../src/errors.ts";
import { RecordLog } from "../../src/record/record_log.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import {
  appendRecords,
  assertRecords,
  segmentPath,
  writeLog,
  type WrittenRecord,
} from "../_helpers/record_data.ts";
import { flipByte, rewriteFile } from "../_helpers/rewrite_file.ts";

const SIX = [100, 2000, 100, 40000, 100, 100];

/** Opens the log in "skip" mode, collecting every reported corruption. */
async function openSkipping(vfs: MemVfs): Promise<{ log: RecordLog; reports: CorruptionError[] }> {
  const reports: CorruptionError[] = [];
  const log = await RecordLog.open("/wal", {
    vfs,
    recovery: "skip",
    onCorruption: (error) => reports.push(error),
  });
  return { log, reports };
}

function assertReport(report: CorruptionError | undefined, file: string, offset: number): void {
  assert.ok(report instanceof CorruptionError, `no report for ${file} at ${offset}`);
  assert.equal(report.file, file);
  assert.equal(report.offset, offset);
}

Deno.test("RecordLog in skip mode reports damage mid last segment and yields the rest", async () => {
  const vfs = new MemVfs();
  const { all } = await writeLog(vfs, "/wal", [SIX]);
  const damaged = [all[1]!, all[3]!];
  for (const record of damaged) await flipByte(vfs, segmentPath("/wal", 1), record.position + 20);
  const { log, reports } = await openSkipping(vfs);
  assert.equal(reports.length, 2);
  assertReport(reports[0], segmentPath("/wal", 1), all[1]!.position);
  assertReport(reports[1], segmentPath("/wal", 1), all[3]!.position);
  assert.equal(log.stats().corruptionsSkipped, 2);
  const survivors = all.filter((record) => !damaged.includes(record));
  assertRecords([...log.records()], survivors);
  assert.equal(reports.length, 4, "records() reports each damaged place again");
  assert.equal(log.stats().corruptionsSkipped, 4);
  for (const record of damaged) assert.throws(() => log.read(record.position), CorruptionError);
  const added = await appendRecords(log, [10], 100);
  assertRecords([...log.records({ from: all[4]!.position })], [all[4]!, all[5]!, ...added]);
  await log.close();

  vfs.crash();
  const reopened = await openSkipping(vfs);
  assertRecords([...reopened.log.records()], [...survivors, ...added], "after reopen");
  await reopened.log.close();
});

Deno.test("RecordLog in skip mode passes over a damaged length to the next record", async () => {
  const vfs = new MemVfs();
  const { all } = await writeLog(vfs, "/wal", [SIX]);
  await rewriteFile(vfs, segmentPath("/wal", 1), (bytes) => {
    bytes[all[2]!.position + 5] = 0x7f; // length 100 becomes 32612: past its block.
    return bytes;
  });
  const { log, reports } = await openSkipping(vfs);
  assert.equal(reports.length, 1);
  assertReport(reports[0], segmentPath("/wal", 1), all[2]!.position);
  assertRecords([...log.records()], all.filter((_, index) => index !== 2));
  await log.close();
});

Deno.test("RecordLog in skip mode reports damage in an older segment while reading", async () => {
  const vfs = new MemVfs();
  const { segments, bases } = await writeLog(vfs, "/wal", [SIX, SIX]);
  const damaged = segments[0]![3]!; // Spans two blocks: damage its second chunk.
  await flipByte(vfs, segmentPath("/wal", 1), 32 * 1024 - bases[0]! + 30);
  const { log, reports } = await openSkipping(vfs);
  assert.equal(reports.length, 0, "open does not scan older segments");
  const expected = segments.flat().filter((record) => record !== damaged);
  assertRecords([...log.records()], expected);
  assert.equal(reports.length, 1);
  assertReport(reports[0], segmentPath("/wal", 1), 32 * 1024);
  assert.equal(log.stats().corruptionsSkipped, 1);
  await log.close();
});

Deno.test("RecordLog in skip mode reports a missing middle segment and reads the others", async () => {
  const vfs = new MemVfs();
  const { segments } = await writeLog(vfs, "/wal", [SIX, SIX, SIX]);
  vfs.remove(segmentPath("/wal", 2));
  const { log, reports } = await openSkipping(vfs);
  assert.ok(reports.length >= 1);
  assertReport(reports[0], segmentPath("/wal", 2), 0);
  const expected: WrittenRecord[] = [...segments[0]!, ...segments[2]!];
  assertRecords([...log.records()], expected);
  for (const record of segments[1]!) assert.throws(() => log.read(record.position), RangeError);
  await log.close();
});

Deno.test("RecordLog in skip mode drops an older segment with a bad header", async () => {
  const vfs = new MemVfs();
  const { segments } = await writeLog(vfs, "/wal", [SIX, SIX, SIX]);
  await flipByte(vfs, segmentPath("/wal", 2), 0);
  const { log, reports } = await openSkipping(vfs);
  assert.ok(reports.length >= 1);
  assertReport(reports[0], segmentPath("/wal", 2), 0);
  assertRecords([...log.records()], [...segments[0]!, ...segments[2]!]);
  const added = await appendRecords(log, [10], 100);
  assertRecords([...log.records({ from: added[0]!.position })], added);
  await log.close();
});
