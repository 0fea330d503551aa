import assert from "node:assert/strict";
import { Db } from "../../src/lsm/db.ts";
import { Manifest } from "../../src/lsm/_manifest.ts";
import type { FileMeta } from "../../src/lsm/_version_edit.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import {
  filesEnding,
  filesStarting,
  flushAndSettle,
  scanText,
  SMALL_OPTIONS,
  utf8,
} from "../_helpers/db_fixture.ts";

function file(
  number: number,
  smallest: string | Uint8Array,
  largest: string | Uint8Array,
): FileMeta {
  return {
    number,
    size: 1000 + number,
    smallestKey: typeof smallest === "string" ? utf8(smallest) : smallest,
    smallestSeq: number * 10,
    largestKey: typeof largest === "string" ? utf8(largest) : largest,
    largestSeq: number * 10 + 5,
  };
}

const manifests = (vfs: MemVfs): string[] => filesStarting(vfs, "/db", "MANIFEST-");

Deno.test("Manifest.open() of a new directory starts an empty state in one manifest file", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const manifest = await Manifest.open(vfs, "/db");
  const { version, nextFileNumber, lastSequence, logPosition } = manifest.state;
  assert.deepEqual([...version.fileNumbers()], []);
  assert.equal(nextFileNumber, 1);
  assert.equal(lastSequence, 0);
  assert.equal(logPosition, 0);
  assert.equal(manifests(vfs).length, 1);
  await manifest.close();
});

Deno.test("Manifest replays its edits after a reopen", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const first = await Manifest.open(vfs, "/db");
  const a = first.newFileNumber();
  const b = first.newFileNumber();
  const c = first.newFileNumber();
  await first.logAndApply({
    added: [{ level: 0, file: file(a, "a", "m") }],
    logPosition: 100,
    lastSequence: 7,
  });
  await first.logAndApply({
    added: [{ level: 0, file: file(b, "k", "z") }],
    logPosition: 250,
    lastSequence: 9,
  });
  const last = await first.logAndApply({
    removed: [{ level: 0, number: a }, { level: 0, number: b }],
    added: [{ level: 1, file: file(c, "a", "z") }],
  });
  assert.deepEqual([...last.version.fileNumbers()], [c]);
  await first.close();

  const second = await Manifest.open(vfs, "/db");
  const state = second.state;
  assert.deepEqual(state.version.levels.map((files) => files.map((f) => f.number)), [
    [],
    [c],
    [],
    [],
    [],
    [],
    [],
  ]);
  assert.deepEqual(state.version.levels[1]![0], file(c, "a", "z"));
  assert.equal(state.nextFileNumber, c + 1);
  assert.equal(state.lastSequence, 9);
  assert.equal(state.logPosition, 250);
  assert.equal(second.newFileNumber(), c + 1, "file numbers are not reused");
  await second.close();
});

Deno.test("Manifest counters never go back", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const manifest = await Manifest.open(vfs, "/db");
  await manifest.logAndApply({ logPosition: 500, lastSequence: 50, nextFileNumber: 40 });
  const state = await manifest.logAndApply({ logPosition: 10, lastSequence: 5, nextFileNumber: 2 });
  assert.equal(state.logPosition, 500);
  assert.equal(state.lastSequence, 50);
  assert.equal(state.nextFileNumber, 40);
  await manifest.close();
  const reopened = await Manifest.open(vfs, "/db");
  assert.equal(reopened.state.logPosition, 500);
  assert.equal(reopened.state.nextFileNumber, 40);
  await reopened.close();
});

Deno.test("Manifest.logAndApply() rejects an edit that does not fit and keeps the state", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const manifest = await Manifest.open(vfs, "/db");
  await manifest.logAndApply({ added: [{ level: 1, file: file(1, "a", "m") }] });
  await assert.rejects(
    manifest.logAndApply({ added: [{ level: 1, file: file(2, "k", "z") }] }),
    RangeError,
  );
  await assert.rejects(manifest.logAndApply({ removed: [{ level: 1, number: 9 }] }), RangeError);
  const state = await manifest.logAndApply({ added: [{ level: 1, file: file(3, "n", "z") }] });
  assert.deepEqual([...state.version.fileNumbers()], [1, 3]);
  await manifest.close();
  const reopened = await Manifest.open(vfs, "/db");
  assert.deepEqual([...reopened.state.version.fileNumbers()], [1, 3]);
  await reopened.close();
});

Deno.test("Manifest.open() rewrites the state into a new MANIFEST file and removes the old ones", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const first = await Manifest.open(vfs, "/db");
  await first.logAndApply({ added: [{ level: 0, file: file(1, "a", "b") }], lastSequence: 3 });
  await first.close();
  const before = manifests(vfs);
  assert.equal(before.length, 1);
  for (let round = 0; round < 3; round++) {
    const manifest = await Manifest.open(vfs, "/db");
    const now = manifests(vfs);
    assert.equal(now.length, 1, `one manifest file after open ${round}: ${now}`);
    assert.ok(now[0]! > before[0]!, `${now[0]} replaced ${before[0]}`);
    assert.deepEqual([...manifest.state.version.fileNumbers()], [1]);
    assert.equal(manifest.state.lastSequence, 3);
    await manifest.close();
  }
});

Deno.test("Manifest rewrites itself once its edits pass a few MiB", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const manifest = await Manifest.open(vfs, "/db");
  const start = manifests(vfs);
  const bigKey = (fill: number): Uint8Array => new Uint8Array(60_000).fill(fill);
  let number = 1;
  await manifest.logAndApply({ added: [{ level: 1, file: file(number, bigKey(1), bigKey(2)) }] });
  for (let i = 0; i < 40; i++) {
    await manifest.logAndApply({
      removed: [{ level: 1, number }],
      added: [{ level: 1, file: file(number + 1, bigKey(1), bigKey(2)) }],
      lastSequence: i,
    });
    number++;
  }
  const after = manifests(vfs);
  assert.equal(after.length, 1, `one manifest file: ${after}`);
  assert.notEqual(after[0], start[0], "a new manifest file was started");
  await manifest.close();
  const reopened = await Manifest.open(vfs, "/db");
  assert.deepEqual([...reopened.state.version.fileNumbers()], [number]);
  assert.equal(reopened.state.lastSequence, 39);
  await reopened.close();
});

Deno.test("Db.open() replays the manifest: levels and counters survive a reopen", async () => {
  const vfs = new MemVfs();
  let levels: number[];
  let lastSequence: number;
  {
    await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
    for (let i = 0; i < 40; i++) await db.put(`k${i}`, "v".repeat(200));
    await db.flush();
    await db.put("k0", "w");
    await flushAndSettle(db);
    await db.put("k1", "w");
    await db.flush();
    levels = db.stats().levels.map((level) => level.files);
    lastSequence = db.stats().lastSequence;
    assert.deepEqual(levels.slice(0, 2), [1, 1]);
  }
  const tables = filesEnding(vfs, "/db", ".sst");
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  assert.deepEqual(db.stats().levels.map((level) => level.files), levels);
  assert.equal(db.stats().lastSequence, lastSequence);
  assert.deepEqual(filesEnding(vfs, "/db", ".sst"), tables);
  assert.equal(manifests(vfs).length, 1);
  assert.equal((await scanText(db)).length, 40);
  await db.put("new", "table");
  await db.flush();
  const numbers = filesEnding(vfs, "/db", ".sst");
  assert.equal(new Set(numbers).size, numbers.length);
  assert.ok(numbers.at(-1)! > tables.at(-1)!, "new tables get new numbers after a reopen");
});
