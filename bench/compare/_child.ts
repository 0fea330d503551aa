// One store's run of the suite, in a process of its own so that its memory and its native
// threads are its own. Started by run.ts; prints its SuiteResult as one JSON line.
//
//   deno run <flags> bench/compare/_child.ts <store> <num> <dir>

import { BenchData } from "./_data.ts";
import type { Store } from "./_store.ts";
import { runSuite } from "./_workloads.ts";

/** Each store, loaded only in its own child so a missing native package spoils no other run. */
export const STORES: Record<string, () => Promise<Store>> = {
  cairn: async () => (await import("./stores/cairn.ts")).cairn,
  sqlite: async () => (await import("./stores/sqlite.ts")).sqlite,
  "deno-kv": async () => (await import("./stores/deno_kv.ts")).denoKv,
  "classic-level": async () => (await import("./stores/classic_level.ts")).classicLevel,
  lmdb: async () => (await import("./stores/lmdb.ts")).lmdb,
};

if (import.meta.main) {
  const [name = "", num = "", dir = ""] = Deno.args;
  const load = STORES[name];
  if (load === undefined) throw new Error(`Unknown store ${name}`);
  const result = await runSuite(await load(), new BenchData(Number(num)), dir);
  console.log(JSON.stringify(result));
}
