// The disk's own latency for a small durable write: a 4 KiB write followed by fdatasync,
// either appended (the file grows, so its size must reach the disk too) or overwriting a
// preallocated, synced file (data only). The floor under any durable put.

import * as fs from "node:fs";

/** How the probe writes: growing the file, or in place. */
export type ProbeKind = "append" | "overwrite";

/** Latencies of `rounds` 4 KiB writes with fdatasync, in microseconds. */
export interface ProbeResult {
  mean: number;
  median: number;
}

/** Measures `rounds` 4 KiB writes each followed by fdatasync, in a temporary file. */
export async function probeFdatasync(kind: ProbeKind, rounds: number): Promise<ProbeResult> {
  const dir = Deno.makeTempDirSync({ prefix: "cairn-fsync-probe-" });
  const fd = fs.openSync(`${dir}/probe`, "w");
  const block = new Uint8Array(4096).fill(1);
  if (kind === "overwrite") {
    fs.writeSync(fd, new Uint8Array(rounds * block.length));
    await fdatasync(fd);
  }
  const micros: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    fs.writeSync(fd, block, 0, block.length, i * block.length);
    await fdatasync(fd);
    micros.push((performance.now() - started) * 1000);
  }
  fs.closeSync(fd);
  Deno.removeSync(dir, { recursive: true });
  micros.sort((a, b) => a - b);
  const mean = micros.reduce((sum, x) => sum + x, 0) / rounds;
  return { mean, median: micros[Math.floor(rounds / 2)]! };
}

function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (e) => e ? reject(e) : resolve()));
}
