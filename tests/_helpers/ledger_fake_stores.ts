// Ledger stores for quorum client tests: real LedgerStores on a MemVfs (or a FaultVfs
// over it), reached through a client that can fail or stall chosen calls on command.

import { LedgerStore } from "../../src/ledger/ledger_store.ts";
import { LedgerWriter, type LedgerWriterOptions } from "../../src/ledger/ledger_writer.ts";
import type { LedgerMetadataStore } from "../../src/ledger/metadata.ts";
import { type LedgerStoreClient, LocalStoreClient } from "../../src/ledger/store_client.ts";
import type { AddEntryOptions, LedgerInfo, WaitForEntryOptions } from "../../src/ledger/types.ts";
import { FaultVfs } from "../../src/vfs/fault_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";

/** How a faulty client treats a call: pass it on, fail it, or never answer. */
export type Behaviour = "ok" | "fail" | "stall";

/** Which calls a rule applies to, for {@linkcode FaultyStoreClient.rule}. */
export interface CallInfo {
  op: "add" | "read" | "info" | "fence" | "wait" | "lac";
  entryId?: number;
  recovery?: boolean;
}

/** A client that passes calls to a store unless its rule says to fail or stall them. */
export class FaultyStoreClient implements LedgerStoreClient {
  readonly name: string;
  readonly inner: LocalStoreClient;
  /** Decides each call's fate; "ok" by default. */
  rule: (call: CallInfo) => Behaviour = () => "ok";
  /** Calls that failed or stalled on purpose. */
  faults = 0;

  constructor(inner: LocalStoreClient) {
    this.name = inner.name;
    this.inner = inner;
  }

  /** Fails (or stalls) every call from now on. */
  down(behaviour: Behaviour = "fail"): void {
    this.rule = () => behaviour;
  }

  /** Passes every call from now on. */
  heal(): void {
    this.rule = () => "ok";
  }

  addEntry(
    ledgerId: number,
    entryId: number,
    payload: Uint8Array,
    options: AddEntryOptions,
  ): Promise<void> {
    const call = { op: "add" as const, entryId, recovery: options.recovery ?? false };
    return this.#run(call, () => this.inner.addEntry(ledgerId, entryId, payload, options));
  }

  readEntry(ledgerId: number, entryId: number): Promise<Uint8Array> {
    return this.#run({ op: "read", entryId }, () => this.inner.readEntry(ledgerId, entryId));
  }

  ledgerInfo(ledgerId: number): Promise<LedgerInfo> {
    return this.#run({ op: "info" }, () => this.inner.ledgerInfo(ledgerId));
  }

  updateLac(ledgerId: number, lac: number): Promise<void> {
    return this.#run({ op: "lac" }, () => this.inner.updateLac(ledgerId, lac));
  }

  fence(ledgerId: number): Promise<LedgerInfo> {
    return this.#run({ op: "fence" }, () => this.inner.fence(ledgerId));
  }

  waitForEntry(
    ledgerId: number,
    afterEntryId: number,
    options: WaitForEntryOptions,
  ): Promise<LedgerInfo> {
    return this.#run(
      { op: "wait" },
      () => this.inner.waitForEntry(ledgerId, afterEntryId, options),
    );
  }

  #run<T>(call: CallInfo, pass: () => Promise<T>): Promise<T> {
    const behaviour = this.rule(call);
    if (behaviour === "ok") return pass();
    this.faults++;
    if (behaviour === "fail") {
      return Promise.reject(new Error(`Store ${this.name} is down (${call.op})`));
    }
    return new Promise<T>(() => {});
  }
}

/** Stores named s0, s1, … on one MemVfs, each behind a FaultyStoreClient. */
export class Cluster {
  readonly mem: MemVfs = new MemVfs();
  readonly faults: FaultVfs = new FaultVfs(this.mem);
  readonly clients: FaultyStoreClient[] = [];

  /** Opens `count` stores. */
  static async open(count: number): Promise<Cluster> {
    const cluster = new Cluster();
    for (let i = 0; i < count; i++) {
      const store = await LedgerStore.open(`/s${i}`, { vfs: cluster.faults });
      cluster.clients.push(new FaultyStoreClient(new LocalStoreClient(`s${i}`, store)));
    }
    return cluster;
  }

  /** The client of store `name`. */
  client(name: string): FaultyStoreClient {
    return this.clients.find((client) => client.name === name)!;
  }

  /** Creates ledger `ledgerId` over these stores (E 3, and Qw, Qa, timeout as given). */
  writer(
    metadataStore: LedgerMetadataStore,
    ledgerId: number,
    options: Partial<Omit<LedgerWriterOptions, "ledgerId" | "metadataStore" | "stores">> = {},
  ): Promise<LedgerWriter> {
    return LedgerWriter.create({
      ledgerId,
      metadataStore,
      stores: this.clients,
      ensembleSize: 3,
      ...options,
    });
  }

  /** Closes every store, ignoring the failures of poisoned ones. */
  async close(): Promise<void> {
    for (const client of this.clients) await client.inner.store.close().catch(() => {});
  }
}

/** The payload the tests write as entry `entryId` of ledger `ledgerId`. */
export function quorumPayload(ledgerId: number, entryId: number): Uint8Array {
  return new TextEncoder().encode(`ledger ${ledgerId} entry ${entryId} `.repeat(1 + entryId % 5));
}
