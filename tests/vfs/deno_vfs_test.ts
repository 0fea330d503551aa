import assert from "node:assert/strict";
import { ClosedError, LockedError } from "../../src/errors.ts";
import { DenoVfs } from "../../src/vfs/deno_vfs.ts";
import { byteRange, fileContents } from "../_helpers/vfs_contents.ts";

/** Runs `body` with a fresh temporary directory, removed afterwards. */
async function withTempDir(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "cairn-deno-vfs-" });
  try {
    await body(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const vfs = new DenoVfs();

Deno.test("DenoVfs appends, reads at positions and reports the size", () =>
  withTempDir(async (dir) => {
    const file = vfs.open(`${dir}/data`, { create: true });
    file.append(byteRange(0, 100));
    file.append(byteRange(100, 300));
    await file.syncData();
    await file.sync();
    assert.equal(file.size(), 300);
    const buffer = new Uint8Array(50);
    assert.equal(file.readAt(buffer, 120), 50);
    assert.deepEqual(buffer, byteRange(120, 170));
    assert.equal(file.readAt(buffer, 280), 20, "a read at the end is short");
    assert.equal(file.readAt(buffer, 300), 0, "a read past the end reads nothing");
    file.close();
    assert.deepEqual(fileContents(vfs, `${dir}/data`), byteRange(0, 300));
  }));

Deno.test("DenoVfs appends after a truncate land at the new end", () =>
  withTempDir((dir) => {
    const file = vfs.open(`${dir}/data`, { create: true });
    file.append(byteRange(0, 100));
    file.truncate(40);
    file.append(byteRange(40, 60));
    assert.equal(file.size(), 60);
    file.close();
    assert.deepEqual(fileContents(vfs, `${dir}/data`), byteRange(0, 60));
  }));

Deno.test("DenoVfs writeAt() overwrites in place and appends go past the furthest write", () =>
  withTempDir((dir) => {
    const file = vfs.open(`${dir}/data`, { create: true });
    file.append(byteRange(0, 100));
    file.writeAt(new Uint8Array([1, 2, 3]), 50);
    file.writeAt(byteRange(98, 120), 98);
    file.append(byteRange(120, 130));
    assert.equal(file.size(), 130);
    file.close();
    const expected = byteRange(0, 130);
    expected.set([1, 2, 3], 50);
    assert.deepEqual(fileContents(vfs, `${dir}/data`), expected);
  }));

Deno.test("DenoVfs appends to the end of an existing file on reopen", () =>
  withTempDir((dir) => {
    vfs.open(`${dir}/data`, { create: true }).append(byteRange(0, 10));
    const again = vfs.open(`${dir}/data`);
    again.append(byteRange(10, 20));
    again.close();
    assert.deepEqual(fileContents(vfs, `${dir}/data`), byteRange(0, 20));
  }));

Deno.test("DenoVfs.open() throws the runtime's NotFound and AlreadyExists errors", () =>
  withTempDir((dir) => {
    assert.throws(() => vfs.open(`${dir}/missing`), Deno.errors.NotFound);
    vfs.open(`${dir}/data`, { create: true }).close();
    assert.throws(
      () => vfs.open(`${dir}/data`, { create: true, exclusive: true }),
      Deno.errors.AlreadyExists,
    );
    const truncated = vfs.open(`${dir}/data`, { truncate: true });
    assert.equal(truncated.size(), 0);
    truncated.close();
  }));

Deno.test("DenoVfs read-only handles refuse appends", () =>
  withTempDir((dir) => {
    vfs.open(`${dir}/data`, { create: true }).close();
    const file = vfs.open(`${dir}/data`, { readOnly: true });
    assert.throws(() => file.append(byteRange(0, 1)));
    file.close();
  }));

Deno.test("DenoVfs handles throw ClosedError after close", () =>
  withTempDir(async (dir) => {
    const file = vfs.open(`${dir}/data`, { create: true });
    file.close();
    file.close();
    assert.throws(() => file.append(byteRange(0, 1)), ClosedError);
    assert.throws(() => file.readAt(new Uint8Array(1), 0), ClosedError);
    assert.throws(() => file.size(), ClosedError);
    await assert.rejects(file.syncData(), ClosedError);
  }));

Deno.test("DenoVfs renames, removes, lists, makes and syncs directories", () =>
  withTempDir(async (dir) => {
    vfs.mkdir(`${dir}/a/b`);
    vfs.mkdir(`${dir}/a/b`);
    vfs.open(`${dir}/a/b/2`, { create: true }).close();
    vfs.open(`${dir}/a/b/1`, { create: true }).close();
    assert.deepEqual(vfs.list(`${dir}/a/b`), ["1", "2"]);
    vfs.rename(`${dir}/a/b/1`, `${dir}/a/b/2`);
    assert.deepEqual(vfs.list(`${dir}/a/b`), ["2"]);
    await vfs.syncDir(`${dir}/a/b`);
    assert.ok(vfs.exists(`${dir}/a/b/2`));
    vfs.remove(`${dir}/a/b/2`);
    assert.ok(!vfs.exists(`${dir}/a/b/2`));
    assert.throws(() => vfs.remove(`${dir}/a/b/2`), Deno.errors.NotFound);
    assert.throws(() => vfs.list(`${dir}/none`), Deno.errors.NotFound);
    await assert.rejects(vfs.syncDir(`${dir}/none`), Deno.errors.NotFound);
  }));

Deno.test("DenoVfs.tryLock() refuses a second owner in this process until released", () =>
  withTempDir((dir) => {
    const lock = vfs.tryLock(`${dir}/LOCK`);
    assert.throws(() => vfs.tryLock(`${dir}/LOCK`), LockedError);
    lock.release();
    lock.release();
    vfs.tryLock(`${dir}/LOCK`).release();
  }));

Deno.test("DenoVfs.tryLock() refuses an owner in another process", () =>
  withTempDir(async (dir) => {
    const lock = vfs.tryLock(`${dir}/LOCK`);
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `import { DenoVfs, LockedError } from "${new URL("../../mod.ts", import.meta.url)}";
           try { new DenoVfs().tryLock(${JSON.stringify(`${dir}/LOCK`)}); Deno.exit(0); }
           catch (error) { Deno.exit(error instanceof LockedError ? 3 : 1); }`,
        ],
        stdout: "null",
        stderr: "inherit",
      });
      assert.equal((await child.output()).code, 3);
    } finally {
      lock.release();
    }
  }));
