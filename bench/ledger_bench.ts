// The ledger module on the real disk: durable adds of 100-byte and 1 KiB entries to 1 and
// to 100 ledgers of one LedgerStore (closed loop, 128 adds in flight, and one add at a
// time), reads of recent (memtable) and old (entry log) entries, and the quorum client
// (E 3, Qw 3, Qa 2) over three in-process stores. Prints markdown tables.
//
//   deno run --allow-read --allow-write bench/ledger_bench.ts [seconds per add row]
//
// A script, not a `deno bench` file: it does nothing unless run as the main module.

import {
  LedgerStore,
  LedgerWriter,
  LocalStoreClient,
  MemoryLedgerMetadataStore,
} from "../src/ledger/mod.ts";
import { DenoVfs, FaultVfs } from "../src/vfs/mod.ts";
import { Prng } from "../tests/_helpers/prng.ts";

const IN_FLIGHT = 128;

function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** The p-th percentile (nearest rank) of the samples. */
function percentile(samples: number[], p: number): number {
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `inFlight` closed loops of `add` for `seconds`; returns count, seconds, latencies (µs). */
async function closedLoop(
  seconds: number,
  inFlight: number,
  add: (loop: number) => Promise<unknown>,
): Promise<{ count: number; elapsed: number; latencies: number[] }> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async (_, loop) => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      await add(loop);
      latencies.push((performance.now() - begin) * 1000);
    }
  }));
  return { count: latencies.length, elapsed: (performance.now() - started) / 1000, latencies };
}

function addRowText(
  label: string,
  inFlight: number,
  size: number,
  run: { count: number; elapsed: number; latencies: number[] },
  syncs: number,
): string {
  const perSecond = run.count / run.elapsed;
  return `| ${label} | ${inFlight} | ${size} | ${fmt(perSecond)} | ${
    fmt((perSecond * size) / 1e6, 1)
  } | ${fmt(percentile(run.latencies, 50))} | ${fmt(percentile(run.latencies, 99))} | ${
    fmt(syncs / run.elapsed)
  } |`;
}

async function storeAddRow(
  root: string,
  seconds: number,
  ledgers: number,
  size: number,
  inFlight = IN_FLIGHT,
): Promise<string> {
  const vfs = new FaultVfs(new DenoVfs());
  const store = await LedgerStore.open(`${root}/adds-${ledgers}x${size}x${inFlight}`, { vfs });
  for (let ledger = 0; ledger < ledgers; ledger++) await store.createLedger(ledger);
  const next = new Array<number>(ledgers).fill(0);
  const payload = new Prng(size).bytes(size);
  const syncsBefore = vfs.calls("sync");
  const run = await closedLoop(seconds, inFlight, (loop) => {
    const ledger = loop % ledgers;
    return store.addEntry(ledger, next[ledger]!++, payload);
  });
  const syncs = vfs.calls("sync") - syncsBefore;
  await store.close();
  const label = `store, ${ledgers} ledger${ledgers > 1 ? "s" : ""}`;
  return addRowText(label, inFlight, size, run, syncs);
}

async function quorumAddRow(root: string, seconds: number, size: number): Promise<string> {
  const vfs = new FaultVfs(new DenoVfs());
  const stores = await Promise.all(
    [1, 2, 3].map((i) => LedgerStore.open(`${root}/quorum-${size}/bookie-${i}`, { vfs })),
  );
  const writer = await LedgerWriter.create({
    ledgerId: 1,
    metadataStore: new MemoryLedgerMetadataStore(),
    stores: stores.map((store, i) => new LocalStoreClient(`bookie-${i + 1}`, store)),
    ensembleSize: 3,
    writeQuorum: 3,
    ackQuorum: 2,
  });
  const payload = new Prng(size).bytes(size);
  const syncsBefore = vfs.calls("sync");
  const run = await closedLoop(seconds, IN_FLIGHT, () => writer.addEntry(payload));
  const syncs = vfs.calls("sync") - syncsBefore;
  await writer.close();
  for (const store of stores) await store.close();
  return addRowText("quorum client, E 3 Qw 3 Qa 2, 3 stores", IN_FLIGHT, size, run, syncs);
}

/** Reads `count` entries chosen by `pick` one by one; returns reads/s and p50/p99 in µs. */
function readRun(store: LedgerStore, count: number, pick: (i: number) => number): string {
  const latencies: number[] = [];
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const begin = performance.now();
    bytes += store.readEntry(0, pick(i)).length;
    latencies.push((performance.now() - begin) * 1000);
  }
  const elapsed = (performance.now() - started) / 1000;
  return `${fmt(count / elapsed)} | ${fmt(bytes / elapsed / 1e6, 1)} | ${
    fmt(percentile(latencies, 50), 1)
  } | ${fmt(percentile(latencies, 99), 1)} |`;
}

async function readRows(root: string): Promise<string[]> {
  const rows: string[] = [];
  for (const size of [100, 1024]) {
    const store = await LedgerStore.open(`${root}/reads-${size}`, {
      flushBytes: 1 << 30,
      maxMemtableBytes: 1 << 30,
    });
    await store.createLedger(0);
    const total = 100_000;
    const payload = new Prng(size).bytes(size);
    for (let e = 0; e < total; e += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) => store.addEntry(0, e + i, payload)),
      );
    }
    const prng = new Prng(7);
    const recent = readRun(store, 200_000, () => total - 1 - prng.int(10_000));
    rows.push(`| recent (memtable), last 10,000 of 100,000 | ${size} | ${recent}`);
    await store.checkpoint();
    const old = readRun(store, 200_000, () => prng.int(total));
    rows.push(`| old (entry log, page cache), random of 100,000 | ${size} | ${old}`);
    await store.close();
  }
  return rows;
}

if (import.meta.main) {
  const seconds = Number(Deno.args[0] ?? 3);
  const root = Deno.makeTempDirSync({ prefix: "cairn-ledger-bench-" });
  try {
    console.log(
      `Durable adds, closed loop, ${seconds} s per row (DenoVfs, ${root})\n`,
    );
    console.log(
      "| what | adds in flight | entry bytes | entries/s | MB/s | latency p50 µs | latency p99 µs | fsyncs/s |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
    console.log(await storeAddRow(root, seconds, 1, 100, 1));
    for (const ledgers of [1, 100]) {
      for (const size of [100, 1024]) console.log(await storeAddRow(root, seconds, ledgers, size));
    }
    for (const size of [100, 1024]) console.log(await quorumAddRow(root, seconds, size));

    console.log("\nReads, one entry per call (`readEntry`, synchronous), 200,000 reads\n");
    console.log("| entries | entry bytes | reads/s | MB/s | p50 µs | p99 µs |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const row of await readRows(root)) console.log(row);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}
