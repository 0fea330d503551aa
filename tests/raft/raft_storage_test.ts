import assert from "node:assert/strict";
import { CompactedError, StoreFailedError, UnavailableError } from "../../src/errors.ts";
import { RaftStorage } from "../../src/raft/raft_storage.ts";
import { FaultVfs } from "../../src/vfs/fault_vfs.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import {
  chunkedStream,
  entryCommand,
  makeEntries,
  readStream,
  segmentNames,
} from "../_helpers/raft_entries.ts";

const DIR = "/node";
const SEGMENT_SIZE = 64 * 1024;

function config(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

Deno.test("RaftStorage.open() starts a new store at term 0 with an empty log", async () => {
  const storage = await RaftStorage.open(DIR, { vfs: new MemVfs() });
  assert.deepEqual(await storage.loadState(), { term: 0, votedFor: null });
  assert.equal(storage.firstIndex(), 1);
  assert.equal(storage.lastIndex(), 0);
  assert.equal(await storage.term(0), 0);
  assert.equal(await storage.loadSnapshot(), undefined);
  await assert.rejects(storage.entry(1), UnavailableError);
  assert.deepEqual(await storage.entries(1, 1), []);
  await storage.close();
});

Deno.test("RaftStorage.append() stores entries that entries(), entry() and term() read back", async () => {
  const storage = await RaftStorage.open(DIR, { vfs: new MemVfs() });
  const written = [...makeEntries(1, 6, 1, 100), ...makeEntries(6, 11, 2, 3000)];
  await storage.append(written.slice(0, 4));
  await storage.append(written.slice(4));
  await storage.append([]);
  assert.equal(storage.lastIndex(), 10);
  assert.deepEqual(await storage.entries(1, 11), written);
  assert.deepEqual(await storage.entries(3, 7), written.slice(2, 6));
  assert.deepEqual(await storage.entry(7), written[6]);
  assert.equal(await storage.term(5), 1);
  assert.equal(await storage.term(6), 2);
  await assert.rejects(storage.entries(1, 12), UnavailableError);
  await assert.rejects(storage.term(11), UnavailableError);
  await storage.close();
});

Deno.test("RaftStorage.entries() stops at maxBytes but returns at least one entry", async () => {
  const storage = await RaftStorage.open(DIR, { vfs: new MemVfs() });
  const written = makeEntries(1, 11, 1, 100);
  await storage.append(written);
  assert.deepEqual(await storage.entries(1, 11, { maxBytes: 350 }), written.slice(0, 3));
  assert.deepEqual(await storage.entries(1, 11, { maxBytes: 300 }), written.slice(0, 3));
  assert.deepEqual(await storage.entries(4, 11, { maxBytes: 0 }), written.slice(3, 4));
  assert.deepEqual(await storage.entries(4, 11, { maxBytes: 99 }), written.slice(3, 4));
  assert.deepEqual(await storage.entries(1, 11, { maxBytes: 1e9 }), written);
  await storage.close();
});

Deno.test("RaftStorage.truncateSuffix() removes entries for good and lets a new term follow", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs });
  await storage.append(makeEntries(1, 11, 1));
  await storage.truncateSuffix(6);
  assert.equal(storage.lastIndex(), 5);
  await assert.rejects(storage.entry(6), UnavailableError);
  await storage.truncateSuffix(6);
  const replacement = makeEntries(6, 9, 3, 40);
  await storage.append(replacement);
  assert.deepEqual(await storage.entries(1, 9), [...makeEntries(1, 6, 1), ...replacement]);
  await storage.close();

  const reopened = await RaftStorage.open(DIR, { vfs });
  assert.equal(reopened.lastIndex(), 8);
  assert.deepEqual(await reopened.entries(1, 9), [...makeEntries(1, 6, 1), ...replacement]);
  await reopened.truncateSuffix(1);
  assert.equal(reopened.lastIndex(), 0);
  await reopened.close();
  const empty = await RaftStorage.open(DIR, { vfs });
  assert.deepEqual([empty.firstIndex(), empty.lastIndex()], [1, 0]);
  await empty.close();
});

