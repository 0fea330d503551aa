// LedgerStore on the happy path: adds and reads (memtable and entry log), gaps and
// out-of-order ids, idempotent re-adds, LAC, fencing, closing, deleting, long polls,
// checkpoints trimming the journal, back-pressure, and reopening.

import assert from "node:assert/strict";
import { LedgerStore } from "../../src/ledger/ledger_store.ts";
import {
  EntryConflictError,
  LedgerClosedError,
  LedgerFencedError,
  NoSuchEntryError,
  NoSuchLedgerError,
} from "../../src/ledger/errors.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { entryPayload } from "../_helpers/ledger_entries.ts";

const DIR = "/bookie";

Deno.test("LedgerStore reads back entries from the memtable and from the entry log", async () => {
  const vfs = new MemVfs();
  const store = await LedgerStore.open(DIR, { vfs, flushBytes: 1024 });
  await store.createLedger(1);
  await Promise.all(
    Array.from({ length: 200 }, (_, e) => store.addEntry(1, e, entryPayload(1, e), { lac: e - 1 })),
  );
  await new Promise((resolve) => setTimeout(resolve, 5));
  const stats = store.stats();
  assert.ok(stats.flushes > 0, "nothing was flushed");
  assert.ok(stats.journal.syncs < 200, `${stats.journal.syncs} syncs for 200 adds`);
  for (let e = 0; e < 200; e++) assert.deepEqual(store.readEntry(1, e), entryPayload(1, e));
  assert.equal(store.readLac(1), 198);
  assert.deepEqual(store.ledgerInfo(1), {
    ledgerId: 1,
    state: "open",
    lac: 198,
    lastEntryId: 199,
    entries: 200,
  });
  await store.close();
  const reopened = await LedgerStore.open(DIR, { vfs });
  assert.equal(reopened.stats().replayedRecords, 0, "close left records to replay");
  for (let e = 0; e < 200; e++) assert.deepEqual(reopened.readEntry(1, e), entryPayload(1, e));
  assert.equal(reopened.readLac(1), 198);
  await reopened.close();
});

Deno.test("LedgerStore holds a subset of ids in any order and rejects absent ones", async () => {
  const store = await LedgerStore.open(DIR, { vfs: new MemVfs(), flushBytes: 1 });
  await store.createLedger(4);
  for (const e of [9, 3, 6, 0, 12]) await store.addEntry(4, e, entryPayload(4, e));
  await store.checkpoint();
  await store.addEntry(4, 7, entryPayload(4, 7));
  for (const e of [0, 3, 6, 7, 9, 12]) assert.deepEqual(store.readEntry(4, e), entryPayload(4, e));
  assert.throws(() => store.readEntry(4, 1), NoSuchEntryError);
  assert.throws(() => store.readEntry(4, 13), NoSuchEntryError);
  assert.throws(() => store.readEntry(5, 0), NoSuchLedgerError);
  assert.equal(store.ledgerInfo(4).lastEntryId, 12);
  assert.equal(store.ledgerInfo(4).entries, 6);
  await store.close();
});

Deno.test("LedgerStore.addEntry() is idempotent for the same bytes and rejects others", async () => {
  const store = await LedgerStore.open(DIR, { vfs: new MemVfs() });
  await store.createLedger(1);
  const first = store.addEntry(1, 0, entryPayload(1, 0));
  const again = store.addEntry(1, 0, entryPayload(1, 0));
  await assert.rejects(store.addEntry(1, 0, entryPayload(1, 1)), EntryConflictError);
  await Promise.all([first, again]);
  await store.addEntry(1, 0, entryPayload(1, 0));
  await store.checkpoint();
  await store.addEntry(1, 0, entryPayload(1, 0));
  await assert.rejects(store.addEntry(1, 0, new Uint8Array(3)), EntryConflictError);
  assert.equal(store.stats().entriesAdded, 1);
  await store.close();
});

Deno.test("LedgerStore fences and closes ledgers durably", async () => {
  const vfs = new MemVfs();
  const store = await LedgerStore.open(DIR, { vfs });
  await store.createLedger(1);
  await store.createLedger(2);
  await store.addEntry(1, 0, entryPayload(1, 0));
  const info = await store.fence(1);
  assert.equal(info.state, "fenced");
  assert.equal(info.lastEntryId, 0);
  await assert.rejects(store.addEntry(1, 1, entryPayload(1, 1)), LedgerFencedError);
  await store.addEntry(1, 1, entryPayload(1, 1), { recovery: true });
  await store.closeLedger(2);
  await assert.rejects(store.addEntry(2, 0, entryPayload(2, 0)), LedgerClosedError);
  await assert.rejects(
    store.addEntry(2, 0, entryPayload(2, 0), { recovery: true }),
    LedgerClosedError,
  );
  const created = await store.fence(3, { create: true });
  assert.equal(created.state, "fenced");
  await assert.rejects(store.fence(4), NoSuchLedgerError);
  vfs.crash();
  const reopened = await LedgerStore.open(DIR, { vfs });
  assert.equal(reopened.ledgerInfo(1).state, "fenced");
  assert.equal(reopened.ledgerInfo(2).state, "closed");
  assert.equal(reopened.ledgerInfo(3).state, "fenced");
  assert.deepEqual(reopened.readEntry(1, 1), entryPayload(1, 1));
  await assert.rejects(reopened.addEntry(1, 2, entryPayload(1, 2)), LedgerFencedError);
  await reopened.close();
});

