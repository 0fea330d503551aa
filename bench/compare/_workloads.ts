// The suite every store runs, in order, in a process of its own:
//
// fillseq      num puts in key order, batches of 1000, fresh database, not durable
// fillrandom   num puts in random order, batches of 1000, fresh database, not durable
// overwrite    num / 10 single puts of random existing keys into the fillrandom database
// compact      a full compaction of that database; its bytes on disk are measured after it
// readrandom   200,000 gets of random existing keys after closing and reopening it
// readseq      a forward scan of every entry
// readreverse  a backward scan of every entry
// seekrandom   10,000 scans of 100 entries from a random key
// fillsync     5,000 single durable puts, one at a time, fresh database
// concurrent   64 callers each making 100 durable puts one at a time, fresh database

import { type BenchData, KEY_BYTES, VALUE_BYTES } from "./_data.ts";
import type { Entry, Store, StoreHandle } from "./_store.ts";

/** One measured workload. */
export interface WorkloadResult {
  name: string;
  ops: number;
  seconds: number;
}

/** What a store's run reports. */
export interface SuiteResult {
  store: string;
  setup: string;
  results: WorkloadResult[];
  /** Bytes of the fillrandom database on disk after overwrite and the full compaction. */
  diskBytes: number;
  /** Raw key and value bytes of the entries in that database. */
  rawBytes: number;
  /** Resident set size of the process after the whole suite. */
  rssBytes: number;
  /** Resident set size before the store was first opened (the suite's own data). */
  baselineRssBytes: number;
}

const BATCH = 1000;
const READS = 200_000;
const SEEKS = 10_000;
const SEEK_LENGTH = 100;
const SYNC_PUTS = 5_000;
const CALLERS = 64;
const PUTS_PER_CALLER = 100;

/** Runs the whole suite on `store` under the directory `root`. */
export async function runSuite(store: Store, data: BenchData, root: string): Promise<SuiteResult> {
  const num = data.keys.length;
  const baselineRssBytes = Deno.memoryUsage().rss;
  const results: WorkloadResult[] = [];
  const measure = async (name: string, ops: number, body: () => Promise<unknown>) => {
    const started = performance.now();
    await body();
    const seconds = (performance.now() - started) / 1000;
    results.push({ name, ops, seconds });
    console.error(`${store.name} ${name}: ${((seconds * 1e6) / ops).toFixed(2)} µs/op`);
  };
  const expect = (what: string, got: number, want: number) => {
    if (got !== want) throw new Error(`${store.name} ${what} saw ${got} entries, not ${want}`);
  };

  const sequential = await store.open(`${root}/seq`, false);
  await measure("fillseq", num, () => writeInBatches(sequential, data.keys, data));
  await sequential.close();

  const mainDir = `${root}/random`;
  let db = await store.open(mainDir, false);
  await measure("fillrandom", num, () => writeInBatches(db, data.shuffledKeys(), data));
  const overwrites = Math.max(1, Math.floor(num / 10));
  await measure("overwrite", overwrites, async () => {
    for (let i = 0; i < overwrites; i++) await db.put(data.randomKey(), data.value());
  });
  await measure("compact", 1, () => db.compact());
  await db.close();
  const diskBytes = bytesUnder(mainDir);
  db = await store.open(mainDir, false);

  const reads = Array.from({ length: READS }, () => data.randomKey());
  await measure(
    "readrandom",
    READS,
    async () => expect("readrandom", await db.readrandom(reads), READS),
  );
  await measure("readseq", num, async () => expect("readseq", await db.scan(false), num));
  await measure("readreverse", num, async () => expect("readreverse", await db.scan(true), num));
  const starts = Array.from({ length: SEEKS }, () => data.randomKey());
  await measure("seekrandom", SEEKS, async () => {
    for (const start of starts) await db.seek(start, SEEK_LENGTH);
  });
  await db.close();

  const durable = await store.open(`${root}/sync`, true);
  await measure("fillsync", SYNC_PUTS, async () => {
    for (let i = 0; i < SYNC_PUTS; i++) await durable.put(data.randomKey(), data.value());
  });
  await durable.close();

  const shared = await store.open(`${root}/concurrent`, true);
  await measure("concurrent", CALLERS * PUTS_PER_CALLER, async () => {
    const caller = async () => {
      for (let i = 0; i < PUTS_PER_CALLER; i++) await shared.put(data.randomKey(), data.value());
    };
    await Promise.all(Array.from({ length: CALLERS }, caller));
  });
  await shared.close();

  return {
    store: store.name,
    setup: store.setup,
    results,
    diskBytes,
    rawBytes: num * (KEY_BYTES + VALUE_BYTES),
    rssBytes: Deno.memoryUsage().rss,
    baselineRssBytes,
  };
}

async function writeInBatches(db: StoreHandle, keys: readonly Uint8Array[], data: BenchData) {
  for (let i = 0; i < keys.length; i += BATCH) {
    const entries: Entry[] = [];
    for (const key of keys.slice(i, i + BATCH)) entries.push([key, data.value()]);
    await db.writeBatch(entries);
  }
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    total += entry.isDirectory ? bytesUnder(path) : Deno.statSync(path).size;
  }
  return total;
}
