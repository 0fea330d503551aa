import assert from "node:assert/strict";
import { CorruptionError } from "../../src/errors.ts";
import { Db } from "../../src/lsm/db.ts";
import {
  decodeFooter,
  type Footer,
  FOOTER_SIZE,
  HEADER_SIZE,
} from "../../src/lsm/table/_format.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import {
  filesEnding,
  filesStarting,
  flushAndSettle,
  SMALL_OPTIONS,
  text,
} from "../_helpers/db_fixture.ts";
import { testSeed } from "../_helpers/iterator_walk.ts";
import { Prng } from "../_helpers/prng.ts";
import { cutFile, flipByte, rewriteFile } from "../_helpers/rewrite_file.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

const KEYS = 200;
const key = (i: number): string => `key${String(i).padStart(4, "0")}`;
const value = (i: number): string => `value ${i} `.repeat(5);

/** Writes KEYS keys into one level-0 table (many data blocks) and closes the store. */
async function storeWithOneTable(): Promise<{ vfs: MemVfs; table: string; footer: Footer }> {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
    for (let i = 0; i < KEYS; i++) await db.put(key(i), value(i));
    await db.flush();
  }
  const [name] = filesEnding(vfs, "/db", ".sst");
  const table = `/db/${name}`;
  const bytes = fileContents(vfs, table);
  const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE));
  if (typeof footer === "string") throw new Error(footer);
  return { vfs, table, footer };
}

/**
 * Reads every key and scans the store: each read either returns the right value or
 * rejects with a CorruptionError naming `file`. Returns how many reads failed.
 */
async function readAllOrCorruption(db: Db, file: string, where: string): Promise<number> {
  let failures = 0;
  const checkError = (error: unknown, what: string): void => {
    assert.ok(error instanceof CorruptionError, `${what}: ${error} (${where})`);
    assert.equal(error.file, file, `${what} names the file (${where})`);
    assert.ok(Number.isSafeInteger(error.offset) && error.offset >= 0, where);
    failures++;
  };
  for (let i = 0; i < KEYS; i++) {
    try {
      assert.equal(text(await db.get(key(i))), value(i), `${key(i)} (${where})`);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      checkError(error, `get ${key(i)}`);
    }
  }
  for (const reverse of [false, true]) {
    try {
      let count = 0;
      for await (const [k, v] of db.scan({ reverse })) {
        const i = Number(text(k)!.slice(3));
        assert.equal(text(k), key(i), where);
        assert.equal(text(v), value(i), `scan value of ${text(k)} (${where})`);
        count++;
      }
      assert.equal(count, KEYS, `scan saw every key (${where})`);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      checkError(error, `scan reverse=${reverse}`);
    }
  }
  return failures;
}

/** Opens the store; a CorruptionError from the open must name `file`. */
async function openOrCorruption(vfs: MemVfs, file: string, where: string): Promise<Db | undefined> {
  try {
    return await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  } catch (error) {
    assert.ok(error instanceof CorruptionError, `open: ${error} (${where})`);
    assert.equal(error.file, file, where);
    return undefined;
  }
}

Deno.test("Db reports a damaged data block as CorruptionError naming the table and block", async () => {
  const { vfs, table } = await storeWithOneTable();
  await flipByte(vfs, table, HEADER_SIZE + 3);
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  const error = await db.get(key(0)).then(() => undefined, (e) => e);
  assert.ok(error instanceof CorruptionError, String(error));
  assert.equal(error.file, table);
  assert.equal(error.offset, HEADER_SIZE);
  assert.match(error.message, /\.sst at offset 16/);
  assert.equal(text(await db.get(key(KEYS - 1))), value(KEYS - 1), "other blocks still read");
  const failures = await readAllOrCorruption(db, table, "data block");
  assert.ok(failures >= 3, "the first block's keys and both scans fail");
});

