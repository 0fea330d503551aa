import assert from "node:assert/strict";
import { ClosedError, LockedError } from "../../src/errors.ts";
import { type CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import { byteRange, fileContents } from "../_helpers/vfs_contents.ts";

/** A MemVfs holding `/data` with `synced` durable bytes followed by `unsynced` more. */
async function vfsWithTail(synced: number, unsynced: number): Promise<MemVfs> {
  const vfs = new MemVfs();
  const file = vfs.open("/data", { create: true });
  await vfs.syncDir("/");
  file.append(byteRange(0, synced));
  await file.syncData();
  file.append(byteRange(synced, synced + unsynced));
  return vfs;
}

async function sizeAfterCrash(options: CrashOptions): Promise<number> {
  const vfs = await vfsWithTail(100, 50);
  vfs.crash(options);
  return vfs.open("/data").size();
}

Deno.test("MemVfs.crash() drops bytes appended after the last sync", async () => {
  const vfs = await vfsWithTail(10, 5);
  vfs.crash();
  assert.deepEqual(fileContents(vfs, "/data"), byteRange(0, 10));
});

Deno.test("MemVfs.crash() keeps every synced byte", async () => {
  const vfs = await vfsWithTail(10, 0);
  const file = vfs.open("/data");
  file.append(byteRange(10, 20));
  await file.sync();
  vfs.crash();
  assert.deepEqual(fileContents(vfs, "/data"), byteRange(0, 20));
});

Deno.test("MemVfs.crash() with a seed keeps a prefix of the unsynced tail", async () => {
  const sizes = new Set<number>();
  for (let seed = 1; seed <= 50; seed++) {
    const vfs = await vfsWithTail(100, 50);
    vfs.crash({ seed });
    const contents = fileContents(vfs, "/data");
    assert.ok(contents.length >= 100 && contents.length <= 150, `seed ${seed}`);
    assert.deepEqual(contents, byteRange(0, contents.length), `seed ${seed}`);
    sizes.add(contents.length);
  }
  assert.ok([...sizes].some((size) => size > 100 && size < 150), "no torn tail in 50 seeds");
});

Deno.test("MemVfs.crash() with the same seed tears the same way", async () => {
  for (let seed = 1; seed <= 20; seed++) {
    assert.equal(await sizeAfterCrash({ seed }), await sizeAfterCrash({ seed }), `seed ${seed}`);
  }
});

Deno.test("MemVfs.crash() with zeroTail reads the kept unsynced bytes as zeros", async () => {
  let checked = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const vfs = await vfsWithTail(100, 50);
    vfs.crash({ seed, zeroTail: true });
    const contents = fileContents(vfs, "/data");
    assert.deepEqual(contents.subarray(0, 100), byteRange(0, 100), `seed ${seed}`);
    assert.ok(contents.subarray(100).every((byte) => byte === 0), `seed ${seed}`);
    if (contents.length > 100) checked++;
  }
  assert.ok(checked > 0, "no seed kept any unsynced byte");
});

Deno.test("MemVfs writeAt() overwrites in place, grows the file and refuses a hole", async () => {
  const vfs = await vfsWithTail(100, 0);
  const file = vfs.open("/data");
  file.writeAt(new Uint8Array([7, 7]), 10);
  file.writeAt(new Uint8Array([9, 9, 9]), 99);
  assert.equal(file.size(), 102);
  const expected = byteRange(0, 102);
  expected.set([7, 7], 10);
  expected.set([9, 9, 9], 99);
  assert.deepEqual(fileContents(vfs, "/data"), expected);
  assert.throws(() => file.writeAt(new Uint8Array(1), 103), RangeError);
  assert.throws(() => file.writeAt(new Uint8Array(1), -1), RangeError);
  await file.syncData();
  vfs.crash();
  assert.deepEqual(fileContents(vfs, "/data"), expected, "a synced overwrite survives");
});

