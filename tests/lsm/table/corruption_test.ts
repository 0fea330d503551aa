import assert from "node:assert/strict";
import { CorruptionError } from "../../../src/errors.ts";
import { Kind, MAX_SEQUENCE } from "../../../src/lsm/_internal_key.ts";
import { decodeFooter, FOOTER_SIZE, readHandle } from "../../../src/lsm/table/_format.ts";
import { BlockIterator, parseBlock } from "../../../src/lsm/table/block.ts";
import { BlockCache } from "../../../src/lsm/table/block_cache.ts";
import type { TableReader } from "../../../src/lsm/table/table_reader.ts";
import { MemVfs } from "../../../src/vfs/mem_vfs.ts";
import { Prng } from "../../_helpers/prng.ts";
import { cutFile, flipByte } from "../../_helpers/rewrite_file.ts";
import { fileContents } from "../../_helpers/vfs_contents.ts";
import { type Entry, randomEntries, randomKeys } from "./_model.ts";
import { openTable, TABLE_PATH, writeTable } from "./_table.ts";

/** Where each part of a table file lies. */
interface Layout {
  size: number;
  data: number[];
  filter: number;
  properties: number;
  index: number;
  footer: number;
}

function layoutOf(vfs: MemVfs): Layout {
  const bytes = fileContents(vfs, TABLE_PATH);
  const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE));
  if (typeof footer === "string") throw new Error(footer);
  const { index } = footer;
  const it = new BlockIterator(
    parseBlock(bytes.subarray(index.offset, index.offset + index.size), TABLE_PATH, index.offset),
  );
  const data: number[] = [];
  const handle = { offset: 0, size: 0 };
  for (it.seekToFirst(); it.valid(); it.next()) {
    readHandle(it.value(), handle);
    data.push(handle.offset);
  }
  return {
    size: bytes.length,
    data,
    filter: footer.filter.offset,
    properties: footer.properties.offset,
    index: index.offset,
    footer: bytes.length - FOOTER_SIZE,
  };
}

/** The offset a CorruptionError must name for damage at byte `at`. */
function regionOf(layout: Layout, at: number): number {
  if (at >= layout.footer) return layout.footer;
  const starts = [0, ...layout.data, layout.filter, layout.properties, layout.index];
  let region = 0;
  for (const start of starts) if (start <= at) region = start;
  return region;
}

function corruptionAt(offset: number, note = "") {
  return (error: unknown): boolean => {
    assert.ok(error instanceof CorruptionError, `${note}: not a CorruptionError: ${error}`);
    assert.equal(error.file, TABLE_PATH, note);
    assert.equal(error.offset, offset, `${note}: ${error.message}`);
    return true;
  };
}

/** Reads every entry through a fresh iterator and every key through get(). */
function readAll(reader: TableReader, entries: Entry[]): void {
  const it = reader.iterator();
  let n = 0;
  for (it.seekToFirst(); it.valid(); it.next()) {
    const e = entries[n++]!;
    assert.deepEqual([it.key(), it.seq(), it.kind(), it.value()], [e.key, e.seq, e.kind, e.value]);
  }
  assert.equal(n, entries.length);
  for (const e of entries) assert.deepEqual(reader.get(e.key, e.seq)?.value, e.value);
  it.close();
}

async function sampleTable(seed: number, keys = 400): Promise<[MemVfs, Entry[], Layout]> {
  const prng = new Prng(seed);
  const entries = randomEntries(prng, randomKeys(prng, keys), 2);
  const vfs = new MemVfs();
  await writeTable(vfs, entries, { blockSize: 512 });
  return [vfs, entries, layoutOf(vfs)];
}

Deno.test("A flipped byte in a data block raises CorruptionError at the block's offset when read", async () => {
  const [vfs, entries, layout] = await sampleTable(31);
  const block = layout.data[3]!;
  await flipByte(vfs, TABLE_PATH, block + 20);
  const cache = new BlockCache(1 << 20);
  const reader = openTable(vfs, cache); // data blocks are not read at open
  assert.throws(() => readAll(reader, entries), corruptionAt(block));
  // Blocks before it read fine; the damaged block is never cached.
  const it = reader.iterator();
  it.seekToFirst();
  assert.deepEqual(it.key(), entries[0]!.key);
  assert.throws(() => {
    for (it.seekToLast(); it.valid(); it.prev()) it.value();
  }, corruptionAt(block));
  assert.throws(() => {
    for (const e of entries) reader.get(e.key, MAX_SEQUENCE);
  }, corruptionAt(block));
  assert.equal(cache.get(42, block), undefined);
  reader.close();
});

Deno.test("A damaged block trailer (type or checksum) raises CorruptionError at the block's offset", async () => {
  const [vfs, entries, layout] = await sampleTable(32);
  const block = layout.data[1]!;
  const next = layout.data[2]!;
  for (const at of [next - 5, next - 1]) {
    await flipByte(vfs, TABLE_PATH, at);
    const reader = openTable(vfs);
    assert.throws(() => readAll(reader, entries), corruptionAt(block, `byte ${at}`));
    reader.close();
    await flipByte(vfs, TABLE_PATH, at);
  }
});

for (const part of ["filter", "properties", "index", "footer", "header"] as const) {
  Deno.test(`A flipped byte in the ${part} makes TableReader.open() raise CorruptionError at its offset`, async () => {
    const [vfs, , layout] = await sampleTable(33);
    const start = part === "header" ? 0 : layout[part];
    for (const delta of [0, 5, 11]) {
      await flipByte(vfs, TABLE_PATH, start + delta);
      assert.throws(() => openTable(vfs), corruptionAt(start, `${part} + ${delta}`));
      await flipByte(vfs, TABLE_PATH, start + delta);
    }
    openTable(vfs).close();
  });
}

Deno.test("A truncated table makes TableReader.open() raise CorruptionError at the footer's place", async () => {
  const [vfs, , layout] = await sampleTable(34);
  const original = fileContents(vfs, TABLE_PATH);
  for (
    const size of [layout.size - 1, layout.size - FOOTER_SIZE, layout.index + 3, 700, 79, 10, 0]
  ) {
    await cutFile(vfs, TABLE_PATH, size);
    const expected = Math.max(0, size - FOOTER_SIZE);
    assert.throws(() => openTable(vfs), corruptionAt(expected, `cut to ${size} bytes`));
    await cutFile(vfs, TABLE_PATH, 0);
    const file = vfs.open(TABLE_PATH);
    file.append(original);
    file.close();
  }
});

Deno.test("Every single flipped byte of a table is reported at the right offset, never read as data", async () => {
  const seed = 35;
  const prng = new Prng(seed);
  const entries = randomEntries(prng, randomKeys(prng, 30), 2);
  entries.push({
    key: new Uint8Array([0xff, 0xff]),
    seq: 1,
    kind: Kind.PUT,
    value: new Uint8Array(3),
  });
  const vfs = new MemVfs();
  await writeTable(vfs, entries, { blockSize: 200, restartInterval: 3 });
  const layout = layoutOf(vfs);
  assert.ok(layout.data.length >= 3, `seed ${seed}: ${layout.data.length} data blocks`);
  for (let at = 0; at < layout.size; at++) {
    await flipByte(vfs, TABLE_PATH, at);
    assert.throws(() => {
      const reader = openTable(vfs);
      try {
        readAll(reader, entries);
      } finally {
        reader.close();
      }
    }, corruptionAt(regionOf(layout, at), `seed ${seed}: byte ${at}`));
    await flipByte(vfs, TABLE_PATH, at);
  }
});
