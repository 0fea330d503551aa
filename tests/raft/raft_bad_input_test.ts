import assert from "node:assert/strict";
import { ClosedError, CompactedError, LockedError, UnavailableError } from "../../src/errors.ts";
import { MAX_COMMAND_SIZE, type RaftEntry, RaftStorage } from "../../src/raft/raft_storage.ts";
import { ENTRY_HEADER_SIZE } from "../../src/raft/_records.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { makeEntries } from "../_helpers/raft_entries.ts";

const DIR = "/node";
const BAD_NUMBERS = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, Number.MAX_VALUE];

/** A store holding state term 3, entries 1..10 (term 2) and a snapshot at 4. */
async function filledStore(vfs = new MemVfs()): Promise<RaftStorage> {
  const storage = await RaftStorage.open(DIR, { vfs, autoTruncateOnSnapshot: false });
  await storage.saveState({ term: 3, votedFor: "b" });
  await storage.append(makeEntries(1, 11, 2));
  await storage.saveSnapshot({ lastIndex: 4, lastTerm: 2 }, new Uint8Array([4]));
  return storage;
}

/** Checks that the store still holds exactly what filledStore() put in. */
async function assertIntact(storage: RaftStorage, context: string): Promise<void> {
  assert.deepEqual(await storage.loadState(), { term: 3, votedFor: "b" }, context);
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [1, 10], context);
  assert.deepEqual(await storage.entries(1, 11), makeEntries(1, 11, 2), context);
  assert.equal((await storage.loadSnapshot())?.meta.lastIndex, 4, context);
}

function entryAt(index: unknown, term: unknown, command: unknown = new Uint8Array(1)): RaftEntry {
  return { index, term, command } as RaftEntry;
}

Deno.test("RaftStorage.append() refuses entries that do not follow the log", async () => {
  const storage = await filledStore();
  await assert.rejects(storage.append(makeEntries(12, 13, 2)), RangeError, "gap");
  await assert.rejects(storage.append(makeEntries(10, 12, 2)), RangeError, "overlap");
  await assert.rejects(storage.append(makeEntries(1, 2, 2)), RangeError, "start again");
  await assert.rejects(
    storage.append([...makeEntries(11, 12, 2), ...makeEntries(13, 14, 2)]),
    RangeError,
    "gap inside the batch",
  );
  await assertIntact(storage, "after non-contiguous appends");
  await storage.close();
});

Deno.test("RaftStorage.append() checks indices against appends still in flight", async () => {
  const storage = await filledStore();
  const first = storage.append(makeEntries(11, 21, 2));
  await assert.rejects(storage.append(makeEntries(11, 12, 2)), RangeError, "after the pending");
  const second = storage.append(makeEntries(21, 23, 2));
  await Promise.all([first, second]);
  assert.equal(storage.lastIndex(), 22);
  assert.deepEqual(await storage.entries(1, 23), makeEntries(1, 23, 2));
  await storage.close();
});

Deno.test("RaftStorage.append() after a truncatePrefix() in flight starts at its index", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs });
  await storage.append(makeEntries(1, 4, 1));
  const truncated = storage.truncatePrefix(30);
  await assert.rejects(storage.append(makeEntries(4, 5, 1)), RangeError);
  await storage.append(makeEntries(30, 32, 2));
  await truncated;
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [30, 31]);
  assert.deepEqual(await storage.entries(30, 32), makeEntries(30, 32, 2));
  await storage.close();
  const reopened = await RaftStorage.open(DIR, { vfs });
  assert.deepEqual([reopened.firstIndex(), reopened.lastIndex()], [30, 31]);
  await reopened.close();
});

Deno.test("RaftStorage.truncateSuffix() refuses an index below a truncatePrefix() in flight", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs });
  await storage.append(makeEntries(1, 11, 1));
  const truncated = storage.truncatePrefix(8);
  await assert.rejects(storage.truncateSuffix(5), CompactedError);
  await truncated;
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [8, 10]);
  await storage.close();
  const reopened = await RaftStorage.open(DIR, { vfs });
  assert.deepEqual([reopened.firstIndex(), reopened.lastIndex()], [8, 10]);
  await reopened.close();
});

