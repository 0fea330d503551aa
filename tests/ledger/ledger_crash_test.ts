// LedgerStore loses power at every write boundary in turn: a fixed workload of concurrent
// adds on many ledgers (some out of order, some recovery adds), fences, closes, deletes
// and checkpoints (explicit, and automatic with a small journal) runs on a CrashPointVfs
// that crashes its MemVfs after mutating operation k, for every k. Reopened on the bare
// MemVfs, the store must hold every acknowledged add with its bytes, nothing never
// written, and every acknowledged fence, close and delete. Replay plans with
// CAIRN_SEED=<seed>[,<seed>…].

import { CRASH_MODES, crashAtEveryWrite } from "../_helpers/crash_everywhere.ts";
import assert from "node:assert/strict";
import { LedgerStore } from "../../src/ledger/ledger_store.ts";
import type { LedgerStoreStats } from "../../src/ledger/types.ts";
import { NoSuchEntryError } from "../../src/ledger/errors.ts";
import type { CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import { type CrashPointVfs, WorkloadFailures } from "../_helpers/crash_point_vfs.ts";
import { entryPayload } from "../_helpers/ledger_entries.ts";
import { Prng } from "../_helpers/prng.ts";

const DIR = "/bookie";
const OPTIONS = {
  journalSegmentSize: 64 * 1024,
  checkpointBytes: 64 * 1024,
  flushBytes: 4096,
  maxMemtableBytes: 64 * 1024,
  maxOpenLedgers: 3,
};
const REPLAY = Deno.env.get("CAIRN_SEED");
const PLAN_SEEDS = REPLAY?.split(",").map(Number) ?? [1, 2];
const LEDGERS = 6;
/** Ledgers 6 and 7 are never created explicitly: their adds carry `create`. */
const IMPLICIT = 2;
/** Ledger 8 is created by a fence with `create`. */
const FENCED_ON_CREATION = 8;

type Call =
  | { kind: "create"; ledger: number }
  | { kind: "add"; ledger: number; entry: number; size: number; recovery: boolean }
  | { kind: "fence" | "close" | "delete"; ledger: number; create?: boolean }
  | { kind: "lac"; ledger: number; lac: number }
  | { kind: "checkpoint" };

/** A fixed random workload planned against a model of the ledgers' states. */
function makePlan(seed: number): Call[][] {
  const prng = new Prng(seed);
  const steps: Call[][] = [];
  const state = new Map<number, "open" | "fenced" | "closed" | "deleted">();
  const next = new Map<number, number>();
  steps.push(Array.from({ length: LEDGERS }, (_, ledger) => {
    state.set(ledger, "open");
    next.set(ledger, 0);
    return { kind: "create", ledger };
  }));
  for (let ledger = LEDGERS; ledger < LEDGERS + IMPLICIT; ledger++) {
    state.set(ledger, "open");
    next.set(ledger, 0);
  }
  steps.push([{ kind: "fence", ledger: FENCED_ON_CREATION, create: true }]);
  for (let step = 0; step < 30; step++) {
    const roll = prng.int(100);
    const ledger = prng.int(LEDGERS);
    const current = state.get(ledger)!;
    if (roll < 70) {
      const calls: Call[] = [];
      for (let i = 1 + prng.int(12); i > 0; i--) {
        const target = prng.int(LEDGERS + IMPLICIT);
        const at = state.get(target)!;
        if (at === "closed" || at === "deleted") continue;
        const first = next.get(target)!;
        const count = 1 + prng.int(3);
        next.set(target, first + count);
        const order = Array.from({ length: count }, (_, k) => first + k);
        if (prng.int(3) === 0) order.reverse();
        for (const entry of order) {
          const size = prng.int(6) === 0 ? 1500 + prng.int(2500) : 16 + prng.int(400);
          calls.push({ kind: "add", ledger: target, entry, size, recovery: at === "fenced" });
        }
      }
      if (prng.int(5) === 0) calls.push({ kind: "checkpoint" });
      const lacLedger = prng.int(LEDGERS);
      if (prng.int(3) === 0 && state.get(lacLedger) !== "deleted") {
        calls.push({ kind: "lac", ledger: lacLedger, lac: next.get(lacLedger)! - 1 });
      }
      steps.push(calls);
    } else if (roll < 80 && current === "open") {
      state.set(ledger, "fenced");
      steps.push([{ kind: "fence", ledger }]);
    } else if (roll < 88 && (current === "open" || current === "fenced")) {
      state.set(ledger, "closed");
      steps.push([{ kind: "close", ledger }]);
    } else if (roll < 94 && current !== "deleted") {
      state.set(ledger, "deleted");
      steps.push([{ kind: "delete", ledger }]);
    } else {
      steps.push([{ kind: "checkpoint" }]);
    }
  }
  return steps;
}

/** What the workload was told before the power loss. */
class Outcome {
  readonly issued = new Map<string, number>();
  readonly acked = new Map<string, number>();
  readonly fenced = new Set<number>();
  readonly closed = new Set<number>();
  readonly deleteIssued = new Set<number>();
  readonly deleted = new Set<number>();
  readonly created = new Set<number>();
  /** The highest LAC acknowledged per ledger by updateLac. */
  readonly lacs = new Map<number, number>();
  crashed = false;
  stats: LedgerStoreStats | undefined;
}

async function runWorkload(vfs: CrashPointVfs, plan: readonly Call[][]): Promise<Outcome> {
  const outcome = new Outcome();
  const failures = new WorkloadFailures();
  const settle = failures.settle;
  try {
    const store = await LedgerStore.open(DIR, { vfs, ...OPTIONS });
    for (const step of plan) {
      if (vfs.crashed) break;
      await Promise.all(step.map((call) => settle(issue(store, call, outcome))));
    }
    outcome.stats = store.stats();
    await settle(store.close());
  } catch (error) {
    failures.record(error);
  }
  outcome.crashed = failures.crashed();
  return outcome;
}

function issue(store: LedgerStore, call: Call, outcome: Outcome): Promise<unknown> {
  switch (call.kind) {
    case "create":
      return store.createLedger(call.ledger).then(() => outcome.created.add(call.ledger));
    case "add": {
      const key = `${call.ledger}/${call.entry}`;
      outcome.issued.set(key, call.size);
      const payload = entryPayload(call.ledger, call.entry, call.size);
      return store.addEntry(call.ledger, call.entry, payload, {
        lac: call.entry - 1,
        recovery: call.recovery,
        create: call.ledger >= LEDGERS,
      }).then(() => {
        outcome.acked.set(key, call.size);
        outcome.created.add(call.ledger);
      });
    }
    case "fence":
      return store.fence(call.ledger, { create: call.create ?? false }).then(() => {
        outcome.fenced.add(call.ledger);
        outcome.created.add(call.ledger);
      });
    case "close":
      return store.closeLedger(call.ledger).then(() => outcome.closed.add(call.ledger));
    case "delete":
      outcome.deleteIssued.add(call.ledger);
      return store.deleteLedger(call.ledger).then(() => outcome.deleted.add(call.ledger));
    case "lac":
      return store.updateLac(call.ledger, call.lac).then(() => {
        outcome.lacs.set(call.ledger, Math.max(outcome.lacs.get(call.ledger) ?? -1, call.lac));
      });
    case "checkpoint":
      return store.checkpoint();
  }
}

async function checkRecovered(mem: MemVfs, outcome: Outcome, context: string): Promise<void> {
  const store = await LedgerStore.open(DIR, { vfs: mem, ...OPTIONS });
  const live = new Set(store.ledgers());
  for (const ledger of live) {
    assert.ok(!outcome.deleted.has(ledger), `${context}: deleted ledger ${ledger} is back`);
    const info = store.ledgerInfo(ledger);
    for (let entry = 0; entry <= info.lastEntryId; entry++) {
      const size = outcome.issued.get(`${ledger}/${entry}`);
      let payload: Uint8Array;
      try {
        payload = store.readEntry(ledger, entry);
      } catch (error) {
        if (error instanceof NoSuchEntryError) continue;
        throw error;
      }
      assert.ok(size !== undefined, `${context}: entry ${ledger}/${entry} was never written`);
      assert.deepEqual(
        payload,
        entryPayload(ledger, entry, size),
        `${context}: ${ledger}/${entry}`,
      );
    }
    if (outcome.closed.has(ledger)) assert.equal(info.state, "closed", `${context}: ${ledger}`);
    assert.ok(info.lac >= (outcome.lacs.get(ledger) ?? -1), `${context}: LAC of ${ledger}`);
    if (outcome.fenced.has(ledger)) assert.notEqual(info.state, "open", `${context}: ${ledger}`);
  }
  for (const ledger of outcome.created) {
    if (!outcome.deleteIssued.has(ledger)) {
      assert.ok(live.has(ledger), `${context}: ${ledger} lost`);
    }
  }
  for (const [key, size] of outcome.acked) {
    const [ledger, entry] = key.split("/").map(Number) as [number, number];
    if (outcome.deleteIssued.has(ledger)) continue;
    assert.deepEqual(
      store.readEntry(ledger, entry),
      entryPayload(ledger, entry, size),
      `${context}: acknowledged ${key}`,
    );
  }
  const fresh = 1000;
  await store.createLedger(fresh);
  await store.addEntry(fresh, 0, entryPayload(fresh, 0));
  await store.close();
  const again = await LedgerStore.open(DIR, { vfs: mem, ...OPTIONS });
  assert.deepEqual(again.readEntry(fresh, 0), entryPayload(fresh, 0), context);
  await again.deleteLedger(fresh);
  await again.close();
}

async function crashEverywhere(seed: number, crash: (k: number) => CrashOptions): Promise<number> {
  const plan = makePlan(seed);
  const { operations, outcome } = await crashAtEveryWrite(
    `plan seed ${seed}`,
    crash,
    (vfs) => runWorkload(vfs, plan),
    async ({ mem, outcome, crashed, context }) => {
      assert.equal(outcome.crashed, crashed, context);
      await checkRecovered(mem, outcome, context);
    },
  );
  const stats = outcome.stats!;
  assert.ok(stats.checkpoints >= 3, `plan seed ${seed}: ${stats.checkpoints} checkpoints`);
  assert.ok(stats.journal.segmentsRemoved >= 1, `plan seed ${seed}: no segment removed`);
  assert.ok(stats.flushes > 10, `plan seed ${seed}: ${stats.flushes} flushes`);
  return operations;
}

for (const { name, crash } of CRASH_MODES) {
  Deno.test(`LedgerStore ${name}`, async () => {
    for (const seed of PLAN_SEEDS) {
      const operations = await crashEverywhere(seed, (k) => crash(k, seed));
      assert.ok(operations > 100, `plan seed ${seed}: only ${operations} operations`);
    }
  });
}
