// Memtable benchmarks: 100k inserts of 16-byte keys with 100-byte values, 100k random
// gets, and full scans both ways. Keys are random, or share a 7-byte prefix as real
// keys often do ("user:00..."), which defeats the skiplist's 4-byte prefix comparison.

import { Kind, MAX_SEQUENCE } from "../src/lsm/_internal_key.ts";
import { Memtable } from "../src/lsm/memtable.ts";
import { Prng } from "../tests/_helpers/prng.ts";

const N = 100_000;
const prng = new Prng(42);
const values = Array.from({ length: N }, () => prng.bytes(100));
const randomKeys = Array.from({ length: N }, () => prng.bytes(16));
const prefixedKeys = randomKeys.map((key) => {
  const copy = key.slice();
  copy.set([117, 115, 101, 114, 58, 48, 48]); // "user:00"
  return copy;
});
const getOrder = Array.from({ length: N }, () => prng.int(N));

function fill(keys: readonly Uint8Array[]): Memtable {
  const table = new Memtable();
  for (let i = 0; i < N; i++) table.add(keys[i]!, i + 1, Kind.PUT, values[i]!);
  return table;
}

for (const [name, keys] of [["random", randomKeys], ["prefixed", prefixedKeys]] as const) {
  Deno.bench({
    name: `100k inserts, ${name} keys`,
    group: "insert",
    baseline: name === "random",
    fn(): void {
      fill(keys);
    },
  });

  const table = fill(keys);
  Deno.bench({
    name: `100k random gets, ${name} keys`,
    group: "get",
    baseline: name === "random",
    fn(): void {
      for (let i = 0; i < N; i++) {
        const k = getOrder[i]!;
        if (table.get(keys[k]!, MAX_SEQUENCE)?.value !== values[k]) throw new Error("Lost key");
      }
    },
  });

  Deno.bench({
    name: `forward scan of 100k, ${name} keys`,
    group: "scan",
    fn(): void {
      const it = table.iterator();
      let n = 0;
      for (it.seekToFirst(); it.valid(); it.next()) n++;
      if (n !== N) throw new Error("Lost entries");
    },
  });

  Deno.bench({
    name: `backward scan of 100k, ${name} keys`,
    group: "scan",
    fn(): void {
      const it = table.iterator();
      let n = 0;
      for (it.seekToLast(); it.valid(); it.prev()) n++;
      if (n !== N) throw new Error("Lost entries");
    },
  });
}
