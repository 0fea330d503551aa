// LedgerWriter and LedgerReader: striping over the ensemble, acknowledgement in id order
// once Qa stores hold an entry, ensemble changes when a store fails, stalls or has its
// fsync fail, and reads up to the last add confirmed.

import assert from "node:assert/strict";
import { LedgerReader } from "../../src/ledger/ledger_reader.ts";
import { LedgerWriter } from "../../src/ledger/ledger_writer.ts";
import { MemoryLedgerMetadataStore } from "../../src/ledger/metadata.ts";
import {
  EntryConflictError,
  LedgerExistsError,
  NoSuchEntryError,
  NotEnoughStoresError,
} from "../../src/ledger/errors.ts";
import { Cluster, quorumPayload } from "../_helpers/ledger_fake_stores.ts";

const LEDGER = 42;

async function writeEntries(writer: LedgerWriter, from: number, to: number): Promise<number[]> {
  return await Promise.all(
    Array.from({ length: to - from }, (_, i) => writer.addEntry(quorumPayload(LEDGER, from + i))),
  );
}

async function readAll(reader: LedgerReader): Promise<void> {
  for await (const { entryId, payload } of reader.entries()) {
    assert.deepEqual(payload, quorumPayload(LEDGER, entryId), `entry ${entryId}`);
  }
}

Deno.test("LedgerWriter stripes entries over the ensemble and the reader reads them back", async () => {
  const cluster = await Cluster.open(3);
  const metadataStore = new MemoryLedgerMetadataStore();
  const writer = await cluster.writer(metadataStore, LEDGER, { writeQuorum: 2, ackQuorum: 2 });
  assert.deepEqual(await writeEntries(writer, 0, 30), Array.from({ length: 30 }, (_, i) => i));
  assert.equal(writer.lastAddConfirmed, 29);
  for (const [position, client] of cluster.clients.entries()) {
    const store = client.inner.store;
    for (let e = 0; e < 30; e++) {
      const holds = e % 3 === position || (e + 1) % 3 === position;
      if (holds) assert.deepEqual(store.readEntry(LEDGER, e), quorumPayload(LEDGER, e));
      else assert.throws(() => store.readEntry(LEDGER, e), NoSuchEntryError);
    }
  }
  // The 30 adds were all sent before any was acknowledged: they carried LAC -1. The next
  // add carries 29, and stores learn the LAC from it.
  await writer.addEntry(quorumPayload(LEDGER, 30));
  const open = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
  });
  assert.equal(open.lastAddConfirmed, 29);
  await assert.rejects(open.readEntry(30), NoSuchEntryError);
  const closed = await writer.close();
  assert.equal(closed.state, "closed");
  assert.equal(closed.lastEntryId, 30);
  const reader = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
  });
  assert.equal(reader.lastAddConfirmed, 30);
  await readAll(reader);
  await assert.rejects(
    LedgerWriter.create({ ledgerId: LEDGER, metadataStore, stores: cluster.clients }),
    LedgerExistsError,
  );
  await cluster.close();
});

