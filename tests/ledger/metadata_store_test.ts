// The ledger metadata stores: compare-and-set in memory and in files; the file store
// survives a crash, and reports a damaged metadata file.

import assert from "node:assert/strict";
import { CorruptionError, LockedError } from "../../src/errors.ts";
import { FileLedgerMetadataStore } from "../../src/ledger/file_metadata_store.ts";
import {
  type LedgerMetadata,
  type LedgerMetadataStore,
  MemoryLedgerMetadataStore,
} from "../../src/ledger/metadata.ts";
import {
  LedgerExistsError,
  LedgerMetadataVersionError,
  NoSuchLedgerError,
} from "../../src/ledger/errors.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { flipByte } from "../_helpers/rewrite_file.ts";
import { causedByPowerLoss, CrashPointVfs } from "../_helpers/crash_point_vfs.ts";

const DIR = "/meta";

function metadata(ledgerId: number): LedgerMetadata {
  return {
    ledgerId,
    ensembleSize: 3,
    writeQuorum: 2,
    ackQuorum: 2,
    state: "open",
    lastEntryId: -1,
    ensembles: [{ firstEntryId: 0, stores: ["bookie-1", "bookie-2", "bøökie-3"] }],
  };
}

async function checkCompareAndSet(store: LedgerMetadataStore): Promise<void> {
  assert.equal(await store.read(1), undefined);
  assert.equal(await store.create(metadata(1)), 1);
  await assert.rejects(store.create(metadata(1)), LedgerExistsError);
  const changed: LedgerMetadata = {
    ...metadata(1),
    ensembles: [
      ...metadata(1).ensembles,
      { firstEntryId: 17, stores: ["bookie-1", "bookie-4", "bøökie-3"] },
    ],
  };
  assert.equal(await store.update(changed, 1), 2);
  await assert.rejects(store.update(metadata(1), 1), LedgerMetadataVersionError);
  assert.deepEqual(await store.read(1), { metadata: changed, version: 2 });
  const closed: LedgerMetadata = { ...changed, state: "closed", lastEntryId: 40 };
  assert.equal(await store.update(closed, 2), 3);
  assert.deepEqual((await store.read(1))?.metadata, closed);
  await assert.rejects(store.update(metadata(2), 1), NoSuchLedgerError);
  await assert.rejects(store.delete(1, 2), LedgerMetadataVersionError);
  await store.delete(1, 3);
  assert.equal(await store.read(1), undefined);
  await assert.rejects(store.create({ ...metadata(3), ackQuorum: 3 }), RangeError);
  await assert.rejects(
    store.create({ ...metadata(3), ensembles: [{ firstEntryId: 0, stores: ["a", "a", "b"] }] }),
    RangeError,
  );
  await assert.rejects(
    store.create({ ...metadata(3), ensembles: [{ firstEntryId: 1, stores: ["a", "b", "c"] }] }),
    RangeError,
  );
}

Deno.test("MemoryLedgerMetadataStore compares and sets by version", async () => {
  await checkCompareAndSet(new MemoryLedgerMetadataStore());
});

Deno.test("FileLedgerMetadataStore compares and sets by version", async () => {
  const store = await FileLedgerMetadataStore.open(DIR, { vfs: new MemVfs() });
  await checkCompareAndSet(store);
  store.close();
});

Deno.test("FileLedgerMetadataStore keeps acknowledged changes through a crash", async () => {
  const vfs = new MemVfs();
  const store = await FileLedgerMetadataStore.open(DIR, { vfs });
  await store.create(metadata(1));
  await store.update({ ...metadata(1), state: "in_recovery" }, 1);
  await assert.rejects(FileLedgerMetadataStore.open(DIR, { vfs }), LockedError);
  vfs.crash();
  vfs.open(`${DIR}/1.meta.tmp`, { create: true }).close();
  const reopened = await FileLedgerMetadataStore.open(DIR, { vfs });
  assert.deepEqual(await reopened.read(1), {
    metadata: { ...metadata(1), state: "in_recovery" },
    version: 2,
  });
  assert.ok(!vfs.exists(`${DIR}/1.meta.tmp`));
  reopened.close();
  await assert.rejects(reopened.read(1), { name: "ClosedError" });
});

Deno.test("FileLedgerMetadataStore reports a damaged metadata file", async () => {
  const vfs = new MemVfs();
  const store = await FileLedgerMetadataStore.open(DIR, { vfs });
  await store.create(metadata(1));
  for (const offset of [0, 13, 30, 60]) {
    await flipByte(vfs, `${DIR}/1.meta`, offset);
    await assert.rejects(store.read(1), (error) => {
      assert.ok(error instanceof CorruptionError, String(error));
      assert.equal(error.file, `${DIR}/1.meta`);
      return true;
    });
    await assert.rejects(store.update(metadata(1), 1), CorruptionError);
    await flipByte(vfs, `${DIR}/1.meta`, offset);
  }
  assert.equal((await store.read(1))?.version, 1);
  store.close();
});

Deno.test("FileLedgerMetadataStore keeps every acknowledged change through a crash at every write", async () => {
  /** The metadata of `ledgerId` at `version`: the version is written into lastEntryId. */
  const at = (ledgerId: number, version: number): LedgerMetadata => ({
    ...metadata(ledgerId),
    state: "closed",
    lastEntryId: version * 10,
  });
  for (let k = 1;; k++) {
    const mem = new MemVfs();
    const vfs = new CrashPointVfs(mem, k);
    const acked = new Map<number, number>();
    const deleted = new Set<number>();
    try {
      const store = await FileLedgerMetadataStore.open(DIR, { vfs });
      for (const ledgerId of [1, 2, 3]) {
        await store.create(at(ledgerId, 1));
        acked.set(ledgerId, 1);
      }
      for (let version = 1; version < 4; version++) {
        for (const ledgerId of [1, 2]) {
          await store.update(at(ledgerId, version + 1), version);
          acked.set(ledgerId, version + 1);
        }
      }
      await store.delete(3, 1);
      deleted.add(3);
      store.close();
    } catch (error) {
      if (!causedByPowerLoss(error)) throw error;
    }
    const reopened = await FileLedgerMetadataStore.open(DIR, { vfs: mem });
    for (const ledgerId of [1, 2, 3]) {
      const found = await reopened.read(ledgerId);
      const context = `crash after operation ${k}, ledger ${ledgerId}`;
      if (deleted.has(ledgerId)) assert.equal(found, undefined, context);
      const known = acked.get(ledgerId) ?? 0;
      if (found === undefined) {
        assert.ok(known === 0 || ledgerId === 3, `${context}: version ${known} lost`);
        continue;
      }
      assert.ok(found.version >= known && found.version <= known + 1, context);
      assert.deepEqual(found.metadata, at(ledgerId, found.version), context);
    }
    reopened.close();
    if (!vfs.crashed) {
      assert.ok(k > 30, `only ${k} writes`);
      break;
    }
  }
});