for (const part of ["index", "filter", "properties"] as const) {
  Deno.test(`Db reports a damaged ${part} block as CorruptionError naming the table`, async () => {
    const { vfs, table, footer } = await storeWithOneTable();
    const handle = footer[part];
    assert.ok(handle.size > 0, `the table has a ${part} block`);
    await flipByte(vfs, table, handle.offset + Math.floor(handle.size / 2));
    const db = await openOrCorruption(vfs, table, part);
    if (db === undefined) return;
    try {
      const error = await db.get(key(5)).then(() => undefined, (e) => e);
      assert.ok(error instanceof CorruptionError, `get after ${part} damage: ${error}`);
      assert.equal(error.file, table);
      assert.equal(error.offset, handle.offset);
      assert.equal(await readAllOrCorruption(db, table, part), KEYS + 2);
    } finally {
      await db.close();
    }
  });
}

Deno.test("Db reports a damaged footer or header as CorruptionError naming the table", async () => {
  for (const at of ["footer", "footer magic", "header"] as const) {
    const { vfs, table } = await storeWithOneTable();
    const size = fileContents(vfs, table).length;
    const offset = at === "header" ? 4 : at === "footer" ? size - FOOTER_SIZE + 3 : size - 8;
    await flipByte(vfs, table, offset);
    const db = await openOrCorruption(vfs, table, at);
    if (db === undefined) continue;
    try {
      const error = await db.get(key(5)).then(() => undefined, (e) => e);
      assert.ok(error instanceof CorruptionError, `${at}: ${error}`);
      assert.equal(error.file, table);
      assert.equal(error.offset, at === "header" ? 0 : size - FOOTER_SIZE, at);
    } finally {
      await db.close();
    }
  }
});

Deno.test("Db reads of a table with a flipped byte anywhere return the right bytes or CorruptionError", async () => {
  const seed = testSeed("table byte flips");
  const prng = new Prng(seed);
  const { vfs, table } = await storeWithOneTable();
  const original = fileContents(vfs, table);
  for (let round = 0; round < 24; round++) {
    const offset = prng.int(original.length);
    await rewriteFile(vfs, table, () => original.slice());
    await flipByte(vfs, table, offset);
    const where = `offset ${offset} of ${original.length} (seed ${seed})`;
    const db = await openOrCorruption(vfs, table, where);
    if (db === undefined) continue;
    try {
      const failures = await readAllOrCorruption(db, table, where);
      assert.ok(failures > 0, `a flipped byte is detected: ${where}`);
    } finally {
      await db.close();
    }
  }
});

Deno.test("Db.open() reports a table the manifest names but the directory lacks as CorruptionError", async () => {
  const { vfs, table } = await storeWithOneTable();
  vfs.remove(table);
  const error = await Db.open("/db", { vfs }).then(() => undefined, (e) => e);
  assert.ok(error instanceof CorruptionError, String(error));
  assert.equal(error.file, table);
  assert.match(error.message, /missing/);
  await assert.rejects(Db.open("/db", { vfs }), CorruptionError, "the lock was released");
});

/** A store whose manifest holds several edits (no reopen since they were written). */
async function storeWithManifestEdits(): Promise<{ vfs: MemVfs; manifest: string }> {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS, level0CompactionTrigger: 8 });
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 20; i++) await db.put(key(round * 20 + i), value(i));
      await db.flush();
    }
  }
  const [name] = filesStarting(vfs, "/db", "MANIFEST-");
  return { vfs, manifest: `/db/${name}` };
}

Deno.test("Db.open() reports damage in the middle of the manifest as CorruptionError", async () => {
  const { vfs, manifest } = await storeWithManifestEdits();
  const size = fileContents(vfs, manifest).length;
  await flipByte(vfs, manifest, Math.floor(size / 2));
  const error = await Db.open("/db", { vfs }).then(() => undefined, (e) => e);
  assert.ok(error instanceof CorruptionError, String(error));
  assert.equal(error.file, manifest);
  assert.ok(error.offset > 0 && error.offset < size, `offset ${error.offset} of ${size}`);
  assert.equal(filesEnding(vfs, "/db", ".sst").length, 6, "no table was deleted");
});

