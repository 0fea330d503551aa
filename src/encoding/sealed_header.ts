// The header every Cairn file starts with: an 8-byte magic, a 16-bit format version, then
// fields of the file's own, sealed by the masked CRC32C of all the bytes before it.
//
//   +-----------+-------------+---------------------+------------------------------+
//   | magic (8) | version u16 | the format's fields | masked CRC32C of the bytes   |
//   |           |             |                     | before it (u32)              |
//   +-----------+-------------+---------------------+------------------------------+

import { crc32c, maskCrc32c, unmaskCrc32c } from "./crc32c.ts";
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from "./fixed.ts";

/**
 * Starts a header: zeroes `out[0..crcOffset + 4)`, then writes the magic and the version.
 * The caller writes its fields, then calls {@linkcode sealHeader}.
 *
 * REQUIRES: `magic` is 8 bytes; `crcOffset >= 10`; room for the CRC after it.
 */
export function startHeader(
  out: Uint8Array,
  magic: Uint8Array,
  version: number,
  crcOffset: number,
): void {
  out.fill(0, 0, crcOffset + 4);
  out.set(magic, 0);
  writeU16LE(out, 8, version);
}

/** Writes the masked CRC32C of `out[0..crcOffset)` at `out[crcOffset]`. */
export function sealHeader(out: Uint8Array, crcOffset: number): void {
  writeU32LE(out, crcOffset, maskCrc32c(crc32c(out.subarray(0, crcOffset))));
}

/**
 * Checks a header's length, magic, CRC and version, in that order.
 *
 * @param what The file kind for the messages, e.g. `"segment"`.
 * @returns `undefined` when all hold, else a sentence saying which check failed.
 */
export function checkHeader(
  bytes: Uint8Array,
  magic: Uint8Array,
  version: number,
  crcOffset: number,
  what: string,
): string | undefined {
  if (bytes.length < crcOffset + 4) return `${what} header is cut short`;
  for (let i = 0; i < magic.length; i++) {
    if (bytes[i] !== magic[i]) return `bad ${what} magic`;
  }
  if (unmaskCrc32c(readU32LE(bytes, crcOffset)) !== crc32c(bytes.subarray(0, crcOffset))) {
    return `${what} header checksum mismatch`;
  }
  const stored = readU16LE(bytes, 8);
  if (stored !== version) return `unsupported ${what} format version ${stored}`;
  return undefined;
}
