// SSTable benchmarks on MemVfs (the table layer's CPU cost, without the disk): building a
// table of 100k entries (16-byte keys, 100-byte values), random point reads that hit with
// a warm block cache, and a full iterator scan.

import { Kind, MAX_SEQUENCE } from "../src/lsm/_internal_key.ts";
import { BlockCache, TableBuilder, TableReader } from "../src/lsm/table/mod.ts";
import { MemVfs } from "../src/vfs/mem_vfs.ts";

const ENTRIES = 100_000;
const vfs = new MemVfs();
const value = new Uint8Array(100).map((_, i) => (i * 31) & 255);
/** Sorted 16-byte keys: a zero-padded decimal index. */
const keys = Array.from(
  { length: ENTRIES },
  (_, i) => new TextEncoder().encode(`k${String(i * 7).padStart(15, "0")}`),
);

function build(path: string): void {
  const file = vfs.open(path, { create: true, truncate: true });
  const builder = new TableBuilder(file, {});
  for (let i = 0; i < ENTRIES; i++) builder.add(keys[i]!, i + 1, Kind.PUT, value);
  builder.finish();
  file.close();
}

Deno.bench({
  name: "TableBuilder.add 100k entries (16-byte keys, 100-byte values) + finish",
  group: "build",
  fn() {
    build("/build.sst");
  },
});

build("/read.sst");
const cache = new BlockCache(64 * 1024 * 1024);
const reader = TableReader.open(vfs.open("/read.sst", { readOnly: true }), {
  fileNumber: 1,
  cache,
});
const order = Array.from({ length: ENTRIES }, (_, i) => (i * 7919) % ENTRIES);
const scan = reader.iterator();
for (scan.seekToFirst(); scan.valid(); scan.next()) scan.value(); // warm the cache

let next = 0;
Deno.bench({
  name: "TableReader.get random hit, warm cache (1 get per iteration)",
  group: "get",
  fn() {
    const key = keys[order[next]!]!;
    next = next + 1 === ENTRIES ? 0 : next + 1;
    if (reader.get(key, MAX_SEQUENCE) === undefined) throw new Error("Missing key");
  },
});

Deno.bench({
  name: "TableReader.get miss filtered by bloom (1 get per iteration)",
  group: "get",
  fn() {
    const key = keys[order[next]!]!;
    next = next + 1 === ENTRIES ? 0 : next + 1;
    key[15] = key[15]! ^ 0x40; // 'p' etc.: never stored
    const found = reader.get(key, MAX_SEQUENCE);
    key[15] = key[15]! ^ 0x40;
    if (found !== undefined) throw new Error("Unexpected key");
  },
});

Deno.bench({
  name: "TableReader iterator full scan of 100k entries, warm cache",
  group: "scan",
  fn() {
    let n = 0;
    for (scan.seekToFirst(); scan.valid(); scan.next()) {
      scan.key();
      scan.value();
      n++;
    }
    if (n !== ENTRIES) throw new Error(`Scanned ${n} entries`);
  },
});
