// Argument checks shared by the ledger store and the quorum client.

import type { AddEntryOptions, WaitForEntryOptions } from "./types.ts";

/** The highest entry id (one less than the largest safe integer, so that id + 1 is safe). */
export const MAX_ENTRY_ID = Number.MAX_SAFE_INTEGER - 1;

/**
 * Checks a ledger id: an integer from 0 to 2^53 - 1.
 *
 * @throws {TypeError} When it is not a number.
 * @throws {RangeError} When it is out of range.
 */
export function checkLedgerId(value: unknown): asserts value is number {
  if (typeof value !== "number") throw new TypeError("Ledger id must be a number");
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Ledger id must be an integer from 0 to 2^53 - 1, got ${value}`);
  }
}

/**
 * Checks an entry id: an integer from 0 to 2^53 - 2, or from -1 when `allowNone`.
 *
 * @throws {TypeError} When it is not a number.
 * @throws {RangeError} When it is out of range.
 */
export function checkEntryId(
  value: unknown,
  name = "Entry id",
  allowNone = false,
): asserts value is number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number`);
  const low = allowNone ? -1 : 0;
  if (!Number.isSafeInteger(value) || value < low || value > MAX_ENTRY_ID) {
    throw new RangeError(`${name} must be an integer from ${low} to 2^53 - 2, got ${value}`);
  }
}

/**
 * Checks an optional boolean option.
 *
 * @throws {TypeError} When it is set and not a boolean.
 */
export function checkFlag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`Option ${name} must be a boolean`);
  return value;
}

/**
 * Checks an options argument.
 *
 * @throws {TypeError} When it is not an object.
 */
export function checkOptionsObject(value: unknown): void {
  if (typeof value !== "object" || value === null) {
    throw new TypeError("Options must be an object");
  }
}

/**
 * Checks a payload.
 *
 * @throws {TypeError} When it is not a `Uint8Array`.
 * @throws {RangeError} When it is larger than `maxSize`.
 */
export function checkPayload(payload: unknown, maxSize: number): asserts payload is Uint8Array {
  if (!(payload instanceof Uint8Array)) throw new TypeError("Payload must be a Uint8Array");
  if (payload.length > maxSize) {
    throw new RangeError(`Payload of ${payload.length} bytes exceeds the maximum of ${maxSize}`);
  }
}

/**
 * Checks the options of an add.
 *
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When `lac` is out of range.
 */
export function checkAddOptions(
  options: AddEntryOptions,
): { lac: number; recovery: boolean; create: boolean } {
  checkOptionsObject(options);
  const lac = options.lac ?? -1;
  checkEntryId(lac, "Option lac", true);
  return {
    lac,
    recovery: checkFlag(options.recovery, "recovery"),
    create: checkFlag(options.create, "create"),
  };
}

/**
 * Checks the options of a long poll.
 *
 * @throws {TypeError} When `signal` is not an AbortSignal.
 * @throws {RangeError} When `timeoutMs` is negative or NaN.
 * @throws {unknown} The signal's reason when it is aborted already.
 */
export function checkWaitOptions(
  options: WaitForEntryOptions,
): { timeout: number; signal: AbortSignal | undefined } {
  checkOptionsObject(options);
  const timeout = options.timeoutMs ?? Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`Option timeoutMs must be a number of at least 0, got ${timeout}`);
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("Option signal must be an AbortSignal");
  }
  signal?.throwIfAborted();
  return { timeout, signal };
}
