// Quorum arithmetic of striped ledgers: which ensemble positions hold an entry, which
// ensemble an entry belongs to, and when fence responses cover every write set.

import type { Ensemble, LedgerMetadata } from "./metadata.ts";

/** The ensemble positions entry `entryId` is written to: e mod E, e + 1 mod E, … (Qw). */
export function writeSet(entryId: number, ensembleSize: number, writeQuorum: number): number[] {
  const first = entryId % ensembleSize;
  return Array.from({ length: writeQuorum }, (_, k) => (first + k) % ensembleSize);
}

/** The ensemble that holds `entryId`: the last one starting at or before it. */
export function ensembleFor(metadata: LedgerMetadata, entryId: number): Ensemble {
  let found = metadata.ensembles[0]!;
  for (const ensemble of metadata.ensembles) {
    if (ensemble.firstEntryId <= entryId) found = ensemble;
  }
  return found;
}

/** The names of the stores that hold `entryId`, in write-set order. */
export function storesFor(metadata: LedgerMetadata, entryId: number): string[] {
  const { stores } = ensembleFor(metadata, entryId);
  return writeSet(entryId, metadata.ensembleSize, metadata.writeQuorum).map((at) => stores[at]!);
}

/**
 * Whether the positions that answered cover every write set with at least Qw - Qa + 1
 * members: then no write set has Qa members left that a writer could still reach, so
 * no entry can be acknowledged any more.
 */
export function coversEveryWriteSet(
  metadata: LedgerMetadata,
  answered: ReadonlySet<number>,
): boolean {
  const { ensembleSize: e, writeQuorum: qw, ackQuorum: qa } = metadata;
  for (let first = 0; first < e; first++) {
    const members = writeSet(first, e, qw).filter((at) => answered.has(at)).length;
    if (members < qw - qa + 1) return false;
  }
  return true;
}
