// A real process adding to a LedgerStore on the real disk is killed with SIGKILL after a
// seeded number of acknowledgements, three times over on the same directory; the store
// reopened in this process must hold every acknowledged entry, fence and close, and no
// entry whose bytes differ from what was written. Replay with CAIRN_SEED=<seed>.

import assert from "node:assert/strict";
import { LedgerStore } from "../../src/ledger/ledger_store.ts";
import { NoSuchEntryError } from "../../src/ledger/errors.ts";
import { entryPayload } from "../_helpers/ledger_entries.ts";
import { readLinesThenKill, spawnChild } from "../_helpers/killed_child.ts";
import { Prng } from "../_helpers/prng.ts";

const SEED = Number(Deno.env.get("CAIRN_SEED") ?? 17);
const ROUNDS = 3;

Deno.test("LedgerStore keeps every acknowledged add when its process is killed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cairn_killed_ledger_" });
  const prng = new Prng(SEED);
  const acked = new Map<string, number>();
  const fenced = new Set<number>();
  const closed = new Set<number>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const context = `seed ${SEED}, round ${round}`;
      const count = 400 + prng.int(1500);
      const child = spawnChild(new URL("./_ledger_crash_child.ts", import.meta.url), [
        `${dir}/bookie`,
        String(round),
        String(SEED),
      ]);
      const lines = await readLinesThenKill(child, count, (line) => {
        const [kind, a, b, c] = line.split(" ");
        if (kind === "A") acked.set(`${a}/${b}`, Number(c));
        else if (kind === "F") fenced.add(Number(a));
        else if (kind === "C") closed.add(Number(a));
        else throw new Error(`Unexpected line from the child: ${line}`);
      });
      const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
      assert.ok(lines >= count, `${context}: only ${lines} lines: ${stderr}`);
      assert.equal(status.signal, "SIGKILL", `${context}: the child ended on its own: ${stderr}`);

      const store = await LedgerStore.open(`${dir}/bookie`);
      try {
        for (const [key, size] of acked) {
          const [ledger, entry] = key.split("/").map(Number) as [number, number];
          assert.deepEqual(
            store.readEntry(ledger, entry),
            entryPayload(ledger, entry, size),
            `${context}: acknowledged ${key}`,
          );
        }
        for (const ledger of store.ledgers()) {
          const info = store.ledgerInfo(ledger);
          if (fenced.has(ledger)) assert.equal(info.state, "fenced", `${context}: ${ledger}`);
          if (closed.has(ledger)) assert.equal(info.state, "closed", `${context}: ${ledger}`);
          for (let entry = 0; entry <= info.lastEntryId; entry++) {
            try {
              const payload = store.readEntry(ledger, entry);
              assert.equal(
                new DataView(payload.buffer, payload.byteOffset).getFloat64(8, true),
                entry,
                context,
              );
              const size = payload.length;
              assert.deepEqual(payload, entryPayload(ledger, entry, size), `${context}: bytes`);
            } catch (error) {
              if (!(error instanceof NoSuchEntryError)) throw error;
            }
          }
        }
      } finally {
        await store.close();
      }
    }
    assert.ok(fenced.size + closed.size > 0, `seed ${SEED}: no fence or close acknowledged`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
