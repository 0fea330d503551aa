// DurableQueue loses power at every write boundary in turn: a fixed workload of writes
// (some concurrent), deletes of the oldest and of random items, and a consumer's receives,
// acks and nacks (which remove segments) runs on a CrashPointVfs that crashes its MemVfs
// after mutating operation k, for every k. The queue reopened on the bare MemVfs must hold
// every acknowledged item not deleted or acked, none that was, and never reuse an index.
// Replay plans with CAIRN_SEED=<seed>[,<seed>…].

import { CRASH_MODES, crashAtEveryWrite } from "../_helpers/crash_everywhere.ts";
import assert from "node:assert/strict";
import { DurableQueue, type QueueConsumer } from "../../src/queue/mod.ts";
import type { CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import { type CrashPointVfs, WorkloadFailures } from "../_helpers/crash_point_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import { serialItem, serialOf } from "../_helpers/queue_items.ts";

const DIR = "/queue";
const OPTIONS = { maxFileSize: 4096, maxChunk: 2048 };
const REPLAY = Deno.env.get("CAIRN_SEED");
const PLAN_SEEDS = REPLAY?.split(",").map(Number) ?? [1, 2];

type Call =
  | { kind: "write"; items: { serial: number; size: number }[] }
  | { kind: "deleteOldest" }
  | { kind: "delete"; picks: number[] }
  | { kind: "consume"; ack: boolean };

function makePlan(seed: number): Call[][] {
  const prng = new Prng(seed);
  const steps: Call[][] = [];
  let serial = 1;
  const write = (): Call => {
    const items = [];
    for (let i = 1 + prng.int(4); i > 0; i--) {
      items.push({
        serial: serial++,
        size: prng.int(5) === 0 ? 1200 + prng.int(800) : 20 + prng.int(300),
      });
    }
    return { kind: "write", items };
  };
  for (let step = 0; step < 40; step++) {
    const roll = prng.int(100);
    if (roll < 40) steps.push(prng.int(3) === 0 ? [write(), write()] : [write()]);
    else if (roll < 50) steps.push([{ kind: "deleteOldest" }]);
    else if (roll < 60) steps.push([{ kind: "delete", picks: [prng.int(1000), prng.int(1000)] }]);
    else steps.push([{ kind: "consume", ack: prng.int(5) !== 0 }]);
  }
  return steps;
}

class Outcome {
  readonly issued = new Map<number, Uint8Array>();
  /** Acknowledged writes: index to serial. */
  readonly written = new Map<number, number>();
  maxIndex = 0;
  readonly deleteCalled = new Set<number>();
  readonly deleted = new Set<number>();
  readonly ackCalled = new Set<number>();
  readonly acked = new Set<number>();
  crashed = false;
}

async function issue(
  q: DurableQueue,
  c: QueueConsumer,
  call: Call,
  outcome: Outcome,
): Promise<void> {
  if (call.kind === "write") {
    const items = call.items.map(({ serial, size }) => serialItem(serial, size));
    call.items.forEach(({ serial }, i) => outcome.issued.set(serial, items[i]!));
    const [first, last] = await q.write(...items);
    call.items.forEach(({ serial }, i) => outcome.written.set(first + i, serial));
    outcome.maxIndex = Math.max(outcome.maxIndex, last);
  } else if (call.kind === "deleteOldest") {
    const oldest = await q.read();
    if (oldest === undefined) return;
    const index = [...outcome.written].find(([, serial]) => serial === serialOf(oldest))?.[0];
    if (index === undefined) return;
    outcome.deleteCalled.add(index);
    await q.delete(index);
    outcome.deleted.add(index);
  } else if (call.kind === "delete") {
    const live = [...outcome.written.keys()].filter((index) => !outcome.deleteCalled.has(index));
    if (live.length === 0) return;
    const indices = call.picks.map((pick) => live[pick % live.length]!);
    for (const index of indices) outcome.deleteCalled.add(index);
    await q.delete(...indices);
    for (const index of indices) outcome.deleted.add(index);
  } else {
    const message = await c.receive({ timeoutMs: 0 });
    if (message === undefined) return;
    if (!call.ack) return await c.nack(message, { delayMs: 0 });
    outcome.ackCalled.add(message.index);
    await c.ack(message);
    outcome.acked.add(message.index);
  }
}

async function runWorkload(
  vfs: CrashPointVfs,
  plan: readonly Call[][],
  sync: boolean,
): Promise<Outcome> {
  const outcome = new Outcome();
  const failures = new WorkloadFailures();
  const settle = failures.settle;
  try {
    const q = await DurableQueue.open(DIR, { vfs, ...OPTIONS, sync });
    const c = q.consumer("c", { visibilityTimeoutMs: 60_000 });
    for (const step of plan) {
      if (vfs.crashed) break;
      await Promise.all(step.map((call) => settle(issue(q, c, call, outcome))));
    }
    await settle(q.close());
  } catch (error) {
    failures.record(error);
  }
  outcome.crashed = failures.crashed();
  return outcome;
}

/** Checks the reopened queue; without `durable` (no sync) only that it is whole and in order. */
async function checkRecovered(
  mem: MemVfs,
  outcome: Outcome,
  context: string,
  durable: boolean,
): Promise<void> {
  const q = await DurableQueue.open(DIR, { vfs: mem, ...OPTIONS });
  const next = q.stats().nextIndex;
  let readable = 0;
  let lastSerial = 0;
  for (let index = 1; index < next; index++) {
    const item = await q.read(index);
    const where = `${context}: item ${index}`;
    const settled = durable && (outcome.deleted.has(index) || outcome.acked.has(index));
    if (item === undefined) {
      const written = outcome.written.has(index);
      assert.ok(
        !durable || !written || settled || outcome.deleteCalled.has(index) ||
          outcome.ackCalled.has(index),
        `${where} is lost`,
      );
      continue;
    }
    readable++;
    assert.ok(!settled, `${where} came back after its delete or ack`);
    const serial = serialOf(item);
    assert.deepEqual(item, outcome.issued.get(serial), `${where}: bytes of serial ${serial}`);
    const known = outcome.written.get(index);
    assert.ok(
      known === undefined || known === serial,
      `${where} holds serial ${serial}, not ${known}`,
    );
    assert.ok(serial > lastSerial, `${where}: serial ${serial} out of order`);
    lastSerial = serial;
  }
  assert.equal(q.length, readable, `${context}: length`);
  const c = q.consumer("c");
  for (;;) {
    const message = await c.receive({ timeoutMs: 0 });
    if (message === undefined) break;
    if (!durable) {
      await c.ack(message);
      continue;
    }
    assert.ok(
      !outcome.acked.has(message.index),
      `${context}: acked item ${message.index} delivered`,
    );
    assert.ok(
      !outcome.deleted.has(message.index),
      `${context}: deleted item ${message.index} delivered`,
    );
    await c.ack(message);
  }
  for (const dead of await c.deadLetters()) {
    assert.ok(
      !durable || !outcome.acked.has(dead.index),
      `${context}: acked ${dead.index} is dead`,
    );
    await c.ack(dead);
  }
  const [index] = await q.write("after");
  assert.ok(
    !durable || index > outcome.maxIndex,
    `${context}: index ${index} reused (max ${outcome.maxIndex})`,
  );
  await q.close();
  const again = await DurableQueue.open(DIR, { vfs: mem, ...OPTIONS });
  assert.equal(again.length, 1, `${context}: length after the check`);
  await again.close();
}

async function crashEverywhere(
  seed: number,
  crash: (k: number) => CrashOptions,
  sync = true,
): Promise<number> {
  const plan = makePlan(seed);
  const { operations } = await crashAtEveryWrite(
    `plan seed ${seed}`,
    crash,
    (vfs) => runWorkload(vfs, plan, sync),
    async ({ mem, outcome, crashed, context }) => {
      assert.equal(outcome.crashed, crashed, context);
      if (!crashed) {
        const names = mem.list(DIR).filter((name) => name.endsWith(".items"));
        assert.ok(names.length > 1 && names[0] !== "000001.items", `${context}: removes segments`);
      }
      await checkRecovered(mem, outcome, context, sync);
    },
  );
  return operations;
}

for (const { name, crash } of CRASH_MODES) {
  Deno.test(`DurableQueue ${name}`, async () => {
    for (const seed of PLAN_SEEDS) {
      const operations = await crashEverywhere(seed, (k) => crash(k, seed));
      assert.ok(operations > 100, `plan seed ${seed}: only ${operations} operations`);
    }
  });
}

Deno.test("DurableQueue without sync reopens whole and in order after a crash at every write", async () => {
  for (const seed of PLAN_SEEDS) {
    await crashEverywhere(seed, (k) => CRASH_MODES[1]!.crash(k, seed), false);
  }
});
