// RaftStorage loses power at every write boundary in turn: a fixed workload of appends
// (batches of 1 to 64, some concurrent with each other or with a state save), state saves,
// suffix truncations followed by appends in a new term, prefix truncations that remove
// segments, and snapshots (matching the log, beyond it, in conflict with it, from bytes or
// a stream) runs on a CrashPointVfs that crashes its MemVfs after mutating operation k,
// for every k. The store reopened on the bare MemVfs must meet what Raft needs of it.
// Replay plans with CAIRN_SEED=<seed>[,<seed>…].

import { CRASH_MODES, crashAtEveryWrite } from "../_helpers/crash_everywhere.ts";
import assert from "node:assert/strict";
import { type RaftState, RaftStorage } from "../../src/raft/raft_storage.ts";
import type { CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import { type CrashPointVfs, WorkloadFailures } from "../_helpers/crash_point_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import { chunkedStream, entryCommand } from "../_helpers/raft_entries.ts";

const DIR = "/raft";
const OPTIONS = { segmentSize: 64 * 1024, retainedLogSize: 8 };
const REPLAY = Deno.env.get("CAIRN_SEED");
/** Together these plans call every kind of step (1: a conflicting snapshot; 4 and 8: prefix
 * truncations, some beside a state save). */
const PLAN_SEEDS = REPLAY?.split(",").map(Number) ?? [1, 4, 8];

interface PlannedEntry {
  index: number;
  term: number;
  serial: number;
  size: number;
}

/** One call of the workload; the calls of one step are issued together. */
type Call =
  | { kind: "append"; entries: PlannedEntry[] }
  | { kind: "state"; state: RaftState; serial: number }
  | { kind: "suffix"; index: number }
  | { kind: "prefix"; index: number }
  | {
    kind: "snapshot";
    serial: number;
    lastIndex: number;
    lastTerm: number;
    size: number;
    stream: boolean;
    /** The first index once it is installed, and whether it discards the whole log. */
    firstAfter: number;
    discards: boolean;
  };

/** A fixed random workload, planned against a model of the log it builds. */
function makePlan(seed: number): Call[][] {
  const prng = new Prng(seed);
  const steps: Call[][] = [];
  const terms: number[] = []; // terms[index]
  let first = 1;
  let last = 0;
  let term = 1;
  let serial = 1;
  let stateTerm = 0;
  const append = (count: number): Call => {
    const entries: PlannedEntry[] = [];
    for (let i = 0; i < count; i++) {
      const size = 12 + (prng.int(8) === 0 ? 2000 + prng.int(6000) : prng.int(600));
      entries.push({ index: ++last, term, serial: serial++, size });
      terms[last] = term;
    }
    return { kind: "append", entries };
  };
  const state = (): Call => {
    stateTerm = Math.max(stateTerm + 1, term);
    const votedFor = prng.int(3) === 0 ? null : `node-${prng.int(5)}`;
    return { kind: "state", state: { term: stateTerm, votedFor }, serial: serial++ };
  };
  for (let step = 0; step < 26; step++) {
    const roll = prng.int(100);
    if (roll < 45 || last < first) {
      const count = 1 + prng.int(64);
      const calls = [append(count)];
      if (prng.int(4) === 0) calls.push(append(1 + prng.int(8)));
      if (prng.int(3) === 0) calls.push(state());
      steps.push(calls);
    } else if (roll < 55) {
      steps.push([state()]);
    } else if (roll < 67) {
      const index = last - prng.int(Math.min(12, last - first + 1));
      steps.push([{ kind: "suffix", index }]);
      last = index - 1;
      term++;
      steps.push([append(1 + prng.int(16))]);
    } else if (roll < 78) {
      const index = prng.int(4) === 0 ? last + 1 + prng.int(6) : first + prng.int(last - first + 2);
      steps.push(
        prng.int(2) === 0 ? [{ kind: "prefix", index }] : [{ kind: "prefix", index }, state()],
      );
      if (index > first) first = index;
      last = Math.max(last, first - 1);
    } else {
      const kind = prng.int(6);
      let lastIndex: number;
      let lastTerm: number;
      let discards = false;
      if (kind === 0) {
        lastIndex = last + 1 + prng.int(10);
        lastTerm = term;
        discards = true;
      } else if (kind === 1) {
        lastIndex = first + prng.int(last - first + 1);
        lastTerm = ++term;
        discards = true;
      } else {
        lastIndex = first + prng.int(last - first + 1);
        lastTerm = terms[lastIndex]!;
      }
      const firstAfter = discards
        ? lastIndex + 1
        : Math.max(first, lastIndex + 1 - OPTIONS.retainedLogSize);
      steps.push([{
        kind: "snapshot",
        serial: serial++,
        lastIndex,
        lastTerm,
        size: prng.int(3) === 0 ? 70_000 + prng.int(60_000) : prng.int(3000),
        stream: prng.int(2) === 0,
        firstAfter,
        discards,
      }]);
      first = firstAfter;
      if (discards) last = first - 1;
    }
  }
  return steps;
}

/** What the workload was told before the power loss. */
class Outcome {
  /** Every entry whose append was called, by serial. */
  readonly issued = new Map<number, PlannedEntry>();
  /** Serials of entries an acknowledged truncation removed for good. */
  readonly removed = new Set<number>();
  /** Live acknowledged entries: index to serial. */
  readonly acked = new Map<number, number>();
  /** Every state saved (called), in call order; and how many were acknowledged, in order. */
  readonly states: RaftState[] = [{ term: 0, votedFor: null }];
  ackedState = 0;
  /** The first index may not go below this (acknowledged prefix truncations). */
  ackedFirst = 1;
  /** The first index may go up to this (every prefix truncation called). */
  issuedFirst = 1;
  /** Serials of the snapshots called, and the last acknowledged one (0: none). */
  readonly snapshots: number[] = [];
  ackedSnapshot = 0;
  crashed = false;

  ackPrefix(first: number): void {
    this.ackedFirst = Math.max(this.ackedFirst, first);
    for (const index of [...this.acked.keys()]) if (index < first) this.acked.delete(index);
  }

  /** A suffix truncation was called: the entries it covers may vanish from now on. */
  issueSuffix(index: number): void {
    for (const key of [...this.acked.keys()]) if (key >= index) this.acked.delete(key);
  }

  /** It was acknowledged: the entries written before it that it covers never come back. */
  ackSuffix(index: number, issuedBefore: readonly number[]): void {
    for (const serial of issuedBefore) {
      if (this.issued.get(serial)!.index >= index) this.removed.add(serial);
    }
  }
}

/** The serial {@linkcode entryCommand} wrote into a command. */
function serialOf(command: Uint8Array): number {
  return new DataView(command.buffer, command.byteOffset, command.byteLength).getUint32(8, true);
}

function snapshotData(serial: number, size: number): Uint8Array {
  return new Prng(serial * 7919).bytes(size);
}

/** Runs the plan on `vfs` until it ends or power fails, recording what was acknowledged. */
async function runWorkload(vfs: CrashPointVfs, plan: readonly Call[][]): Promise<Outcome> {
  const outcome = new Outcome();
  const failures = new WorkloadFailures();
  const settle = failures.settle;
  try {
    const storage = await RaftStorage.open(DIR, { vfs, ...OPTIONS });
    for (const step of plan) {
      if (vfs.crashed) break;
      await Promise.all(step.map((call) => settle(issue(storage, call, outcome))));
    }
    await settle(storage.close());
  } catch (error) {
    failures.record(error);
  }
  outcome.crashed = failures.crashed();
  return outcome;
}

/** Issues one call and records its acknowledgement. */
function issue(storage: RaftStorage, call: Call, outcome: Outcome): Promise<void> {
  switch (call.kind) {
    case "append": {
      for (const entry of call.entries) outcome.issued.set(entry.serial, entry);
      const entries = call.entries.map(({ index, term, serial, size }) => ({
        index,
        term,
        command: entryCommand(index, term, serial, size),
      }));
      return storage.append(entries).then(() => {
        for (const entry of call.entries) outcome.acked.set(entry.index, entry.serial);
      });
    }
    case "state": {
      const position = outcome.states.push(call.state) - 1;
      return storage.saveState(call.state).then(() => {
        outcome.ackedState = Math.max(outcome.ackedState, position);
      });
    }
    case "suffix": {
      const before = [...outcome.issued.keys()];
      outcome.issueSuffix(call.index);
      return storage.truncateSuffix(call.index).then(() => outcome.ackSuffix(call.index, before));
    }
    case "prefix":
      outcome.issuedFirst = Math.max(outcome.issuedFirst, call.index);
      return storage.truncatePrefix(call.index).then(() => outcome.ackPrefix(call.index));
    case "snapshot": {
      outcome.snapshots.push(call.serial);
      outcome.issuedFirst = Math.max(outcome.issuedFirst, call.firstAfter);
      const before = [...outcome.issued.keys()];
      if (call.discards) outcome.issueSuffix(0);
      const data = snapshotData(call.serial, call.size);
      const meta = {
        lastIndex: call.lastIndex,
        lastTerm: call.lastTerm,
        configuration: new TextEncoder().encode(`snapshot ${call.serial}`),
      };
      return storage.saveSnapshot(meta, call.stream ? chunkedStream(data, 16 * 1024) : data)
        .then(() => {
          outcome.ackedSnapshot = call.serial;
          if (call.discards) outcome.ackSuffix(0, before);
          outcome.ackPrefix(call.firstAfter);
        });
    }
  }
}

/** Reopens the crashed store and checks it against what was acknowledged. */
async function checkRecovered(mem: MemVfs, outcome: Outcome, context: string): Promise<void> {
  const storage = await RaftStorage.open(DIR, { vfs: mem, ...OPTIONS });
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  assert.ok(first >= outcome.ackedFirst, `${context}: first index ${first} went back`);
  assert.ok(first <= outcome.issuedFirst, `${context}: first index ${first} was never asked`);

  const entries = await storage.entries(first, last + 1);
  for (const entry of entries) {
    const serial = serialOf(entry.command);
    const issued = outcome.issued.get(serial);
    const where = `${context}: entry ${entry.index} (serial ${serial})`;
    assert.ok(issued !== undefined && issued.index === entry.index, `${where} never written`);
    assert.equal(entry.term, issued.term, `${where}: term`);
    assert.deepEqual(
      entry.command,
      entryCommand(issued.index, issued.term, serial, issued.size),
      `${where}: bytes`,
    );
    assert.ok(!outcome.removed.has(serial), `${where} was removed by a truncation`);
  }
  for (const [index, serial] of outcome.acked) {
    if (index < first) {
      assert.ok(index < outcome.issuedFirst, `${context}: acknowledged entry ${index} is gone`);
      continue;
    }
    const entry = entries[index - first];
    const found = entry === undefined ? "missing" : `${entry.index}/${entry.term}`;
    assert.ok(
      entry !== undefined && serialOf(entry.command) === serial,
      `${context}: acknowledged entry ${index} (serial ${serial}) is ${found}`,
    );
  }

  const state = await storage.loadState();
  const at = outcome.states.findLastIndex((saved) =>
    saved.term === state.term && saved.votedFor === state.votedFor
  );
  assert.ok(at >= outcome.ackedState, `${context}: state ${JSON.stringify(state)} at ${at}`);

  const snapshot = await storage.loadSnapshot();
  if (snapshot === undefined) {
    assert.equal(outcome.ackedSnapshot, 0, `${context}: the snapshot is gone`);
  } else {
    const serial = Number(new TextDecoder().decode(snapshot.meta.configuration).split(" ")[1]);
    const position = outcome.snapshots.indexOf(serial);
    assert.ok(position >= 0, `${context}: snapshot ${serial} was never saved`);
    assert.ok(
      position >= outcome.snapshots.indexOf(outcome.ackedSnapshot),
      `${context}: snapshot ${serial} is older than the acknowledged ${outcome.ackedSnapshot}`,
    );
    const data = await snapshot.bytes();
    assert.deepEqual(data, snapshotData(serial, data.length), `${context}: snapshot bytes`);
    const { lastIndex, lastTerm } = snapshot.meta;
    if (lastIndex >= first - 1) {
      assert.ok(lastIndex <= last, `${context}: the log ends at ${last}, before the snapshot`);
      if (lastIndex >= first) {
        assert.equal(entries[lastIndex - first]!.term, lastTerm, `${context}: log vs snapshot`);
      }
    }
  }

  // The store accepts writes and keeps them.
  const term = Math.max(state.term + 1, ...entries.map((entry) => entry.term + 1));
  const more = [1, 2, 3].map((offset) => ({
    index: last + offset,
    term,
    command: entryCommand(last + offset, term, 0, 40),
  }));
  await storage.saveState({ term, votedFor: "after" });
  await storage.append(more);
  await storage.truncateSuffix(last + 3);
  await storage.close();
  const again = await RaftStorage.open(DIR, { vfs: mem, ...OPTIONS });
  assert.deepEqual(await again.loadState(), { term, votedFor: "after" }, `${context}: state`);
  assert.equal(again.lastIndex(), last + 2, `${context}: last index after new appends`);
  assert.deepEqual(await again.entries(last + 1, last + 3), more.slice(0, 2), context);
  await again.close();
}

/** Crashes the workload after each mutating operation in turn; returns how many there are. */
async function crashEverywhere(seed: number, crash: (k: number) => CrashOptions): Promise<number> {
  const plan = makePlan(seed);
  const { operations } = await crashAtEveryWrite(
    `plan seed ${seed}`,
    crash,
    (vfs) => runWorkload(vfs, plan),
    async ({ mem, outcome, crashed, context }) => {
      assert.equal(outcome.crashed, crashed, context);
      await checkRecovered(mem, outcome, context);
    },
  );
  return operations;
}

for (const { name, crash } of CRASH_MODES) {
  Deno.test(`RaftStorage ${name}`, async () => {
    for (const seed of PLAN_SEEDS) {
      const operations = await crashEverywhere(seed, (k) => crash(k, seed));
      assert.ok(operations > 100, `plan seed ${seed}: only ${operations} operations`);
    }
  });
}
