// The comparison's data: db_bench's 16-byte keys and 100-byte random values, from a seeded
// generator so that every store (each in its own process) sees the same keys in the same order.

import { Prng } from "../../tests/_helpers/prng.ts";

/** Key and value sizes of every workload. */
export const KEY_BYTES = 16;
export const VALUE_BYTES = 100;

/** Keys, orders and values for one run of `num` keys. */
export class BenchData {
  /** Keys in ascending order: the index written as 16 decimal digits. */
  readonly keys: Uint8Array[];
  readonly #prng = new Prng(0x2545f491);
  readonly #pool: Uint8Array;

  constructor(num: number) {
    const encoder = new TextEncoder();
    this.keys = Array.from({ length: num }, (_, i) => encoder.encode(String(i).padStart(16, "0")));
    this.#pool = Uint8Array.from({ length: 1 << 20 }, () => this.#prng.int(256));
  }

  /** A fresh random value (a view of a random place in a random pool). */
  value(): Uint8Array {
    const start = this.#prng.int(this.#pool.length - VALUE_BYTES);
    return this.#pool.subarray(start, start + VALUE_BYTES);
  }

  /** A random existing key. */
  randomKey(): Uint8Array {
    return this.keys[this.#prng.int(this.keys.length)]!;
  }

  /** Every key once, in a random order. */
  shuffledKeys(): Uint8Array[] {
    const keys = [...this.keys];
    for (let i = keys.length - 1; i > 0; i--) {
      const j = this.#prng.int(i + 1);
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    return keys;
  }
}
