// Three ledger stores ("bookies") on disk in a temporary directory, a writer striping one
// ledger over them (E = 3, Qw = 3, Qa = 2), and the third bookie killed mid-stream: its
// file handles and lock vanish at once, as when the kernel reaps a SIGKILLed process
// (what it wrote to the page cache stays). The writer, with no spare bookie, stops; a new
// client recovers the ledger from the two survivors (fence, read forward, re-replicate,
// close), and a reader checks that every acknowledged entry is there. Finally the killed
// bookie restarts from its files and replays its journal.
// Run: deno run --allow-read --allow-write examples/ledger_quorum.ts

import {
  FileLedgerMetadataStore,
  LedgerReader,
  LedgerStore,
  type LedgerStoreClient,
  LedgerWriter,
  LocalStoreClient,
  recoverLedger,
} from "../src/ledger/mod.ts";
import { DenoVfs, type OpenOptions, type Vfs, type VfsFile, type VfsLock } from "../src/vfs/mod.ts";

/** A Vfs whose kill() closes every file and lock it handed out, and refuses all calls after. */
class KillableVfs implements Vfs {
  readonly #inner = new DenoVfs();
  readonly #files = new Set<VfsFile>();
  readonly #locks = new Set<VfsLock>();
  #killed = false;

  kill(): void {
    this.#killed = true;
    for (const file of this.#files) file.close();
    for (const lock of this.#locks) lock.release();
  }

  #alive(): void {
    if (this.#killed) throw new Error("The bookie process was killed");
  }

  open(path: string, options?: OpenOptions): VfsFile {
    this.#alive();
    const file = this.#inner.open(path, options);
    this.#files.add(file);
    const alive = () => this.#alive();
    return {
      path: file.path,
      readAt: (buffer, position) => (alive(), file.readAt(buffer, position)),
      append: (data) => (alive(), file.append(data)),
      writeAt: (data, position) => (alive(), file.writeAt(data, position)),
      size: () => (alive(), file.size()),
      truncate: (size) => (alive(), file.truncate(size)),
      sync: () => Promise.resolve().then(alive).then(() => file.sync()),
      syncData: () => Promise.resolve().then(alive).then(() => file.syncData()),
      close: () => file.close(),
    };
  }
  rename(from: string, to: string): void {
    this.#alive();
    this.#inner.rename(from, to);
  }
  remove(path: string): void {
    this.#alive();
    this.#inner.remove(path);
  }
  list(dir: string): string[] {
    this.#alive();
    return this.#inner.list(dir);
  }
  exists(path: string): boolean {
    this.#alive();
    return this.#inner.exists(path);
  }
  mkdir(path: string): void {
    this.#alive();
    this.#inner.mkdir(path);
  }
  syncDir(dir: string): Promise<void> {
    return Promise.resolve().then(() => this.#alive()).then(() => this.#inner.syncDir(dir));
  }
  tryLock(path: string): VfsLock {
    this.#alive();
    const lock = this.#inner.tryLock(path);
    this.#locks.add(lock);
    return lock;
  }
}

const LEDGER = 1;
const payload = (entryId: number) =>
  new TextEncoder().encode(`event ${entryId}: ${"x".repeat(90)}`);
const root = await Deno.makeTempDir({ prefix: "cairn_ledger_quorum_" });
console.log(`Bookies and metadata in ${root}`);

const vfss = [new KillableVfs(), new KillableVfs(), new KillableVfs()];
const stores = await Promise.all(
  vfss.map((vfs, i) => LedgerStore.open(`${root}/bookie-${i + 1}`, { vfs })),
);
const clients: LedgerStoreClient[] = stores.map((store, i) =>
  new LocalStoreClient(`bookie-${i + 1}`, store)
);
const metadataStore = await FileLedgerMetadataStore.open(`${root}/metadata`);

const writer = await LedgerWriter.create({
  ledgerId: LEDGER,
  metadataStore,
  stores: clients,
  ensembleSize: 3,
  writeQuorum: 3,
  ackQuorum: 2,
  addTimeoutMs: 500,
});
console.log("Ledger 1 created: E = 3, Qw = 3, Qa = 2 over bookie-1, bookie-2, bookie-3");

const acknowledged = new Set<number>();
let failures = 0;
let firstFailure = "";
for (let entryId = 0, window = 0; entryId < 400; window++) {
  if (window === 25) {
    vfss[2]!.kill();
    console.log(`bookie-3 killed after ${acknowledged.size} acknowledged entries`);
  }
  const adds = [];
  for (let i = 0; i < 8; i++, entryId++) {
    adds.push(
      writer.addEntry(payload(entryId)).then(
        (id) => void acknowledged.add(id),
        (error: Error) => {
          failures++;
          firstFailure ||= `${error.name}: ${error.message}`;
        },
      ),
    );
  }
  await Promise.all(adds);
}
console.log(
  `Writer: ${acknowledged.size} entries acknowledged (0..${Math.max(...acknowledged)}), ` +
    `${failures} refused; first refusal: ${firstFailure}`,
);
console.log("The writer goes away without closing the ledger.");

const survivors = clients.slice(0, 2);
const closed = await recoverLedger({ ledgerId: LEDGER, metadataStore, stores: survivors });
console.log(
  `Recovery from bookie-1 and bookie-2: ledger ${closed.state} at entry ${closed.lastEntryId}`,
);
if (closed.lastEntryId > Math.max(...acknowledged)) {
  console.log(
    `  (entries ${Math.max(...acknowledged) + 1}..${closed.lastEntryId} reached two bookies but ` +
      "were never acknowledged: recovery keeps them; a ledger may end after its writer's last " +
      "acknowledgement, never before it)",
  );
}

const reader = await LedgerReader.open({ ledgerId: LEDGER, metadataStore, stores: survivors });
let lost = 0;
for (const entryId of acknowledged) {
  const bytes = await reader.readEntry(entryId);
  if (new TextDecoder().decode(bytes) !== new TextDecoder().decode(payload(entryId))) lost++;
}
console.log(
  `Reader: ${acknowledged.size} acknowledged entries checked, ${lost} missing or wrong; ` +
    `the ledger holds ${reader.lastAddConfirmed + 1} entries`,
);

const restarted = await LedgerStore.open(`${root}/bookie-3`);
const info = restarted.ledgerInfo(LEDGER);
console.log(
  `bookie-3 restarted: replayed ${restarted.stats().replayedRecords} journal records, holds ` +
    `${info.entries} entries up to ${info.lastEntryId}, ledger ${info.state} there ` +
    `(it was not reachable for the fence)`,
);

await restarted.close();
await Promise.all(stores.slice(0, 2).map((store) => store.close()));
await stores[2]!.close().catch(() => {});
metadataStore.close();
await Deno.remove(root, { recursive: true });
if (lost > 0) throw new Error(`${lost} acknowledged entries were lost`);
