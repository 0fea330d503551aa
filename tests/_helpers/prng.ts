// A small seeded pseudo-random generator (mulberry32) for randomized tests: the same seed
// always yields the same sequence, so a failing run can be replayed from its printed seed.

/** Deterministic pseudo-random numbers from a 32-bit seed. Not for cryptography. */
export class Prng {
  #state: number;

  /**
   * Starts the sequence for `seed`.
   *
   * @param seed Any number; it is reduced to an unsigned 32-bit integer.
   */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /**
   * Returns the next value.
   *
   * @returns An unsigned 32-bit integer.
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * Returns a float in [0, 1).
   *
   * @returns A multiple of 2^-32 from 0 up to but not including 1.
   */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /**
   * Returns an integer in [0, maxExclusive).
   *
   * @param maxExclusive The bound, an integer from 1 to 2^53.
   * @returns An integer from 0 to `maxExclusive - 1`.
   * @throws {RangeError} If `maxExclusive` is not an integer from 1 to 2^53.
   */
  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > 2 ** 53) {
      throw new RangeError(`Bound ${maxExclusive} is not an integer from 1 to 2^53`);
    }
    if (maxExclusive <= 0x1_0000_0000) return Math.floor(this.float() * maxExclusive);
    const wide = this.next() * 0x20_0000 + (this.next() >>> 11); // 53 random bits
    return Math.floor((wide / 2 ** 53) * maxExclusive);
  }

  /**
   * Returns `n` random bytes.
   *
   * @param n How many bytes.
   * @returns A new array of length `n`.
   */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let word = this.next();
      for (let j = i; j < i + 4 && j < n; j++) {
        out[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }
}
