// LedgerStore refuses bad arguments with TypeError or RangeError, and bad states with
// typed errors, and loses nothing it had acknowledged.

import assert from "node:assert/strict";
import { ClosedError, StoreFailedError } from "../../src/errors.ts";
import { LedgerStore } from "../../src/ledger/ledger_store.ts";
import { LedgerExistsError, NoSuchEntryError, NoSuchLedgerError } from "../../src/ledger/errors.ts";
import { type FaultRule, FaultVfs } from "../../src/vfs/fault_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { entryPayload } from "../_helpers/ledger_entries.ts";

const DIR = "/bookie";

async function withLedger(): Promise<{ store: LedgerStore; vfs: MemVfs }> {
  const vfs = new MemVfs();
  const store = await LedgerStore.open(DIR, { vfs, maxEntrySize: 1024 });
  await store.createLedger(1);
  await store.addEntry(1, 0, entryPayload(1, 0));
  return { store, vfs };
}

Deno.test("LedgerStore rejects bad ids with TypeError or RangeError", async () => {
  const { store } = await withLedger();
  const payload = entryPayload(1, 1);
  for (const bad of [-1, 1.5, NaN, 2 ** 53]) {
    await assert.rejects(store.createLedger(bad), RangeError, String(bad));
    await assert.rejects(store.addEntry(bad, 0, payload), RangeError, String(bad));
    await assert.rejects(store.addEntry(1, bad, payload), RangeError, String(bad));
    assert.throws(() => store.readEntry(1, bad), RangeError, String(bad));
    assert.throws(() => store.readLac(bad), RangeError, String(bad));
  }
  await assert.rejects(store.addEntry(1, 2 ** 53 - 1, payload), RangeError);
  await assert.rejects(store.addEntry(1, 1, payload, { lac: -2 }), RangeError);
  await assert.rejects(store.createLedger("1" as unknown as number), TypeError);
  await assert.rejects(store.addEntry(1, "1" as unknown as number, payload), TypeError);
  await assert.rejects(store.addEntry(1, 1, "x" as unknown as Uint8Array), TypeError);
  await assert.rejects(
    store.addEntry(1, 1, payload, { recovery: 1 as unknown as boolean }),
    TypeError,
  );
  await assert.rejects(store.waitForEntry(1, -2), RangeError);
  await assert.rejects(store.waitForEntry(1, 0, { timeoutMs: -1 }), RangeError);
  assert.deepEqual(store.readEntry(1, 0), entryPayload(1, 0));
  await store.close();
});

Deno.test("LedgerStore rejects an oversized payload and keeps the ledger usable", async () => {
  const { store } = await withLedger();
  await assert.rejects(store.addEntry(1, 1, new Uint8Array(1025)), RangeError);
  await store.addEntry(1, 1, new Uint8Array(1024));
  assert.equal(store.readEntry(1, 1).length, 1024);
  await store.close();
});

Deno.test("LedgerStore rejects bad options at open", async () => {
  const vfs = new MemVfs();
  await assert.rejects(LedgerStore.open("", { vfs }), TypeError);
  await assert.rejects(LedgerStore.open(DIR, { vfs, maxEntrySize: -1 }), RangeError);
  await assert.rejects(LedgerStore.open(DIR, { vfs, maxMemtableBytes: 10 }), RangeError);
  await assert.rejects(
    LedgerStore.open(DIR, { vfs, checkpointBytes: "1" as unknown as number }),
    TypeError,
  );
  await assert.rejects(LedgerStore.open(DIR, { vfs, maxEntrySize: 2 ** 30 }), RangeError);
});

Deno.test("LedgerStore answers missing ledgers and entries with typed errors", async () => {
  const { store } = await withLedger();
  await assert.rejects(store.createLedger(1), LedgerExistsError);
  await assert.rejects(store.addEntry(2, 0, entryPayload(2, 0)), NoSuchLedgerError);
  await assert.rejects(store.closeLedger(2), NoSuchLedgerError);
  await assert.rejects(store.deleteLedger(2), NoSuchLedgerError);
  await assert.rejects(store.waitForEntry(2, 0), NoSuchLedgerError);
  assert.throws(() => store.ledgerInfo(2), NoSuchLedgerError);
  assert.throws(() => store.readEntry(1, 5), NoSuchEntryError);
  await store.close();
  assert.throws(() => store.readEntry(1, 0), ClosedError);
  await assert.rejects(store.addEntry(1, 1, entryPayload(1, 1)), ClosedError);
  await store.close();
});

/** Fails the syncs `rule` names while `fail` runs; every failure must poison the store. */
async function checkPoisoning(
  rule: FaultRule,
  fail: (store: LedgerStore) => Promise<unknown>[],
): Promise<void> {
  const mem = new MemVfs();
  const vfs = new FaultVfs(mem);
  const store = await LedgerStore.open(DIR, { vfs });
  await store.createLedger(1);
  await store.addEntry(1, 0, entryPayload(1, 0));
  vfs.inject(rule);
  for (const result of await Promise.allSettled(fail(store))) {
    assert.equal(result.status, "rejected");
    assert.ok(result.reason instanceof StoreFailedError, String(result.reason));
  }
  await assert.rejects(store.addEntry(1, 9, entryPayload(1, 9)), StoreFailedError);
  await assert.rejects(store.checkpoint(), StoreFailedError);
  assert.deepEqual(store.readEntry(1, 0), entryPayload(1, 0));
  assert.equal(store.stats().failed, true);
  await assert.rejects(store.close(), StoreFailedError);
  mem.crash();
  const reopened = await LedgerStore.open(DIR, { vfs: mem });
  assert.deepEqual(reopened.readEntry(1, 0), entryPayload(1, 0));
  await reopened.close();
}

Deno.test("LedgerStore is poisoned by a failed journal fsync and keeps what was durable", () =>
  checkPoisoning(
    { op: "sync", path: /journal/ },
    (store) => [1, 2, 3].map((e) => store.addEntry(1, e, entryPayload(1, e))),
  ));

Deno.test("LedgerStore is poisoned by a failed entry log fsync at a checkpoint", () =>
  checkPoisoning({ op: "sync", path: ".entries" }, (store) => [store.checkpoint()]));

Deno.test("LedgerStore is poisoned by a failed checkpoint rename", () =>
  checkPoisoning({ op: "rename", path: "CHECKPOINT" }, (store) => [store.checkpoint()]));
