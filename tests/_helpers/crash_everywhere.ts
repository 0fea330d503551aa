// The loop behind every "crash at every write" test: run a workload on a fresh MemVfs that
// loses power after its k-th mutating operation, check what survived, and go on with k + 1
// until a run finishes without a crash.

import { type CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import { CrashPointVfs } from "./crash_point_vfs.ts";

/**
 * The power losses every crash test applies at each write, named for its test: plain (every
 * unsynced byte lost), torn and zeroed unsynced tails (seeded by the write's number and the
 * plan's seed).
 */
export const CRASH_MODES: readonly {
  name: string;
  crash(k: number, seed: number): CrashOptions;
}[] = [
  { name: "keeps what it acknowledged through a crash at every write", crash: () => ({}) },
  {
    name: "repairs torn unsynced tails from a crash at every write",
    crash: (k, seed) => ({ seed: k * 7919 + seed }),
  },
  {
    name: "repairs zeroed unsynced tails from a crash at every write",
    crash: (k, seed) => ({ seed: k * 104729 + seed, zeroTail: true }),
  },
];

/** One run of the loop, as the check sees it. */
export interface CrashRun<O> {
  /** The filesystem as the power loss left it (or as the workload left it, without one). */
  mem: MemVfs;
  /** What the workload reported. */
  outcome: O;
  /** Whether the power went. */
  crashed: boolean;
  /** Names the run for assertion messages. */
  context: string;
}

/**
 * Crashes `run` after each mutating operation in turn (with `crash(k)` for the k-th), and
 * hands every run to `check`.
 *
 * @returns How many mutating operations the workload makes, and its last (whole) outcome.
 */
export async function crashAtEveryWrite<O>(
  label: string,
  crash: (k: number) => CrashOptions,
  run: (vfs: CrashPointVfs) => Promise<O>,
  check: (run: CrashRun<O>) => Promise<void>,
): Promise<{ operations: number; outcome: O }> {
  for (let k = 1;; k++) {
    const mem = new MemVfs();
    const options = crash(k);
    const vfs = new CrashPointVfs(mem, k, options);
    const outcome = await run(vfs);
    const crashed = vfs.crashed;
    const context = `${label}, crash after operation ${k} ${JSON.stringify(options)}${
      crashed ? "" : " (no crash)"
    }`;
    await check({ mem, outcome, crashed, context });
    if (!crashed) return { operations: k - 1, outcome };
  }
}
