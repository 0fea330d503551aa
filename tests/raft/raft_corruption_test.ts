// One test per way the stored bytes of a raft store can be damaged: the store reports
// CorruptionError naming the file and the offset, and never returns damaged bytes; only a
// torn tail of the log, the trace of a crash, is repaired quietly.

import assert from "node:assert/strict";
import { CorruptionError } from "../../src/errors.ts";
import { RaftStorage } from "../../src/raft/raft_storage.ts";
import { SNAPSHOT_FILE, SNAPSHOT_TEMP_FILE } from "../../src/raft/_snapshot_file.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import { makeEntries, segmentNames } from "../_helpers/raft_entries.ts";
import { cutFile, flipByte, rewriteFile } from "../_helpers/rewrite_file.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

const DIR = "/node";
const OPTIONS = { segmentSize: 64 * 1024 };
const SNAPSHOT = `${DIR}/${SNAPSHOT_FILE}`;
/** Commands of entries in these tests: 3000 bytes of 0xee, so byte patterns are unique. */
const SIZE = 3000;
const VOTE = "candidate-with-a-long-name";

function commandsOf(lo: number, hi: number, term = 1) {
  return makeEntries(lo, hi, term, SIZE).map((entry) => ({
    ...entry,
    command: new Uint8Array(SIZE).fill(0xee),
  }));
}

/** Entries 1..100 over several segments; state (VOTE) early; a SUFFIX marker at 91. */
async function filledStore(vfs: MemVfs): Promise<string[]> {
  const storage = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
  await storage.append(commandsOf(1, 11));
  await storage.saveState({ term: 4, votedFor: VOTE });
  for (let index = 11; index <= 100; index += 10) {
    await storage.append(commandsOf(index, index + 10));
  }
  await storage.truncateSuffix(91);
  await storage.append(commandsOf(91, 101, 2));
  await storage.close();
  const segments = segmentNames(vfs.list(DIR)).map((name) => `${DIR}/${name}`);
  assert.ok(segments.length >= 4, `only ${segments.length} segments`);
  return segments;
}

/** Offsets where `needle` occurs in `haystack`. */
function findBytes(haystack: Uint8Array, needle: Uint8Array): number[] {
  const found: number[] = [];
  outer: for (let at = 0; at + needle.length <= haystack.length; at++) {
    for (let i = 0; i < needle.length; i++) if (haystack[at + i] !== needle[i]) continue outer;
    found.push(at);
  }
  return found;
}

/** The segment holding `needle` exactly once, and the offset. */
function locateOnce(vfs: MemVfs, segments: string[], needle: Uint8Array): [string, number] {
  const hits = segments.flatMap((path) =>
    findBytes(fileContents(vfs, path), needle).map((offset) => [path, offset] as [string, number])
  );
  assert.equal(hits.length, 1, `pattern found ${hits.length} times`);
  return hits[0]!;
}

function assertCorruption(error: unknown, path: string, near: number): true {
  assert.ok(error instanceof CorruptionError, String(error));
  assert.equal(error.file, path);
  assert.ok(error.offset <= near && error.offset >= near - 16 * 1024, error.message);
  return true;
}

Deno.test("RaftStorage reports a damaged entry in an older segment, never its bytes", async () => {
  const vfs = new MemVfs();
  const segments = await filledStore(vfs);
  const storage = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
  const damaged = 36 + 11 + 17 + 100; // segment header, chunk header, entry header: entry 1
  await flipByte(vfs, segments[0]!, damaged);
  await assert.rejects(storage.entry(1), (error) => assertCorruption(error, segments[0]!, damaged));
  await assert.rejects(storage.entries(1, 5), CorruptionError);
  assert.deepEqual((await storage.entry(2)).command, new Uint8Array(SIZE).fill(0xee));
  await storage.close();
  await assert.rejects(
    RaftStorage.open(DIR, { vfs, ...OPTIONS }),
    (error) => assertCorruption(error, segments[0]!, damaged),
  );
});

Deno.test("RaftStorage.open() reports a damaged record in the middle of the last segment", async () => {
  const vfs = new MemVfs();
  const segments = await filledStore(vfs);
  const last = segments.at(-1)!;
  const size = fileContents(vfs, last).length;
  const damaged = Math.floor(size / 2);
  await flipByte(vfs, last, damaged);
  await assert.rejects(
    RaftStorage.open(DIR, { vfs, ...OPTIONS }),
    (error) => assertCorruption(error, last, damaged),
  );
});

Deno.test("RaftStorage.open() cuts a torn log tail and keeps the entries before it", async () => {
  const vfs = new MemVfs();
  const segments = await filledStore(vfs);
  const last = segments.at(-1)!;
  await cutFile(vfs, last, fileContents(vfs, last).length - 1000);
  const storage = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
  assert.equal(storage.lastIndex(), 99);
  assert.deepEqual(await storage.entries(91, 100), commandsOf(91, 100, 2));
  assert.deepEqual(await storage.loadState(), { term: 4, votedFor: VOTE });
  await storage.append(commandsOf(100, 102, 2));
  await storage.close();
  const reopened = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
  assert.equal(reopened.lastIndex(), 101);
  await reopened.close();
});

