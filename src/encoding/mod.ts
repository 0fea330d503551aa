/**
 * The encoding layer under every Cairn format: CRC-32C and its storage mask,
 * little-endian fixed-width integers, LevelDB-style varints, a byte reader and writer,
 * and bytewise comparison. Internal: not exported from the package root.
 *
 * @example Framing a payload with a masked checksum
 * ```ts
 * import { ByteReader, ByteWriter, crc32c, maskCrc32c, unmaskCrc32c } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const payload = new TextEncoder().encode("hello");
 * const frame = new ByteWriter().u32(maskCrc32c(crc32c(payload))).varint(payload.length)
 *   .bytes(payload).finish();
 *
 * const reader = new ByteReader(frame);
 * const crc = unmaskCrc32c(reader.u32());
 * const body = reader.bytes(reader.varint());
 * assert.equal(crc32c(body), crc);
 * ```
 *
 * @module
 */

export { compareBytes, concatBytes, equalBytes, utf8Decode, utf8Encode } from "./bytes.ts";
export { ByteReader } from "./byte_reader.ts";
export { ByteWriter } from "./byte_writer.ts";
export { crc32c, maskCrc32c, unmaskCrc32c } from "./crc32c.ts";
export { readU16LE, readU32LE, readU64LE, writeU16LE, writeU32LE, writeU64LE } from "./fixed.ts";
export { readVarint, varintLength, writeVarint } from "./varint.ts";
