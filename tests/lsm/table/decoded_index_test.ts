import assert from "node:assert/strict";
import { Kind } from "../../../src/lsm/_internal_key.ts";
import { DecodedIndex } from "../../../src/lsm/table/_decoded_index.ts";
import { type BlockHandle, handleLength, writeHandle } from "../../../src/lsm/table/_format.ts";
import { BlockIterator, parseBlock } from "../../../src/lsm/table/block.ts";
import { BlockBuilder } from "../../../src/lsm/table/block_builder.ts";
import { Buffer } from "node:buffer";
import { Prng } from "../../_helpers/prng.ts";

Deno.test("DecodedIndex.find() picks the block an index block seek picks", () => {
  const prng = new Prng(17);
  const keys = Array.from(
    { length: 300 },
    () => Uint8Array.from({ length: 1 + prng.int(6) }, () => prng.int(4)),
  )
    .sort((a, b) => Buffer.compare(a, b))
    .filter((key, i, all) => i === 0 || Buffer.compare(all[i - 1]!, key) !== 0);
  // Index entries: each key with a sequence, a few keys twice (sequences descending).
  const builder = new BlockBuilder(4);
  let offset = 0;
  for (const key of keys) {
    const versions = prng.int(4) === 0 ? [900, 100] : [500];
    for (const seq of versions) {
      const handle: BlockHandle = { offset, size: 100 + prng.int(4000) };
      offset += handle.size + 5;
      const value = new Uint8Array(handleLength(handle));
      writeHandle(value, 0, handle);
      builder.add(key, seq, Kind.PUT, value);
    }
  }
  const block = parseBlock(builder.finish().slice(), "/index", 0);
  const decoded = DecodedIndex.decode(block);
  const seek = new BlockIterator(block);
  const found: BlockHandle = { offset: -1, size: -1 };
  for (let probe = 0; probe < 2000; probe++) {
    const key = Uint8Array.from({ length: prng.int(8) }, () => prng.int(5));
    const seq = [0, 100, 300, 500, 700, 900, 1000][prng.int(7)]!;
    seek.seek(key, seq);
    const hit = decoded.find(key, seq, found);
    assert.equal(hit, seek.valid(), `probe ${probe}`);
    if (hit) assert.deepEqual(seek.value(), handleBytes(found), `probe ${probe}`);
  }
});

function handleBytes(handle: BlockHandle): Uint8Array {
  const out = new Uint8Array(handleLength(handle));
  writeHandle(out, 0, handle);
  return out;
}
