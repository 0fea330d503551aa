import assert from "node:assert/strict";
import { RecordLog } from "../../src/record/record_log.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import {
  appendRecords,
  assertRecords,
  segmentPath,
  writeLog,
  type WrittenLog,
  type WrittenRecord,
} from "../_helpers/record_data.ts";
import { cutFile, rewriteFile } from "../_helpers/rewrite_file.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

const BLOCK = 32 * 1024;
const CHUNK_HEADER = 11;
const SEGMENT_HEADER = 36;

/**
 * Opens the damaged log and checks the repair: the last segment (`lastId`) is cut to the
 * file offset `validEnd`, `tornBytes` are counted as repaired (by default the bytes cut
 * off), the `kept` records read back exactly, and appending, crashing and reopening still
 * work.
 */
async function assertRepaired(
  vfs: MemVfs,
  lastId: number,
  kept: readonly WrittenRecord[],
  validEnd: number,
  message: string,
  tornBytes?: number,
): Promise<void> {
  const path = segmentPath("/wal", lastId);
  const damagedSize = fileContents(vfs, path).length;
  const log = await RecordLog.open("/wal", { vfs });
  const torn = tornBytes ?? damagedSize - validEnd;
  assert.equal(log.stats().tornBytesRepaired, torn, `torn bytes, ${message}`);
  assert.equal(fileContents(vfs, path).length, validEnd, `repaired size, ${message}`);
  assertRecords([...log.records()], kept, message);
  for (const record of kept) assert.deepEqual(log.read(record.position), record.data, message);
  const added = await appendRecords(log, [40, 33000], 1000);
  assert.ok(added[0]!.position >= (kept.at(-1)?.position ?? 0), message);
  await log.close();
  vfs.crash();
  const reopened = await RecordLog.open("/wal", { vfs });
  assert.equal(reopened.stats().tornBytesRepaired, 0, `second reopen, ${message}`);
  assertRecords([...reopened.records()], [...kept, ...added], `after appending, ${message}`);
  await reopened.close();
}

/** A log of one segment with five records, the fourth spanning three blocks. */
function fiveRecords(vfs: MemVfs): Promise<WrittenLog> {
  return writeLog(vfs, "/wal", [[100, 2000, 300, 70000, 50]]);
}

/** The file offset just past `record` in a segment based at `base`. */
function endOf(record: WrittenRecord, base = 0): number {
  let at = record.position - base;
  let left = record.data.length;
  for (let first = true; first || left > 0; first = false) {
    const room = BLOCK - (at % BLOCK);
    if (room < CHUNK_HEADER) {
      at += room;
      continue;
    }
    const length = Math.min(left, room - CHUNK_HEADER);
    at += CHUNK_HEADER + length;
    left -= length;
  }
  return at;
}

Deno.test("RecordLog.open() cuts a file ending inside a chunk header as a torn tail", async () => {
  for (const keep of [1, 6, 10]) {
    const vfs = new MemVfs();
    const { all } = await fiveRecords(vfs);
    await cutFile(vfs, segmentPath("/wal", 1), all[4]!.position + keep);
    await assertRepaired(vfs, 1, all.slice(0, 4), endOf(all[3]!), `keep ${keep}`);
  }
});

Deno.test("RecordLog.open() cuts a file ending inside a chunk payload as a torn tail", async () => {
  for (const keep of [CHUNK_HEADER, CHUNK_HEADER + 1, CHUNK_HEADER + 49]) {
    const vfs = new MemVfs();
    const { all } = await fiveRecords(vfs);
    await cutFile(vfs, segmentPath("/wal", 1), all[4]!.position + keep);
    await assertRepaired(vfs, 1, all.slice(0, 4), endOf(all[3]!), `keep ${keep}`);
  }
});

Deno.test("RecordLog.open() cuts a record torn anywhere in its three blocks", async () => {
  const vfs = new MemVfs();
  const { all } = await fiveRecords(vfs);
  const original = fileContents(vfs, segmentPath("/wal", 1));
  const start = all[3]!.position;
  const end = endOf(all[3]!);
  const cuts = new Set<number>();
  for (let cut = start + 1; cut < end; cut += 1499) cuts.add(cut);
  for (const boundary of [BLOCK, 2 * BLOCK]) {
    for (let delta = -2; delta <= CHUNK_HEADER + 1; delta++) cuts.add(boundary + delta);
  }
  cuts.add(end - 1);
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    await rewriteFile(vfs, segmentPath("/wal", 1), () => original.slice(0, cut));
    await assertRepaired(vfs, 1, all.slice(0, 3), start, `cut at ${cut}`);
  }
});

