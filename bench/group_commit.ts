// Closed-loop durable appends on the real disk: W writers each append a 1 KiB record with
// sync and wait for it, over and over, for a fixed time. Prints appends/s, fsyncs/s and
// appends per fsync, the measure of group commit. Run: deno task bench (or directly).

import { DenoVfs, RecordLog } from "../mod.ts";

const seconds = Number(Deno.args[0] ?? 3);
const root = Deno.makeTempDirSync({ prefix: "cairn-group-commit-" });
const record = new Uint8Array(1024).fill(7);

async function run(writers: number): Promise<string> {
  const log = await RecordLog.open(`${root}/w${writers}`, { vfs: new DenoVfs() });
  const before = log.stats();
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (performance.now() < deadline) await log.append(record);
  }));
  const elapsed = (performance.now() - started) / 1000;
  const after = log.stats();
  await log.close();
  const appends = after.appends - before.appends;
  const syncs = after.syncs - before.syncs;
  return `| ${writers} | ${fmt(appends / elapsed)} | ${fmt(syncs / elapsed)} | ${
    (appends / syncs).toFixed(1)
  } | ${fmt((elapsed * 1e6) / (appends / writers))} |`;
}

/** The disk's own rate: one 1 KiB append and one fdatasync at a time, no log. */
async function rawRow(): Promise<string> {
  const file = new DenoVfs().open(`${root}/raw`, { create: true });
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let count = 0;
  while (performance.now() < deadline) {
    file.append(record);
    await file.syncData();
    count++;
  }
  const elapsed = (performance.now() - started) / 1000;
  file.close();
  return `| raw append + fdatasync | ${fmt(count / elapsed)} | ${fmt(count / elapsed)} | 1.0 | ${
    fmt((elapsed * 1e6) / count)
  } |`;
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

console.log(`Durable 1 KiB appends, closed loop, ${seconds} s per row (DenoVfs, ${root})`);
console.log("| writers | appends/s | fsyncs/s | appends per fsync | latency µs (mean) |");
console.log("|---:|---:|---:|---:|---:|");
console.log(await rawRow());
for (const writers of [1, 4, 16, 64, 256]) console.log(await run(writers));
Deno.removeSync(root, { recursive: true });
