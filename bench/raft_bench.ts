// RaftStorage on the real disk: durable appends of 256-byte commands (closed loop, one
// writer or a pipeline of appends in flight), entries() read throughput, and the cost of
// truncateSuffix and truncatePrefix at 10,000 and 1,000,000 entries. Prints markdown tables.
//
//   deno run --allow-read --allow-write bench/raft_bench.ts [seconds per append row]
//
// A script, not a `deno bench` file: it does nothing unless run as the main module.

import { DenoVfs, FaultVfs, type RaftEntry, RaftStorage, RecordLog } from "../mod.ts";

const COMMAND = new Uint8Array(256).fill(7);

function batch(first: number, count: number): RaftEntry[] {
  return Array.from({ length: count }, (_, i) => ({ index: first + i, term: 1, command: COMMAND }));
}

/** Appends `count` entries after the last, in durable batches of 10,000. */
async function fill(storage: RaftStorage, count: number): Promise<void> {
  for (let done = 0; done < count; done += 10_000) {
    await storage.append(batch(storage.lastIndex() + 1, Math.min(10_000, count - done)));
  }
}

function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Closed loop for `seconds`: `inFlight` appenders, each issuing `size`-entry batches. */
async function appendRow(
  root: string,
  seconds: number,
  inFlight: number,
  size: number,
): Promise<string> {
  const vfs = new FaultVfs(new DenoVfs());
  const storage = await RaftStorage.open(`${root}/append-${inFlight}x${size}`, { vfs });
  const syncsBefore = vfs.calls("sync");
  let next = 1;
  let appends = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  // Each appender takes the next indices synchronously before it calls append, so the
  // calls reach the store in index order although up to `inFlight` are pending at once.
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      const first = next;
      next += size;
      await storage.append(batch(first, size));
      appends++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const syncs = vfs.calls("sync") - syncsBefore;
  const entries = storage.lastIndex();
  await storage.close();
  return `| ${inFlight} | ${size} | ${fmt(entries / elapsed)} | ${fmt(appends / elapsed)} | ${
    fmt(syncs / elapsed)
  } | ${fmt(entries / syncs, 1)} | ${fmt((elapsed * 1e6 * inFlight) / appends)} |`;
}

