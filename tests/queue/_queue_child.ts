// The child processes of queue_killed_process_test.ts, on a queue directory shared with
// fileLocking on the real disk:
//   produce <dir> <first serial>  writes items "serial <n>|…" for ever, printing
//                                 "w <serial> <index>" once each write is acknowledged;
//   consume <dir>                 receives for ever as consumer "worker", printing
//                                 "r <index> <serial>" on receipt and "a <index>" once acked;
//   drain <dir>                   like consume, but prints "done" and exits when nothing
//                                 comes for a second.

import { DurableQueue } from "../../src/queue/mod.ts";
import { serialItem, serialOf } from "../_helpers/queue_items.ts";

const QUEUE_OPTIONS = { fileLocking: true, maxFileSize: 16 * 1024, pollIntervalMs: 2 };

if (import.meta.main) {
  const [mode, dir, first] = Deno.args;
  if (dir === undefined) throw new TypeError("Usage: _queue_child.ts produce|consume|drain <dir>");
  const encoder = new TextEncoder();
  const say = (line: string) => Deno.stdout.writeSync(encoder.encode(`${line}\n`));
  const q = await DurableQueue.open(dir, QUEUE_OPTIONS);
  if (mode === "produce") {
    for (let serial = Number(first);; serial += 2) {
      await Promise.all([serial, serial + 1].map(async (n) => {
        const [index] = await q.write(serialItem(n, 50 + (n * 7919) % 900));
        say(`w ${n} ${index}`);
      }));
    }
  }
  const worker = q.consumer("worker", { visibilityTimeoutMs: 500, maxAttempts: 1000 });
  for (;;) {
    const message = await worker.receive(mode === "drain" ? { timeoutMs: 1000 } : {});
    if (message === undefined) break;
    say(`r ${message.index} ${serialOf(message.data)}`);
    await worker.ack(message);
    say(`a ${message.index}`);
  }
  say("done");
  await q.close();
}
