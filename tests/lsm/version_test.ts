import assert from "node:assert/strict";
import { Version } from "../../src/lsm/_version.ts";
import {
  decodeEdit,
  encodeEdit,
  type FileMeta,
  MAX_LEVEL,
  type VersionEdit,
} from "../../src/lsm/_version_edit.ts";
import { utf8 } from "../_helpers/db_fixture.ts";
import { testSeed } from "../_helpers/iterator_walk.ts";
import { Prng } from "../_helpers/prng.ts";

function file(number: number, smallest: string, largest: string, largestSeq = number): FileMeta {
  return {
    number,
    size: 100 * number,
    smallestKey: utf8(smallest),
    smallestSeq: largestSeq,
    largestKey: utf8(largest),
    largestSeq,
  };
}

const numbers = (files: readonly FileMeta[]): number[] => files.map((f) => f.number);

/** The tables Version.get() asks for, in order, when none holds the key. */
function consulted(version: Version, key: string): number[] {
  const asked: number[] = [];
  version.get(utf8(key), 100, {
    reader: (number) => ({
      get: () => {
        asked.push(number);
        return undefined;
      },
    }),
  });
  return asked;
}

Deno.test("Version.empty() has seven empty levels", () => {
  const version = Version.empty();
  assert.equal(version.levels.length, MAX_LEVEL + 1);
  for (const files of version.levels) assert.equal(files.length, 0);
  assert.deepEqual([...version.fileNumbers()], []);
  assert.deepEqual(consulted(version, "a"), []);
});

Deno.test("Version.apply() adds and removes files and leaves the old version as it was", () => {
  const empty = Version.empty();
  const one = empty.apply({ added: [{ level: 0, file: file(1, "a", "c") }] });
  assert.deepEqual(numbers(one.levels[0]!), [1]);
  assert.equal(empty.levels[0]!.length, 0, "the old version is unchanged");
  const two = one.apply({
    added: [{ level: 1, file: file(2, "a", "b") }, { level: 3, file: file(3, "x", "z") }],
    removed: [{ level: 0, number: 1 }],
  });
  assert.deepEqual(numbers(two.levels[0]!), []);
  assert.deepEqual(numbers(two.levels[1]!), [2]);
  assert.deepEqual(numbers(two.levels[3]!), [3]);
  assert.deepEqual(numbers(one.levels[0]!), [1]);
  assert.deepEqual([...two.fileNumbers()].sort(), [2, 3]);
  assert.equal(two.levelBytes(1), 200);
  assert.equal(two.levelBytes(3), 300);
  assert.equal(two.levelBytes(0), 0);
});

Deno.test("Version.apply() orders level 0 newest first", () => {
  const version = Version.empty().apply({
    added: [
      { level: 0, file: file(4, "a", "z", 10) },
      { level: 0, file: file(2, "a", "z", 30) },
      { level: 0, file: file(7, "m", "n", 20) },
      { level: 0, file: file(5, "b", "c", 30) },
    ],
  });
  assert.deepEqual(numbers(version.levels[0]!), [5, 2, 7, 4]);
  const next = version.apply({ added: [{ level: 0, file: file(9, "a", "b", 40) }] });
  assert.deepEqual(numbers(next.levels[0]!), [9, 5, 2, 7, 4]);
});

Deno.test("Version.apply() sorts deeper levels by key and rejects overlapping files", () => {
  const version = Version.empty().apply({
    added: [
      { level: 1, file: file(3, "m", "p") },
      { level: 1, file: file(1, "a", "c") },
      { level: 1, file: file(2, "d", "f") },
    ],
  });
  assert.deepEqual(numbers(version.levels[1]!), [1, 2, 3]);
  assert.throws(
    () => version.apply({ added: [{ level: 1, file: file(4, "e", "g") }] }),
    RangeError,
  );
  assert.throws(
    () => version.apply({ added: [{ level: 1, file: file(4, "f", "h") }] }),
    RangeError,
    "sharing a boundary user key is an overlap",
  );
  assert.throws(
    () =>
      version.apply({
        added: [{ level: 2, file: file(4, "a", "z") }, { level: 2, file: file(5, "b", "b") }],
      }),
    RangeError,
  );
  const fits = version.apply({ added: [{ level: 1, file: file(4, "g", "l") }] });
  assert.deepEqual(numbers(fits.levels[1]!), [1, 2, 4, 3]);
  const replaced = version.apply({
    removed: [{ level: 1, number: 2 }],
    added: [{ level: 1, file: file(5, "d", "l") }],
  });
  assert.deepEqual(numbers(replaced.levels[1]!), [1, 5, 3]);
});

