// A real process writing durable batches through the real disk is killed with SIGKILL at
// seeded moments, three times over the same database; after each kill the reopened
// database must hold every acknowledged batch, whole, and no part of any other batch but
// whole batches that follow them in order. Replay with CAIRN_SEED=<seed>.

import assert from "node:assert/strict";
import { Db } from "../../src/lsm/db.ts";
import {
  describeDifference,
  type KvState,
  readAll,
  sameState,
  stringBytes,
} from "../_helpers/kv_model.ts";
import { readLinesThenKill, spawnChild } from "../_helpers/killed_child.ts";
import { Prng } from "../_helpers/prng.ts";
import { CHILD_OPTIONS, LAST_KEY, stateAfterBatches } from "./_db_crash_child.ts";

const SEED = Number(Deno.env.get("CAIRN_SEED") ?? 1);

/** Runs the child on `dir` until `count` acknowledgements, kills it; returns them. */
async function runAndKill(dir: string, count: number, context: string): Promise<Set<number>> {
  const child = spawnChild(new URL("./_db_crash_child.ts", import.meta.url), [dir]);
  const acknowledged = new Set<number>();
  await readLinesThenKill(child, count, (line) => acknowledged.add(Number(line)));
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  assert.ok(
    acknowledged.size >= count,
    `${context}: the child acknowledged only ${acknowledged.size} batches: ${stderr}`,
  );
  assert.equal(status.signal, "SIGKILL", `${context}: the child ended on its own: ${stderr}`);
  return acknowledged;
}

Deno.test("Db keeps every acknowledged batch whole when its process is killed", async () => {
  const prng = new Prng(SEED);
  const dir = await Deno.makeTempDir({ prefix: "cairn_killed_db_" });
  try {
    // The parent's own writes after each recovery, which later children must keep.
    const parentWrites: KvState = new Map();
    let highest = -1;
    for (const [run, range] of [[20, 60], [100, 200], [250, 300]].entries()) {
      const count = range[0]! + prng.int(range[1]!);
      const context = `seed ${SEED}, run ${run}, killed after ${count} acknowledgements`;
      const acknowledged = await runAndKill(dir, count, context);
      highest = Math.max(highest, ...acknowledged);

      const db = await Db.open(dir, CHILD_OPTIONS);
      try {
        const actual = await readAll(db);
        const last = actual.get(LAST_KEY);
        const batches = last === undefined ? 0 : Number(new TextDecoder().decode(last)) + 1;
        assert.ok(
          batches > highest,
          `${context}: batch ${highest} was acknowledged, but the last batch kept is ${
            batches - 1
          }`,
        );
        const expected = stateAfterBatches(batches);
        for (const [key, value] of parentWrites) expected.set(key, value);
        assert.ok(
          sameState(expected, actual),
          `${context}: not the ${batches} first batches, whole: ${
            describeDifference(expected, actual)
          }`,
        );
        const tables = db.stats().levels.reduce((sum, level) => sum + level.files, 0);
        assert.ok(tables > 0, `${context}: the child flushed no memtable`);
        const key = `parent/${run}`;
        const value = stringBytes(`written after run ${run}`);
        await db.put(key, value);
        parentWrites.set(key, value);
        assert.deepEqual(await db.get(key), value, `${context}: a write after recovery`);
      } finally {
        await db.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
