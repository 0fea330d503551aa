import assert from "node:assert/strict";
import { CorruptionError, StoreFailedError } from "../../src/errors.ts";
import { Db, type DbOptions } from "../../src/lsm/db.ts";
import { DenoVfs } from "../../src/vfs/deno_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { writeRandomBatches } from "../_helpers/db_fixture.ts";
import { Prng } from "../_helpers/prng.ts";

const SMALL: DbOptions = {
  memtableSize: 64 * 1024,
  blockSize: 1024,
  targetFileSize: 64 * 1024,
  level0CompactionTrigger: 2,
  level1MaxBytes: 128 * 1024,
  levelSizeRatio: 4,
  sync: false,
};

const text = new TextDecoder();

/** Runs `body` with a fresh temporary directory, removed afterwards. */
async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cairn-compaction-worker-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function contents(db: Db): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of db.scanSync()) out.set(text.decode(key), text.decode(value));
  return out;
}

Deno.test("Db on the real disk builds flushed and compacted tables on its worker thread and keeps every read right", () =>
  withTempDir(async (dir) => {
    const prng = new Prng(31);
    const model = new Map<string, string>();
    let db = await Db.open(dir, { vfs: new DenoVfs(), ...SMALL });
    await writeRandomBatches(db, model, prng, {
      rounds: 30,
      perRound: 300,
      keySpace: 4000,
      deleteOneIn: 8,
      maxFiller: 100,
    });
    await db.compact();
    const stats = db.stats();
    assert.ok(
      stats.workerCompactions > 0,
      `no compaction ran on the worker: ${JSON.stringify(stats)}`,
    );
    assert.equal(stats.workerFlushes, stats.flushes, "every flush built its table on the worker");
    assert.deepEqual(contents(db), new Map([...model].sort()));
    assert.deepEqual((await db.check()).problems, []);
    await db.close();
    db = await Db.open(dir, { vfs: new DenoVfs(), ...SMALL });
    assert.deepEqual(contents(db), new Map([...model].sort()), "after reopening");
    assert.deepEqual((await db.check()).problems, []);
    await db.close();
  }));

Deno.test("Db background work runs on the main thread without the worker option or on a MemVfs", async () => {
  await withTempDir(async (dir) => {
    const db = await Db.open(dir, { vfs: new DenoVfs(), ...SMALL, backgroundWorker: false });
    for (let i = 0; i < 3000; i++) await db.put(`k${i % 700}`, "x".repeat(80));
    await db.compact();
    assert.ok(db.stats().compactions > 0);
    assert.equal(db.stats().workerCompactions, 0);
    assert.equal(db.stats().workerFlushes, 0);
    await db.close();
  });
  const db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL });
  for (let i = 0; i < 3000; i++) await db.put(`k${i % 700}`, "x".repeat(80));
  await db.compact();
  assert.ok(db.stats().compactions > 0);
  assert.equal(db.stats().workerCompactions, 0);
  await db.close();
  await assert.rejects(
    Db.open("/other", { vfs: new MemVfs(), backgroundWorker: "yes" as unknown as boolean }),
    TypeError,
  );
});

Deno.test("A damaged table fails a worker compaction with CorruptionError, and writes stop", () =>
  withTempDir(async (dir) => {
    const options = { ...SMALL, level0CompactionTrigger: 8, level1MaxBytes: 64 * 1024 * 1024 };
    let db = await Db.open(dir, { vfs: new DenoVfs(), ...options });
    for (let table = 0; table < 3; table++) {
      for (let i = 0; i < 200; i++) await db.put(`k${String(i).padStart(4, "0")}`, `t${table}`);
      await db.flush();
    }
    await db.close();
    const tables = [...Deno.readDirSync(dir)].map((entry) => entry.name)
      .filter((name) => name.endsWith(".sst")).sort();
    const damaged = `${dir}/${tables[0]}`;
    const bytes = Deno.readFileSync(damaged);
    bytes[40] = bytes[40]! ^ 0xff;
    Deno.writeFileSync(damaged, bytes);

    db = await Db.open(dir, { vfs: new DenoVfs(), ...options });
    const error = await db.compact().then(() => undefined, (e) => e);
    assert.ok(error instanceof CorruptionError, String(error));
    assert.equal(error.file, damaged);
    const refused = await db.put("after", "x").then(() => undefined, (e) => e);
    assert.ok(refused instanceof StoreFailedError, String(refused));
    assert.ok(refused.cause instanceof CorruptionError);
    await db.close();
    const left = [...Deno.readDirSync(dir)].filter((entry) => entry.name.endsWith(".sst"));
    assert.equal(left.length, tables.length, "the failed compaction removed its outputs");
  }));