Deno.test("LedgerWriter acknowledges entries in id order", async () => {
  const cluster = await Cluster.open(3);
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const slow = cluster.client("s0");
  const inner = slow.inner;
  slow.inner.addEntry = async (...args) => {
    if (args[1] === 0) await gate;
    return await inner.store.addEntry(...args);
  };
  const metadataStore = new MemoryLedgerMetadataStore();
  const writer = await cluster.writer(metadataStore, LEDGER, { writeQuorum: 3, ackQuorum: 3 });
  const order: number[] = [];
  const adds = [0, 1, 2].map((e) =>
    writer.addEntry(quorumPayload(LEDGER, e)).then((id) => void order.push(id))
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(order, [], "an entry was acknowledged before entry 0");
  release();
  await Promise.all(adds);
  assert.deepEqual(order, [0, 1, 2]);
  await writer.close();
  await cluster.close();
});

/**
 * Writes 60 entries while `breakStore` breaks s1 after entry 10, with a pause beyond the
 * add timeout after entry 40; a spare (s3) takes over.
 */
async function checkEnsembleChange(breakStore: (cluster: Cluster) => void): Promise<void> {
  const cluster = await Cluster.open(4);
  const metadataStore = new MemoryLedgerMetadataStore();
  const writer = await cluster.writer(metadataStore, LEDGER, {
    writeQuorum: 3,
    ackQuorum: 2,
    addTimeoutMs: 50,
  });
  await writeEntries(writer, 0, 10);
  breakStore(cluster);
  await writeEntries(writer, 10, 40);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await writeEntries(writer, 40, 60);
  const closed = await writer.close();
  assert.equal(closed.lastEntryId, 59);
  assert.equal(closed.ensembles.length, 2, JSON.stringify(closed.ensembles));
  assert.deepEqual(closed.ensembles[1]!.stores, ["s0", "s3", "s2"]);
  const start = closed.ensembles[1]!.firstEntryId;
  assert.ok(start >= 10 && start <= 40, `second ensemble starts at ${start}`);
  for (let e = start; e < 60; e++) {
    assert.deepEqual(
      cluster.client("s3").inner.store.readEntry(LEDGER, e),
      quorumPayload(LEDGER, e),
    );
  }
  cluster.client("s1").heal();
  cluster.faults.clear();
  const reader = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
  });
  await readAll(reader);
  await cluster.close();
}

Deno.test("LedgerWriter replaces a store whose adds fail", () =>
  checkEnsembleChange((cluster) => cluster.client("s1").down("fail")));

Deno.test("LedgerWriter replaces a store that stalls", () =>
  checkEnsembleChange((cluster) => cluster.client("s1").down("stall")));

Deno.test("LedgerWriter replaces a store whose journal fsync fails", () =>
  checkEnsembleChange((cluster) =>
    void cluster.faults.inject({ op: "sync", path: /\/s1\/journal\//, times: Infinity })
  ));

Deno.test("LedgerWriter fails its adds when no spare store is left", async () => {
  const cluster = await Cluster.open(3);
  const writer = await cluster.writer(new MemoryLedgerMetadataStore(), LEDGER, { ackQuorum: 2 });
  await writeEntries(writer, 0, 3);
  cluster.client("s2").down("fail");
  await assert.rejects(writer.addEntry(quorumPayload(LEDGER, 3)), NotEnoughStoresError);
  await assert.rejects(writer.addEntry(quorumPayload(LEDGER, 4)), NotEnoughStoresError);
  await assert.rejects(writer.close(), NotEnoughStoresError);
  await cluster.close();
});

Deno.test("LedgerWriter and LedgerReader reject bad arguments", async () => {
  const cluster = await Cluster.open(3);
  const metadataStore = new MemoryLedgerMetadataStore();
  const stores = cluster.clients;
  await assert.rejects(LedgerWriter.create({ ledgerId: -1, metadataStore, stores }), RangeError);
  await assert.rejects(
    LedgerWriter.create({ ledgerId: 1, metadataStore, stores, ensembleSize: 4 }),
    RangeError,
  );
  await assert.rejects(
    LedgerWriter.create({ ledgerId: 1, metadataStore, stores, writeQuorum: 2, ackQuorum: 3 }),
    RangeError,
  );
  await assert.rejects(
    LedgerWriter.create({ ledgerId: 1, metadataStore, stores: [stores[0]!, stores[0]!] }),
    TypeError,
  );
  await assert.rejects(
    LedgerWriter.create({ ledgerId: 1, metadataStore, stores, addTimeoutMs: 0 }),
    RangeError,
  );
  const writer = await LedgerWriter.create({ ledgerId: 1, metadataStore, stores, maxEntrySize: 8 });
  await assert.rejects(writer.addEntry("x" as unknown as Uint8Array), TypeError);
  await assert.rejects(writer.addEntry(new Uint8Array(9)), RangeError);
  assert.equal(await writer.addEntry(new Uint8Array(8)), 0);
  await writer.close();
  await assert.rejects(writer.addEntry(new Uint8Array(1)), { name: "ClosedError" });
  await assert.rejects(
    LedgerReader.open({ ledgerId: 2, metadataStore, stores }),
    { name: "NoSuchLedgerError" },
  );
  const reader = await LedgerReader.open({ ledgerId: 1, metadataStore, stores });
  await assert.rejects(reader.readEntry(-1), RangeError);
  assert.deepEqual(await reader.readEntry(0), new Uint8Array(8));
  await assert.rejects(reader.readEntry(1), NoSuchEntryError);
  await cluster.close();
});

Deno.test("LedgerReader.waitForEntry() wakes when the LAC passes the entry", async () => {
  const cluster = await Cluster.open(3);
  const metadataStore = new MemoryLedgerMetadataStore();
  const writer = await LedgerWriter.create({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
  });
  const reader = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
  });
  assert.equal(await reader.waitForEntry(-1, { timeoutMs: 5 }), -1);
  const waiting = reader.waitForEntry(0, { timeoutMs: 5000 });
  for (let e = 0; e < 3; e++) await writer.addEntry(quorumPayload(LEDGER, e));
  assert.equal(await waiting, 1);
  const controller = new AbortController();
  const aborted = reader.waitForEntry(5, { signal: controller.signal });
  controller.abort(new Error("enough"));
  await assert.rejects(aborted, /enough/);
  await writer.close();
  assert.equal(await reader.waitForEntry(1), 2);
  await cluster.close();
});

