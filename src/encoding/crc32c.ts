// CRC-32C (Castagnoli), the checksum on every record, block and metadata file, plus
// LevelDB's masking for CRCs that are stored next to the data they cover.
//
// Slicing-by-16: sixteen 256-entry tables let the main loop fold 16 input bytes per step.
// On little-endian hosts the loop reads aligned 32-bit words through one Int32Array view
// per call; short inputs, the unaligned head, the tail and big-endian hosts go byte by byte.

/** The reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;
/** Added after rotation by {@linkcode maskCrc32c}, as in LevelDB's `crc32c::Mask`. */
const MASK_DELTA = 0xa282ead8;
/** Inputs shorter than this skip the word loop and its view allocation. */
const WORD_LOOP_MIN = 64;

/** Table k (at k * 256) holds the CRC register step for a byte followed by k zero bytes. */
const TABLES: Int32Array = buildTables();
const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function buildTables(): Int32Array {
  const t = new Int32Array(256 * 16);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 16; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/** Folds `data[start..end)` into the (inverted) running register `c`, one byte at a time. */
function updateBytes(c: number, data: Uint8Array, start: number, end: number): number {
  const t = TABLES;
  for (let i = start; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/** Folds the aligned word view `w` (a whole number of 16-byte blocks) into `c`. */
function updateWords(c: number, w: Int32Array): number {
  const t = TABLES;
  const n = w.length;
  for (let j = 0; j < n; j += 4) {
    const a = c ^ w[j]!;
    const b = w[j + 1]!;
    const d = w[j + 2]!;
    const e = w[j + 3]!;
    c = t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^ t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^ t[2560 + ((b >>> 8) & 0xff)]! ^
      t[2304 + ((b >>> 16) & 0xff)]! ^ t[2048 + (b >>> 24)]! ^
      t[1792 + (d & 0xff)]! ^ t[1536 + ((d >>> 8) & 0xff)]! ^
      t[1280 + ((d >>> 16) & 0xff)]! ^ t[1024 + (d >>> 24)]! ^
      t[768 + (e & 0xff)]! ^ t[512 + ((e >>> 8) & 0xff)]! ^
      t[256 + ((e >>> 16) & 0xff)]! ^ t[e >>> 24]!;
  }
  return c;
}

/**
 * Computes the CRC-32C (Castagnoli) checksum of `data`, or extends a running one so that
 * `crc32c(b, crc32c(a))` equals the checksum of `a` followed by `b`.
 *
 * @param data The bytes to checksum; any byte offset and length.
 * @param crc A checksum returned by an earlier call, to continue from; 0 starts afresh.
 * @returns The checksum as an unsigned 32-bit integer.
 *
 * @example Checking the RFC 3720 check value
 * ```ts
 * import { crc32c } from "./crc32c.ts";
 * import assert from "node:assert/strict";
 *
 * const digits = new TextEncoder().encode("123456789");
 * assert.equal(crc32c(digits), 0xe3069283);
 * assert.equal(crc32c(digits.subarray(4), crc32c(digits.subarray(0, 4))), 0xe3069283);
 * ```
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc;
  const n = data.length;
  if (n < WORD_LOOP_MIN || !LITTLE_ENDIAN) return ~updateBytes(c, data, 0, n) >>> 0;
  const head = (4 - (data.byteOffset & 3)) & 3;
  c = updateBytes(c, data, 0, head);
  const blocks = (n - head) >>> 4;
  c = updateWords(c, new Int32Array(data.buffer, data.byteOffset + head, blocks * 4));
  return ~updateBytes(c, data, head + blocks * 16, n) >>> 0;
}

/**
 * Masks a CRC before it is stored, as LevelDB does: computing the CRC of bytes that
 * contain embedded CRCs is then less likely to yield a degenerate result.
 *
 * @param crc An unsigned 32-bit CRC from {@linkcode crc32c}.
 * @returns The masked CRC as an unsigned 32-bit integer.
 *
 * @example Masking and unmasking a checksum
 * ```ts
 * import { crc32c, maskCrc32c, unmaskCrc32c } from "./crc32c.ts";
 * import assert from "node:assert/strict";
 *
 * const crc = crc32c(new TextEncoder().encode("record"));
 * assert.notEqual(maskCrc32c(crc), crc);
 * assert.equal(unmaskCrc32c(maskCrc32c(crc)), crc);
 * ```
 */
export function maskCrc32c(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/**
 * Recovers the CRC that {@linkcode maskCrc32c} masked.
 *
 * @param masked A masked CRC as read from storage.
 * @returns The original CRC as an unsigned 32-bit integer.
 *
 * @example Reading back a stored checksum
 * ```ts
 * import { maskCrc32c, unmaskCrc32c } from "./crc32c.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(unmaskCrc32c(maskCrc32c(0xe3069283)), 0xe3069283);
 * ```
 */
export function unmaskCrc32c(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