Deno.test("LedgerStore.addEntry() with create makes the ledger in the same write", async () => {
  const vfs = new MemVfs();
  const store = await LedgerStore.open(DIR, { vfs });
  await store.addEntry(8, 5, entryPayload(8, 5), { create: true, lac: 4 });
  await assert.rejects(store.addEntry(9, 0, entryPayload(9, 0)), NoSuchLedgerError);
  vfs.crash();
  const reopened = await LedgerStore.open(DIR, { vfs });
  assert.deepEqual(reopened.ledgers(), [8]);
  assert.equal(reopened.readLac(8), 4);
  await reopened.close();
});

Deno.test("LedgerStore.deleteLedger() frees the ledger's files", async () => {
  const vfs = new MemVfs();
  const store = await LedgerStore.open(DIR, { vfs });
  await store.createLedger(1);
  await store.createLedger(2);
  await store.addEntry(1, 0, entryPayload(1, 0));
  await store.addEntry(2, 0, entryPayload(2, 0));
  await store.checkpoint();
  assert.deepEqual(vfs.list(`${DIR}/ledgers`), ["1.entries", "1.index", "2.entries", "2.index"]);
  await store.deleteLedger(1);
  assert.deepEqual(vfs.list(`${DIR}/ledgers`), ["2.entries", "2.index"]);
  assert.throws(() => store.readEntry(1, 0), NoSuchLedgerError);
  assert.deepEqual(store.ledgers(), [2]);
  await store.createLedger(1);
  await store.close();
  vfs.crash();
  const reopened = await LedgerStore.open(DIR, { vfs });
  assert.deepEqual(reopened.ledgers(), [1, 2]);
  assert.throws(() => reopened.readEntry(1, 0), NoSuchEntryError);
  await reopened.close();
});

