// A bloom filter over user keys, one per table. A key's 32-bit hash h (xxHash32, seed
// 0xbc9f1d34) gives k probe positions by double hashing modulo the bit count m:
//   p_0 = h mod m,  d = fmix32(h) mod m (1 if that is 0),  p_i = (p_{i-1} + d) mod m
// where fmix32 is MurmurHash3's 32-bit finalizer. (LevelDB adds d to h modulo 2^32 and
// only then reduces modulo m; that measured 1.27 % false positives at 10 bits per key
// here, against 0.79 % for this scheme and 0.82 % in theory.) Layout of the filter
// block's contents (docs/table_format.md, "Filter block"):
//
//   +---------------------------------------------------------------+-------+
//   | bit array: m / 8 bytes; position p is bit (p mod 8) of byte p / 8 | k (1) |
//   +---------------------------------------------------------------+-------+

/** Bits per key unless told otherwise: about 1 % false positives. */
export const DEFAULT_BLOOM_BITS_PER_KEY = 10;
/** The seed of the key hash. */
const HASH_SEED = 0xbc9f1d34;
/** The fewest bits a filter has, so that tiny tables do not get useless filters. */
const MIN_BITS = 64;
/** The most bytes a filter's bit array has, so positions stay below 2^32 (512 MiB). */
const MAX_BYTES = 2 ** 29 - 1;
/** The most probes per key. */
export const MAX_PROBES = 30;

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function word(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** MurmurHash3's 32-bit finalizer: a bijection that mixes every bit into every other. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The step between probe positions for hash `h` in a filter of `bits` bits. */
function probeStep(h: number, bits: number): number {
  return fmix32(h) % bits || 1;
}

/**
 * xxHash32 of `bytes`.
 *
 * @param bytes The bytes to hash.
 * @param seed The seed; the filter uses 0xbc9f1d34.
 * @returns The hash as an unsigned 32-bit integer.
 */
export function xxHash32(bytes: Uint8Array, seed: number = HASH_SEED): number {
  const n = bytes.length;
  let i = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (; i + 16 <= n; i += 16) {
      v1 = Math.imul(rotl((v1 + Math.imul(word(bytes, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(word(bytes, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(word(bytes, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(word(bytes, i + 12), P2)) | 0, 13), P1);
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + n) | 0;
  for (; i + 4 <= n; i += 4) h = Math.imul(rotl((h + Math.imul(word(bytes, i), P3)) | 0, 17), P4);
  for (; i < n; i++) h = Math.imul(rotl((h + Math.imul(bytes[i]!, P5)) | 0, 11), P1);
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The number of probes for a bits-per-key setting: round(bitsPerKey * ln 2), from 1 to 30.
 *
 * @param bitsPerKey Filter bits per key, at least 1.
 * @returns The number of probes.
 */
export function probesFor(bitsPerKey: number): number {
  return Math.min(MAX_PROBES, Math.max(1, Math.round(bitsPerKey * Math.LN2)));
}

/**
 * Collects key hashes and encodes them as one filter. The legal call order: `add()` any
 * number of times, then `finish()` once.
 */
export class BloomFilterBuilder {
  readonly #bitsPerKey: number;
  #hashes: Uint32Array = new Uint32Array(1024);
  #count = 0;

  /**
   * Makes an empty builder.
   *
   * @param bitsPerKey Filter bits per key, an integer from 1 to 1000.
   * @throws {RangeError} If `bitsPerKey` is out of range.
   */
  constructor(bitsPerKey: number = DEFAULT_BLOOM_BITS_PER_KEY) {
    if (!Number.isInteger(bitsPerKey) || bitsPerKey < 1 || bitsPerKey > 1000) {
      throw new RangeError(`Bloom bits per key ${bitsPerKey} is not an integer from 1 to 1000`);
    }
    this.#bitsPerKey = bitsPerKey;
  }

  /** Adds a key (its hash; the key is not retained). Adding a key twice is harmless. */
  add(key: Uint8Array): void {
    if (this.#count === this.#hashes.length) {
      const grown = new Uint32Array(this.#hashes.length * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[this.#count++] = xxHash32(key);
  }

  /**
   * Encodes the filter.
   *
   * @returns A new array: the bit array, then the probe count.
   */
  finish(): Uint8Array {
    const k = probesFor(this.#bitsPerKey);
    const bytes = Math.min(
      MAX_BYTES,
      Math.ceil(Math.max(MIN_BITS, this.#count * this.#bitsPerKey) / 8),
    );
    const bits = bytes * 8;
    const out = new Uint8Array(bytes + 1);
    for (let i = 0; i < this.#count; i++) {
      const h = this.#hashes[i]!;
      const step = probeStep(h, bits);
      let position = h % bits;
      for (let j = 0; j < k; j++) {
        out[position >>> 3] = out[position >>> 3]! | (1 << (position & 7));
        position += step;
        if (position >= bits) position -= bits;
      }
    }
    out[bytes] = k;
    return out;
  }
}

/** A filter read back from a table. */
export class BloomFilter {
  readonly #bits: Uint8Array;
  readonly #bitCount: number;
  readonly #probes: number;

  /**
   * Wraps encoded filter contents.
   *
   * @param contents What {@linkcode BloomFilterBuilder.finish} returned; borrowed.
   * @throws {RangeError} If the contents are too short or the probe count is not 1 to 30.
   */
  constructor(contents: Uint8Array) {
    if (contents.length < 2 || contents.length > MAX_BYTES + 1) {
      throw new RangeError(`Bloom filter of ${contents.length} bytes is not 2 bytes to 512 MiB`);
    }
    const probes = contents[contents.length - 1]!;
    if (probes < 1 || probes > MAX_PROBES) {
      throw new RangeError(`Bloom filter probe count ${probes} is not from 1 to ${MAX_PROBES}`);
    }
    this.#bits = contents.subarray(0, contents.length - 1);
    this.#bitCount = this.#bits.length * 8;
    this.#probes = probes;
  }

  /**
   * Tells whether `key` may have been added: false means it certainly was not.
   *
   * @param key A user key.
   * @returns `false` only for keys never added.
   */
  mayContain(key: Uint8Array): boolean {
    const h = xxHash32(key);
    const bitCount = this.#bitCount;
    const step = probeStep(h, bitCount);
    const bits = this.#bits;
    let position = h % bitCount;
    for (let j = 0; j < this.#probes; j++) {
      if ((bits[position >>> 3]! & (1 << (position & 7))) === 0) return false;
      position += step;
      if (position >= bitCount) position -= bitCount;
    }
    return true;
  }
}
