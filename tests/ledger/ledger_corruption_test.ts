// One test per way the stored bytes of a ledger store can be damaged: the store reports
// CorruptionError naming the file and the offset, and never returns damaged bytes; only a
// torn tail of the journal, the trace of a crash, is repaired quietly.

import assert from "node:assert/strict";
import { CorruptionError } from "../../src/errors.ts";
import { LedgerStore } from "../../src/ledger/ledger_store.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { entryPayload } from "../_helpers/ledger_entries.ts";
import { cutFile, flipByte } from "../_helpers/rewrite_file.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

const DIR = "/bookie";
const ENTRIES = `${DIR}/ledgers/1.entries`;
const INDEX = `${DIR}/ledgers/1.index`;
const CHECKPOINT = `${DIR}/CHECKPOINT`;
const JOURNAL = `${DIR}/journal/000001.log`;
const SIZE = 300;

/** Ledger 1 with entries 0..19 checkpointed into its files, then 20..29 only in the journal. */
async function filledStore(vfs: MemVfs): Promise<void> {
  const store = await LedgerStore.open(DIR, { vfs });
  await store.createLedger(1);
  for (let e = 0; e < 20; e++) await store.addEntry(1, e, entryPayload(1, e, SIZE));
  await store.checkpoint();
  for (let e = 20; e < 30; e++) await store.addEntry(1, e, entryPayload(1, e, SIZE));
  vfs.crash();
}

function isCorruption(path: string, near?: number): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof CorruptionError, String(error));
    assert.equal(error.file, path);
    if (near !== undefined) assert.ok(Math.abs(error.offset - near) <= SIZE + 32, error.message);
    return true;
  };
}

Deno.test("LedgerStore reports a damaged entry log record when it is read, never its bytes", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  const damaged = 24 + 5 * (16 + SIZE) + 100; // inside entry 5's payload
  await flipByte(vfs, ENTRIES, damaged);
  const store = await LedgerStore.open(DIR, { vfs });
  assert.throws(() => store.readEntry(1, 5), isCorruption(ENTRIES, damaged));
  assert.deepEqual(store.readEntry(1, 4), entryPayload(1, 4, SIZE));
  assert.deepEqual(store.readEntry(1, 25), entryPayload(1, 25, SIZE));
  await store.close();
});

Deno.test("LedgerStore.open() reports a damaged entry log header", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  await flipByte(vfs, ENTRIES, 14);
  await assert.rejects(LedgerStore.open(DIR, { vfs }), isCorruption(ENTRIES, 0));
});

Deno.test("LedgerStore.open() reports an entry log shorter than the checkpoint records", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  await cutFile(vfs, ENTRIES, fileContents(vfs, ENTRIES).length - 10);
  await assert.rejects(LedgerStore.open(DIR, { vfs }), isCorruption(ENTRIES));
});

Deno.test("LedgerStore.open() reports a damaged index record", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  const damaged = 24 + 7 * 24 + 9; // entry 7's offset field
  await flipByte(vfs, INDEX, damaged);
  await assert.rejects(LedgerStore.open(DIR, { vfs }), isCorruption(INDEX, 24 + 7 * 24));
});

Deno.test("LedgerStore.open() reports a missing ledger file", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  vfs.remove(INDEX);
  await assert.rejects(LedgerStore.open(DIR, { vfs }), isCorruption(INDEX, 0));
});

Deno.test("LedgerStore.open() reports a damaged checkpoint", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  await flipByte(vfs, CHECKPOINT, 30);
  await assert.rejects(LedgerStore.open(DIR, { vfs }), isCorruption(CHECKPOINT));
});

Deno.test("LedgerStore.open() reports a cut checkpoint", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  await cutFile(vfs, CHECKPOINT, 40);
  await assert.rejects(LedgerStore.open(DIR, { vfs }), isCorruption(CHECKPOINT));
});

Deno.test("LedgerStore.open() reports a damaged journal record before the tail", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  const size = fileContents(vfs, JOURNAL).length;
  await flipByte(vfs, JOURNAL, size - 3 * (SIZE + 40));
  await assert.rejects(LedgerStore.open(DIR, { vfs }), isCorruption(JOURNAL));
});

Deno.test("LedgerStore.open() cuts a torn journal tail and keeps the entries before it", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  await cutFile(vfs, JOURNAL, fileContents(vfs, JOURNAL).length - 100);
  const store = await LedgerStore.open(DIR, { vfs });
  assert.equal(store.ledgerInfo(1).lastEntryId, 28);
  for (let e = 0; e < 29; e++) assert.deepEqual(store.readEntry(1, e), entryPayload(1, e, SIZE));
  assert.ok(store.stats().journal.tornBytesRepaired > 0);
  await store.addEntry(1, 29, entryPayload(1, 29, SIZE));
  await store.close();
});

Deno.test("LedgerStore.open() reports a journal that lost the checkpointed record", async () => {
  const vfs = new MemVfs();
  await filledStore(vfs);
  const segments = vfs.list(`${DIR}/journal`).filter((name) => name.endsWith(".log"));
  for (const name of segments) vfs.remove(`${DIR}/journal/${name}`);
  await assert.rejects(LedgerStore.open(DIR, { vfs }), CorruptionError);
});