Deno.test("LedgerStore.waitForEntry() resolves on a new entry, a fence, a timeout or an abort", async () => {
  const store = await LedgerStore.open(DIR, { vfs: new MemVfs() });
  await store.createLedger(1);
  const waiting = store.waitForEntry(1, -1);
  await store.addEntry(1, 0, entryPayload(1, 0));
  assert.equal((await waiting).lastEntryId, 0);
  assert.equal((await store.waitForEntry(1, -1)).lastEntryId, 0);
  const timedOut = await store.waitForEntry(1, 0, { timeoutMs: 5 });
  assert.equal(timedOut.lastEntryId, 0);
  const fenced = store.waitForEntry(1, 0);
  await store.fence(1);
  assert.equal((await fenced).state, "fenced");
  const controller = new AbortController();
  const aborted = store.waitForEntry(1, 0);
  const withSignal = store.waitForEntry(1, 0, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(withSignal, /stop/);
  await store.close();
  await assert.rejects(aborted, { name: "ClosedError" });
});

Deno.test("LedgerStore checkpoints trim the journal and survive a crash", async () => {
  const vfs = new MemVfs();
  const options = { vfs, journalSegmentSize: 64 * 1024, checkpointBytes: 64 * 1024 };
  const store = await LedgerStore.open(DIR, options);
  for (let ledger = 0; ledger < 10; ledger++) await store.createLedger(ledger);
  for (let e = 0; e < 100; e++) {
    await Promise.all(
      Array.from(
        { length: 10 },
        (_, ledger) => store.addEntry(ledger, e, entryPayload(ledger, e, 500)),
      ),
    );
  }
  const stats = store.stats();
  assert.ok(stats.checkpoints >= 3, `${stats.checkpoints} checkpoints`);
  assert.ok(stats.journal.segmentsRemoved >= 3, `${stats.journal.segmentsRemoved} removed`);
  vfs.crash();
  const reopened = await LedgerStore.open(DIR, options);
  assert.ok(reopened.stats().replayedRecords < 500, `${reopened.stats().replayedRecords} replayed`);
  for (let ledger = 0; ledger < 10; ledger++) {
    for (let e = 0; e < 100; e++) {
      assert.deepEqual(reopened.readEntry(ledger, e), entryPayload(ledger, e, 500));
    }
  }
  await reopened.close();
});

Deno.test("LedgerStore makes adds wait while the memtables are full", async () => {
  const store = await LedgerStore.open(DIR, {
    vfs: new MemVfs(),
    maxMemtableBytes: 64 * 1024,
    flushBytes: 1 << 30,
  });
  await store.createLedger(1);
  for (let e = 0; e < 40; e++) await store.addEntry(1, e, entryPayload(1, e, 4000));
  const stats = store.stats();
  assert.ok(stats.backPressureWaits > 0, "no add waited");
  assert.ok(stats.memtableBytes <= 64 * 1024 + 4000, `${stats.memtableBytes} bytes held`);
  for (let e = 0; e < 40; e++) assert.deepEqual(store.readEntry(1, e), entryPayload(1, e, 4000));
  await store.close();
});

Deno.test("LedgerStore.open() takes the directory's lock", async () => {
  const vfs = new MemVfs();
  const store = await LedgerStore.open(DIR, { vfs });
  await assert.rejects(LedgerStore.open(DIR, { vfs }), { name: "LockedError" });
  await store.close();
  await (await LedgerStore.open(DIR, { vfs })).close();
});

Deno.test("LedgerStore.waitForEntry() rejects once the ledger is deleted", async () => {
  const store = await LedgerStore.open(DIR, { vfs: new MemVfs() });
  await store.createLedger(1);
  const waiting = store.waitForEntry(1, -1);
  await store.deleteLedger(1);
  await assert.rejects(waiting, NoSuchLedgerError);
  await store.close();
});

Deno.test("LedgerStore feeds a metrics registry", async () => {
  const metrics = new MetricsRegistry();
  const store = await LedgerStore.open(DIR, { vfs: new MemVfs(), metrics });
  await store.createLedger(1);
  await store.addEntry(1, 0, entryPayload(1, 0));
  store.readEntry(1, 0);
  await store.checkpoint();
  const snapshot = metrics.snapshot();
  assert.equal(snapshot['cairn_ledger_adds_total{store="bookie"}'], 1);
  assert.equal(snapshot['cairn_ledger_reads_total{store="bookie"}'], 1);
  assert.ok(metrics.prometheus().includes("cairn_ledger_checkpoint_seconds_count"));
  assert.ok(metrics.prometheus().includes("cairn_log_"));
  await store.close();
});

Deno.test("LedgerStore.updateLac() records a LAC durably and wakes long polls", async () => {
  const vfs = new MemVfs();
  const store = await LedgerStore.open(DIR, { vfs });
  await store.createLedger(1);
  await store.addEntry(1, 0, entryPayload(1, 0));
  const waiting = store.waitForEntry(1, 0);
  assert.equal((await store.updateLac(1, 0)).lac, 0);
  assert.equal((await waiting).lac, 0);
  await store.updateLac(1, -1);
  assert.equal(store.readLac(1), 0, "the LAC went back");
  await assert.rejects(store.updateLac(2, 0), NoSuchLedgerError);
  vfs.crash();
  const reopened = await LedgerStore.open(DIR, { vfs });
  assert.equal(reopened.readLac(1), 0);
  await reopened.close();
});

Deno.test("LedgerStore keeps at most maxOpenLedgers ledgers' files open", async () => {
  const vfs = new MemVfs();
  const options = { vfs, maxOpenLedgers: 2, flushBytes: 1 };
  const store = await LedgerStore.open(DIR, options);
  for (let ledger = 0; ledger < 6; ledger++) await store.createLedger(ledger);
  for (let e = 0; e < 5; e++) {
    await Promise.all(
      Array.from({ length: 6 }, (_, ledger) => store.addEntry(ledger, e, entryPayload(ledger, e))),
    );
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await store.checkpoint();
  assert.ok(store.stats().openLedgers <= 2, `${store.stats().openLedgers} open`);
  for (let ledger = 0; ledger < 6; ledger++) {
    for (let e = 0; e < 5; e++) {
      assert.deepEqual(store.readEntry(ledger, e), entryPayload(ledger, e));
    }
  }
  assert.ok(store.stats().openLedgers <= 2, `${store.stats().openLedgers} open`);
  vfs.crash();
  const reopened = await LedgerStore.open(DIR, options);
  assert.ok(reopened.stats().openLedgers <= 2, `${reopened.stats().openLedgers} open`);
  for (let ledger = 0; ledger < 6; ledger++) {
    assert.deepEqual(reopened.readEntry(ledger, 4), entryPayload(ledger, 4));
  }
  await reopened.close();
});
