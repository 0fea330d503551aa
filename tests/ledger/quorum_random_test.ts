// The quorum client under seeded random faults: a writer adds entries in windows while
// stores fail, stall or heal at random moments (spares stand by for ensemble changes),
// then stops at a random point with adds still in flight; recovery (sometimes two at
// once) closes the ledger. Afterwards no acknowledged entry lies past the end or is
// unreadable, and two readers that read from different replicas see the same bytes, the
// ones written. Replay with CAIRN_SEED=<seed>; CAIRN_STEPS=<rounds> runs more rounds.

import assert from "node:assert/strict";
import { LedgerReader } from "../../src/ledger/ledger_reader.ts";
import { MemoryLedgerMetadataStore } from "../../src/ledger/metadata.ts";
import { recoverLedger } from "../../src/ledger/recover_ledger.ts";
import { storesFor } from "../../src/ledger/_quorum.ts";
import { NoSuchEntryError, NotEnoughStoresError } from "../../src/ledger/errors.ts";
import type { LedgerMetadata } from "../../src/ledger/metadata.ts";
import { Cluster, FaultyStoreClient, quorumPayload } from "../_helpers/ledger_fake_stores.ts";
import { Prng } from "../_helpers/prng.ts";

const SEED = Number(Deno.env.get("CAIRN_SEED") ?? 20261129);
const ROUNDS = Number(Deno.env.get("CAIRN_STEPS") ?? 30);
const LEDGER = 11;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Breaks or heals a random store. */
function randomFault(prng: Prng, cluster: Cluster): void {
  const client = cluster.clients[prng.int(cluster.clients.length)]!;
  const roll = prng.int(4);
  if (roll === 0) client.down("fail");
  else if (roll === 1) client.down("stall");
  else if (roll === 2) {
    client.rule = (call) => (call.op === "add" && prng.int(3) === 0 ? "fail" : "ok");
  } else client.heal();
}

/** Whether the store behind `client` holds the entry. */
function holds(client: FaultyStoreClient, entryId: number): boolean {
  try {
    client.inner.store.readEntry(LEDGER, entryId);
    return true;
  } catch (error) {
    if (error instanceof NoSuchEntryError) return false;
    throw error;
  }
}

/** Recovers, healing every store and retrying when too few answer. */
async function recover(cluster: Cluster, metadataStore: MemoryLedgerMetadataStore) {
  const options = { ledgerId: LEDGER, metadataStore, stores: cluster.clients, timeoutMs: 20 };
  try {
    return await recoverLedger(options);
  } catch (error) {
    if (!(error instanceof NotEnoughStoresError)) throw error;
    for (const client of cluster.clients) client.heal();
    return await recoverLedger(options);
  }
}

async function runRound(round: number): Promise<void> {
  const prng = new Prng(SEED + round);
  const cluster = await Cluster.open(5);
  const metadataStore = new MemoryLedgerMetadataStore();
  const ensembleSize = 3 + prng.int(2);
  const writeQuorum = 2 + prng.int(ensembleSize - 1);
  const ackQuorum = 1 + prng.int(writeQuorum);
  const context =
    `seed ${SEED} round ${round} (E ${ensembleSize}, Qw ${writeQuorum}, Qa ${ackQuorum})`;
  const writer = await cluster.writer(metadataStore, LEDGER, {
    ensembleSize,
    writeQuorum,
    ackQuorum,
    addTimeoutMs: 20,
  });
  const acked = new Set<number>();
  const adds: Promise<unknown>[] = [];
  const total = 20 + prng.int(60);
  for (let next = 0; next < total;) {
    const window = 1 + prng.int(8);
    const batch = [];
    for (let i = 0; i < window && next < total; i++, next++) {
      const entryId = next;
      const add = writer.addEntry(quorumPayload(LEDGER, entryId)).then((id) => {
        assert.equal(id, entryId, context);
        acked.add(id);
      });
      batch.push(add.catch(() => {}));
      adds.push(add.catch(() => {}));
    }
    if (prng.int(4) === 0) randomFault(prng, cluster);
    if (prng.int(3) === 0) await Promise.race([Promise.all(batch), sleep(30)]);
  }
  if (prng.int(2) === 0) {
    for (const client of cluster.clients) if (prng.int(2) === 0) client.heal();
  }
  const closed: LedgerMetadata = prng.int(3) === 0
    ? (await Promise.all([recover(cluster, metadataStore), recover(cluster, metadataStore)]))[0]
    : await recover(cluster, metadataStore);
  for (const client of cluster.clients) client.heal();
  await Promise.race([Promise.all(adds), sleep(100)]);
  await assert.rejects(writer.addEntry(quorumPayload(LEDGER, total)), context);
  await sleep(30);

  assert.equal(closed.state, "closed", context);
  assert.deepEqual((await metadataStore.read(LEDGER))?.metadata, closed, context);
  for (const id of acked) {
    assert.ok(
      id <= closed.lastEntryId,
      `${context}: acknowledged ${id} past ${closed.lastEntryId}`,
    );
  }
  const other = cluster.clients.map((client) => new FaultyStoreClient(client.inner));
  const readerA = await LedgerReader.open({
    ledgerId: LEDGER,
    metadataStore,
    stores: cluster.clients,
  });
  const readerB = await LedgerReader.open({ ledgerId: LEDGER, metadataStore, stores: other });
  assert.equal(readerA.lastAddConfirmed, closed.lastEntryId, context);
  for (let entryId = 0; entryId <= closed.lastEntryId; entryId++) {
    // Reader B may not read from the first replica that holds the entry when another does.
    const holders = storesFor(readerA.metadata, entryId).filter((name) =>
      cluster.client(name).inner.store.ledgers().includes(LEDGER) &&
      cluster.client(name).inner.store.ledgerInfo(LEDGER).lastEntryId >= entryId &&
      holds(cluster.client(name), entryId)
    );
    for (const client of other) {
      const skip = holders.length > 1 && client.name === holders[0];
      client.rule = (call) => (skip && call.op === "read" ? "fail" : "ok");
    }
    const a = await readerA.readEntry(entryId);
    const b = await readerB.readEntry(entryId);
    assert.deepEqual(a, quorumPayload(LEDGER, entryId), `${context}: entry ${entryId} (reader A)`);
    assert.deepEqual(b, a, `${context}: entry ${entryId}, readers differ`);
  }
  for (const client of cluster.clients) {
    const store = client.inner.store;
    if (!store.ledgers().includes(LEDGER)) continue;
    // Stores left unfenced may hold entries past the end; readers never read them.
    const end = Math.min(closed.lastEntryId, store.ledgerInfo(LEDGER).lastEntryId);
    for (let entryId = 0; entryId <= end; entryId++) {
      try {
        assert.deepEqual(store.readEntry(LEDGER, entryId), quorumPayload(LEDGER, entryId), context);
      } catch (error) {
        if (!(error instanceof NoSuchEntryError)) throw error;
      }
    }
  }
  await cluster.close();
}

Deno.test("The quorum client loses no acknowledged entry under random faults", async () => {
  for (let round = 0; round < ROUNDS; round++) {
    try {
      await runRound(round);
    } catch (error) {
      console.error(`Replay with CAIRN_SEED=${SEED} (failed in round ${round})`);
      throw error;
    }
  }
});
