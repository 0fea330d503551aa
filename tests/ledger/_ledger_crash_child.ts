// The child process of ledger_killed_process_test.ts: opens a LedgerStore on the real
// disk in the directory given as its first argument and works until killed: keeps
// adds to five ledgers in flight (ledger ids round * 10 + 0..4), now and then fences or
// closes one, and prints a line for each acknowledged call:
//   "A <ledger> <entry> <size>"   the entry is durable, its payload entryPayload(…)
//   "F <ledger>" / "C <ledger>"   the ledger is durably fenced / closed
// The second argument is the round, the third seeds the choices.

import { LedgerStore } from "../../src/ledger/ledger_store.ts";
import { entryPayload } from "../_helpers/ledger_entries.ts";
import { Prng } from "../_helpers/prng.ts";

if (import.meta.main) {
  const [dir, roundText, seedText] = Deno.args;
  if (dir === undefined || roundText === undefined || seedText === undefined) {
    throw new TypeError("Usage: _ledger_crash_child.ts <directory> <round> <seed>");
  }
  const round = Number(roundText);
  const prng = new Prng(Number(seedText) * 31 + round);
  const store = await LedgerStore.open(dir, {
    checkpointBytes: 256 * 1024,
    journalSegmentSize: 128 * 1024,
    flushBytes: 16 * 1024,
  });
  const encoder = new TextEncoder();
  const print = (line: string): void => {
    Deno.stdout.writeSync(encoder.encode(`${line}\n`));
  };
  const ledgers = Array.from({ length: 5 }, (_, k) => round * 10 + k);
  await Promise.all(ledgers.map((ledger) => store.createLedger(ledger)));
  const open = new Set(ledgers);
  const next = new Map(ledgers.map((ledger) => [ledger, 0]));
  for (;;) {
    const calls: Promise<void>[] = [];
    for (const ledger of open) {
      for (let i = prng.int(4); i > 0; i--) {
        const entry = next.get(ledger)!;
        next.set(ledger, entry + 1);
        const size = 16 + prng.int(prng.int(8) === 0 ? 8000 : 300);
        calls.push(
          store.addEntry(ledger, entry, entryPayload(ledger, entry, size), { lac: entry - 1 })
            .then(() => print(`A ${ledger} ${entry} ${size}`)),
        );
      }
    }
    if (prng.int(40) === 0 && open.size > 2) {
      const ledger = [...open][prng.int(open.size)]!;
      open.delete(ledger);
      calls.push(
        prng.int(2) === 0
          ? store.fence(ledger).then(() => print(`F ${ledger}`))
          : store.closeLedger(ledger).then(() => print(`C ${ledger}`)),
      );
    }
    await Promise.all(calls);
  }
}