Deno.test("LedgerWriter stops when a store holds one of its ids with other bytes", async () => {
  const cluster = await Cluster.open(4);
  const writer = await cluster.writer(new MemoryLedgerMetadataStore(), LEDGER, { ackQuorum: 2 });
  await writeEntries(writer, 0, 2);
  await cluster.client("s1").inner.store.addEntry(LEDGER, 2, new Uint8Array([9]));
  await assert.rejects(writer.addEntry(quorumPayload(LEDGER, 2)), EntryConflictError);
  await assert.rejects(writer.addEntry(quorumPayload(LEDGER, 3)), EntryConflictError);
  assert.equal(writer.metadata.ensembles.length, 1, "a store was replaced");
  await cluster.close();
});

Deno.test("LedgerReader reads past a stalled replica without waiting for it", async () => {
  const cluster = await Cluster.open(3);
  const metadataStore = new MemoryLedgerMetadataStore();
  const writer = await cluster.writer(metadataStore, LEDGER, { writeQuorum: 3, ackQuorum: 2 });
  await writeEntries(writer, 0, 6);
  await writer.close();
  const reader = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
    timeoutMs: Infinity,
    speculativeReadMs: 5,
  });
  // s0 answers no read until the end (no timeout would end the wait); s1 fails them.
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const stalled = cluster.client("s0").inner;
  const read = stalled.readEntry.bind(stalled);
  stalled.readEntry = async (ledgerId, entryId) => {
    await gate;
    return await read(ledgerId, entryId);
  };
  cluster.client("s1").rule = (call) => (call.op === "read" ? "fail" : "ok");
  await readAll(reader);
  cluster.client("s2").rule = (call) => (call.op === "read" ? "fail" : "ok");
  const failing = reader.readEntry(0);
  release();
  assert.deepEqual(await failing, quorumPayload(LEDGER, 0), "s0 answers once released");
  await cluster.close();
});

Deno.test("LedgerWriter with explicitLacMs lets readers see its last entry", async () => {
  const cluster = await Cluster.open(3);
  const metadataStore = new MemoryLedgerMetadataStore();
  const writer = await cluster.writer(metadataStore, LEDGER, { explicitLacMs: 1 });
  const reader = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
  });
  for (let e = 0; e < 3; e++) await writer.addEntry(quorumPayload(LEDGER, e));
  assert.equal(await reader.waitForEntry(1, { timeoutMs: 5000 }), 2);
  assert.deepEqual(await reader.readEntry(2), quorumPayload(LEDGER, 2));
  await writer.close();
  await assert.rejects(
    cluster.writer(metadataStore, 2, { explicitLacMs: -1 }),
    RangeError,
  );
  await cluster.close();
});