Deno.test("RaftStorage.truncatePrefix() compacts inside the log and past its end", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs });
  await storage.append(makeEntries(1, 21, 1));
  await storage.truncatePrefix(8);
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [8, 20]);
  await assert.rejects(storage.entry(7), CompactedError);
  await assert.rejects(storage.entries(7, 9), CompactedError);
  await assert.rejects(storage.term(7), CompactedError);
  assert.deepEqual(await storage.entries(8, 21), makeEntries(8, 21, 1));
  await storage.truncatePrefix(3);
  assert.equal(storage.firstIndex(), 8, "a lower prefix changes nothing");
  await storage.truncatePrefix(50);
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [50, 49]);
  await storage.append(makeEntries(50, 53, 4));
  await storage.close();

  const reopened = await RaftStorage.open(DIR, { vfs });
  assert.deepEqual([reopened.firstIndex(), reopened.lastIndex()], [50, 52]);
  assert.deepEqual(await reopened.entries(50, 53), makeEntries(50, 53, 4));
  await reopened.close();
});

Deno.test("RaftStorage.saveSnapshot() stores bytes and streams that load back whole", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs });
  await storage.append(makeEntries(1, 11, 2));
  const small = new Prng(11).bytes(1000);
  await storage.saveSnapshot({ lastIndex: 4, lastTerm: 2, configuration: config("a,b,c") }, small);
  let loaded = await storage.loadSnapshot();
  assert.deepEqual(loaded?.meta, { lastIndex: 4, lastTerm: 2, configuration: config("a,b,c") });
  assert.equal(loaded?.size, 1000);
  assert.deepEqual(await loaded?.bytes(), small);
  assert.deepEqual(await readStream(loaded!.stream()), small);

  const big = new Prng(12).bytes(5 * 1024 * 1024 + 123);
  await storage.saveSnapshot({ lastIndex: 8, lastTerm: 2 }, chunkedStream(big, 64 * 1024 + 7));
  loaded = await storage.loadSnapshot();
  assert.deepEqual(loaded?.meta, { lastIndex: 8, lastTerm: 2 });
  assert.equal(loaded?.size, big.length);
  assert.deepEqual(await loaded?.bytes(), big);
  const streamed = await readStream(loaded!.stream());
  assert.deepEqual(streamed, big);
  assert.equal(await storage.term(8), 2);
  await storage.close();

  const reopened = await RaftStorage.open(DIR, { vfs });
  const again = await reopened.loadSnapshot();
  assert.deepEqual(again?.meta, { lastIndex: 8, lastTerm: 2 });
  assert.deepEqual(await again?.bytes(), big);
  assert.deepEqual(vfs.list(DIR).filter((name) => name.startsWith("SNAPSHOT")), ["SNAPSHOT"]);
  await reopened.close();
});

Deno.test("RaftStorage.saveSnapshot() keeps retainedLogSize entries of a matching log", async () => {
  const storage = await RaftStorage.open(DIR, { vfs: new MemVfs(), retainedLogSize: 5 });
  await storage.append(makeEntries(1, 31, 3));
  await storage.saveSnapshot({ lastIndex: 20, lastTerm: 3 }, new Uint8Array([1]));
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [16, 30]);
  assert.equal(await storage.term(20), 3);
  await storage.saveSnapshot({ lastIndex: 3, lastTerm: 3 }, new Uint8Array([2]));
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [16, 30], "older snapshot");
  assert.equal(await storage.term(3), 3, "term() answers for the snapshot's last index");
  await storage.close();

  const kept = await RaftStorage.open(DIR, { vfs: new MemVfs(), autoTruncateOnSnapshot: false });
  await kept.append(makeEntries(1, 31, 3));
  await kept.saveSnapshot({ lastIndex: 20, lastTerm: 3 }, new Uint8Array([1]));
  assert.deepEqual([kept.firstIndex(), kept.lastIndex()], [1, 30]);
  await kept.close();
});

Deno.test("RaftStorage.saveSnapshot() discards the log behind it or in conflict with it", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs });
  await storage.append(makeEntries(1, 11, 1));
  await storage.saveSnapshot({ lastIndex: 25, lastTerm: 4 }, new Uint8Array([9]));
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [26, 25]);
  assert.equal(await storage.term(25), 4);
  await storage.append(makeEntries(26, 31, 4));

  await storage.saveSnapshot({ lastIndex: 28, lastTerm: 5 }, new Uint8Array([8]));
  assert.deepEqual([storage.firstIndex(), storage.lastIndex()], [29, 28], "conflicting term");
  assert.equal(await storage.term(28), 5);
  await storage.append(makeEntries(29, 33, 5));
  await storage.close();

  const reopened = await RaftStorage.open(DIR, { vfs });
  assert.deepEqual([reopened.firstIndex(), reopened.lastIndex()], [29, 32]);
  assert.equal(await reopened.term(28), 5);
  assert.deepEqual(await reopened.entries(29, 33), makeEntries(29, 33, 5));
  await reopened.close();
});

