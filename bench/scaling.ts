// How Cairn's per-operation costs grow with the data: fillrandom (batches of 1000, not
// durable) and readrandom (200,000 gets after a reopen) at 1M and at 10M keys of 16 bytes
// with 100-byte random values, default options, on the real disk, one size after the other
// in one run. Keys come from a permutation (i × a prime mod n), so no key array is held.
//
//   deno run --allow-read --allow-write --allow-env bench/scaling.ts [sizes, default 1000000,10000000]

import { Db, DenoVfs } from "../mod.ts";
import { Prng } from "../tests/_helpers/prng.ts";

const READS = 200_000;
const PRIME = 1_000_003;
const encoder = new TextEncoder();
const key = (i: number): Uint8Array => encoder.encode(String(i).padStart(16, "0"));

interface Row {
  keys: number;
  fillrandom: number;
  readrandom: number;
  levels: string;
}

/** Fills a fresh database with `num` keys in random order, reopens it, reads at random. */
async function run(num: number): Promise<Row> {
  const prng = new Prng(0x2545f491);
  const pool = Uint8Array.from({ length: 1 << 20 }, () => prng.int(256));
  const dir = Deno.makeTempDirSync({ prefix: "cairn-scaling-" });
  let db = await Db.open(dir, { vfs: new DenoVfs(), sync: false });
  let started = performance.now();
  for (let i = 0; i < num; i += 1000) {
    const batch = db.batch();
    for (let j = i; j < Math.min(num, i + 1000); j++) {
      const at = prng.int(pool.length - 100);
      batch.put(key((j * PRIME) % num), pool.subarray(at, at + 100));
    }
    await batch.commit();
  }
  const fillrandom = ((performance.now() - started) * 1000) / num;
  await db.close();
  db = await Db.open(dir, { vfs: new DenoVfs() });
  const reads = Array.from({ length: READS }, () => key(prng.int(num)));
  started = performance.now();
  for (const k of reads) if (db.getSync(k) === undefined) throw new Error("Missing key");
  const readrandom = ((performance.now() - started) * 1000) / READS;
  const levels = JSON.stringify(db.stats().levels.map((level) => level.files));
  await db.close();
  Deno.removeSync(dir, { recursive: true });
  console.error(
    `${num}: fillrandom ${fillrandom.toFixed(2)}, readrandom ${readrandom.toFixed(2)} µs/op`,
  );
  return { keys: num, fillrandom, readrandom, levels };
}

if (import.meta.main) {
  const sizes = (Deno.args[0] ?? "1000000,10000000").split(",").map(Number);
  const rows: Row[] = [];
  for (const size of sizes) rows.push(await run(size));
  const base = rows[0]!;
  console.log(
    "| keys | fillrandom µs/op | × first | readrandom µs/op | × first | tables per level |",
  );
  console.log("|---:|---:|---:|---:|---:|---|");
  for (const row of rows) {
    console.log(
      `| ${row.keys.toLocaleString("en-US")} | ${row.fillrandom.toFixed(2)} | ${
        (row.fillrandom / base.fillrandom).toFixed(2)
      } | ${row.readrandom.toFixed(2)} | ${
        (row.readrandom / base.readrandom).toFixed(2)
      } | ${row.levels} |`,
    );
  }
}
