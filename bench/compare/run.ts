// The peer comparison: db_bench-style workloads (see _workloads.ts) run against Cairn and the
// stores a Deno user can pick — node:sqlite, Deno KV, LevelDB (npm:classic-level) and LMDB
// (npm:lmdb) — each in a process of its own, one after another, on the real disk. Prints
// one markdown table: µs/op and ops/s per store, and each peer's time as a multiple of
// Cairn's (above 1: Cairn is faster).
//
//   deno task bench:compare [num] [store,store,...]
//
// num defaults to 1,000,000 keys; stores default to all of them. A store whose package does
// not load is reported as unavailable.

import { probeFdatasync } from "../_fsync_probe.ts";
import { STORES } from "./_child.ts";
import type { SuiteResult } from "./_workloads.ts";

const CHILD_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
  "--unstable-kv",
];

if (import.meta.main) await main();

async function main(): Promise<void> {
  const num = Number(Deno.args[0] ?? 1_000_000);
  const names = Deno.args[1]?.split(",") ?? Object.keys(STORES);
  const root = Deno.makeTempDirSync({ prefix: "cairn-compare-" });
  const overwrite = await probeFdatasync("overwrite", 1000);
  const append = await probeFdatasync("append", 1000);
  console.error(`fdatasync after a 4 KiB overwrite: ${overwrite.mean.toFixed(0)} µs`);
  const suites: SuiteResult[] = [];
  const unavailable: string[] = [];
  for (const name of names) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...CHILD_FLAGS,
        new URL("./_child.ts", import.meta.url).pathname,
        name,
        String(num),
        `${root}/${name}`,
      ],
      stdout: "piped",
      stderr: "inherit",
    });
    const output = await child.output();
    Deno.removeSync(`${root}/${name}`, { recursive: true });
    const line = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
    if (output.success && line.startsWith("{")) suites.push(JSON.parse(line));
    else unavailable.push(name);
  }
  Deno.removeSync(root, { recursive: true });
  printTable(num, suites, unavailable, overwrite.mean, append.mean);
}

function printTable(
  num: number,
  suites: SuiteResult[],
  unavailable: string[],
  overwriteSync: number,
  appendSync: number,
): void {
  const base = suites.find((suite) => suite.store === "Cairn");
  const micros = (suite: SuiteResult, name: string) => {
    const result = suite.results.find((r) => r.name === name)!;
    return (result.seconds * 1e6) / result.ops;
  };
  const ratio = (value: number, cairn: number | undefined) =>
    cairn === undefined ? "" : ` (×${(value / cairn).toFixed(2)})`;
  console.log(
    `${num.toLocaleString("en-US")} keys of 16 B, values of 100 B. Each cell: µs/op, ops/s, ` +
      "and (×r) the store's time as a multiple of Cairn's.\n",
  );
  console.log(`| workload | ${suites.map((suite) => suite.store).join(" | ")} |`);
  console.log(`|---|${suites.map(() => "---:").join("|")}|`);
  for (const { name } of suites[0]?.results ?? []) {
    const cells = suites.map((suite) => {
      const us = micros(suite, name);
      const rate = Math.round(1e6 / us).toLocaleString("en-US");
      return `${us.toFixed(2)} µs, ${rate}/s${ratio(us, base && micros(base, name))}`;
    });
    console.log(`| ${name} | ${cells.join(" | ")} |`);
  }
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(
    `| disk after compact (MiB, ÷ raw) | ${
      suites.map((s) => `${mib(s.diskBytes)} (${(s.diskBytes / s.rawBytes).toFixed(3)})`).join(
        " | ",
      )
    } |`,
  );
  console.log(
    `| RSS after the suite, MiB (above the suite's own data) | ${
      suites.map((s) => `${mib(s.rssBytes)} (${mib(s.rssBytes - s.baselineRssBytes)})`).join(" | ")
    } |`,
  );
  console.log(
    `\nThe disk in the same run: 4 KiB overwrite + fdatasync ${overwriteSync.toFixed(0)} µs, ` +
      `4 KiB append + fdatasync ${appendSync.toFixed(0)} µs (means of 1000).`,
  );
  if (base !== undefined) {
    console.log(
      `Cairn fillsync ÷ overwrite fdatasync: ${
        (micros(base, "fillsync") / overwriteSync).toFixed(2)
      }`,
    );
  }
  for (const suite of suites) console.log(`- ${suite.store}: ${suite.setup}`);
  if (unavailable.length > 0) console.log(`- unavailable: ${unavailable.join(", ")}`);
}