Deno.test("Version.apply() rejects removing a missing file and adding a file twice", () => {
  const version = Version.empty().apply({ added: [{ level: 1, file: file(1, "a", "b") }] });
  assert.throws(() => version.apply({ removed: [{ level: 1, number: 9 }] }), RangeError);
  assert.throws(() => version.apply({ removed: [{ level: 0, number: 1 }] }), RangeError);
  assert.throws(
    () => version.apply({ added: [{ level: 0, file: file(1, "x", "y") }] }),
    RangeError,
  );
  assert.throws(
    () =>
      Version.empty().apply({
        added: [{ level: 0, file: file(2, "a", "b") }, { level: 0, file: file(2, "c", "d") }],
      }),
    RangeError,
  );
});

Deno.test("Version.apply() of a reset edit starts from an empty version", () => {
  const version = Version.empty().apply({
    added: [{ level: 0, file: file(1, "a", "b") }, { level: 1, file: file(2, "a", "b") }],
  });
  const reset = version.apply({ reset: true, added: [{ level: 2, file: file(3, "c", "d") }] });
  assert.deepEqual([...reset.fileNumbers()], [3]);
  assert.deepEqual(numbers(reset.levels[2]!), [3]);
});

Deno.test("Version.get() consults covering level-0 files newest first, then one per level", () => {
  const version = Version.empty().apply({
    added: [
      { level: 0, file: file(10, "a", "m", 50) },
      { level: 0, file: file(11, "k", "z", 60) },
      { level: 0, file: file(12, "x", "z", 70) },
      { level: 1, file: file(1, "a", "f") },
      { level: 1, file: file(2, "g", "k") },
      { level: 1, file: file(3, "l", "q") },
      { level: 2, file: file(4, "b", "y") },
      { level: 3, file: file(5, "m", "m") },
    ],
  });
  const lookup = (key: string): number[] => consulted(version, key);
  assert.deepEqual(lookup("k"), [11, 10, 2, 4]);
  assert.deepEqual(lookup("m"), [11, 10, 3, 4, 5]);
  assert.deepEqual(lookup("a"), [10, 1]);
  assert.deepEqual(lookup("f"), [10, 1, 4]);
  assert.deepEqual(lookup("fz"), [10, 4], "between two level-1 files");
  assert.deepEqual(lookup("r"), [11, 4]);
  assert.deepEqual(lookup("z"), [12, 11]);
  assert.deepEqual(lookup("zz"), []);
  assert.deepEqual(lookup(""), []);
});

Deno.test("Version.overlapping() returns the files whose range meets the bounds", () => {
  const version = Version.empty().apply({
    added: [
      { level: 1, file: file(1, "a", "c") },
      { level: 1, file: file(2, "e", "g") },
      { level: 1, file: file(3, "i", "k") },
    ],
  });
  const overlap = (low: string, high: string): number[] =>
    numbers(version.overlapping(1, utf8(low), utf8(high)));
  assert.deepEqual(overlap("c", "e"), [1, 2]);
  assert.deepEqual(overlap("d", "d"), []);
  assert.deepEqual(overlap("a", "z"), [1, 2, 3]);
  assert.deepEqual(overlap("k", "k"), [3]);
  assert.deepEqual(overlap("l", "z"), []);
});

