// Record log benchmarks on the real disk (DenoVfs): non-durable append throughput beside
// the raw sequential write bandwidth of the machine, and durable appends with 1 and 64
// concurrent writers. Appends/s and fsyncs/s under a closed loop: bench/group_commit.ts.

import { DenoVfs, RecordLog } from "../mod.ts";

const vfs = new DenoVfs();
const root = Deno.makeTempDirSync({ prefix: "cairn-bench-" });
const MiB = 1024 * 1024;
const record1k = new Uint8Array(1024).map((_, i) => (i * 31) & 255);
const chunk1m = new Uint8Array(MiB).map((_, i) => (i * 7) & 255);
let dirCount = 0;

async function freshLog(sync: boolean): Promise<RecordLog> {
  return await RecordLog.open(`${root}/log-${dirCount++}`, { vfs, sync });
}

const raw = vfs.open(`${root}/raw`, { create: true });
Deno.bench({
  name: "raw sequential write, 1 MiB per call (no sync)",
  group: "write bandwidth (1 MiB per iteration)",
  baseline: true,
  fn() {
    raw.append(chunk1m);
    if (raw.size() > 512 * MiB) raw.truncate(0);
  },
});

const bulk = await freshLog(false);
Deno.bench({
  name: "RecordLog.append 1024 x 1 KiB records (no sync)",
  group: "write bandwidth (1 MiB per iteration)",
  async fn() {
    const appends: Promise<number>[] = [];
    for (let i = 0; i < 1024; i++) appends.push(bulk.append(record1k));
    await Promise.all(appends);
  },
});

const large = await freshLog(false);
Deno.bench({
  name: "RecordLog.append one 1 MiB record (no sync)",
  group: "write bandwidth (1 MiB per iteration)",
  async fn() {
    await large.append(chunk1m);
  },
});

const single = await freshLog(true);
Deno.bench({
  name: "durable append of 1 KiB, 1 writer",
  group: "durable appends",
  baseline: true,
  async fn() {
    await single.append(record1k);
  },
});

const shared = await freshLog(true);
Deno.bench({
  name: "durable append of 1 KiB, 64 concurrent writers (64 appends per iteration)",
  group: "durable appends",
  async fn() {
    const appends: Promise<number>[] = [];
    for (let i = 0; i < 64; i++) appends.push(shared.append(record1k));
    await Promise.all(appends);
  },
});

const reads = await freshLog(false);
const positions: number[] = [];
for (let i = 0; i < 10_000; i++) positions.push(await reads.append(record1k));
let next = 0;
Deno.bench({
  name: "RecordLog.read of a 1 KiB record (page cache)",
  group: "reads",
  fn() {
    reads.read(positions[next++ % positions.length]!);
  },
});

Deno.bench({
  name: "RecordLog.records() over 10,000 records of 1 KiB",
  group: "reads",
  fn() {
    let count = 0;
    for (const _ of reads.records()) count++;
    if (count !== positions.length) throw new Error("Lost records");
  },
});

globalThis.addEventListener("unload", () => {
  raw.close();
  Deno.removeSync(root, { recursive: true });
});
