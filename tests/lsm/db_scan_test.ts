import assert from "node:assert/strict";
import { Db } from "../../src/lsm/db.ts";
import { ClosedError } from "../../src/errors.ts";
import { MAX_KEY_SIZE } from "../../src/lsm/_keys.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import {
  binary,
  filesEnding,
  flushAndSettle,
  latin1,
  type ModelScan,
  scanBinary,
  scanText,
  SMALL_OPTIONS,
  toScanOptions,
} from "../_helpers/db_fixture.ts";
import { layeredKey, openLayered } from "../_helpers/layered_db.ts";
import { Prng } from "../_helpers/prng.ts";
import { testSeed } from "../_helpers/iterator_walk.ts";

async function assertScan(
  db: Db,
  expected: [string, string][],
  options: ModelScan,
  where: string,
): Promise<void> {
  assert.deepEqual(
    await scanBinary(db, toScanOptions(options)),
    expected,
    `scan ${JSON.stringify(options)} (${where})`,
  );
  assert.deepEqual(
    [...db.scanSync(toScanOptions(options))].map(([key, value]) => [binary(key), binary(value)]),
    expected,
    `scanSync ${JSON.stringify(options)} (${where})`,
  );
}

Deno.test("Db.scan() and Db.get() see the newest data across memtables, level 0 and level 1", async () => {
  const seed = testSeed("layered scan");
  const layered = await openLayered(seed);
  const { db, model } = layered;
  try {
    await assertScan(db, model.scan(), {}, `seed ${seed}`);
    await assertScan(db, model.scan({ reverse: true }), { reverse: true }, `seed ${seed}`);
    const prng = new Prng(seed ^ 0x5bd1e995);
    for (let i = 0; i < 300; i++) {
      const key = layeredKey(prng);
      const found = await db.get(latin1(key));
      assert.equal(
        found === undefined ? undefined : binary(found),
        model.entries.get(key),
        `get ${JSON.stringify(key)} (seed ${seed})`,
      );
    }
  } finally {
    await layered.release();
  }
  await assertScan(db, model.scan(), {}, `after the held flush, seed ${seed}`);
  await flushAndSettle(db);
  await assertScan(db, model.scan(), {}, `after compaction, seed ${seed}`);
  await db.close();
});

Deno.test("Db.scan() honours every combination of bounds, prefix, direction and limit", async () => {
  const seed = testSeed("scan bounds");
  const layered = await openLayered(seed);
  const { db, model } = layered;
  try {
    const keys = [...model.entries.keys()].sort();
    const present = keys[Math.floor(keys.length / 2)]!;
    const edges = [present, present + "\x00", "", "a", "\xff\xff\xff\xff", "\x00"];
    const lowers: ModelScan[] = [{}];
    const uppers: ModelScan[] = [{}];
    for (const edge of edges) {
      lowers.push({ gt: edge }, { gte: edge });
      uppers.push({ lt: edge }, { lte: edge });
    }
    for (const lower of lowers) {
      for (const upper of uppers) {
        for (const reverse of [false, true]) {
          const options = { ...lower, ...upper, reverse };
          await assertScan(db, model.scan(options), options, `seed ${seed}`);
        }
      }
    }
    const prefixes = ["a", "ab", "\xff", "\xff\xff", "\x00", present, "zz", ""];
    for (const prefix of prefixes) {
      for (const reverse of [false, true]) {
        for (const limit of [undefined, 0, 1, 7]) {
          const options: ModelScan = { prefix, reverse };
          if (limit !== undefined) options.limit = limit;
          await assertScan(db, model.scan(options), options, `seed ${seed}`);
        }
      }
    }
    const prng = new Prng(seed);
    const pick = (): string =>
      prng.int(3) === 0 ? edges[prng.int(edges.length)]! : layeredKey(prng);
    for (let i = 0; i < 150; i++) {
      const options: ModelScan = { reverse: prng.int(2) === 0, keysOnly: prng.int(4) === 0 };
      const lower = prng.int(3);
      if (lower === 1) options.gt = pick();
      if (lower === 2) options.gte = pick();
      const upper = prng.int(3);
      if (upper === 1) options.lt = pick();
      if (upper === 2) options.lte = pick();
      if (prng.int(2) === 0) options.prefix = pick().slice(0, prng.int(3));
      if (prng.int(2) === 0) options.limit = prng.int(20);
      await assertScan(db, model.scan(options), options, `seed ${seed}, case ${i}`);
    }
  } finally {
    await layered.release();
    await db.close();
  }
});

