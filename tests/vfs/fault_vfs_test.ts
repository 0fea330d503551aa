import assert from "node:assert/strict";
import {
  type FaultOp,
  type FaultRule,
  FaultVfs,
  InjectedFaultError,
} from "../../src/vfs/fault_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import type { VfsFile } from "../../src/vfs/vfs.ts";
import { byteRange, fileContents } from "../_helpers/vfs_contents.ts";

/** A FaultVfs over a MemVfs holding the durable directory `/db` with `/db/a.log` (4 bytes). */
async function setup(): Promise<{ mem: MemVfs; faults: FaultVfs; file: VfsFile }> {
  const mem = new MemVfs();
  mem.mkdir("/db");
  await mem.syncDir("/");
  const inner = mem.open("/db/a.log", { create: true });
  inner.append(byteRange(0, 4));
  await inner.sync();
  await mem.syncDir("/db");
  const faults = new FaultVfs(mem);
  return { mem, faults, file: faults.open("/db/a.log") };
}

function isFault(op: FaultOp, path: string, code = "EIO"): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof InjectedFaultError);
    assert.equal(error.code, code);
    assert.equal(error.op, op);
    assert.equal(error.path, path);
    return true;
  };
}

Deno.test("FaultVfs fails open with EIO and creates nothing", async () => {
  const { mem, faults } = await setup();
  faults.inject({ op: "open" });
  assert.throws(() => faults.open("/db/b.log", { create: true }), isFault("open", "/db/b.log"));
  assert.equal(mem.exists("/db/b.log"), false);
  faults.open("/db/b.log", { create: true });
  assert.equal(mem.exists("/db/b.log"), true);
});

Deno.test("FaultVfs fails readAt with EIO", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "read" });
  const buffer = new Uint8Array(4);
  assert.throws(() => file.readAt(buffer, 0), isFault("read", "/db/a.log"));
  assert.equal(file.readAt(buffer, 0), 4);
});

Deno.test("FaultVfs fails append with EIO and writes nothing", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "append" });
  assert.throws(() => file.append(byteRange(4, 8)), isFault("append", "/db/a.log"));
  assert.equal(file.size(), 4);
});

Deno.test("FaultVfs fails truncate with EIO and leaves the size", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "truncate" });
  assert.throws(() => file.truncate(0), isFault("truncate", "/db/a.log"));
  assert.equal(file.size(), 4);
});

Deno.test("FaultVfs fails sync and syncData with EIO", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "sync", times: 2 });
  await assert.rejects(file.sync(), isFault("sync", "/db/a.log"));
  await assert.rejects(file.syncData(), isFault("sync", "/db/a.log"));
  await file.syncData();
});

Deno.test("FaultVfs fails rename with EIO and leaves both names", async () => {
  const { mem, faults } = await setup();
  faults.inject({ op: "rename" });
  assert.throws(() => faults.rename("/db/a.log", "/db/b.log"), isFault("rename", "/db/a.log"));
  assert.deepEqual(mem.list("/db"), ["a.log"]);
});

Deno.test("FaultVfs fails remove with EIO and keeps the file", async () => {
  const { mem, faults } = await setup();
  faults.inject({ op: "remove" });
  assert.throws(() => faults.remove("/db/a.log"), isFault("remove", "/db/a.log"));
  assert.equal(mem.exists("/db/a.log"), true);
});

Deno.test("FaultVfs fails list with EIO", async () => {
  const { faults } = await setup();
  faults.inject({ op: "list" });
  assert.throws(() => faults.list("/db"), isFault("list", "/db"));
  assert.deepEqual(faults.list("/db"), ["a.log"]);
});

Deno.test("FaultVfs fails mkdir with EIO and makes no directory", async () => {
  const { mem, faults } = await setup();
  faults.inject({ op: "mkdir" });
  assert.throws(() => faults.mkdir("/db/sub"), isFault("mkdir", "/db/sub"));
  assert.equal(mem.exists("/db/sub"), false);
});

Deno.test("FaultVfs fails syncDir with EIO and leaves the entries non-durable", async () => {
  const { mem, faults } = await setup();
  faults.open("/db/b.log", { create: true });
  faults.inject({ op: "syncDir" });
  await assert.rejects(faults.syncDir("/db"), isFault("syncDir", "/db"));
  mem.crash();
  assert.deepEqual(mem.list("/db"), ["a.log"]);
});

Deno.test("FaultVfs fails tryLock with EIO and takes no lock", async () => {
  const { faults } = await setup();
  faults.inject({ op: "lock" });
  assert.throws(() => faults.tryLock("/db/LOCK"), isFault("lock", "/db/LOCK"));
  faults.tryLock("/db/LOCK").release();
});

Deno.test("FaultVfs diskFull fails append with ENOSPC and writes nothing", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "append", kind: "diskFull" });
  assert.throws(() => file.append(byteRange(4, 8)), isFault("append", "/db/a.log", "ENOSPC"));
  assert.equal(file.size(), 4);
});

