// Throughput of crc32c(): bytes per iteration divided by the reported time per iteration.
// 4 KiB is a data block; 1 MiB is a large record or a whole-file check.

import { crc32c } from "../src/encoding/crc32c.ts";

function filled(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.imul(i, 0x9e3779b1) >>> 24;
  return data;
}

const small = filled(4096);
const large = filled(1 << 20);
const largeUnaligned = filled((1 << 20) + 1).subarray(1);

Deno.bench({
  name: "crc32c 4 KiB",
  group: "crc32c 4 KiB",
  baseline: true,
  n: 100_000,
  fn: () => {
    crc32c(small);
  },
});

Deno.bench({
  name: "crc32c 1 MiB",
  group: "crc32c 1 MiB",
  baseline: true,
  n: 1_000,
  fn: () => {
    crc32c(large);
  },
});

Deno.bench({
  name: "crc32c 1 MiB, unaligned subarray",
  group: "crc32c 1 MiB",
  n: 1_000,
  fn: () => {
    crc32c(largeUnaligned);
  },
});