Deno.test("Db.scan() returns nothing for empty and inverted ranges", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  for (const key of ["a", "b", "c"]) await db.put(key, key);
  for (
    const options of [
      { gt: "b", lt: "b" },
      { gte: "b", lt: "b" },
      { gt: "b", lte: "b" },
      { gte: "c", lte: "a" },
      { gt: "a", lt: "b" },
      { prefix: "d" },
      { prefix: "b", lt: "b" },
      { prefix: "a", gt: "a" },
      { limit: 0 },
    ]
  ) {
    assert.deepEqual(await scanText(db, options), [], JSON.stringify(options));
    assert.deepEqual(
      await scanText(db, { ...options, reverse: true }),
      [],
      `reverse ${JSON.stringify(options)}`,
    );
  }
  assert.deepEqual(await scanText(db, { gte: "b", lte: "b" }), [["b", "b"]]);
});

Deno.test("Db.scan() with a prefix of 0xff bytes reads to the end of the key space", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  const keys = ["\xfe", "\xfe\xff", "\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff", "\xff\xff\x01"];
  for (const key of keys) await db.put(latin1(key), latin1(key));
  const expect = (prefix: string): [string, string][] =>
    keys.filter((key) => key.startsWith(prefix)).sort().map((key) => [key, key]);
  for (const prefix of ["\xff", "\xff\xff", "\xff\xff\xff", "\xfe"]) {
    assert.deepEqual(await scanBinary(db, { prefix: latin1(prefix) }), expect(prefix));
    assert.deepEqual(
      await scanBinary(db, { prefix: latin1(prefix), reverse: true }),
      expect(prefix).reverse(),
    );
  }
  assert.deepEqual(await scanBinary(db, { prefix: latin1("\xff\xff\xff\xff") }), []);
});

Deno.test("Db.scan() with a prefix equal to a key includes that key", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  for (const key of ["ab", "abc", "abd", "ac", "a"]) await db.put(key, "v" + key);
  assert.deepEqual(await scanText(db, { prefix: "ab" }), [
    ["ab", "vab"],
    ["abc", "vabc"],
    ["abd", "vabd"],
  ]);
  assert.deepEqual((await scanText(db, { prefix: "ab", reverse: true })).map(([k]) => k), [
    "abd",
    "abc",
    "ab",
  ]);
  assert.deepEqual(await scanText(db, { prefix: "abc" }), [["abc", "vabc"]]);
  assert.deepEqual(await scanText(db, { prefix: "ab", gt: "ab", limit: 1 }), [["abc", "vabc"]]);
});

Deno.test("Db.scan() with keysOnly returns empty values and limit stops early", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  for (let i = 0; i < 20; i++) await db.put(`k${String(i).padStart(2, "0")}`, `value ${i}`);
  const keysOnly = await scanText(db, { keysOnly: true });
  assert.equal(keysOnly.length, 20);
  for (const [, value] of keysOnly) assert.equal(value, "");
  assert.deepEqual(await scanText(db, { limit: 1 }), [["k00", "value 0"]]);
  assert.deepEqual(await scanText(db, { limit: 1, reverse: true }), [["k19", "value 19"]]);
  assert.equal((await scanText(db, { limit: 1000 })).length, 20);
  assert.deepEqual(
    await scanText(db, { limit: 3, gt: "k05", reverse: true, keysOnly: true }),
    [["k19", ""], ["k18", ""], ["k17", ""]],
  );
});

Deno.test("Db.scan() returns arrays the caller owns", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  await db.put("a", "1");
  await db.put("b", "2");
  await db.flush();
  await db.put("c", "3");
  for await (const [key, value] of db.scan()) {
    key.fill(0);
    value.fill(0);
  }
  assert.deepEqual(await scanText(db), [["a", "1"], ["b", "2"], ["c", "3"]]);
});

Deno.test("Db.scan() does not see writes made while it runs", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  for (const key of ["b", "d", "f", "h"]) await db.put(key, "old");
  const seen: [string, string][] = [];
  for await (const [key, value] of db.scan()) {
    seen.push([new TextDecoder().decode(key), new TextDecoder().decode(value)]);
    await db.put("c", "new");
    await db.put("z", "new");
    await db.delete("h");
    await db.put("f", "new");
  }
  assert.deepEqual(seen, [["b", "old"], ["d", "old"], ["f", "old"], ["h", "old"]]);
  assert.deepEqual(await scanText(db), [["b", "old"], ["c", "new"], ["d", "old"], [
    "f",
    "new",
  ], ["z", "new"]]);
});

