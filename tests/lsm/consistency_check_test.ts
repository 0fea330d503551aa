import assert from "node:assert/strict";
import { ClosedError } from "../../src/errors.ts";
import { checkConsistency } from "../../src/lsm/_consistency_check.ts";
import { Kind } from "../../src/lsm/_internal_key.ts";
import { Version } from "../../src/lsm/_version.ts";
import type { FileMeta } from "../../src/lsm/_version_edit.ts";
import { Db } from "../../src/lsm/db.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { ArrayIterator, type Entry, PositionalIterator } from "../_helpers/array_iterator.ts";
import { filesEnding, SMALL_OPTIONS, utf8 } from "../_helpers/db_fixture.ts";
import { flipByte } from "../_helpers/rewrite_file.ts";

/** A put of `key` at `seq`. */
function put(key: string, seq: number): Entry {
  return { key: utf8(key), seq, kind: Kind.PUT, value: utf8(`${key}@${seq}`) };
}

let nextNumber = 1;
/** A table's record whose bounds are its first and last entries. */
function meta(entries: Entry[]): FileMeta {
  const [first, last] = [entries[0]!, entries.at(-1)!];
  return {
    number: nextNumber++,
    size: 1,
    smallestKey: first.key,
    smallestSeq: first.seq,
    largestKey: last.key,
    largestSeq: last.seq,
  };
}

/** Checks a version made of the given tables per level (each table: its sorted entries). */
function check(levels: Entry[][][], memtable: Entry[] = []) {
  const contents = new Map<number, Entry[]>();
  const version = new Version(levels.map((tables) =>
    tables.map((entries) => {
      const file = meta(entries);
      contents.set(file.number, entries);
      return file;
    })
  ));
  return checkConsistency({
    openMemtables: () => [new ArrayIterator(memtable)],
    version,
    openTable: (file) => new ArrayIterator(contents.get(file.number)!),
  });
}

Deno.test("checkConsistency() finds nothing wrong in well-ordered levels", async () => {
  const report = await check(
    [[[put("b", 7)]], [[put("a", 3), put("b", 4)], [put("c", 5)]], [[put("a", 1), put("d", 2)]]],
    [put("a", 9)],
  );
  assert.deepEqual(report.problems, []);
  assert.equal(report.tables, 4);
  assert.equal(report.entries, 7);
});

Deno.test("checkConsistency() reports overlapping tables in a level", async () => {
  const report = await check([[], [[put("a", 1), put("c", 2)], [put("c", 3), put("d", 4)]]]);
  assert.equal(report.problems.length, 1, report.problems.join("\n"));
  assert.match(report.problems[0]!, /^Level 1: table \d+ reaches key "c", at or past/);
});

Deno.test("checkConsistency() reports an older version sitting above a newer one", async () => {
  const report = await check([[[put("k", 3)]], [[put("k", 8)]]]);
  assert.equal(report.problems.length, 1, report.problems.join("\n"));
  assert.match(
    report.problems[0]!,
    /"k": version 3 in table \d+ \(level 0\) sits above the newer version 8 in level 1/,
  );
});

Deno.test("checkConsistency() reports one version stored in two places", async () => {
  const report = await check([[], [[put("k", 5)]], [[put("k", 5)]]]);
  assert.equal(report.problems.length, 1, report.problems.join("\n"));
  assert.match(report.problems[0]!, /"k"@5 is stored twice/);
});

Deno.test("checkConsistency() reports a table out of order or outside its bounds", async () => {
  const unsorted = [put("b", 1), put("a", 2)];
  const file = { ...meta([put("a", 2), put("b", 1)]) };
  const shortBound = { ...meta([put("a", 1), put("c", 1)]), largestKey: utf8("b") };
  const report = await checkConsistency({
    openMemtables: () => [],
    version: new Version([[], [file], [shortBound]]),
    openTable: (f) =>
      f === file ? new PositionalIterator(unsorted) : new ArrayIterator([put("a", 1), put("c", 1)]),
  });
  const problems = report.problems.join("\n");
  assert.match(problems, /table \d+ \(level 1\) starts at "b"@1, not at its smallest bound/);
  assert.match(problems, /table \d+ \(level 1\): "a"@2 follows "b"@1/);
  assert.match(problems, /table \d+ \(level 2\) does not end at its largest bound/);
});

Deno.test("Db.check() finds no problem after flushes, compactions and a reopen", async () => {
  const vfs = new MemVfs();
  let db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  for (let round = 0; round < 6; round++) {
    const batch = db.batch();
    for (let i = 0; i < 400; i++) batch.put(`key-${(i * 37 + round) % 1000}`, `v${round}-${i}`);
    for (let i = 0; i < 40; i++) batch.delete(`key-${(i * 91 + round) % 1000}`);
    await batch.commit();
    await db.flush();
    assert.deepEqual((await db.check()).problems, [], `round ${round}`);
  }
  await db.compact({ gte: "key-2", lt: "key-6" });
  assert.deepEqual((await db.check()).problems, []);
  await db.close();
  db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  const report = await db.check();
  assert.deepEqual(report.problems, []);
  const files = db.stats().levels.reduce((sum, level) => sum + level.files, 0);
  assert.equal(report.tables, files);
  await db.close();
  await assert.rejects(db.check(), ClosedError);
});

Deno.test("Db.check() names a damaged table and goes on to the others", async () => {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
    for (const prefix of ["a", "b"]) {
      for (let i = 0; i < 200; i++) await db.put(`${prefix}${i}`, "x".repeat(50), { sync: false });
      await db.flush();
    }
  }
  const [first, second] = filesEnding(vfs, "/db", ".sst");
  await flipByte(vfs, `/db/${first}`, 20);
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  const report = await db.check();
  assert.equal(report.tables, 2);
  const damaged = report.problems.filter((p) => p.includes(`/db/${first} at offset`));
  assert.ok(damaged.length >= 1, report.problems.join("\n"));
  assert.ok(!report.problems.some((p) => p.includes(`${second}`)), report.problems.join("\n"));
});
