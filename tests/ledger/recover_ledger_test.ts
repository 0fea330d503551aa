// recoverLedger(): fencing, reading forward from the LAC, re-replicating what is found and
// closing the ledger, with stores that fail or stall; the old writer is fenced off.

import assert from "node:assert/strict";
import { LedgerReader } from "../../src/ledger/ledger_reader.ts";
import type { LedgerWriter } from "../../src/ledger/ledger_writer.ts";
import { MemoryLedgerMetadataStore } from "../../src/ledger/metadata.ts";
import { FileLedgerMetadataStore } from "../../src/ledger/file_metadata_store.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { recoverLedger } from "../../src/ledger/recover_ledger.ts";
import {
  LedgerFencedError,
  NoSuchLedgerError,
  NotEnoughStoresError,
} from "../../src/ledger/errors.ts";
import { Cluster, quorumPayload } from "../_helpers/ledger_fake_stores.ts";

const LEDGER = 7;

async function setUp(count = 3) {
  const cluster = await Cluster.open(count);
  const metadataStore = new MemoryLedgerMetadataStore();
  const writer = await cluster.writer(metadataStore, LEDGER, {
    writeQuorum: 3,
    ackQuorum: 2,
    addTimeoutMs: 100,
  });
  return { cluster, metadataStore, writer, stores: cluster.clients };
}

async function addSequentially(writer: LedgerWriter, from: number, to: number): Promise<void> {
  for (let e = from; e < to; e++) assert.equal(await writer.addEntry(quorumPayload(LEDGER, e)), e);
}

Deno.test("recoverLedger() closes at the last acknowledged entry and fences the writer", async () => {
  const { cluster, metadataStore, writer, stores } = await setUp();
  await addSequentially(writer, 0, 10);
  const closed = await recoverLedger({ ledgerId: LEDGER, metadataStore, stores });
  assert.equal(closed.state, "closed");
  assert.equal(closed.lastEntryId, 9);
  await assert.rejects(writer.addEntry(quorumPayload(LEDGER, 10)), LedgerFencedError);
  await assert.rejects(writer.close(), LedgerFencedError);
  for (const client of stores) assert.equal(client.inner.store.ledgerInfo(LEDGER).state, "fenced");
  const reader = await LedgerReader.open({ ledgerId: LEDGER, metadataStore, stores });
  assert.equal(reader.lastAddConfirmed, 9);
  assert.deepEqual(await reader.readEntry(9), quorumPayload(LEDGER, 9));
  assert.deepEqual(await recoverLedger({ ledgerId: LEDGER, metadataStore, stores }), closed);
  await cluster.close();
});

Deno.test("recoverLedger() keeps and re-replicates an entry past the LAC found on one store", async () => {
  const { cluster, metadataStore, writer, stores } = await setUp();
  await addSequentially(writer, 0, 10);
  for (const name of ["s1", "s2"]) {
    cluster.client(name).rule = (call) =>
      call.op === "add" && !call.recovery && call.entryId === 10 ? "stall" : "ok";
  }
  const pending = writer.addEntry(quorumPayload(LEDGER, 10));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(
    cluster.client("s0").inner.store.readEntry(LEDGER, 10),
    quorumPayload(LEDGER, 10),
  );
  const closed = await recoverLedger({ ledgerId: LEDGER, metadataStore, stores });
  assert.equal(closed.lastEntryId, 10);
  for (const client of stores) {
    assert.deepEqual(client.inner.store.readEntry(LEDGER, 10), quorumPayload(LEDGER, 10));
  }
  for (const client of stores) client.heal();
  await assert.rejects(pending, LedgerFencedError);
  await cluster.close();
});

Deno.test("recoverLedger() needs Qw - Qa + 1 fenced stores in every write set", async () => {
  const { cluster, metadataStore, writer, stores } = await setUp();
  await addSequentially(writer, 0, 5);
  cluster.client("s0").down("fail");
  cluster.client("s1").down("stall");
  await assert.rejects(
    recoverLedger({ ledgerId: LEDGER, metadataStore, stores, timeoutMs: 30 }),
    NotEnoughStoresError,
  );
  assert.equal((await metadataStore.read(LEDGER))?.metadata.state, "in_recovery");
  cluster.client("s1").heal();
  const closed = await recoverLedger({ ledgerId: LEDGER, metadataStore, stores, timeoutMs: 30 });
  assert.equal(closed.lastEntryId, 4);
  cluster.client("s0").heal();
  const reader = await LedgerReader.open({ ledgerId: LEDGER, metadataStore, stores });
  for (let e = 0; e <= 4; e++) {
    assert.deepEqual(await reader.readEntry(e), quorumPayload(LEDGER, e));
  }
  await cluster.close();
});

Deno.test("recoverLedger() cannot decide when stores holding the next entry do not answer", async () => {
  const { cluster, metadataStore, writer, stores } = await setUp();
  await addSequentially(writer, 0, 5);
  cluster.client("s2").rule = (call) => (call.op === "read" ? "fail" : "ok");
  cluster.client("s1").rule = (call) => (call.op === "read" ? "fail" : "ok");
  await assert.rejects(
    recoverLedger({ ledgerId: LEDGER, metadataStore, stores }),
    NotEnoughStoresError,
  );
  cluster.client("s1").heal();
  assert.equal((await recoverLedger({ ledgerId: LEDGER, metadataStore, stores })).lastEntryId, 4);
  await cluster.close();
});

Deno.test("Two recoveries racing close the ledger at the same entry", async () => {
  const { cluster, metadataStore, writer, stores } = await setUp();
  await addSequentially(writer, 0, 20);
  const [a, b] = await Promise.all([
    recoverLedger({ ledgerId: LEDGER, metadataStore, stores }),
    recoverLedger({ ledgerId: LEDGER, metadataStore, stores }),
  ]);
  assert.deepEqual(a, b);
  assert.equal(a.lastEntryId, 19);
  await cluster.close();
});

Deno.test("LedgerReader.open() with recover closes an open ledger", async () => {
  const { cluster, metadataStore, writer, stores } = await setUp();
  await addSequentially(writer, 0, 3);
  cluster.client("s2").down("fail");
  const reader = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores,
    recover: true,
  });
  assert.ok(reader.closed);
  assert.equal(reader.lastAddConfirmed, 2);
  await assert.rejects(recoverLedger({ ledgerId: 99, metadataStore, stores }), NoSuchLedgerError);
  await cluster.close();
});

Deno.test("The quorum client keeps its metadata in files across a restart", async () => {
  const cluster = await Cluster.open(4);
  const vfs = new MemVfs();
  const metadataStore = await FileLedgerMetadataStore.open("/meta", { vfs });
  const writer = await cluster.writer(metadataStore, LEDGER, { ackQuorum: 2, addTimeoutMs: 50 });
  await addSequentially(writer, 0, 5);
  cluster.client("s0").down("fail");
  await addSequentially(writer, 5, 10);
  metadataStore.close();
  vfs.crash();
  const reopened = await FileLedgerMetadataStore.open("/meta", { vfs });
  const stored = await reopened.read(LEDGER);
  assert.equal(stored?.metadata.ensembles.length, 2);
  const stores = cluster.clients;
  const closed = await recoverLedger({ ledgerId: LEDGER, metadataStore: reopened, stores });
  assert.equal(closed.lastEntryId, 9);
  const reader = await LedgerReader.open({ ledgerId: LEDGER, metadataStore: reopened, stores });
  for (let e = 0; e <= 9; e++) {
    assert.deepEqual(await reader.readEntry(e), quorumPayload(LEDGER, e));
  }
  reopened.close();
  await cluster.close();
});
