// The user-facing scan over an internal iterator: shows, for each user key, the newest
// version at or below the read sequence, hides deletes and older versions, and applies
// bounds, prefix, direction, limit and keysOnly.

import { compareBytes, equalBytes } from "../encoding/bytes.ts";
import type { InternalIterator } from "./_iterator.ts";
import { Kind, MAX_SEQUENCE } from "./_internal_key.ts";

/** One end of a key range. */
export interface Bound {
  key: Uint8Array;
  inclusive: boolean;
}

/** What a scan reads. */
export interface ScanPlan {
  lower: Bound | undefined;
  upper: Bound | undefined;
  reverse: boolean;
  limit: number;
  keysOnly: boolean;
  sequence: number;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Yields `[key, value]` pairs of `source` as the plan says; the arrays are the caller's.
 * REQUIRES: `source` stays usable until the generator ends (the caller pins what it reads
 * and closes it afterwards).
 */
export function* scanEntries(
  source: InternalIterator,
  plan: ScanPlan,
): Generator<[Uint8Array, Uint8Array]> {
  if (plan.limit <= 0) return;
  let count = 0;
  if (!plan.reverse) {
    for (const entry of forward(source, plan)) {
      yield entry;
      if (++count >= plan.limit) return;
    }
  } else {
    for (const entry of backward(source, plan)) {
      yield entry;
      if (++count >= plan.limit) return;
    }
  }
}

function* forward(it: InternalIterator, plan: ScanPlan): Generator<[Uint8Array, Uint8Array]> {
  const { lower, upper, sequence, keysOnly } = plan;
  if (lower === undefined) it.seekToFirst();
  else it.seek(lower.key, MAX_SEQUENCE);
  if (lower !== undefined && !lower.inclusive) {
    while (it.valid() && equalBytes(it.key(), lower.key)) it.next();
  }
  while (it.valid()) {
    if (upper !== undefined) {
      const order = compareBytes(it.key(), upper.key);
      if (order > 0 || (order === 0 && !upper.inclusive)) return;
    }
    if (it.seq() > sequence) {
      it.next();
      continue;
    }
    const key = it.key().slice();
    if (it.kind() === Kind.PUT) yield [key, keysOnly ? EMPTY : it.value().slice()];
    it.next();
    while (it.valid() && equalBytes(it.key(), key)) it.next();
  }
}

function* backward(it: InternalIterator, plan: ScanPlan): Generator<[Uint8Array, Uint8Array]> {
  const { lower, upper, sequence, keysOnly } = plan;
  if (upper === undefined) it.seekToLast();
  else it.seekForPrev(upper.key, 0);
  if (upper !== undefined && !upper.inclusive) {
    while (it.valid() && equalBytes(it.key(), upper.key)) it.prev();
  }
  while (it.valid()) {
    if (lower !== undefined) {
      const order = compareBytes(it.key(), lower.key);
      if (order < 0 || (order === 0 && !lower.inclusive)) return;
    }
    const key = it.key().slice();
    let kind = -1;
    let value = EMPTY;
    // Going backward, a key's versions come oldest first: the last visible one is newest.
    while (it.valid() && equalBytes(it.key(), key)) {
      if (it.seq() <= sequence) {
        kind = it.kind();
        value = keysOnly || kind !== Kind.PUT ? EMPTY : it.value();
        if (!keysOnly && kind === Kind.PUT) value = value.slice();
      }
      it.prev();
    }
    if (kind === Kind.PUT) yield [key, value];
  }
}
