// Foreground read latency while writes and background work run, for both places compaction
// can run: on the main thread in 1 ms slices, or on the worker thread. A writer fills the
// store with random keys in batches of 1000 (as fillrandom does) while a reader asks for a
// random existing key every 2 ms. A read's latency runs from the moment it was due (its
// timer) to its answer, so it includes the time spent waiting for the event loop behind
// writes, flushes and compactions. Prints p50, p99 and max, beside the same reads on an idle
// store.
//
//   deno run --allow-read --allow-write --allow-env bench/read_latency.ts [num]

import { Db, DenoVfs, Histogram } from "../mod.ts";
import { Prng } from "../tests/_helpers/prng.ts";

const num = Number(Deno.args[0] ?? 500_000);
const key = (i: number): Uint8Array => new TextEncoder().encode(String(i).padStart(16, "0"));
const value = new Uint8Array(100).fill(7);

/** A seeded generator, so that runs compare. */
const prng = new Prng(0x2545f491);
const random = (): number => prng.float();

/** Reads every 2 ms until `done()`, recording each read's latency from when it was due. */
async function measureReads(db: Db, base: number, done: () => boolean): Promise<Histogram> {
  const latency = new Histogram("read_latency_seconds", "Read latency");
  while (!done()) {
    const due = performance.now() + 2;
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (db.getSync(key(Math.floor(random() * base))) === undefined) throw new Error("Missing key");
    latency.record(Math.max(0, performance.now() - due) / 1000);
  }
  return latency;
}

const row = (name: string, h: Histogram, writer: string, stalls: string): string => {
  const s = h.snapshot();
  const ms = (x: number): string => (x * 1000).toFixed(2);
  return `| ${name} | ${s.count} | ${ms(s.p50)} | ${ms(s.p99)} | ${
    ms(s.max)
  } | ${writer} | ${stalls} |`;
};

/** One run on a fresh store: idle reads, then reads beside the writer. Returns table rows. */
async function scenario(backgroundWorker: boolean): Promise<string[]> {
  const dir = Deno.makeTempDirSync({ prefix: "cairn-read-latency-" });
  const db = await Db.open(dir, { vfs: new DenoVfs(), backgroundWorker });
  const base = Math.min(100_000, num);
  for (let i = 0; i < base; i += 1000) {
    const batch = db.batch();
    for (let j = i; j < i + 1000; j++) batch.put(key(j), value);
    await batch.commit({ sync: false });
  }
  await db.flush();
  const idleDeadline = performance.now() + 2000;
  const idle = await measureReads(db, base, () => performance.now() > idleDeadline);
  let writing = true;
  const writer = (async () => {
    for (let i = 0; i < num; i += 1000) {
      const batch = db.batch();
      for (let j = 0; j < 1000; j++) batch.put(key(base + Math.floor(random() * num)), value);
      await batch.commit({ sync: false });
    }
    writing = false;
  })();
  const started = performance.now();
  const busy = await measureReads(db, base, () => !writing);
  await writer;
  const rate = `${
    Math.round(num / ((performance.now() - started) / 1000)).toLocaleString("en-US")
  }/s`;
  const stats = db.stats();
  const stalls = `${stats.stalls} (${Math.round(stats.stallMillis)} ms)`;
  const where = backgroundWorker ? "worker thread" : "main thread, 1 ms slices";
  await db.close();
  Deno.removeSync(dir, { recursive: true });
  return [
    row(`idle store (${where})`, idle, "–", "–"),
    row(`fillrandom running, compaction on the ${where}`, busy, rate, stalls),
  ];
}

if (import.meta.main) {
  const rows = [...await scenario(false), ...await scenario(true)];
  console.log(
    `Reads every 2 ms of 100,000 keys; writer: ${num.toLocaleString("en-US")} random puts ` +
      "in batches of 1000",
  );
  console.log("| while | reads | p50 ms | p99 ms | max ms | writer puts | stalls |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const line of rows) console.log(line);
}
