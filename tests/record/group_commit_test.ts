import assert from "node:assert/strict";
import { StoreFailedError } from "../../src/errors.ts";
import { RecordLog } from "../../src/record/record_log.ts";
import { FaultVfs, InjectedFaultError } from "../../src/vfs/fault_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import {
  appendRecords,
  assertRecords,
  recordData,
  type WrittenRecord,
} from "../_helpers/record_data.ts";
import { SyncGateVfs } from "../_helpers/sync_gate_vfs.ts";

/** Resolves once `ready()` holds, checking after each macrotask. */
async function until(ready: () => boolean): Promise<void> {
  for (let turn = 0; !ready(); turn++) {
    if (turn > 1000) throw new Error("Condition never became true");
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Tracks whether a promise has settled. */
function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(() => flag.settled = true, () => flag.settled = true);
  return flag;
}

/** Checks that an append was refused because the log failed on `cause`. */
function failedOn(cause: (error: unknown) => void) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof StoreFailedError, `not a StoreFailedError: ${error}`);
    cause(error.cause);
    return true;
  };
}

Deno.test("RecordLog group-commits 64 concurrent durable appends with few fsyncs", async () => {
  const faults = new FaultVfs(new MemVfs());
  const log = await RecordLog.open("/wal", { vfs: faults });
  const syncsBefore = faults.calls("sync");
  const data = Array.from({ length: 64 }, (_, index) => recordData(index, 50 + index * 10));
  const positions = await Promise.all(data.map((bytes) => log.append(bytes)));
  const syncs = faults.calls("sync") - syncsBefore;
  assert.ok(syncs >= 1 && syncs <= 4, `${syncs} fsyncs for 64 appends`);
  assert.equal(log.stats().syncs, syncs + 1, "stats count the open's sync too");
  const written = data.map((bytes, index) => ({ position: positions[index]!, data: bytes }));
  assertRecords([...log.records()], written);
  await log.close();
});

Deno.test("RecordLog appends issued while a sync is in flight join the next group", async () => {
  const gate = new SyncGateVfs(new MemVfs());
  const log = await RecordLog.open("/wal", { vfs: gate });
  const before = log.stats();
  gate.closeGate();
  const first = log.append(recordData(0, 100));
  const firstDone = settledFlag(first);
  await until(() => gate.waiting === 1);
  const rest = Array.from({ length: 20 }, (_, index) => log.append(recordData(index + 1, 30)));
  const restDone = rest.map(settledFlag);
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(log.stats().writes, before.writes + 1, "the later appends wait for the sync");
  assert.equal(gate.waiting, 1);
  assert.equal(firstDone.settled, false);
  assert.ok(restDone.every((flag) => !flag.settled));
  gate.openGate();
  const positions = [await first, ...await Promise.all(rest)];
  const stats = log.stats();
  assert.equal(stats.writes - before.writes, 2, "one write per group");
  assert.equal(stats.syncs - before.syncs, 2, "one sync per group");
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  await log.close();
});

Deno.test("RecordLog resolves unsynced appends once written and synced ones once durable", async () => {
  const mem = new MemVfs();
  const gate = new SyncGateVfs(mem);
  const log = await RecordLog.open("/wal", { vfs: gate });
  gate.closeGate();
  const early = log.append(recordData(0, 10), { sync: false });
  const durable = log.append(recordData(1, 20), { sync: true });
  const late = log.append(recordData(2, 30), { sync: false });
  const durableDone = settledFlag(durable);
  const [earlyPosition, latePosition] = await Promise.all([early, late]);
  assert.equal(durableDone.settled, false, "the synced append waits for its fsync");
  assert.ok(earlyPosition < latePosition);
  gate.openGate();
  const durablePosition = await durable;
  assert.ok(earlyPosition < durablePosition && durablePosition < latePosition);

  const lost = await log.append(recordData(3, 40), { sync: false });
  assert.deepEqual(log.read(lost), recordData(3, 40));
  mem.crash();
  const reopened = await RecordLog.open("/wal", { vfs: mem });
  const expected: WrittenRecord[] = [earlyPosition, durablePosition, latePosition].map(
    (position, index) => ({ position, data: recordData(index, 10 + index * 10) }),
  );
  assertRecords([...reopened.records()], expected, "the unsynced last append is lost");
  await reopened.close();
});

