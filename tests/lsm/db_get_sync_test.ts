import assert from "node:assert/strict";
import { ClosedError } from "../../src/errors.ts";
import { Db } from "../../src/lsm/db.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { SMALL_OPTIONS } from "../_helpers/db_fixture.ts";

Deno.test("Db.getSync() reads what Db.get() reads, in every layer and through snapshots", async () => {
  const db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  for (let i = 0; i < 3000; i++) await db.put(`k${i}`, `v${i}`, { sync: false });
  await db.flush();
  const snapshot = db.snapshot();
  await db.put("k1", "changed");
  await db.delete("k2");
  for (const key of ["k0", "k1", "k2", "k2999", "missing"]) {
    assert.deepEqual(db.getSync(key), await db.get(key), key);
    assert.deepEqual(db.getSync(key, { snapshot }), await db.get(key, { snapshot }), key);
  }
  assert.equal(new TextDecoder().decode(db.getSync("k2", { snapshot })), "v2");
  assert.throws(() => db.getSync(5 as unknown as string), TypeError);
  snapshot.release();
  assert.throws(() => db.getSync("k1", { snapshot }), ClosedError);
  await db.close();
  assert.throws(() => db.getSync("k1"), ClosedError);
});

Deno.test("Db.stats() reports write and space amplification and background time", async () => {
  const db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  assert.equal(db.stats().writeAmplification, 0);
  assert.equal(db.stats().spaceAmplification, 1);
  for (let round = 0; round < 4; round++) {
    const batch = db.batch();
    for (let i = 0; i < 500; i++) batch.put(`k${i}`, "x".repeat(100));
    await batch.commit();
    await db.flush();
  }
  const stats = db.stats();
  assert.ok(stats.writeAmplification > 1, `write amplification ${stats.writeAmplification}`);
  assert.ok(stats.spaceAmplification >= 1, `space amplification ${stats.spaceAmplification}`);
  assert.ok(stats.tableBytesWritten > 0 && stats.backgroundMillis > 0);
  await db.close();
});