Deno.test("FaultVfs diskFull fails mkdir with ENOSPC", async () => {
  const { faults } = await setup();
  faults.inject({ op: "mkdir", kind: "diskFull" });
  assert.throws(() => faults.mkdir("/db/sub"), isFault("mkdir", "/db/sub", "ENOSPC"));
});

Deno.test("FaultVfs shortWrite appends a prefix and throws ENOSPC", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "append", kind: "shortWrite", keepBytes: 3 });
  assert.throws(() => file.append(byteRange(4, 12)), isFault("append", "/db/a.log", "ENOSPC"));
  assert.deepEqual(fileContents(faults, "/db/a.log"), byteRange(0, 7));
});

Deno.test("FaultVfs fails writeAt() as an append, a short write keeping a prefix", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "append", kind: "shortWrite", keepBytes: 2, nth: 2 });
  file.writeAt(new Uint8Array([9]), 1);
  assert.throws(
    () => file.writeAt(new Uint8Array([7, 7, 7]), 2),
    isFault("append", "/db/a.log", "ENOSPC"),
  );
  assert.deepEqual(fileContents(faults, "/db/a.log"), new Uint8Array([0, 9, 7, 7]));
  assert.equal(faults.calls("append"), 2);
});

Deno.test("FaultVfs shortWrite keeps half of the data by default", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "append", kind: "shortWrite" });
  assert.throws(() => file.append(byteRange(4, 9)), InjectedFaultError);
  assert.equal(file.size(), 6);
});

Deno.test("FaultVfs tornWrite appends a prefix and returns normally", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "append", kind: "tornWrite", keepBytes: 5 });
  file.append(byteRange(4, 12));
  assert.deepEqual(fileContents(faults, "/db/a.log"), byteRange(0, 9));
  file.append(byteRange(9, 10));
  assert.equal(file.size(), 10);
});

Deno.test("FaultVfs keepBytes beyond the data length keeps all of it", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "append", kind: "tornWrite", keepBytes: 100 });
  file.append(byteRange(4, 8));
  assert.equal(file.size(), 8);
});

Deno.test("FaultVfs with a failed sync leaves the data to be dropped by a crash", async () => {
  const { mem, faults, file } = await setup();
  faults.inject({ op: "sync" });
  file.append(byteRange(4, 8));
  await assert.rejects(file.syncData(), InjectedFaultError);
  mem.crash();
  assert.deepEqual(fileContents(mem, "/db/a.log"), byteRange(0, 4));
});

Deno.test("FaultVfs with a torn write leaves a prefix that a sync makes durable", async () => {
  const { mem, faults, file } = await setup();
  faults.inject({ op: "append", kind: "tornWrite", keepBytes: 2 });
  file.append(byteRange(4, 8));
  await file.syncData();
  mem.crash();
  assert.deepEqual(fileContents(mem, "/db/a.log"), byteRange(0, 6));
});

Deno.test("FaultVfs with a short write leaves a prefix that a sync makes durable", async () => {
  const { mem, faults, file } = await setup();
  faults.inject({ op: "append", kind: "shortWrite", keepBytes: 1 });
  assert.throws(() => file.append(byteRange(4, 8)), { code: "ENOSPC" });
  await file.syncData();
  mem.crash();
  assert.deepEqual(fileContents(mem, "/db/a.log"), byteRange(0, 5));
});

Deno.test("FaultVfs string path with a slash matches only that normalized path", async () => {
  const { faults } = await setup();
  faults.inject({ op: "mkdir", path: "/db//x/../sub/", times: Infinity });
  faults.mkdir("/db/other");
  faults.mkdir("/sub");
  assert.throws(() => faults.mkdir("/db/sub"), InjectedFaultError);
  assert.throws(() => faults.mkdir("/db/./sub"), InjectedFaultError);
});

Deno.test("FaultVfs string path without a slash matches file names ending with it", async () => {
  const { faults } = await setup();
  faults.inject({ op: "open", path: ".log", times: Infinity });
  faults.open("/db/MANIFEST", { create: true });
  faults.open("/db/a.log.tmp", { create: true });
  assert.throws(() => faults.open("/db/a.log"), InjectedFaultError);
  assert.throws(() => faults.open("/db/000002.log", { create: true }), InjectedFaultError);
});

Deno.test("FaultVfs RegExp path matches paths it is found in", async () => {
  const { faults } = await setup();
  faults.inject({ op: "open", path: /^\/db\/\d+\.sst$/g, times: Infinity });
  faults.open("/db/a.log");
  assert.throws(() => faults.open("/db/000001.sst", { create: true }), InjectedFaultError);
  assert.throws(() => faults.open("/db/000001.sst", { create: true }), InjectedFaultError);
});

Deno.test("FaultVfs rename matches on either the source or the target path", async () => {
  const { faults } = await setup();
  faults.inject({ op: "rename", path: "/db/CURRENT" });
  assert.throws(() => faults.rename("/db/a.log", "/db/CURRENT"), isFault("rename", "/db/a.log"));
});

