import assert from "node:assert/strict";
import { RecordLog } from "../../src/record/record_log.ts";
import { ensureDir } from "../../src/vfs/_ensure_dir.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";

Deno.test("ensureDir() makes every missing level durable", async () => {
  const vfs = new MemVfs();
  await ensureDir(vfs, "/a/b/c");
  await ensureDir(vfs, "/a/b/c");
  vfs.crash();
  assert.ok(vfs.exists("/a/b/c"));
});

Deno.test("A record log opened at a new nested path survives a power loss", async () => {
  const vfs = new MemVfs();
  const log = await RecordLog.open("/data/node/wal", { vfs });
  const position = await log.append(new Uint8Array([7]));
  vfs.crash();
  const reopened = await RecordLog.open("/data/node/wal", { vfs });
  assert.deepEqual(reopened.read(position), new Uint8Array([7]));
  await reopened.close();
});