Deno.test("Db.open() never loses flushed data to damage in the manifest's last record", async () => {
  const { vfs, manifest } = await storeWithManifestEdits();
  const tables = filesEnding(vfs, "/db", ".sst");
  const size = fileContents(vfs, manifest).length;
  await flipByte(vfs, manifest, size - 3);
  let db: Db;
  try {
    db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  } catch (error) {
    // The manifest lost the last flush's edit while the WAL it covered is gone.
    assert.ok(error instanceof CorruptionError, String(error));
    assert.deepEqual(filesEnding(vfs, "/db", ".sst"), tables, "no table was deleted");
    return;
  }
  try {
    for (let i = 0; i < 120; i++) {
      assert.equal(text(await db.get(key(i))), value(i % 20), `${key(i)} survives`);
    }
  } finally {
    await db.close();
  }
});

Deno.test("Db.open() keeps a compaction's output when the manifest lost the compaction's edit", async () => {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
    for (let i = 0; i < 40; i++) await db.put(key(i), value(i));
    await db.flush();
    for (let i = 40; i < 80; i++) await db.put(key(i), value(i));
    await flushAndSettle(db);
    assert.equal(db.stats().compactions, 1);
  }
  const tables = filesEnding(vfs, "/db", ".sst");
  const [name] = filesStarting(vfs, "/db", "MANIFEST-");
  const manifest = `/db/${name}`;
  await flipByte(vfs, manifest, fileContents(vfs, manifest).length - 3);
  let db: Db;
  try {
    db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  } catch (error) {
    assert.ok(error instanceof CorruptionError, String(error));
    assert.deepEqual(filesEnding(vfs, "/db", ".sst"), tables, "the compaction's output is kept");
    return;
  }
  try {
    for (let i = 0; i < 80; i++) assert.equal(text(await db.get(key(i))), value(i), key(i));
  } finally {
    await db.close();
  }
});

/** A store whose data is only in the WAL: several records, never flushed. */
async function storeWithWal(): Promise<{ vfs: MemVfs; wal: string }> {
  const vfs = new MemVfs();
  {
    await using db = await Db.open("/db", { vfs });
    for (let i = 0; i < 50; i++) await db.put(key(i), value(i));
  }
  const wals = filesEnding(vfs, "/db", ".wal");
  assert.equal(wals.length, 1);
  return { vfs, wal: `/db/${wals[0]}` };
}

Deno.test("Db.open() reports damage in the middle of the WAL as CorruptionError", async () => {
  const { vfs, wal } = await storeWithWal();
  const size = fileContents(vfs, wal).length;
  await flipByte(vfs, wal, Math.floor(size / 2));
  const error = await Db.open("/db", { vfs }).then(() => undefined, (e) => e);
  assert.ok(error instanceof CorruptionError, String(error));
  assert.equal(error.file, wal);
  assert.ok(error.offset > 0 && error.offset <= size / 2, `offset ${error.offset} of ${size}`);
});

Deno.test("Db.open() recovers the whole records before a torn WAL tail", async () => {
  const { vfs, wal } = await storeWithWal();
  const size = fileContents(vfs, wal).length;
  const perRecord = (size - 36) / 50;
  await cutFile(vfs, wal, size - Math.floor(perRecord * 2.5));
  {
    await using db = await Db.open("/db", { vfs });
    for (let i = 0; i < 47; i++) assert.equal(text(await db.get(key(i))), value(i), key(i));
    for (let i = 48; i < 50; i++) assert.equal(await db.get(key(i)), undefined, key(i));
    assert.ok(db.stats().lastSequence >= 47 && db.stats().lastSequence <= 48);
    await db.put("after", "repair");
  }
  await using db = await Db.open("/db", { vfs });
  assert.equal(text(await db.get("after")), "repair");
  assert.equal(text(await db.get(key(0))), value(0));
});