Deno.test("FaultVfs nth fails from the nth matching call on", async () => {
  const { faults, file } = await setup();
  const rule = faults.inject({ op: "append", nth: 3, times: 2 });
  file.append(byteRange(0, 1));
  faults.open("/db/other.log", { create: true }).append(byteRange(0, 1));
  assert.throws(() => file.append(byteRange(0, 1)), InjectedFaultError);
  assert.throws(() => file.append(byteRange(0, 1)), InjectedFaultError);
  file.append(byteRange(0, 1));
  assert.equal(rule.fired, 2);
  assert.equal(file.size(), 6);
});

Deno.test("FaultVfs times Infinity fails every matching call", async () => {
  const { faults, file } = await setup();
  const rule = faults.inject({ op: "read", times: Infinity });
  for (let i = 0; i < 10; i++) assert.throws(() => file.readAt(new Uint8Array(1), 0));
  assert.equal(rule.fired, 10);
});

Deno.test("FaultVfs rules counted by path ignore calls on other paths", async () => {
  const { faults, file } = await setup();
  const other = faults.open("/db/b.log", { create: true });
  faults.inject({ op: "sync", path: "b.log", nth: 2 });
  await file.sync();
  await file.sync();
  await other.sync();
  await assert.rejects(other.sync(), InjectedFaultError);
});

Deno.test("FaultVfs stops failing once a rule is removed", async () => {
  const { faults } = await setup();
  const rule = faults.inject({ op: "list", times: Infinity });
  assert.throws(() => faults.list("/db"), InjectedFaultError);
  rule.remove();
  rule.remove();
  assert.deepEqual(faults.list("/db"), ["a.log"]);
  assert.equal(rule.fired, 1);
});

Deno.test("FaultVfs.clear() removes every rule", async () => {
  const { faults, file } = await setup();
  faults.inject({ op: "list", times: Infinity });
  faults.inject({ op: "append", times: Infinity });
  faults.clear();
  faults.list("/db");
  file.append(byteRange(0, 1));
});

Deno.test("FaultVfs fires the earliest due rule, leaving the next due for the next call", async () => {
  const { faults } = await setup();
  const first = faults.inject({ op: "mkdir" });
  const second = faults.inject({ op: "mkdir", kind: "diskFull" });
  assert.throws(() => faults.mkdir("/x"), { code: "EIO" });
  assert.throws(() => faults.mkdir("/x"), { code: "ENOSPC" });
  faults.mkdir("/x");
  assert.deepEqual([first.fired, second.fired], [1, 1]);
});

Deno.test("FaultVfs.calls() counts calls by operation, faulted ones included", async () => {
  const { faults, file } = await setup();
  assert.equal(faults.calls("open"), 1);
  faults.inject({ op: "sync" });
  await assert.rejects(file.sync());
  await file.syncData();
  await file.sync();
  await faults.syncDir("/db");
  file.readAt(new Uint8Array(1), 0);
  file.size();
  assert.equal(faults.exists("/db/a.log"), true);
  assert.equal(faults.calls("sync"), 3);
  assert.equal(faults.calls("syncDir"), 1);
  assert.equal(faults.calls("read"), 1);
  assert.equal(faults.calls("append"), 0);
  assert.equal(faults.calls(), 6);
});

Deno.test("FaultVfs.inject() rejects malformed rules", () => {
  const faults = new FaultVfs(new MemVfs());
  const bad = (rule: unknown): FaultRule => rule as FaultRule;
  assert.throws(() => faults.inject(bad({ op: "write" })), TypeError);
  assert.throws(() => faults.inject(bad({ op: "append", kind: "explode" })), TypeError);
  assert.throws(() => faults.inject({ op: "sync", kind: "tornWrite" }), TypeError);
  assert.throws(() => faults.inject({ op: "read", kind: "diskFull" }), TypeError);
  assert.throws(() => faults.inject({ op: "append", keepBytes: 2 }), TypeError);
  assert.throws(() => faults.inject(bad({ op: "open", path: 7 })), TypeError);
  assert.throws(() => faults.inject(bad({ op: "open", nth: "2" })), TypeError);
  for (const nth of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => faults.inject({ op: "open", nth }), RangeError, `nth ${nth}`);
  }
  for (const times of [0, -2, 0.5, NaN]) {
    assert.throws(() => faults.inject({ op: "open", times }), RangeError, `times ${times}`);
  }
  for (const keepBytes of [-1, 1.5, Infinity]) {
    assert.throws(
      () => faults.inject({ op: "append", kind: "shortWrite", keepBytes }),
      RangeError,
      `keepBytes ${keepBytes}`,
    );
  }
  assert.throws(() => faults.inject(bad({ op: "open", nth: 0 })), {
    message: "Fault nth must be a positive integer: got 0",
  });
});
