import { CRASH_MODES, crashAtEveryWrite } from "../_helpers/crash_everywhere.ts";
import assert from "node:assert/strict";
import { RecordLog } from "../../src/record/record_log.ts";
import type { CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import type { Vfs } from "../../src/vfs/vfs.ts";
import { WorkloadFailures } from "../_helpers/crash_point_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import { recordData, recordIndex } from "../_helpers/record_data.ts";

const SEGMENT_SIZE = 64 * 1024;

/** One step of the workload: appends issued together, or a call on the log. */
type Step =
  | { kind: "appends"; records: { size: number; sync: boolean }[] }
  | { kind: "roll" | "sync" }
  | { kind: "removeBefore"; index: number };

/** What the workload did before the power loss, as its caller saw it. */
interface Outcome {
  /** Every record whose append was called, by index, with its position once resolved. */
  issued: { data: Uint8Array; position?: number }[];
  /** Records 0 … durable - 1 were acknowledged as durable. */
  durable: number;
  /** The index of the record whose position removeBefore was called with, or 0. */
  removedBefore: number;
  /** Whether the power loss cut the workload short. */
  crashed: boolean;
}

/** A fixed random workload: mixed sizes and sync flags, concurrent appends, rolls, a removal. */
function makePlan(seed: number): Step[] {
  const prng = new Prng(seed);
  const steps: Step[] = [];
  let records = 0;
  for (let step = 0; step < 18; step++) {
    const count = 1 + prng.int(4);
    const batch = Array.from({ length: count }, () => {
      const kind = prng.int(10);
      const size = kind < 7
        ? 4 + prng.int(400)
        : kind < 9
        ? 1000 + prng.int(7000)
        : 33000 + prng.int(40000);
      return { size, sync: prng.int(2) === 0 };
    });
    steps.push({ kind: "appends", records: batch });
    records += count;
    if (prng.int(7) === 0) steps.push({ kind: "roll" });
    if (step === 8) steps.push({ kind: "sync" });
    if (step === 12) steps.push({ kind: "removeBefore", index: Math.floor(records / 2) });
  }
  return steps;
}

/** Runs the plan on `vfs`, recording what was acknowledged, until it ends or power fails. */
async function runWorkload(vfs: Vfs, plan: readonly Step[], preallocate: number): Promise<Outcome> {
  const outcome: Outcome = { issued: [], durable: 0, removedBefore: 0, crashed: false };
  const failures = new WorkloadFailures();
  const durableUpTo = (count: number) => () => {
    outcome.durable = Math.max(outcome.durable, count);
  };
  const settle = failures.settle;
  try {
    const log = await RecordLog.open("/wal", {
      vfs,
      segmentSize: SEGMENT_SIZE,
      sync: false,
      preallocate,
    });
    for (const step of plan) {
      const count = outcome.issued.length;
      if (step.kind === "appends") {
        const appends = step.records.map(({ size, sync }, offset) => {
          const record: Outcome["issued"][number] = { data: recordData(count + offset, size) };
          outcome.issued.push(record);
          return log.append(record.data, { sync }).then((position) => {
            record.position = position;
            if (sync) durableUpTo(count + offset + 1)();
          });
        });
        await Promise.all(appends.map(settle));
      } else if (step.kind === "removeBefore") {
        const position = outcome.issued[step.index]!.position;
        if (position === undefined) break;
        outcome.removedBefore = step.index;
        await settle(log.removeBefore(position).then(durableUpTo(count)));
      } else {
        await settle((step.kind === "roll" ? log.roll() : log.sync()).then(durableUpTo(count)));
      }
    }
    // close() of a poisoned log resolves without syncing: it acknowledges nothing then.
    const count = failures.count === 0 ? outcome.issued.length : 0;
    await settle(log.close().then(durableUpTo(count)));
  } catch (error) {
    failures.record(error);
  }
  outcome.crashed = failures.crashed();
  return outcome;
}

/** Reopens the crashed log and checks it against what was acknowledged. */
async function checkRecovered(mem: MemVfs, outcome: Outcome, context: string): Promise<void> {
  const log = await RecordLog.open("/wal", { vfs: mem, segmentSize: SEGMENT_SIZE });
  const records = [...log.records()];
  const indexes = records.map((record) => recordIndex(record.data));
  for (const [offset, record] of records.entries()) {
    const index = indexes[offset]!;
    const issued = outcome.issued[index];
    assert.ok(issued !== undefined, `${context}: record ${index} was never appended`);
    assert.deepEqual(record.data, issued.data, `${context}: bytes of record ${index}`);
    if (issued.position !== undefined) {
      assert.equal(record.position, issued.position, `${context}: position of record ${index}`);
    }
    if (offset > 0) {
      assert.equal(index, indexes[offset - 1]! + 1, `${context}: records out of order`);
      assert.ok(record.position > records[offset - 1]!.position, `${context}: positions`);
    }
  }
  const first = indexes[0] ?? Infinity;
  const last = indexes.at(-1) ?? -1;
  if (outcome.durable > outcome.removedBefore) {
    assert.ok(first <= outcome.removedBefore, `${context}: lost records from ${first - 1} down`);
    assert.ok(last >= outcome.durable - 1, `${context}: lost durable records after ${last}`);
  }
  if (records.length > 0) assert.ok(first <= outcome.removedBefore, `${context}: hole at start`);
  for (const record of records) {
    assert.deepEqual(
      log.read(record.position),
      record.data,
      `${context}: read(${record.position})`,
    );
  }

  const data = recordData(1_000_000, 5000);
  const position = await log.append(data);
  assert.ok(position > (records.at(-1)?.position ?? -1), `${context}: position reused`);
  assert.deepEqual(log.read(position), data, `${context}: append after reopen`);
  await log.close();
  const again = await RecordLog.open("/wal", { vfs: mem });
  const after = [...again.records()];
  assert.equal(after.length, records.length + 1, `${context}: records after the new append`);
  assert.deepEqual(after.at(-1), { position, data }, `${context}: the new append`);
  await again.close();
}

/**
 * Crashes the workload after each mutating operation in turn, with `crash` options, the
 * log keeping `preallocate` bytes of zeros ahead of its records.
 */
async function crashEverywhere(
  planSeed: number,
  crash: (k: number) => CrashOptions,
  preallocate = 0,
): Promise<number> {
  const plan = makePlan(planSeed);
  const { operations } = await crashAtEveryWrite(
    `plan seed ${planSeed}, preallocate ${preallocate}`,
    crash,
    (vfs) => runWorkload(vfs, plan, preallocate),
    async ({ mem, outcome, crashed, context }) => {
      assert.equal(outcome.crashed, crashed, context);
      if (!crashed) {
        assert.equal(outcome.durable, outcome.issued.length, `${context}: close made all durable`);
      }
      await checkRecovered(mem, outcome, context);
    },
  );
  return operations;
}

for (const { name, crash } of CRASH_MODES) {
  Deno.test(`RecordLog ${name}`, async () => {
    for (const seed of [1, 2]) {
      const operations = await crashEverywhere(seed, (k) => crash(k, seed));
      assert.ok(operations > 40, `plan seed ${seed}: only ${operations} operations`);
    }
  });
}

Deno.test("RecordLog with preallocated zeros keeps every durable record through a crash at every write", async () => {
  for (const seed of [1, 2]) {
    for (const { crash } of CRASH_MODES) {
      const operations = await crashEverywhere(seed, (k) => crash(k, seed), 8192);
      assert.ok(operations > 40, `plan seed ${seed}: only ${operations} operations`);
    }
  }
});