Deno.test("Db.scan() keeps the tables it reads until it ends, even after a compaction", async () => {
  const vfs = new MemVfs();
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  for (let i = 0; i < 100; i++) await db.put(`k${String(i).padStart(3, "0")}`, "first");
  await db.flush();
  const first = filesEnding(vfs, "/db", ".sst");
  assert.equal(first.length, 1);
  const scan = db.scan();
  const head = await scan.next();
  assert.equal(head.done, false);
  for (let i = 0; i < 100; i += 2) await db.put(`k${String(i).padStart(3, "0")}`, "second");
  await flushAndSettle(db);
  assert.equal(db.stats().compactions, 1);
  assert.ok(vfs.exists(`/db/${first[0]}`), "the scanned table outlives its compaction");
  let rest = 0;
  for (;;) {
    const step = await scan.next();
    if (step.done) break;
    assert.equal(new TextDecoder().decode(step.value[1]), "first");
    rest++;
    if (rest === 50) break;
  }
  assert.ok(vfs.exists(`/db/${first[0]}`), "still there while the scan is open");
  await scan.return(undefined);
  assert.ok(!vfs.exists(`/db/${first[0]}`), "deleted once the scan ends");
  const values = await scanText(db);
  assert.equal(values.length, 100);
  assert.equal(values.filter(([, value]) => value === "second").length, 50);
});

Deno.test("Db.scan() leaving the loop early releases its tables", async () => {
  const vfs = new MemVfs();
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  for (let i = 0; i < 50; i++) await db.put(`k${String(i).padStart(3, "0")}`, "v");
  await db.flush();
  const [table] = filesEnding(vfs, "/db", ".sst");
  for await (const [key] of db.scan()) {
    assert.equal(new TextDecoder().decode(key), "k000");
    await db.put("k000", "w");
    await flushAndSettle(db);
    assert.ok(vfs.exists(`/db/${table}`));
    break;
  }
  assert.ok(!vfs.exists(`/db/${table}`));
  assert.equal(filesEnding(vfs, "/db", ".sst").length, db.stats().levels[1]!.files);
});

Deno.test("Db.scanSync() leaving the loop early releases its tables", async () => {
  const vfs = new MemVfs();
  await using db = await Db.open("/db", { vfs, ...SMALL_OPTIONS });
  for (let i = 0; i < 50; i++) await db.put(`k${String(i).padStart(3, "0")}`, "v");
  await db.flush();
  const [table] = filesEnding(vfs, "/db", ".sst");
  for (const [key] of db.scanSync()) {
    assert.equal(new TextDecoder().decode(key), "k000");
    break;
  }
  await db.put("k000", "w");
  await flushAndSettle(db);
  assert.ok(!vfs.exists(`/db/${table}`));
  assert.equal(filesEnding(vfs, "/db", ".sst").length, db.stats().levels[1]!.files);
});

Deno.test("Db.scan() rejects options of the wrong type", async () => {
  await using db = await Db.open("/db", { vfs: new MemVfs() });
  await db.put("a", "1");
  const bad: [unknown, ErrorConstructor][] = [
    [null, TypeError],
    ["a", TypeError],
    [{ gt: 5 }, TypeError],
    [{ gte: null }, TypeError],
    [{ lt: {} }, TypeError],
    [{ lte: [1, 2] }, TypeError],
    [{ prefix: 7 }, TypeError],
    [{ gt: "a", gte: "a" }, TypeError],
    [{ lt: "a", lte: "a" }, TypeError],
    [{ reverse: "yes" }, TypeError],
    [{ keysOnly: 1 }, TypeError],
    [{ limit: "3" }, TypeError],
    [{ limit: null }, TypeError],
    [{ reverse: null }, TypeError],
    [{ limit: -1 }, RangeError],
    [{ limit: 1.5 }, RangeError],
    [{ limit: NaN }, RangeError],
    [{ gt: new Uint8Array(MAX_KEY_SIZE + 1) }, RangeError],
    [{ prefix: "x".repeat(MAX_KEY_SIZE + 1) }, RangeError],
    [{ snapshot: {} }, TypeError],
  ];
  for (const [options, type] of bad) {
    // deno-lint-ignore no-explicit-any
    await assert.rejects(scanText(db, options as any), type, `options ${String(options)}`);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => [...db.scanSync(options as any)], type, `options ${String(options)}`);
  }
  assert.deepEqual(await scanText(db), [["a", "1"]]);
});

Deno.test("Db.scan() after close() rejects with ClosedError", async () => {
  const db = await Db.open("/db", { vfs: new MemVfs() });
  await db.close();
  await assert.rejects(scanText(db), ClosedError);
  assert.throws(() => [...db.scanSync()], ClosedError);
});

Deno.test("Db.scan() open across close() rejects with ClosedError instead of returning data", async () => {
  const db = await Db.open("/db", { vfs: new MemVfs(), ...SMALL_OPTIONS });
  for (let i = 0; i < 300; i++) await db.put(`k${String(i).padStart(4, "0")}`, "v".repeat(50));
  await db.flush();
  const scan = db.scan();
  assert.equal((await scan.next()).done, false);
  await db.close();
  await assert.rejects(
    (async () => {
      for (;;) {
        const step = await scan.next();
        if (step.done) return;
        assert.equal(new TextDecoder().decode(step.value[1]), "v".repeat(50));
      }
    })(),
    ClosedError,
  );
});
