// How long a 1 KiB append + fdatasync takes alone, and beside a CPU-bound task on the same
// thread that gives the event loop back every millisecond (as Cairn's background flushes and
// compactions do) with setImmediate or with setTimeout(0).
//
//   deno run --allow-read --allow-write bench/fsync_under_load.ts

import * as fs from "node:fs";
import { setImmediate } from "node:timers";

const dir = Deno.makeTempDirSync({ prefix: "cairn-fsync-load-" });
const fd = fs.openSync(`${dir}/file`, "w");
const record = new Uint8Array(1024);
const rounds = 200;

async function durableAppends(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    fs.writeSync(fd, record);
    await new Promise<void>((resolve, reject) => {
      fs.fdatasync(fd, (error) => error ? reject(error) : resolve());
    });
  }
  return ((performance.now() - started) * 1000) / rounds;
}

async function beside(yieldOnce: () => Promise<unknown>): Promise<number> {
  let busy = true;
  const load = (async () => {
    while (busy) {
      const sliceStart = performance.now();
      while (performance.now() - sliceStart < 1) { /* a millisecond of CPU work */ }
      await yieldOnce();
    }
  })();
  const micros = await durableAppends();
  busy = false;
  await load;
  return micros;
}

const alone = await durableAppends();
const withImmediate = await beside(() => new Promise((resolve) => setImmediate(resolve)));
const withTimeout = await beside(() => new Promise((resolve) => setTimeout(resolve, 0)));
console.log("| 1 KiB append + fdatasync | µs per durable append |");
console.log("|---|---:|");
console.log(`| alone | ${alone.toFixed(0)} |`);
console.log(`| beside 1 ms CPU slices yielding with setImmediate | ${withImmediate.toFixed(0)} |`);
console.log(`| beside 1 ms CPU slices yielding with setTimeout(0) | ${withTimeout.toFixed(0)} |`);
fs.closeSync(fd);
Deno.removeSync(dir, { recursive: true });