Deno.test("encodeEdit() and decodeEdit() round-trip every field", () => {
  const edit: VersionEdit = {
    reset: true,
    logPosition: 2 ** 40 + 3,
    nextFileNumber: 123456,
    lastSequence: Number.MAX_SAFE_INTEGER,
    added: [
      { level: 0, file: file(7, "", "\xff") },
      {
        level: MAX_LEVEL,
        file: {
          number: 8,
          size: 2 ** 33,
          smallestKey: new Uint8Array([0, 255, 0]),
          smallestSeq: 0,
          largestKey: new Uint8Array(70_000).fill(9),
          largestSeq: 2 ** 50,
        },
      },
    ],
    removed: [{ level: 1, number: 3 }, { level: 6, number: 2 ** 30 }],
  };
  assert.deepEqual(decodeEdit(encodeEdit(edit)), edit);
  assert.deepEqual(decodeEdit(encodeEdit({})), {});
  assert.deepEqual(decodeEdit(encodeEdit({ lastSequence: 0 })), { lastSequence: 0 });
});

Deno.test("encodeEdit() and decodeEdit() round-trip random edits", () => {
  const seed = testSeed("version edits");
  const prng = new Prng(seed);
  for (let i = 0; i < 200; i++) {
    const edit: VersionEdit = {};
    if (prng.int(2) === 0) edit.reset = true;
    if (prng.int(2) === 0) edit.logPosition = prng.int(2 ** 53);
    if (prng.int(2) === 0) edit.nextFileNumber = prng.int(2 ** 32);
    if (prng.int(2) === 0) edit.lastSequence = prng.int(2 ** 53);
    const added = Array.from({ length: prng.int(4) }, () => ({
      level: prng.int(MAX_LEVEL + 1),
      file: {
        number: prng.int(2 ** 40),
        size: prng.int(2 ** 40),
        smallestKey: prng.bytes(prng.int(30)),
        smallestSeq: prng.int(2 ** 53),
        largestKey: prng.bytes(prng.int(30)),
        largestSeq: prng.int(2 ** 53),
      },
    }));
    if (added.length > 0) edit.added = added;
    const removed = Array.from({ length: prng.int(4) }, () => ({
      level: prng.int(MAX_LEVEL + 1),
      number: prng.int(2 ** 40),
    }));
    if (removed.length > 0) edit.removed = removed;
    assert.deepEqual(decodeEdit(encodeEdit(edit)), edit, `edit ${i} (seed ${seed})`);
  }
});

Deno.test("decodeEdit() rejects malformed records with RangeError", () => {
  const good = encodeEdit({
    nextFileNumber: 5,
    added: [{ level: 1, file: file(4, "abc", "xyz") }],
    removed: [{ level: 0, number: 3 }],
  });
  for (let cut = 1; cut < good.length; cut++) {
    const truncated = good.slice(0, cut);
    let decoded: VersionEdit | undefined;
    try {
      decoded = decodeEdit(truncated);
    } catch (error) {
      assert.ok(error instanceof RangeError, `cut at ${cut}: ${error}`);
      continue;
    }
    assert.notDeepEqual(decoded, decodeEdit(good), `cut at ${cut} decoded as the whole edit`);
  }
  assert.throws(() => decodeEdit(new Uint8Array([99])), RangeError, "unknown tag");
  assert.throws(() => decodeEdit(new Uint8Array([0])), RangeError, "tag zero");
  assert.throws(() => decodeEdit(new Uint8Array([6, MAX_LEVEL + 1, 1])), RangeError, "bad level");
  assert.throws(() => decodeEdit(new Uint8Array([2])), RangeError, "tag without its value");
  assert.throws(() => decodeEdit(new Uint8Array([2, 0x80])), RangeError, "cut varint");
});

Deno.test("Version.get() stops at the first table holding a version of the key", () => {
  const version = Version.empty().apply({
    added: [{ level: 0, file: file(10, "a", "m", 50) }, { level: 1, file: file(1, "a", "f") }],
  });
  const asked: number[] = [];
  const entry = version.get(utf8("c"), 100, {
    reader: (number) => ({
      get: () => {
        asked.push(number);
        return number === 10 ? { seq: 40, kind: 1, value: utf8("v") } : undefined;
      },
    }),
  });
  assert.deepEqual(asked, [10]);
  assert.equal(entry?.seq, 40);
});
