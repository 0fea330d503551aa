// Cairn's LSM engine beside the stores a Deno user can pick without native npm packages:
// node:sqlite (SQLite, WAL mode) and Deno KV, on the db_bench workloads, one run, on the real
// disk. 16-byte keys, 100-byte random values.
//
//   deno run --allow-read --allow-write --allow-env --unstable-kv bench/peers.ts [num]
//
// Each store writes the way it is meant to be used: one awaited call per put (fillseq), one
// transaction, atomic operation or batch per 1000 puts (fillrandom), one durable put at a time
// (fillsync, num / 1000 of them). Non-durable writes: Cairn `sync: false`, SQLite
// `synchronous = NORMAL` in WAL mode (a commit survives a crash of the process); Deno KV has
// no non-durable write. Durable: Cairn `sync: true`, SQLite `synchronous = FULL`, Deno KV.

import { DatabaseSync } from "node:sqlite";
import { Db, DenoVfs } from "../mod.ts";
import { Prng } from "../tests/_helpers/prng.ts";

interface Store {
  name: string;
  fillseq(keys: Uint8Array[], value: () => Uint8Array): Promise<void>;
  fillrandom(keys: Uint8Array[], value: () => Uint8Array): Promise<void>;
  readrandom(keys: Uint8Array[]): Promise<void>;
  readseq(): Promise<number>;
  fillsync(keys: Uint8Array[], value: () => Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const num = Number(Deno.args[0] ?? 200_000);
const root = Deno.makeTempDirSync({ prefix: "cairn-peers-" });

/** A seeded generator, so that runs compare. */
const prng = new Prng(0x2545f491);
const random = (): number => prng.float();
const pool = Uint8Array.from({ length: 1 << 20 }, () => Math.floor(random() * 256));
const value = (): Uint8Array => {
  const start = Math.floor(random() * (pool.length - 100));
  return pool.slice(start, start + 100);
};
const keys = Array.from(
  { length: num },
  (_, i) => new TextEncoder().encode(String(i).padStart(16, "0")),
);
const shuffled = [...keys];
for (let i = shuffled.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
}
const syncKeys = shuffled.slice(0, Math.max(1, Math.floor(num / 1000)));

async function cairn(): Promise<Store> {
  const open = (name: string) => Db.open(`${root}/cairn-${name}`, { vfs: new DenoVfs() });
  const seq = await open("seq");
  const rnd = await open("random");
  const durable = await open("sync");
  return {
    name: "Cairn Db",
    async fillseq(keys, value) {
      for (const key of keys) await seq.put(key, value(), { sync: false });
    },
    async fillrandom(keys, value) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = rnd.batch();
        for (const key of keys.slice(i, i + 1000)) batch.put(key, value());
        await batch.commit({ sync: false });
      }
    },
    readrandom(keys) {
      for (const key of keys) if (rnd.getSync(key) === undefined) throw new Error("Missing key");
      return Promise.resolve();
    },
    async readseq() {
      let count = 0;
      for await (const _ of rnd.scan()) count++;
      return count;
    },
    async fillsync(keys, value) {
      for (const key of keys) await durable.put(key, value());
    },
    async close() {
      await Promise.all([seq.close(), rnd.close(), durable.close()]);
    },
  };
}

function sqlite(): Store {
  const open = (name: string, synchronous: string) => {
    const db = new DatabaseSync(`${root}/sqlite-${name}.db`);
    db.exec(`pragma journal_mode = wal; pragma synchronous = ${synchronous};`);
    db.exec("create table kv (k blob primary key, v blob) without rowid");
    return db;
  };
  const seq = open("seq", "normal");
  const rnd = open("random", "normal");
  const durable = open("sync", "full");
  const put = (db: DatabaseSync) => db.prepare("insert or replace into kv (k, v) values (?, ?)");
  const [putSeq, putRnd, putDurable] = [put(seq), put(rnd), put(durable)];
  const get = rnd.prepare("select v from kv where k = ?");
  return {
    name: "node:sqlite (WAL)",
    async fillseq(keys, value) {
      for (const key of keys) await Promise.resolve(putSeq.run(key, value()));
    },
    async fillrandom(keys, value) {
      for (let i = 0; i < keys.length; i += 1000) {
        rnd.exec("begin");
        for (const key of keys.slice(i, i + 1000)) putRnd.run(key, value());
        rnd.exec("commit");
        await Promise.resolve();
      }
    },
    readrandom(keys) {
      for (const key of keys) if (get.get(key) === undefined) throw new Error("Missing key");
      return Promise.resolve();
    },
    readseq() {
      let count = 0;
      for (const _ of rnd.prepare("select k, v from kv order by k").iterate()) count++;
      return Promise.resolve(count);
    },
    async fillsync(keys, value) {
      for (const key of keys) await Promise.resolve(putDurable.run(key, value()));
    },
    close() {
      seq.close();
      rnd.close();
      durable.close();
      return Promise.resolve();
    },
  };
}

