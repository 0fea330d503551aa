// The child process of killed_process_test.ts: opens a record log on the real disk in the
// directory given as its argument and appends durable records forever, four at a time,
// printing "index position" for each acknowledged append. Record `index` holds
// `killedProcessRecord(index)`, so the parent can recompute every acknowledged record. A
// second argument sets the log's `preallocate` option.

import { RecordLog } from "../../src/record/record_log.ts";
import { recordData } from "../_helpers/record_data.ts";

/** The bytes of record `index` of the child's log. */
export function killedProcessRecord(index: number): Uint8Array {
  return recordData(index, 4 + (index * 7919) % 6000);
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (dir === undefined) throw new TypeError("Usage: _crash_child.ts <log directory>");
  const preallocate = Number(Deno.args[1] ?? 0);
  const log = await RecordLog.open(dir, { segmentSize: 256 * 1024, preallocate });
  const encoder = new TextEncoder();
  for (let index = 0;; index += 4) {
    await Promise.all([0, 1, 2, 3].map(async (offset) => {
      const position = await log.append(killedProcessRecord(index + offset), { sync: true });
      Deno.stdout.writeSync(encoder.encode(`${index + offset} ${position}\n`));
    }));
  }
}
