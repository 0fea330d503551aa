// What well-formed ledger metadata is, and deep copies of it.

import { checkLedgerId } from "./_checks.ts";
import type { LedgerMetadata } from "./metadata.ts";

/**
 * Checks metadata: quorums E ≥ Qw ≥ Qa ≥ 1, ensembles of E distinct named stores starting
 * at entry 0 with rising first entries.
 *
 * @throws {TypeError} When a field has the wrong type.
 * @throws {RangeError} When a number is out of range or the ensembles do not fit.
 */
export function checkMetadata(metadata: LedgerMetadata): void {
  if (typeof metadata !== "object" || metadata === null) {
    throw new TypeError("Ledger metadata must be an object");
  }
  checkLedgerId(metadata.ledgerId);
  const { ensembleSize: e, writeQuorum: qw, ackQuorum: qa } = metadata;
  for (const [name, value] of [["ensembleSize", e], ["writeQuorum", qw], ["ackQuorum", qa]]) {
    if (typeof value !== "number") throw new TypeError(`${name} must be a number`);
    if (!Number.isInteger(value) || value < 1 || value > 255) {
      throw new RangeError(`${name} must be an integer from 1 to 255, got ${value}`);
    }
  }
  if (!(e >= qw && qw >= qa)) {
    throw new RangeError(`Quorums must satisfy E >= Qw >= Qa, got ${e}, ${qw}, ${qa}`);
  }
  if (!["open", "in_recovery", "closed"].includes(metadata.state)) {
    throw new TypeError(`Ledger state must be open, in_recovery or closed, got ${metadata.state}`);
  }
  if (!Number.isSafeInteger(metadata.lastEntryId) || metadata.lastEntryId < -1) {
    throw new RangeError(`lastEntryId must be an integer of at least -1`);
  }
  if (!Array.isArray(metadata.ensembles) || metadata.ensembles.length === 0) {
    throw new RangeError("Ledger metadata needs at least one ensemble");
  }
  let previous = -1;
  for (const [i, ensemble] of metadata.ensembles.entries()) {
    const first = ensemble.firstEntryId;
    if (!Number.isSafeInteger(first) || (i === 0 ? first !== 0 : first <= previous)) {
      throw new RangeError(`Ensemble ${i} starts at ${first}, which does not follow ${previous}`);
    }
    previous = first;
    const stores = ensemble.stores;
    if (!Array.isArray(stores) || stores.length !== e) {
      throw new RangeError(`Ensemble ${i} must name ${e} stores`);
    }
    for (const store of stores) {
      if (typeof store !== "string" || store === "" || store.length > 1024) {
        throw new TypeError("Store names must be strings of 1 to 1024 characters");
      }
    }
    if (new Set(stores).size !== e) throw new RangeError(`Ensemble ${i} names a store twice`);
  }
}

/** A deep copy of metadata. */
export function copyMetadata(metadata: LedgerMetadata): LedgerMetadata {
  return {
    ledgerId: metadata.ledgerId,
    ensembleSize: metadata.ensembleSize,
    writeQuorum: metadata.writeQuorum,
    ackQuorum: metadata.ackQuorum,
    state: metadata.state,
    lastEntryId: metadata.lastEntryId,
    ensembles: metadata.ensembles.map((ensemble) => ({
      firstEntryId: ensemble.firstEntryId,
      stores: [...ensemble.stores],
    })),
  };
}