/** The part of Deno KV the bench uses (its types come only with `--unstable-kv`). */
interface Kv {
  set(key: unknown[], value: unknown): Promise<unknown>;
  get(key: unknown[]): Promise<{ value: unknown }>;
  list(selector: { prefix: unknown[] }): AsyncIterable<unknown>;
  atomic(): { set(key: unknown[], value: unknown): unknown; commit(): Promise<unknown> };
  close(): void;
}

async function denoKv(): Promise<Store> {
  const openKv = (Deno as unknown as { openKv?: (path: string) => Promise<Kv> }).openKv;
  if (openKv === undefined) throw new Error("Run with --unstable-kv to compare with Deno KV");
  const seq = await openKv(`${root}/kv-seq`);
  const rnd = await openKv(`${root}/kv-random`);
  const durable = await openKv(`${root}/kv-sync`);
  return {
    name: "Deno KV",
    async fillseq(keys, value) {
      for (const key of keys) await seq.set([key], value());
    },
    async fillrandom(keys, value) {
      for (let i = 0; i < keys.length; i += 1000) {
        const atomic = rnd.atomic();
        for (const key of keys.slice(i, i + 1000)) atomic.set([key], value());
        await atomic.commit();
      }
    },
    async readrandom(keys) {
      for (const key of keys) {
        if ((await rnd.get([key])).value === null) throw new Error("Missing key");
      }
    },
    async readseq() {
      let count = 0;
      for await (const _ of rnd.list({ prefix: [] })) count++;
      return count;
    },
    async fillsync(keys, value) {
      for (const key of keys) await durable.set([key], value());
    },
    close() {
      seq.close();
      rnd.close();
      durable.close();
      return Promise.resolve();
    },
  };
}

const results = new Map<string, Map<string, number>>();
async function time(store: string, workload: string, ops: number, body: () => Promise<unknown>) {
  const started = performance.now();
  await body();
  const micros = ((performance.now() - started) * 1000) / ops;
  if (!results.has(workload)) results.set(workload, new Map());
  results.get(workload)!.set(store, micros);
  console.error(`${store} ${workload}: ${micros.toFixed(2)} µs/op`);
}

for (const make of [cairn, sqlite, denoKv]) {
  const store = await make();
  await time(store.name, "fillseq", num, () => store.fillseq(keys, value));
  await time(
    store.name,
    "fillrandom (batches of 1000)",
    num,
    () => store.fillrandom(shuffled, value),
  );
  await time(store.name, "readrandom", num, () => store.readrandom(shuffled));
  await time(store.name, "readseq", num, async () => {
    const count = await store.readseq();
    if (count !== num) throw new Error(`${store.name} readseq saw ${count} keys`);
  });
  await time(
    store.name,
    "fillsync (one durable put at a time)",
    syncKeys.length,
    () => store.fillsync(syncKeys, value),
  );
  await store.close();
}

const names = ["Cairn Db", "node:sqlite (WAL)", "Deno KV"];
console.log(
  `${
    num.toLocaleString("en-US")
  } keys of 16 B, values of 100 B; µs per operation (lower is better)`,
);
console.log(`| workload | ${names.join(" | ")} | Cairn ÷ best peer |`);
console.log(`|---|${names.map(() => "---:").join("|")}|---:|`);
for (const [workload, byStore] of results) {
  const cells = names.map((name) => byStore.get(name)!.toFixed(2));
  const best = Math.min(...names.slice(1).map((name) => byStore.get(name)!));
  console.log(
    `| ${workload} | ${cells.join(" | ")} | ${(byStore.get("Cairn Db")! / best).toFixed(2)} |`,
  );
}
Deno.removeSync(root, { recursive: true });