Deno.test("RaftStorage keeps state, log and snapshot across close and reopen", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs });
  await storage.saveState({ term: 7, votedFor: "node-3" });
  await storage.append(makeEntries(1, 41, 7, 500));
  await storage.truncateSuffix(31);
  await storage.append(makeEntries(31, 36, 8, 600));
  await storage.saveSnapshot(
    { lastIndex: 12, lastTerm: 7, configuration: config("x") },
    config("s"),
  );
  await storage.truncatePrefix(10);
  await storage.saveState({ term: 8, votedFor: null });
  await storage.close();
  await storage.close();

  const reopened = await RaftStorage.open(DIR, { vfs });
  assert.deepEqual(await reopened.loadState(), { term: 8, votedFor: null });
  assert.deepEqual([reopened.firstIndex(), reopened.lastIndex()], [10, 35]);
  assert.deepEqual(await reopened.entries(10, 36), [
    ...makeEntries(10, 31, 7, 500),
    ...makeEntries(31, 36, 8, 600),
  ]);
  const snapshot = await reopened.loadSnapshot();
  assert.deepEqual(snapshot?.meta, { lastIndex: 12, lastTerm: 7, configuration: config("x") });
  assert.deepEqual(await snapshot?.bytes(), config("s"));
  await reopened.close();
});

Deno.test("RaftStorage.truncatePrefix() removes old segments and keeps the state they held", async () => {
  const vfs = new MemVfs();
  const storage = await RaftStorage.open(DIR, { vfs, segmentSize: SEGMENT_SIZE });
  await storage.saveState({ term: 2, votedFor: "node-1" });
  for (let index = 1; index <= 100; index += 10) {
    await storage.append(makeEntries(index, index + 10, 2, 4000));
  }
  const before = segmentNames(vfs.list(DIR));
  assert.ok(before.length >= 5, `only ${before.length} segments`);
  await storage.truncatePrefix(90);
  const after = segmentNames(vfs.list(DIR));
  assert.ok(after.length <= 2, `segments left: ${after.join(", ")}`);
  assert.ok(!after.includes(before[0]!), "the segment holding the state is gone");
  assert.deepEqual(await storage.entries(90, 101), makeEntries(90, 101, 2, 4000));
  await storage.close();

  const reopened = await RaftStorage.open(DIR, { vfs, segmentSize: SEGMENT_SIZE });
  assert.deepEqual(await reopened.loadState(), { term: 2, votedFor: "node-1" });
  assert.deepEqual([reopened.firstIndex(), reopened.lastIndex()], [90, 100]);
  assert.deepEqual(await reopened.entries(90, 101), makeEntries(90, 101, 2, 4000));
  await reopened.truncatePrefix(200);
  await reopened.close();
  const emptied = await RaftStorage.open(DIR, { vfs, segmentSize: SEGMENT_SIZE });
  assert.deepEqual(await emptied.loadState(), { term: 2, votedFor: "node-1" });
  assert.deepEqual([emptied.firstIndex(), emptied.lastIndex()], [200, 199]);
  assert.equal(segmentNames(vfs.list(DIR)).length, 1);
  await emptied.close();
});

Deno.test("RaftStorage.metrics() counts calls, errors, bytes and latency per operation", async () => {
  const storage = await RaftStorage.open(DIR, { vfs: new MemVfs() });
  await storage.append(makeEntries(1, 4, 1, 10));
  await storage.append(makeEntries(4, 5, 1, 10));
  await assert.rejects(storage.append(makeEntries(9, 10, 1)), RangeError);
  await storage.entries(1, 5);
  await storage.entry(2);
  await storage.saveState({ term: 1, votedFor: "a" });
  await storage.loadState();
  await storage.truncateSuffix(4);
  await storage.truncatePrefix(2);
  await storage.saveSnapshot({ lastIndex: 2, lastTerm: 1 }, new Uint8Array(77));
  await storage.loadSnapshot();
  const metrics = storage.metrics();
  const series = (name: string, op: string) => metrics[`${name}{op="${op}"}`];
  assert.equal(series("cairn_raft_operations_total", "append"), 3);
  assert.equal(series("cairn_raft_errors_total", "append"), 1);
  assert.equal(series("cairn_raft_bytes_total", "append"), 40);
  assert.equal(series("cairn_raft_bytes_total", "entries"), 40);
  assert.equal(series("cairn_raft_bytes_total", "save_snapshot"), 77);
  for (
    const op of [
      "entry",
      "save_state",
      "load_state",
      "truncate_suffix",
      "truncate_prefix",
      "load_snapshot",
    ]
  ) {
    assert.ok((series("cairn_raft_operations_total", op) as number) >= 1, op);
    assert.equal(series("cairn_raft_errors_total", op), 0, op);
  }
  const latency = series("cairn_raft_operation_seconds", "append");
  assert.ok(typeof latency === "object" && latency.count === 3, JSON.stringify(latency));
  const summary = storage.metricsSummary();
  assert.match(summary, /^append +calls +3 +errors +1 +bytes +40 B +avg +[\d.]+ ms +p95 .+ max /m);
  assert.match(summary, /^save_snapshot +calls +1 +errors +0 +bytes +77 B /m);
  assert.match(summary, /^load_snapshot +calls +1 /m);
  await storage.close();
});