Deno.test("RaftStorage refuses indices and terms that are not integers from 0 to 2^53 - 1", async () => {
  const storage = await filledStore();
  for (const bad of BAD_NUMBERS) {
    const context = `value ${bad}`;
    await assert.rejects(storage.append([entryAt(bad, 2)]), RangeError, context);
    await assert.rejects(storage.append([entryAt(11, bad)]), RangeError, context);
    await assert.rejects(storage.entries(bad, 5), RangeError, context);
    await assert.rejects(storage.entries(1, bad), RangeError, context);
    await assert.rejects(storage.entry(bad), RangeError, context);
    await assert.rejects(storage.term(bad), RangeError, context);
    await assert.rejects(storage.truncateSuffix(bad), RangeError, context);
    await assert.rejects(storage.truncatePrefix(bad), RangeError, context);
    await assert.rejects(storage.saveState({ term: bad, votedFor: null }), RangeError, context);
    await assert.rejects(
      storage.saveSnapshot({ lastIndex: bad, lastTerm: 1 }, new Uint8Array()),
      RangeError,
      context,
    );
    await assert.rejects(
      storage.saveSnapshot({ lastIndex: 11, lastTerm: bad }, new Uint8Array()),
      RangeError,
      context,
    );
    await assert.rejects(storage.entries(1, 5, { maxBytes: -1 }), RangeError, context);
  }
  await assert.rejects(storage.entries(1, 5, { maxBytes: NaN }), RangeError);
  await assertIntact(storage, "after out-of-range numbers");
  await storage.close();
});

Deno.test("RaftStorage refuses arguments of the wrong type", async () => {
  const storage = await filledStore();
  const wrong: unknown[] = ["1", 1n, null, undefined, {}, [1]];
  for (const value of wrong) {
    const context = `value ${String(value)}`;
    await assert.rejects(storage.append([entryAt(value, 2)]), TypeError, context);
    await assert.rejects(storage.append([entryAt(11, value)]), TypeError, context);
    await assert.rejects(storage.entry(value as number), TypeError, context);
    await assert.rejects(storage.term(value as number), TypeError, context);
    await assert.rejects(storage.truncateSuffix(value as number), TypeError, context);
    await assert.rejects(storage.truncatePrefix(value as number), TypeError, context);
  }
  for (const command of ["abc", [1, 2], new ArrayBuffer(2), null]) {
    await assert.rejects(storage.append([entryAt(11, 2, command)]), TypeError);
  }
  await assert.rejects(storage.append("entries" as unknown as RaftEntry[]), TypeError);
  await assert.rejects(storage.append([null as unknown as RaftEntry]), TypeError);
  await assert.rejects(storage.saveState(null as never), TypeError);
  await assert.rejects(storage.saveState({ term: 3, votedFor: 7 as unknown as string }), TypeError);
  await assert.rejects(
    storage.saveState({ term: "4" as unknown as number, votedFor: null }),
    TypeError,
  );
  await assert.rejects(storage.saveSnapshot(null as never, new Uint8Array()), TypeError);
  await assert.rejects(
    storage.saveSnapshot(
      { lastIndex: 5, lastTerm: 2, configuration: "x" as never },
      new Uint8Array(),
    ),
    TypeError,
  );
  await assert.rejects(
    storage.saveSnapshot({ lastIndex: 5, lastTerm: 2 }, "data" as never),
    TypeError,
  );
  await assert.rejects(
    storage.saveSnapshot({ lastIndex: 5, lastTerm: 2 }, ReadableStream.from(["text"]) as never),
    TypeError,
  );
  await assertIntact(storage, "after wrong types");
  await storage.close();
});

Deno.test("RaftStorage.append() refuses a command above MAX_COMMAND_SIZE", async () => {
  assert.equal(MAX_COMMAND_SIZE, 64 * 1024 * 1024 - ENTRY_HEADER_SIZE);
  const storage = await filledStore();
  const command = new Uint8Array(MAX_COMMAND_SIZE + 1);
  await assert.rejects(storage.append([entryAt(11, 2, command)]), RangeError);
  await assert.rejects(
    storage.append([...makeEntries(11, 12, 2), entryAt(12, 2, command)]),
    RangeError,
    "an oversized command refuses its whole batch",
  );
  await assertIntact(storage, "after an oversized command");
  await storage.append([entryAt(11, 2, command.subarray(0, MAX_COMMAND_SIZE))]);
  assert.equal((await storage.entry(11)).command.length, MAX_COMMAND_SIZE);
  await storage.close();
});