Deno.test("RecordLog keeps call order for mixed concurrent appends across segments", async () => {
  const seed = 0xc0ffee;
  const prng = new Prng(seed);
  const mem = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs: mem, segmentSize: 64 * 1024 });
  const data: Uint8Array[] = [];
  const pending: Promise<number>[] = [];
  for (let index = 0; index < 300; index++) {
    data.push(recordData(index, prng.int(4) === 0 ? prng.int(40000) : prng.int(300)));
    pending.push(log.append(data[index]!, { sync: prng.int(3) === 0 }));
    if (prng.int(10) === 0) await pending.at(-1);
  }
  const positions = await Promise.all(pending);
  await log.sync();
  assert.ok(log.stats().segments > 3, `seed ${seed}`);
  const written = data.map((bytes, index) => ({ position: positions[index]!, data: bytes }));
  assertRecords([...log.records()], written, `seed ${seed}`);
  await log.close();
  mem.crash();
  const reopened = await RecordLog.open("/wal", { vfs: mem });
  assertRecords([...reopened.records()], written, `seed ${seed}, after crash`);
  await reopened.close();
});

Deno.test("RecordLog poisons itself on a failed fsync and keeps only synced records", async () => {
  const mem = new MemVfs();
  const faults = new FaultVfs(mem);
  const log = await RecordLog.open("/wal", { vfs: faults });
  const synced = await appendRecords(log, [100, 200, 300]);
  faults.inject({ op: "sync", kind: "error" });
  const failing = Array.from({ length: 5 }, (_, index) => log.append(recordData(10 + index, 50)));
  const results = await Promise.allSettled(failing);
  let cause: unknown;
  for (const result of results) {
    assert.equal(result.status, "rejected");
    assert.ok(result.reason instanceof StoreFailedError);
    assert.ok(result.reason.cause instanceof InjectedFaultError);
    assert.equal(result.reason.cause.op, "sync");
    cause ??= result.reason.cause;
    assert.equal(result.reason.cause, cause, "every waiter carries the same cause");
  }
  assert.equal(log.stats().failed, true);
  const sameCause = failedOn((actual) => assert.equal(actual, cause));
  await assert.rejects(log.append(recordData(20, 5)), sameCause);
  await assert.rejects(log.append(recordData(21, 5), { sync: false }), sameCause);
  await assert.rejects(log.sync(), sameCause);
  await assert.rejects(log.roll(), sameCause);
  await assert.rejects(log.removeBefore(0), sameCause);
  for (const record of synced) assert.deepEqual(log.read(record.position), record.data);
  assertRecords([...log.records()].slice(0, 3), synced, "reads after poisoning");
  await assert.rejects(log.close(), sameCause, "closing a failed log says it failed");
  await log.close();

  mem.crash();
  const reopened = await RecordLog.open("/wal", { vfs: mem });
  assertRecords([...reopened.records()], synced, "no unsynced record survives the crash");
  await reopened.close();
});

const APPEND_FAULTS = [
  ["shortWrite", "a short write"],
  ["diskFull", "a full disk"],
  ["error", "an I/O error"],
] as const;

for (const [kind, name] of APPEND_FAULTS) {
  Deno.test(`RecordLog poisons itself on ${name} during append and reopens cleanly`, async () => {
    const mem = new MemVfs();
    const faults = new FaultVfs(mem);
    const log = await RecordLog.open("/wal", { vfs: faults });
    const synced = await appendRecords(log, [100, 40000, 300]);
    faults.inject({ op: "append", kind, path: ".log" });
    const code = kind === "error" ? "EIO" : "ENOSPC";
    const injected = failedOn((actual) => {
      assert.ok(actual instanceof InjectedFaultError);
      assert.equal(actual.code, code);
    });
    await assert.rejects(log.append(recordData(10, 5000), { sync: false }), injected);
    await assert.rejects(log.append(recordData(11, 10)), injected);
    assert.equal(log.stats().failed, true);
    for (const record of synced) assert.deepEqual(log.read(record.position), record.data);
    assertRecords([...log.records()], synced, "reads after poisoning");
    await assert.rejects(log.close(), injected, "closing a failed log says it failed");

    const reopened = await RecordLog.open("/wal", { vfs: mem });
    const torn = reopened.stats().tornBytesRepaired;
    assert.equal(torn > 0, kind === "shortWrite", `${torn} torn bytes after a ${kind}`);
    assertRecords([...reopened.records()], synced, "the failed append is gone");
    const added = await appendRecords(reopened, [70], 50);
    assertRecords([...reopened.records()], [...synced, ...added]);
    await reopened.close();
  });
}

Deno.test("RecordLog poisons itself when syncing a new segment's directory fails", async () => {
  const mem = new MemVfs();
  const faults = new FaultVfs(mem);
  const log = await RecordLog.open("/wal", { vfs: faults });
  const synced = await appendRecords(log, [100]);
  faults.inject({ op: "syncDir", path: "/wal" });
  await assert.rejects(
    log.roll(),
    failedOn((actual) => assert.ok(actual instanceof InjectedFaultError)),
  );
  await assert.rejects(log.append(recordData(5, 5)), StoreFailedError);
  await assert.rejects(log.close(), StoreFailedError);
  mem.crash();
  const reopened = await RecordLog.open("/wal", { vfs: mem });
  assertRecords([...reopened.records()], synced);
  await reopened.close();
});
