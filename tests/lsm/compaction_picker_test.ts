import assert from "node:assert/strict";
import { checkDbOptions } from "../../src/lsm/_db_options.ts";
import {
  levelMaxBytes,
  pendingCompactionBytes,
  pickCompaction,
} from "../../src/lsm/_compaction_picker.ts";
import { Version } from "../../src/lsm/_version.ts";
import type { FileMeta } from "../../src/lsm/_version_edit.ts";
import { utf8 } from "../_helpers/db_fixture.ts";

const settings = checkDbOptions({
  level0CompactionTrigger: 4,
  level1MaxBytes: 65_536,
  levelSizeRatio: 10,
});

let nextNumber = 1;
function table(smallest: string, largest: string, size: number, seq = 1): FileMeta {
  return {
    number: nextNumber++,
    size,
    smallestKey: utf8(smallest),
    smallestSeq: seq,
    largestKey: utf8(largest),
    largestSeq: seq,
  };
}

function version(levels: FileMeta[][]): Version {
  return Version.empty().apply({
    added: levels.flatMap((files, level) => files.map((file) => ({ level, file }))),
  });
}

Deno.test("levelMaxBytes grows by the size ratio per level", () => {
  assert.deepEqual([1, 2, 3].map((level) => levelMaxBytes(settings, level)), [
    65_536,
    655_360,
    6_553_600,
  ]);
});

Deno.test("pendingCompactionBytes is zero while every level is within its budget", () => {
  const within = version([[table("a", "b", 50)], [table("a", "z", 60_000)], [
    table("a", "z", 600_000),
  ]]);
  assert.equal(pendingCompactionBytes(within, settings), 0);
  assert.equal(pickCompaction(within, settings, []), undefined);
});

Deno.test("pendingCompactionBytes counts level 0 past its trigger and each level's excess", () => {
  const level0 = [1, 2, 3, 4].map((i) => table("a", "m", 10_000, i + 10));
  const behind = version([level0, [table("a", "z", 60_000)], [table("a", "z", 600_000)]]);
  // Level 0 merges with level 1 (40,000 + 60,000); level 1 then holds 100,000, 34,464 over
  // its budget, which rewrites 11 times its bytes; level 2 takes them and stays within budget.
  assert.equal(pendingCompactionBytes(behind, settings), 40_000 + 60_000 + 34_464 * 11);
  assert.equal(pickCompaction(behind, settings, [])?.level, 0);
});