Deno.test("RaftStorage.saveState() refuses a term below the saved one, even one in flight", async () => {
  const vfs = new MemVfs();
  const storage = await filledStore(vfs);
  await assert.rejects(storage.saveState({ term: 2, votedFor: "b" }), RangeError);
  await storage.saveState({ term: 3, votedFor: null });
  const higher = storage.saveState({ term: 9, votedFor: "c" });
  await assert.rejects(storage.saveState({ term: 4, votedFor: "d" }), RangeError);
  await higher;
  assert.deepEqual(await storage.loadState(), { term: 9, votedFor: "c" });
  await storage.close();
  const reopened = await RaftStorage.open(DIR, { vfs });
  assert.deepEqual(await reopened.loadState(), { term: 9, votedFor: "c" });
  await reopened.close();
});

Deno.test("RaftStorage refuses truncations and reads outside the log", async () => {
  const storage = await filledStore();
  await assert.rejects(storage.truncateSuffix(12), RangeError, "past lastIndex + 1");
  await storage.truncateSuffix(11);
  await assert.rejects(storage.entries(6, 5), RangeError, "lo > hi");
  await assert.rejects(storage.entries(5, 12), UnavailableError, "hi past lastIndex + 1");
  await assert.rejects(storage.entry(0), CompactedError);
  await assertIntact(storage, "after out-of-log calls");
  await storage.truncatePrefix(3);
  await assert.rejects(storage.truncateSuffix(2), CompactedError);
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [3, 10]);
  await storage.close();
});

Deno.test("RaftStorage throws ClosedError from every method after close()", async () => {
  const storage = await filledStore();
  await storage.close();
  const calls: [string, () => Promise<unknown>][] = [
    ["saveState", () => storage.saveState({ term: 5, votedFor: null })],
    ["loadState", () => storage.loadState()],
    ["append", () => storage.append(makeEntries(11, 12, 2))],
    ["entries", () => storage.entries(1, 2)],
    ["entry", () => storage.entry(1)],
    ["term", () => storage.term(1)],
    ["truncateSuffix", () => storage.truncateSuffix(5)],
    ["truncatePrefix", () => storage.truncatePrefix(5)],
    ["saveSnapshot", () => storage.saveSnapshot({ lastIndex: 5, lastTerm: 2 }, new Uint8Array())],
    ["loadSnapshot", () => storage.loadSnapshot()],
  ];
  for (const [name, call] of calls) await assert.rejects(call(), ClosedError, name);
  await storage.close();
});

Deno.test("RaftStorage.open() refuses a second owner and bad options", async () => {
  const vfs = new MemVfs();
  const storage = await filledStore(vfs);
  await assert.rejects(RaftStorage.open(DIR, { vfs }), LockedError);
  await assertIntact(storage, "after a second open");
  await storage.close();

  const bad: [unknown, unknown, ErrorConstructor][] = [
    ["", {}, TypeError],
    [7, {}, TypeError],
    [DIR, null, TypeError],
    [DIR, { vfs: {} }, TypeError],
    [DIR, { segmentSize: 1024 }, RangeError],
    [DIR, { segmentSize: 65536.5 }, RangeError],
    [DIR, { segmentSize: "big" }, TypeError],
    [DIR, { retainedLogSize: -1 }, RangeError],
    [DIR, { retainedLogSize: NaN }, RangeError],
    [DIR, { syncOnAppend: 1 }, TypeError],
    [DIR, { autoTruncateOnSnapshot: "yes" }, TypeError],
    [DIR, { metrics: {} }, TypeError],
  ];
  for (const [path, options, type] of bad) {
    const merged = options === null ? null : { vfs, ...options as object };
    await assert.rejects(
      RaftStorage.open(path as string, merged as never),
      type,
      `${String(path)} ${JSON.stringify(options)}`,
    );
  }
  const reopened = await RaftStorage.open(DIR, { vfs });
  await assertIntact(reopened, "after bad options");
  await reopened.close();
});
