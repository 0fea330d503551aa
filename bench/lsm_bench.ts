// db_bench workloads for the LSM engine on the real disk: 16-byte keys, 100-byte random
// values, 1M keys by default. Prints microseconds per operation, as LevelDB's db_bench. A
// script, not a `deno bench` file: it runs only as the main module.
//
//   deno run --allow-read --allow-write --allow-env bench/lsm_bench.ts [num] [dir]
//
// fillseq      puts in key order, one at a time, not synced
// fillrandom   puts in random order, in batches of 1000, not synced
// overwrite    puts of existing keys in random order, one at a time, not synced
// readrandom   gets of random existing keys
// readseq      a full forward scan
// readreverse  a full reverse scan
// seekrandom   a scan from a random key, reading one entry
// fillsync     puts in random order, one at a time, each durable (num / 1000 of them)

import { Db, DenoVfs } from "../mod.ts";
import { Prng } from "../tests/_helpers/prng.ts";

const num = Number(Deno.args[0] ?? 1_000_000);
const root = Deno.args[1] ?? Deno.makeTempDirSync({ prefix: "cairn-lsm-bench-" });
const vfs = new DenoVfs();

/** A seeded generator, so that runs compare. */
const prng = new Prng(0x2545f491);
const random = (): number => prng.float();

function key(index: number): Uint8Array {
  return new TextEncoder().encode(String(index).padStart(16, "0"));
}

const valuePool = Uint8Array.from({ length: 1 << 20 }, () => Math.floor(random() * 256));
function value(): Uint8Array {
  const start = Math.floor(random() * (valuePool.length - 100));
  return valuePool.subarray(start, start + 100);
}

function shuffled(count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

let dbCount = 0;
async function freshDb(): Promise<Db> {
  return await Db.open(`${root}/db${dbCount++}`, { vfs });
}

const rows: string[] = [];
async function measure(name: string, ops: number, body: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await body();
  const seconds = (performance.now() - started) / 1000;
  const micros = (seconds * 1e6) / ops;
  const mb = (ops * 116) / (1024 * 1024) / seconds;
  rows.push(
    `| ${name} | ${micros.toFixed(2)} | ${Math.round(ops / seconds).toLocaleString("en-US")} | ${
      mb.toFixed(1)
    } |`,
  );
  console.error(`${name}: ${micros.toFixed(2)} µs/op`);
}

if (import.meta.main) await main();

/** Runs every workload and prints the table. */
async function main(): Promise<void> {
  const fillseq = await freshDb();
  await measure("fillseq", num, async () => {
    for (let i = 0; i < num; i++) await fillseq.put(key(i), value(), { sync: false });
  });
  await fillseq.close();

  const db = await freshDb();
  const order = shuffled(num);
  await measure("fillrandom (batches of 1000)", num, async () => {
    for (let i = 0; i < num; i += 1000) {
      const batch = db.batch();
      for (let j = i; j < Math.min(num, i + 1000); j++) batch.put(key(order[j]!), value());
      await batch.commit({ sync: false });
    }
  });
  await measure("overwrite", num, async () => {
    for (let i = 0; i < num; i++) {
      await db.put(key(Math.floor(random() * num)), value(), { sync: false });
    }
  });
  await db.flush();
  await measure("readrandom", num, async () => {
    for (let i = 0; i < num; i++) {
      if ((await db.get(key(Math.floor(random() * num)))) === undefined) {
        throw new Error("Missing key");
      }
    }
  });
  await measure("readseq", num, async () => {
    let count = 0;
    for await (const _ of db.scan()) count++;
    if (count !== num) throw new Error(`readseq saw ${count} keys`);
  });
  await measure("readreverse", num, async () => {
    let count = 0;
    for await (const _ of db.scan({ reverse: true })) count++;
    if (count !== num) throw new Error(`readreverse saw ${count} keys`);
  });
  const seeks = Math.min(num, 100_000);
  await measure("seekrandom", seeks, async () => {
    for (let i = 0; i < seeks; i++) {
      for await (const _ of db.scan({ gte: key(Math.floor(random() * num)), limit: 1 }));
    }
  });
  const stats = db.stats();
  await db.close();

  const durable = await freshDb();
  const syncs = Math.max(1, Math.floor(num / 1000));
  await measure("fillsync", syncs, async () => {
    for (let i = 0; i < syncs; i++) await durable.put(key(Math.floor(random() * num)), value());
  });
  await durable.close();

  console.log(
    `LSM db_bench, ${num.toLocaleString("en-US")} keys of 16 B, values of 100 B (DenoVfs, ${root})`,
  );
  console.log("| benchmark | µs/op | ops/s | MB/s |");
  console.log("|---|---:|---:|---:|");
  for (const row of rows) console.log(row);
  console.log(
    `\nAfter overwrite: levels ${
      JSON.stringify(stats.levels.map((level) => level.files))
    } files, ` +
      `${stats.flushes} flushes, ${stats.compactions} compactions, ${stats.stalls} stalls ` +
      `(${Math.round(stats.stallMillis)} ms), block cache ${stats.blockCache.hits} hits / ` +
      `${stats.blockCache.misses} misses`,
  );
  if (Deno.args[1] === undefined) Deno.removeSync(root, { recursive: true });
}