Deno.test("RaftStorage.open() reports a damaged STATE record", async () => {
  const vfs = new MemVfs();
  const segments = await filledStore(vfs);
  const [path, offset] = locateOnce(vfs, segments, new TextEncoder().encode(VOTE));
  await flipByte(vfs, path, offset + 3);
  await assert.rejects(
    RaftStorage.open(DIR, { vfs, ...OPTIONS }),
    (error) => assertCorruption(error, path, offset),
  );
});

Deno.test("RaftStorage.open() reports a damaged truncation marker", async () => {
  const vfs = new MemVfs();
  const segments = await filledStore(vfs);
  const marker = new Uint8Array([2, 91, 0, 0, 0, 0, 0, 0, 0]);
  const [path, offset] = locateOnce(vfs, segments, marker);
  await flipByte(vfs, path, offset + 1);
  await assert.rejects(
    RaftStorage.open(DIR, { vfs, ...OPTIONS }),
    (error) => assertCorruption(error, path, offset),
  );
});

Deno.test("RaftStorage.open() reports a missing middle segment", async () => {
  const vfs = new MemVfs();
  const segments = await filledStore(vfs);
  vfs.remove(segments[1]!);
  await assert.rejects(RaftStorage.open(DIR, { vfs, ...OPTIONS }), (error) => {
    assert.ok(error instanceof CorruptionError, String(error));
    assert.equal(error.file, segments[1]);
    return true;
  });
});

/** A store with a snapshot of 200 000 bytes (configuration "abc") over entries 1..20. */
async function snapshotStore(vfs: MemVfs): Promise<{ size: number; data: Uint8Array }> {
  const storage = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
  await storage.append(makeEntries(1, 21, 1));
  const data = new Prng(5).bytes(200_000);
  await storage.saveSnapshot({
    lastIndex: 15,
    lastTerm: 1,
    configuration: new Uint8Array([97, 98, 99]),
  }, data);
  await storage.close();
  return { size: fileContents(vfs, SNAPSHOT).length, data };
}

for (
  const [name, damage] of [
    ["a flipped data byte", (vfs: MemVfs, size: number) => flipByte(vfs, SNAPSHOT, size - 5000)],
    ["a flipped header byte", (vfs: MemVfs) => flipByte(vfs, SNAPSHOT, 20)],
    ["a flipped configuration byte", (vfs: MemVfs) => flipByte(vfs, SNAPSHOT, 37)],
    [
      "a flipped trailer length byte",
      (vfs: MemVfs, size: number) => flipByte(vfs, SNAPSHOT, size - 16),
    ],
    [
      "a flipped trailer checksum byte",
      (vfs: MemVfs, size: number) => flipByte(vfs, SNAPSHOT, size - 6),
    ],
    [
      "a flipped trailer magic byte",
      (vfs: MemVfs, size: number) => flipByte(vfs, SNAPSHOT, size - 1),
    ],
    ["a cut end", (vfs: MemVfs, size: number) => cutFile(vfs, SNAPSHOT, size - 100)],
    ["a cut header", (vfs: MemVfs) => cutFile(vfs, SNAPSHOT, 20)],
    ["nothing left", (vfs: MemVfs) => cutFile(vfs, SNAPSHOT, 0)],
  ] as const
) {
  Deno.test(`RaftStorage reports a snapshot with ${name}`, async () => {
    const vfs = new MemVfs();
    const { size } = await snapshotStore(vfs);
    const storage = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
    await damage(vfs, size);
    const isSnapshotCorruption = (error: unknown) => {
      assert.ok(error instanceof CorruptionError, String(error));
      assert.equal(error.file, SNAPSHOT);
      return true;
    };
    await assert.rejects(storage.loadSnapshot(), isSnapshotCorruption);
    await storage.close();
    await assert.rejects(RaftStorage.open(DIR, { vfs, ...OPTIONS }), isSnapshotCorruption);
  });
}

Deno.test("RaftStorage.open() removes a leftover SNAPSHOT.tmp and keeps the old snapshot", async () => {
  const vfs = new MemVfs();
  const { data } = await snapshotStore(vfs);
  const temp = vfs.open(`${DIR}/${SNAPSHOT_TEMP_FILE}`, { create: true });
  temp.append(new Prng(6).bytes(5000));
  await temp.syncData();
  temp.close();
  await vfs.syncDir(DIR);
  await rewriteFile(vfs, `${DIR}/${SNAPSHOT_TEMP_FILE}`, (bytes) => bytes.subarray(0, 4000));
  const storage = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
  assert.ok(!vfs.exists(`${DIR}/${SNAPSHOT_TEMP_FILE}`));
  const snapshot = await storage.loadSnapshot();
  assert.deepEqual(snapshot?.meta, {
    lastIndex: 15,
    lastTerm: 1,
    configuration: new Uint8Array([97, 98, 99]),
  });
  assert.deepEqual(await snapshot?.bytes(), data);
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [1, 20]);
  await storage.close();
});
