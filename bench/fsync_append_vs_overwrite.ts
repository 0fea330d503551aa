// Whether preallocating WAL segments could pay: a 4 KiB append + fdatasync against a 4 KiB
// overwrite + fdatasync inside a preallocated, synced file. One run of 500 each, on the real
// disk.
//
//   deno run --allow-read --allow-write bench/fsync_append_vs_overwrite.ts

import { probeFdatasync } from "./_fsync_probe.ts";

const append = await probeFdatasync("append", 500);
const overwrite = await probeFdatasync("overwrite", 500);
console.log("| 4 KiB write + fdatasync | mean µs | median µs |");
console.log("|---|---:|---:|");
console.log(
  `| append (the file grows) | ${append.mean.toFixed(0)} | ${append.median.toFixed(0)} |`,
);
console.log(
  `| overwrite in a preallocated file | ${overwrite.mean.toFixed(0)} | ${
    overwrite.median.toFixed(0)
  } |`,
);
