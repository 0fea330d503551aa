// The child process of raft_killed_process_test.ts: opens a RaftStorage on the real disk
// in the directory given as its first argument and works until killed: appends batches
// of entries (two batches in flight at a time), now and then saves the state or truncates
// the log's prefix, and prints a line for each acknowledged call:
//   "E <index> <term>"   entry <index> is durable, its command killedProcessCommand(…)
//   "S <term> <vote>"    the state is durable
//   "P <index>"          the prefix before <index> is gone
// The second argument is the round: entries get term round + 1, states terms above it;
// the third seeds the choices.

import { RaftStorage } from "../../src/raft/raft_storage.ts";
import { Prng } from "../_helpers/prng.ts";
import { entryCommand } from "../_helpers/raft_entries.ts";

/** The command of entry `index` written in `term`. */
export function killedProcessCommand(index: number, term: number): Uint8Array {
  return entryCommand(index, term, 0, 12 + (index * 7919) % 3000);
}

if (import.meta.main) {
  const [dir, roundText, seedText] = Deno.args;
  if (dir === undefined || roundText === undefined || seedText === undefined) {
    throw new TypeError("Usage: _raft_crash_child.ts <directory> <round> <seed>");
  }
  const round = Number(roundText);
  const prng = new Prng(Number(seedText) * 31 + round);
  const storage = await RaftStorage.open(dir, { segmentSize: 64 * 1024 });
  const encoder = new TextEncoder();
  const print = (line: string): void => {
    Deno.stdout.writeSync(encoder.encode(`${line}\n`));
  };
  const term = round + 1;
  let stateTerm = (await storage.loadState()).term;
  let next = storage.lastIndex() + 1;
  const batch = (): Promise<void> => {
    const entries = Array.from({ length: 1 + prng.int(16) }, (_, offset) => ({
      index: next + offset,
      term,
      command: killedProcessCommand(next + offset, term),
    }));
    next += entries.length;
    return storage.append(entries).then(() => {
      for (const entry of entries) print(`E ${entry.index} ${term}`);
    });
  };
  for (let step = 0;; step++) {
    const calls = [batch(), batch()];
    if (prng.int(5) === 0) {
      stateTerm = Math.max(stateTerm + 1, term);
      const state = { term: stateTerm, votedFor: `node-${prng.int(9)}` };
      calls.push(storage.saveState(state).then(() => print(`S ${state.term} ${state.votedFor}`)));
    }
    if (prng.int(6) === 0) {
      const index = Math.max(storage.firstIndex(), storage.lastIndex() - 20 - prng.int(40));
      calls.push(storage.truncatePrefix(index).then(() => print(`P ${index}`)));
    }
    await Promise.all(calls);
  }
}