/** The same closed loop on a bare RecordLog (one 256-byte record per durable append). */
async function recordLogRow(root: string, seconds: number, writers: number): Promise<string> {
  const vfs = new FaultVfs(new DenoVfs());
  const log = await RecordLog.open(`${root}/record-log-${writers}`, { vfs });
  const syncsBefore = vfs.calls("sync");
  let appends = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (performance.now() < deadline) {
      await log.append(COMMAND);
      appends++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const syncs = vfs.calls("sync") - syncsBefore;
  await log.close();
  return `| ${writers} (bare \`RecordLog\`, for comparison) | 1 | ${fmt(appends / elapsed)} | ${
    fmt(appends / elapsed)
  } | ${fmt(syncs / elapsed)} | ${fmt(appends / syncs, 1)} | ${
    fmt((elapsed * 1e6 * writers) / appends)
  } |`;
}

async function readRow(root: string): Promise<string> {
  const storage = await RaftStorage.open(`${root}/read`, { vfs: new DenoVfs() });
  await fill(storage, 100_000);
  const pass = async (): Promise<number> => {
    const started = performance.now();
    let bytes = 0;
    for (let lo = 1; lo <= 100_000; lo += 100) {
      for (const entry of await storage.entries(lo, lo + 100)) bytes += entry.command.length;
    }
    if (bytes !== 100_000 * COMMAND.length) throw new Error(`read ${bytes} bytes`);
    return (performance.now() - started) / 1000;
  };
  await pass(); // warm-up
  const elapsed = median([await pass(), await pass(), await pass()]);
  await storage.close();
  return `| 100,000 | 100 | ${fmt(elapsed * 1000, 1)} ms | ${fmt(100_000 / elapsed)} | ${
    fmt((100_000 * COMMAND.length) / elapsed / 1e6, 1)
  } |`;
}

/** Median time and file syncs of `runs` truncations, the log's size restored after each. */
async function truncationRows(root: string, size: number, runs: number): Promise<string[]> {
  const vfs = new FaultVfs(new DenoVfs());
  const storage = await RaftStorage.open(`${root}/truncate-${size}`, { vfs });
  const built = performance.now();
  await fill(storage, size);
  const buildSeconds = (performance.now() - built) / 1000;
  const rows: string[] = [];
  for (const kind of ["truncateSuffix", "truncatePrefix"] as const) {
    const times: number[] = [];
    const syncs: number[] = [];
    for (let run = 0; run < runs; run++) {
      const before = vfs.calls("sync");
      const started = performance.now();
      if (kind === "truncateSuffix") await storage.truncateSuffix(storage.lastIndex() - 99);
      else await storage.truncatePrefix(storage.firstIndex() + 100);
      times.push(performance.now() - started);
      syncs.push(vfs.calls("sync") - before);
      await storage.append(batch(storage.lastIndex() + 1, 100)); // back to `size` entries
    }
    if (storage.lastIndex() - storage.firstIndex() + 1 !== size) throw new Error("log size moved");
    rows.push(
      `| \`${kind}\` (100 entries) | ${fmt(size)} | ${fmt(median(times) * 1000)} µs | ${
        fmt(Math.min(...times) * 1000)
      }–${fmt(Math.max(...times) * 1000)} µs | ${median(syncs)} |`,
    );
  }
  // One prefix truncation that drops all but the last 1,000 entries, segment files and all.
  const files = vfs.list(`${root}/truncate-${size}`).length;
  const before = vfs.calls("sync");
  const started = performance.now();
  await storage.truncatePrefix(storage.lastIndex() - 999);
  const elapsed = performance.now() - started;
  const removed = files - vfs.list(`${root}/truncate-${size}`).length;
  rows.push(
    `| \`truncatePrefix\` (all but 1,000 entries; ${removed} segment file(s) removed) | ${
      fmt(size)
    } | ${fmt(elapsed * 1000)} µs | one run | ${vfs.calls("sync") - before} |`,
  );
  await storage.close();
  console.error(`(built the ${fmt(size)}-entry log in ${fmt(buildSeconds, 1)} s)`);
  return rows;
}

if (import.meta.main) {
  const seconds = Number(Deno.args[0] ?? 3);
  const root = Deno.makeTempDirSync({ prefix: "cairn-raft-bench-" });
  try {
    console.log(`Durable appends of 256-byte commands, closed loop, ${seconds} s per row`);
    console.log(`(DenoVfs, ${root}; syncs counted by a FaultVfs with no faults)\n`);
    console.log(
      "| appends in flight | entries per append | entries/s | appends/s | fsyncs/s | entries per fsync | latency µs (mean) |",
    );
    console.log("|---:|---:|---:|---:|---:|---:|---:|");
    for (const [inFlight, size] of [[1, 1], [1, 64], [16, 1], [16, 64]] as const) {
      console.log(await appendRow(root, seconds, inFlight, size));
    }
    console.log(await recordLogRow(root, seconds, 16));

    console.log(
      "\n`entries()` over 100,000 entries of 256 bytes, in chunks of 100 (median of 3)\n",
    );
    console.log("| entries | chunk | time | entries/s | MB/s |");
    console.log("|---:|---:|---:|---:|---:|");
    console.log(await readRow(root));

    console.log("\nTruncations (median of 21 runs; log size restored between runs)\n");
    console.log("| operation | entries in the log | median | range | fsyncs |");
    console.log("|---|---:|---:|---:|---:|");
    for (const size of [10_000, 1_000_000]) {
      for (const row of await truncationRows(root, size, 21)) console.log(row);
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}
