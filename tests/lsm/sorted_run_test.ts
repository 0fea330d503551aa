import assert from "node:assert/strict";
import { Kind } from "../../src/lsm/_internal_key.ts";
import { encodeRun, SortedRunIterator } from "../../src/lsm/_sorted_run.ts";
import { Memtable } from "../../src/lsm/memtable.ts";
import { Prng } from "../_helpers/prng.ts";

Deno.test("A sorted run carries a memtable's entries, in order, to its iterator", async () => {
  const prng = new Prng(5);
  const table = new Memtable();
  for (let seq = 1; seq <= 500; seq++) {
    const key = Uint8Array.from({ length: prng.int(200) }, () => prng.int(4));
    const value = Uint8Array.from({ length: prng.int(300) }, () => prng.int(256));
    const kind = prng.int(5) === 0 ? Kind.DELETE : Kind.PUT;
    table.add(key, seq * 1_000_000_007, kind, kind === Kind.PUT ? value : new Uint8Array(0));
  }
  const expected: unknown[] = [];
  const it = table.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) {
    expected.push([it.key().slice(), it.seq(), it.kind(), it.value().slice()]);
  }
  const run = await encodeRun(table.iterator(), table.approximateBytes);
  assert.equal(run.count, 500);
  const got: unknown[] = [];
  const walk = new SortedRunIterator(run);
  for (walk.seekToFirst(); walk.valid(); walk.next()) {
    got.push([walk.key().slice(), walk.seq(), walk.kind(), walk.value().slice()]);
  }
  assert.deepEqual(got, expected);
  assert.throws(() => walk.prev(), TypeError);
  const empty = new Memtable();
  const none = await encodeRun(empty.iterator(), empty.approximateBytes);
  assert.equal(new SortedRunIterator(none).valid(), false);
});