Deno.test("RecordLog.open() cuts random garbage after the last record as a torn tail", async () => {
  const seed = 0x6a7ba6e;
  const prng = new Prng(seed);
  for (const length of [1, 10, 11, 500, 40000]) {
    const vfs = new MemVfs();
    const { all } = await fiveRecords(vfs);
    const garbage = prng.bytes(length);
    await rewriteFile(vfs, segmentPath("/wal", 1), (bytes) => {
      const grown = new Uint8Array(bytes.length + length);
      grown.set(bytes);
      grown.set(garbage, bytes.length);
      return grown;
    });
    await assertRepaired(vfs, 1, all, endOf(all[4]!), `seed ${seed}, ${length} bytes`);
  }
});

Deno.test("RecordLog.open() cuts a zeroed tail as a torn tail", async () => {
  for (const length of [11, 1000, 40000]) {
    const vfs = new MemVfs();
    const { all } = await fiveRecords(vfs);
    await rewriteFile(vfs, segmentPath("/wal", 1), (bytes) => {
      const grown = new Uint8Array(bytes.length + length);
      grown.set(bytes);
      return grown;
    });
    await assertRepaired(vfs, 1, all, endOf(all[4]!), `${length} zeros appended`);
  }
  const vfs = new MemVfs();
  const { all } = await fiveRecords(vfs);
  await rewriteFile(vfs, segmentPath("/wal", 1), (bytes) => bytes.fill(0, all[3]!.position));
  await assertRepaired(vfs, 1, all.slice(0, 3), all[3]!.position, "last two records zeroed");
});

Deno.test("RecordLog.open() cuts a torn tail of the last of several segments", async () => {
  const vfs = new MemVfs();
  const { segments, bases } = await writeLog(vfs, "/wal", [[100, 200], [300, 400], [500, 600]]);
  const last = segments[2]!;
  await cutFile(vfs, segmentPath("/wal", 3), endOf(last[1]!, bases[2]) - 1);
  const kept = [...segments[0]!, ...segments[1]!, last[0]!];
  await assertRepaired(vfs, 3, kept, endOf(last[0]!, bases[2]), "three segments");
});

Deno.test("RecordLog.open() rewrites a torn header of the last segment after a roll", async () => {
  const seed = 0x4ead;
  const prng = new Prng(seed);
  const damages: [string, (header: Uint8Array) => Uint8Array][] = [
    ["empty", () => new Uint8Array(0)],
    ["1 byte", (header) => header.slice(0, 1)],
    ["20 bytes", (header) => header.slice(0, 20)],
    ["35 bytes", (header) => header.slice(0, SEGMENT_HEADER - 1)],
    ["zeroed", () => new Uint8Array(SEGMENT_HEADER)],
    ["zeroed and more", () => new Uint8Array(5000)],
    ["garbage", () => prng.bytes(SEGMENT_HEADER + 100)],
  ];
  for (const [name, damage] of damages) {
    const vfs = new MemVfs();
    const { segments, bases } = await writeLog(vfs, "/wal", [[100, 200], [300, 400]]);
    const log = await RecordLog.open("/wal", { vfs });
    const rolled = await log.roll();
    assert.equal(rolled, endOf(segments[1]![1]!, bases[1]) + bases[1]! + SEGMENT_HEADER);
    await log.close();
    await rewriteFile(vfs, segmentPath("/wal", 3), damage);
    const damagedSize = fileContents(vfs, segmentPath("/wal", 3)).length;
    const message = `${name} (seed ${seed})`;
    // A rewritten header counts the whole damaged file as repaired.
    await assertRepaired(vfs, 3, segments.flat(), SEGMENT_HEADER, message, damagedSize);
    const reopened = await RecordLog.open("/wal", { vfs });
    const first = [...reopened.records()].find((record) => record.position >= rolled);
    assert.equal(first?.position, rolled, `positions continue after the repair, ${message}`);
    await reopened.close();
  }
});
