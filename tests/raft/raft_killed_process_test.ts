// A real process appending to a RaftStorage on the real disk is killed with SIGKILL after
// a seeded number of acknowledgements, three times over on the same directory; the store
// reopened in this process must hold every acknowledged entry, prefix truncation and state.
// Replay with CAIRN_SEED=<seed>.

import assert from "node:assert/strict";
import { RaftStorage } from "../../src/raft/raft_storage.ts";
import { readLinesThenKill, spawnChild } from "../_helpers/killed_child.ts";
import { Prng } from "../_helpers/prng.ts";
import { killedProcessCommand } from "./_raft_crash_child.ts";

const SEED = Number(Deno.env.get("CAIRN_SEED") ?? 11);
const ROUNDS = 3;

/** What the child acknowledged before it was killed. */
interface Acknowledged {
  entries: Map<number, number>;
  prefix: number;
  state: { term: number; votedFor: string } | undefined;
  lines: number;
  prefixes: number;
  states: number;
}

/** Reads the child's lines until `count` are read, then kills it with SIGKILL. */
async function killAfter(child: Deno.ChildProcess, count: number): Promise<Acknowledged> {
  const acknowledged: Acknowledged = {
    entries: new Map(),
    prefix: 1,
    state: undefined,
    lines: 0,
    prefixes: 0,
    states: 0,
  };
  acknowledged.lines = await readLinesThenKill(child, count, (line) => {
    const [kind, a, b] = line.split(" ");
    if (kind === "E") acknowledged.entries.set(Number(a), Number(b));
    else if (kind === "P") {
      acknowledged.prefix = Math.max(acknowledged.prefix, Number(a));
      acknowledged.prefixes++;
    } else if (kind === "S") {
      acknowledged.states++;
      const term = Number(a);
      if (term > (acknowledged.state?.term ?? 0)) acknowledged.state = { term, votedFor: b! };
    } else throw new Error(`Unexpected line from the child: ${line}`);
  });
  return acknowledged;
}

Deno.test("RaftStorage keeps every acknowledged write when its process is killed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cairn_killed_raft_" });
  const prng = new Prng(SEED);
  let firstAtLeast = 1;
  let lastState: { term: number; votedFor: string | null } = { term: 0, votedFor: null };
  const everAcknowledged = new Map<number, number>();
  let prefixes = 0;
  let states = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const context = `seed ${SEED}, round ${round}`;
      const count = 150 + prng.int(400);
      const child = spawnChild(new URL("./_raft_crash_child.ts", import.meta.url), [
        `${dir}/node`,
        String(round),
        String(SEED),
      ]);
      const acknowledged = await killAfter(child, count);
      const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
      assert.ok(acknowledged.lines >= count, `${context}: only ${acknowledged.lines}: ${stderr}`);
      assert.equal(status.signal, "SIGKILL", `${context}: the child ended on its own: ${stderr}`);
      for (const [index, term] of acknowledged.entries) everAcknowledged.set(index, term);
      firstAtLeast = Math.max(firstAtLeast, acknowledged.prefix);
      prefixes += acknowledged.prefixes;
      states += acknowledged.states;
      if (acknowledged.state !== undefined) lastState = acknowledged.state;

      const storage = await RaftStorage.open(`${dir}/node`, { segmentSize: 64 * 1024 });
      try {
        const first = storage.firstIndex();
        const last = storage.lastIndex();
        assert.ok(first >= firstAtLeast, `${context}: first index ${first} < ${firstAtLeast}`);
        for (const index of everAcknowledged.keys()) {
          if (index < first) continue;
          assert.ok(
            index <= last,
            `${context}: acknowledged entry ${index} is gone (last ${last})`,
          );
        }
        const entries = await storage.entries(first, last + 1);
        for (const entry of entries) {
          const term = everAcknowledged.get(entry.index) ?? entry.term;
          assert.equal(entry.term, term, `${context}: term of entry ${entry.index}`);
          assert.deepEqual(
            entry.command,
            killedProcessCommand(entry.index, entry.term),
            `${context}: bytes of entry ${entry.index}`,
          );
        }
        const state = await storage.loadState();
        assert.ok(state.term >= lastState.term, `${context}: state ${JSON.stringify(state)}`);
        if (state.term === lastState.term) assert.deepEqual(state, lastState, context);
        lastState = state;
      } finally {
        await storage.close();
      }
    }
    assert.ok(
      prefixes > 0 && states > 0,
      `seed ${SEED}: ${prefixes} truncations, ${states} states`,
    );
    assert.ok(firstAtLeast > 1, `seed ${SEED}: the prefix never moved`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