Deno.test("MemVfs.crash() reverts overwrites of durable bytes page by page", async () => {
  const synced = 3 * 4096;
  const outcomes = new Set<string>();
  for (let seed = 0; seed <= 30; seed++) {
    const vfs = await vfsWithTail(synced, 0);
    const file = vfs.open("/data");
    // One write spanning pages 0 and 1, one inside page 2.
    file.writeAt(new Uint8Array(4096).fill(0xaa), 2048);
    file.writeAt(new Uint8Array(100).fill(0xbb), synced - 200);
    vfs.crash(seed === 0 ? {} : { seed });
    const contents = fileContents(vfs, "/data");
    assert.equal(contents.length, synced, `seed ${seed}`);
    const pages = [0, 1, 2].map((page) => {
      const got = contents.subarray(page * 4096, (page + 1) * 4096);
      const old = byteRange(page * 4096, (page + 1) * 4096);
      return equal(got, old) ? "old" : "new";
    });
    if (seed === 0) assert.deepEqual(pages, ["old", "old", "old"], "no seed: nothing kept");
    for (const [page, state] of pages.entries()) {
      if (state === "old") continue;
      const expected = byteRange(page * 4096, (page + 1) * 4096);
      if (page < 2) expected.fill(0xaa, Math.max(0, 2048 - page * 4096), 6144 - page * 4096);
      else expected.fill(0xbb, 4096 - 200, 4096 - 100);
      assert.deepEqual(contents.subarray(page * 4096, (page + 1) * 4096), expected, `page ${page}`);
    }
    outcomes.add(pages.join());
  }
  assert.ok(outcomes.size > 2, `pages survive independently: ${[...outcomes].join(" | ")}`);
});

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

Deno.test("MemVfs.crash() reverts a truncate of synced data that was not synced", async () => {
  const vfs = await vfsWithTail(10, 0);
  const file = vfs.open("/data");
  file.truncate(4);
  file.append(new Uint8Array([99, 99]));
  assert.equal(file.size(), 6);
  vfs.crash();
  assert.deepEqual(fileContents(vfs, "/data"), byteRange(0, 10));
});

Deno.test("MemVfs.crash() keeps a truncate that was synced", async () => {
  const vfs = await vfsWithTail(10, 0);
  const file = vfs.open("/data");
  file.truncate(4);
  await file.syncData();
  vfs.crash();
  assert.deepEqual(fileContents(vfs, "/data"), byteRange(0, 4));
});

Deno.test("MemVfs.crash() removes a file whose creation was not synced", async () => {
  const vfs = new MemVfs();
  const file = vfs.open("/new", { create: true });
  file.append(byteRange(0, 3));
  await file.sync();
  vfs.crash();
  assert.equal(vfs.exists("/new"), false);
  assert.throws(() => vfs.open("/new"), Deno.errors.NotFound);
});

Deno.test("MemVfs.crash() brings back a removed file with its durable content", async () => {
  const vfs = await vfsWithTail(10, 5);
  vfs.remove("/data");
  assert.equal(vfs.exists("/data"), false);
  vfs.crash();
  assert.deepEqual(fileContents(vfs, "/data"), byteRange(0, 10));
});

Deno.test("MemVfs.crash() reverts a rename that was not synced", async () => {
  const vfs = await vfsWithTail(10, 0);
  vfs.rename("/data", "/moved");
  assert.deepEqual(vfs.list("/"), ["moved"]);
  vfs.crash();
  assert.deepEqual(vfs.list("/"), ["data"]);
  assert.deepEqual(fileContents(vfs, "/data"), byteRange(0, 10));
});

Deno.test("MemVfs.crash() keeps a rename made durable by syncDir", async () => {
  const vfs = await vfsWithTail(10, 0);
  vfs.rename("/data", "/moved");
  await vfs.syncDir("/");
  vfs.crash();
  assert.deepEqual(vfs.list("/"), ["moved"]);
  assert.deepEqual(fileContents(vfs, "/moved"), byteRange(0, 10));
});

Deno.test("MemVfs.crash() drops a directory not synced in its parent", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  vfs.open("/db/file", { create: true }).close();
  await vfs.syncDir("/db");
  vfs.crash();
  assert.equal(vfs.exists("/db"), false);
  assert.deepEqual(vfs.list("/"), []);
});

