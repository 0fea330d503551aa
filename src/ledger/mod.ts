/**
 * BookKeeper-style ledgers. {@linkcode LedgerStore} is one store ("bookie") holding
 * ledgers of entries with client-assigned ids behind a journal with group commit, each
 * ledger in a private workspace (memtable, entry log, index). The quorum client stripes a
 * ledger over an ensemble of stores reached through {@linkcode LedgerStoreClient}:
 * {@linkcode LedgerWriter} (write quorum, ack quorum, ensemble changes),
 * {@linkcode LedgerReader} (reads up to the last add confirmed) and
 * {@linkcode recoverLedger} (fence, re-replicate, close), with ledger metadata behind a
 * compare-and-set {@linkcode LedgerMetadataStore}. Formats: `docs/ledger_format.md`.
 *
 * @example A store that survives a power loss
 * ```ts
 * import { LedgerStore } from "@cairn/cairn/ledger";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const store = await LedgerStore.open("/bookie", { vfs });
 * await store.createLedger(7);
 * await store.addEntry(7, 0, new TextEncoder().encode("durable"));
 * vfs.crash();
 *
 * const reopened = await LedgerStore.open("/bookie", { vfs });
 * assert.equal(new TextDecoder().decode(reopened.readEntry(7, 0)), "durable");
 * await reopened.close();
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export { LedgerStore, type LedgerStoreOptions } from "./ledger_store.ts";
export type {
  AddEntryOptions,
  FenceOptions,
  LedgerInfo,
  LedgerState,
  LedgerStoreStats,
  WaitForEntryOptions,
} from "./types.ts";
export { FileLedgerMetadataStore } from "./file_metadata_store.ts";
export {
  type Ensemble,
  type LedgerMetadata,
  type LedgerMetadataState,
  type LedgerMetadataStore,
  MemoryLedgerMetadataStore,
  type VersionedLedgerMetadata,
} from "./metadata.ts";
export { type LedgerStoreClient, LocalStoreClient } from "./store_client.ts";
export { LedgerWriter, type LedgerWriterOptions } from "./ledger_writer.ts";
export { LedgerReader, type LedgerReaderOptions } from "./ledger_reader.ts";
export { recoverLedger, type RecoverLedgerOptions } from "./recover_ledger.ts";
