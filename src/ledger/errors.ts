/**
 * The errors of the ledger module: states of ledgers and entries on a store, and the
 * quorum client's failures. All extend {@linkcode CairnError}; bad arguments raise
 * `TypeError` or `RangeError` instead.
 *
 * @module
 */

import { CairnError } from "../errors.ts";

/**
 * A write was refused because the ledger is fenced: a recovery has started, so the
 * writer that opened the ledger may no longer add to it.
 *
 * @example
 * ```ts
 * import { LedgerFencedError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * const error = new LedgerFencedError(7);
 * assert.equal(error.ledgerId, 7);
 * assert.match(error.message, /Ledger 7 is fenced/);
 * ```
 */
export class LedgerFencedError extends CairnError {
  /** The ledger's id. */
  readonly ledgerId: number;

  /**
   * Makes a fenced error.
   *
   * @param ledgerId The ledger's id.
   * @param options `cause`: the error underneath, if any.
   */
  constructor(ledgerId: number, options?: ErrorOptions) {
    super(`Ledger ${ledgerId} is fenced`, options);
    this.ledgerId = ledgerId;
  }
}

/**
 * A write was refused because the ledger is closed: it is read only.
 *
 * @example
 * ```ts
 * import { LedgerClosedError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new LedgerClosedError(3).ledgerId, 3);
 * ```
 */
export class LedgerClosedError extends CairnError {
  /** The ledger's id. */
  readonly ledgerId: number;

  /**
   * Makes a closed error.
   *
   * @param ledgerId The ledger's id.
   */
  constructor(ledgerId: number) {
    super(`Ledger ${ledgerId} is closed`);
    this.ledgerId = ledgerId;
  }
}

/**
 * The ledger does not exist (on this store, or in the metadata store).
 *
 * @example
 * ```ts
 * import { NoSuchLedgerError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * assert.match(new NoSuchLedgerError(9).message, /No ledger 9/);
 * ```
 */
export class NoSuchLedgerError extends CairnError {
  /** The ledger's id. */
  readonly ledgerId: number;

  /**
   * Makes a no-such-ledger error.
   *
   * @param ledgerId The ledger's id.
   */
  constructor(ledgerId: number) {
    super(`No ledger ${ledgerId}`);
    this.ledgerId = ledgerId;
  }
}

/**
 * A ledger with this id exists already, or is still being deleted.
 *
 * @example
 * ```ts
 * import { LedgerExistsError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new LedgerExistsError(2).ledgerId, 2);
 * ```
 */
export class LedgerExistsError extends CairnError {
  /** The ledger's id. */
  readonly ledgerId: number;

  /**
   * Makes a ledger-exists error.
   *
   * @param ledgerId The ledger's id.
   * @param detail Why the id is taken.
   */
  constructor(ledgerId: number, detail = "exists already") {
    super(`Ledger ${ledgerId} ${detail}`);
    this.ledgerId = ledgerId;
  }
}

/**
 * The entry is not held: this store never received it (a store holds only the entries
 * whose write set it is in), or it lies beyond what a reader may see.
 *
 * @example
 * ```ts
 * import { NoSuchEntryError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * const error = new NoSuchEntryError(4, 100);
 * assert.equal(error.entryId, 100);
 * ```
 */
export class NoSuchEntryError extends CairnError {
  /** The ledger's id. */
  readonly ledgerId: number;
  /** The entry's id. */
  readonly entryId: number;

  /**
   * Makes a no-such-entry error.
   *
   * @param ledgerId The ledger's id.
   * @param entryId The entry's id.
   * @param detail Why it is not there.
   */
  constructor(ledgerId: number, entryId: number, detail = "is not held") {
    super(`Entry ${entryId} of ledger ${ledgerId} ${detail}`);
    this.ledgerId = ledgerId;
    this.entryId = entryId;
  }
}

/**
 * An entry id was added again with other bytes than it holds. Re-adding the same bytes
 * succeeds: adds are idempotent.
 *
 * @example
 * ```ts
 * import { EntryConflictError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * assert.match(new EntryConflictError(1, 5).message, /other bytes/);
 * ```
 */
export class EntryConflictError extends CairnError {
  /** The ledger's id. */
  readonly ledgerId: number;
  /** The entry's id. */
  readonly entryId: number;

  /**
   * Makes a conflict error.
   *
   * @param ledgerId The ledger's id.
   * @param entryId The entry's id.
   */
  constructor(ledgerId: number, entryId: number) {
    super(`Entry ${entryId} of ledger ${ledgerId} is held with other bytes`);
    this.ledgerId = ledgerId;
    this.entryId = entryId;
  }
}

/**
 * A compare-and-set on ledger metadata found another version than the one expected.
 *
 * @example
 * ```ts
 * import { LedgerMetadataVersionError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * const error = new LedgerMetadataVersionError(1, 3, 4);
 * assert.equal(error.actual, 4);
 * ```
 */
export class LedgerMetadataVersionError extends CairnError {
  /** The ledger's id. */
  readonly ledgerId: number;
  /** The version the caller expected. */
  readonly expected: number;
  /** The version stored (-1 when there is no metadata). */
  readonly actual: number;

  /**
   * Makes a version error.
   *
   * @param ledgerId The ledger's id.
   * @param expected The version the caller expected.
   * @param actual The version stored, -1 when none.
   */
  constructor(ledgerId: number, expected: number, actual: number) {
    super(
      `Metadata of ledger ${ledgerId} is at version ${actual}, not the expected ${expected}`,
    );
    this.ledgerId = ledgerId;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The quorum client could not reach enough stores: an add could not get its ack quorum
 * and no spare store could replace a failed one, or a recovery could not fence, read or
 * re-replicate on enough stores. `cause` holds the last store error; the operation can
 * be retried once stores are back.
 *
 * @example
 * ```ts
 * import { NotEnoughStoresError } from "@cairn/cairn/ledger";
 * import assert from "node:assert/strict";
 *
 * const error = new NotEnoughStoresError("No spare store", { cause: new Error("EIO") });
 * assert.ok(error.cause instanceof Error);
 * ```
 */
export class NotEnoughStoresError extends CairnError {}