Deno.test("MemVfs.crash() closes every handle opened before it", async () => {
  const vfs = await vfsWithTail(10, 0);
  const file = vfs.open("/data");
  vfs.crash();
  assert.throws(() => file.size(), ClosedError);
  assert.throws(() => file.readAt(new Uint8Array(1), 0), ClosedError);
  assert.throws(() => file.append(new Uint8Array(1)), ClosedError);
  await assert.rejects(file.syncData(), ClosedError);
  assert.equal(vfs.open("/data").size(), 10);
});

Deno.test("MemVfs.crash() releases every lock", () => {
  const vfs = new MemVfs();
  const before = vfs.tryLock("/LOCK");
  vfs.crash();
  const after = vfs.tryLock("/LOCK");
  before.release();
  assert.throws(() => vfs.tryLock("/LOCK"), LockedError);
  after.release();
});

Deno.test("MemVfs.tryLock() throws LockedError while the lock is held", () => {
  const vfs = new MemVfs();
  const lock = vfs.tryLock("/LOCK");
  assert.throws(() => vfs.tryLock("/LOCK"), LockedError);
  lock.release();
});

Deno.test("MemVfs.tryLock() succeeds again after release", () => {
  const vfs = new MemVfs();
  vfs.tryLock("/LOCK").release();
  const lock = vfs.tryLock("/LOCK");
  lock.release();
  lock.release();
  vfs.tryLock("/LOCK").release();
});

Deno.test("MemVfs.open() with create and exclusive throws AlreadyExists for an existing file", () => {
  const vfs = new MemVfs();
  vfs.open("/file", { create: true }).close();
  assert.throws(
    () => vfs.open("/file", { create: true, exclusive: true }),
    Deno.errors.AlreadyExists,
  );
});

Deno.test("MemVfs.open() throws NotFound for a missing file", () => {
  const vfs = new MemVfs();
  assert.throws(() => vfs.open("/missing"), Deno.errors.NotFound);
  assert.throws(() => vfs.open("/no/dir", { create: true }), Deno.errors.NotFound);
});

Deno.test("MemVfs.open() with readOnly returns a handle that rejects writes", () => {
  const vfs = new MemVfs();
  vfs.open("/file", { create: true }).close();
  const file = vfs.open("/file", { readOnly: true });
  assert.throws(() => file.append(new Uint8Array(1)));
  assert.throws(() => file.truncate(0));
  assert.equal(file.size(), 0);
});

Deno.test("MemVfs readAt() returns 0 past the end and a short count at the end", () => {
  const vfs = new MemVfs();
  const file = vfs.open("/file", { create: true });
  file.append(byteRange(0, 10));
  const buffer = new Uint8Array(4);
  assert.equal(file.readAt(buffer, 8), 2);
  assert.deepEqual(buffer.subarray(0, 2), byteRange(8, 10));
  assert.equal(file.readAt(buffer, 10), 0);
  assert.equal(file.readAt(buffer, 50), 0);
  assert.equal(file.readAt(buffer, 3), 4);
  assert.deepEqual(buffer, byteRange(3, 7));
});

Deno.test("MemVfs.list() returns entry names sorted", () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db/sub");
  for (const name of ["b", "a", "C", "000010.log", "000002.log"]) {
    vfs.open(`/db/${name}`, { create: true }).close();
  }
  assert.deepEqual(vfs.list("/db"), ["000002.log", "000010.log", "C", "a", "b", "sub"]);
});

Deno.test("MemVfs.remove() throws for a directory that is not empty", () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  vfs.open("/db/file", { create: true }).close();
  assert.throws(() => vfs.remove("/db"), /not empty/);
  vfs.remove("/db/file");
  vfs.remove("/db");
  assert.equal(vfs.exists("/db"), false);
});

Deno.test("MemVfs file handles throw ClosedError after close()", async () => {
  const vfs = new MemVfs();
  const file = vfs.open("/file", { create: true });
  file.close();
  file.close();
  assert.throws(() => file.append(new Uint8Array(1)), ClosedError);
  assert.throws(() => file.readAt(new Uint8Array(1), 0), ClosedError);
  assert.throws(() => file.size(), ClosedError);
  assert.throws(() => file.truncate(0), ClosedError);
  await assert.rejects(file.sync(), ClosedError);
});