Deno.test("RaftStorage shares fsyncs among concurrent writes and applies them in call order", async () => {
  const faults = new FaultVfs(new MemVfs());
  const storage = await RaftStorage.open(DIR, { vfs: faults });
  const syncsBefore = faults.calls("sync");
  const calls: Promise<void>[] = [];
  for (let index = 1; index <= 200; index++) {
    calls.push(storage.append([{ index, term: 1, command: entryCommand(index, 1, 0, 50) }]));
    if (index % 20 === 0) calls.push(storage.saveState({ term: index, votedFor: `n${index}` }));
  }
  calls.push(storage.truncateSuffix(191));
  calls.push(storage.append(makeEntries(191, 196, 300)));
  await Promise.all(calls);
  const syncs = faults.calls("sync") - syncsBefore;
  assert.ok(syncs <= calls.length / 5, `${syncs} fsyncs for ${calls.length} calls`);
  assert.deepEqual(await storage.loadState(), { term: 200, votedFor: "n200" });
  assert.equal(storage.lastIndex(), 195);
  assert.deepEqual(await storage.entries(189, 196), [
    ...makeEntries(189, 191, 1, 50),
    ...makeEntries(191, 196, 300),
  ]);
  await storage.close();
  const reopened = await RaftStorage.open(DIR, { vfs: faults });
  assert.deepEqual(await reopened.loadState(), { term: 200, votedFor: "n200" });
  assert.equal(reopened.lastIndex(), 195);
  await reopened.close();
});

Deno.test("RaftStorage refuses writes after a failed fsync and still serves reads", async () => {
  const faults = new FaultVfs(new MemVfs());
  const storage = await RaftStorage.open(DIR, { vfs: faults });
  await storage.append(makeEntries(1, 6, 1));
  await storage.saveState({ term: 1, votedFor: "a" });
  faults.inject({ op: "sync", path: ".log" });
  await assert.rejects(storage.append(makeEntries(6, 7, 1)), StoreFailedError);
  assert.equal(storage.lastIndex(), 5);
  await assert.rejects(storage.append(makeEntries(6, 7, 1)), StoreFailedError);
  await assert.rejects(storage.saveState({ term: 2, votedFor: null }), StoreFailedError);
  await assert.rejects(storage.truncateSuffix(3), StoreFailedError);
  await assert.rejects(storage.truncatePrefix(3), StoreFailedError);
  assert.deepEqual(await storage.entries(1, 6), makeEntries(1, 6, 1));
  assert.equal(await storage.term(5), 1);
  assert.deepEqual(await storage.loadState(), { term: 1, votedFor: "a" });
  await assert.rejects(storage.close(), StoreFailedError);
});

Deno.test("RaftStorage keeps a saveState() made while truncatePrefix() rewrites the state", async () => {
  for (let ticks = 0; ticks < 12; ticks++) {
    const vfs = new MemVfs();
    const storage = await RaftStorage.open(DIR, { vfs, segmentSize: SEGMENT_SIZE });
    await storage.saveState({ term: 1, votedFor: "x" });
    for (let index = 1; index <= 40; index += 5) {
      await storage.append(makeEntries(index, index + 5, 1, 8000));
    }
    const truncated = storage.truncatePrefix(35);
    for (let tick = 0; tick < ticks; tick++) await null;
    await Promise.all([truncated, storage.saveState({ term: 9, votedFor: "y" })]);
    assert.deepEqual(await storage.loadState(), { term: 9, votedFor: "y" }, `${ticks} ticks`);
    await storage.close();
    const reopened = await RaftStorage.open(DIR, { vfs, segmentSize: SEGMENT_SIZE });
    assert.deepEqual(await reopened.loadState(), { term: 9, votedFor: "y" }, `${ticks} ticks`);
    assert.equal(reopened.firstIndex(), 35, `${ticks} ticks`);
    await reopened.close();
  }
});
