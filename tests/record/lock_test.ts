import assert from "node:assert/strict";
import { LockedError } from "../../src/errors.ts";
import { RecordLog } from "../../src/record/record_log.ts";
import { DenoVfs } from "../../src/vfs/deno_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";

Deno.test("RecordLog.open() refuses a second owner of the directory with LockedError", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  const position = await log.append(new Uint8Array([1, 2, 3]));
  await assert.rejects(RecordLog.open("/wal", { vfs }), LockedError);
  assert.deepEqual(log.read(position), new Uint8Array([1, 2, 3]), "the owner is untouched");
  await log.close();
  const again = await RecordLog.open("/wal", { vfs });
  assert.deepEqual(again.read(position), new Uint8Array([1, 2, 3]));
  await again.close();
});

Deno.test("RecordLog.open() with lock: false leaves the directory lock to its owner", async () => {
  const vfs = new MemVfs();
  vfs.mkdir("/db");
  const storeLock = vfs.tryLock("/db/LOCK");
  const log = await RecordLog.open("/db", { vfs, lock: false, suffix: ".wal" });
  await log.append(new Uint8Array([9]));
  await log.close();
  assert.throws(() => vfs.tryLock("/db/LOCK"), LockedError, "close left the store's lock");
  storeLock.release();
});

Deno.test("A simulated crash releases the record log's lock", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/wal", { vfs });
  await log.append(new Uint8Array([1]));
  vfs.crash();
  const reopened = await RecordLog.open("/wal", { vfs });
  assert.equal([...reopened.records()].length, 1);
  await reopened.close();
});

Deno.test("RecordLog locks its directory on the real disk against a second opener", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "cairn-lock-" });
  try {
    const vfs = new DenoVfs();
    const log = await RecordLog.open(`${dir}/wal`, { vfs });
    await assert.rejects(RecordLog.open(`${dir}/wal`, { vfs }), LockedError);
    await log.close();
    await (await RecordLog.open(`${dir}/wal`, { vfs })).close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
