import assert from "node:assert/strict";
import { RecordLog } from "../../src/record/record_log.ts";
import { readLinesThenKill, spawnChild } from "../_helpers/killed_child.ts";
import { recordIndex } from "../_helpers/record_data.ts";
import { killedProcessRecord } from "./_crash_child.ts";

const ACKNOWLEDGED = 200;

for (const preallocate of [0, 16 * 1024]) {
  const name = preallocate === 0 ? "" : `, keeping ${preallocate} bytes preallocated,`;
  Deno.test(`RecordLog${name} keeps every acknowledged record when its process is killed`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "cairn_killed_log_" });
    try {
      const child = spawnChild(new URL("./_crash_child.ts", import.meta.url), [
        `${dir}/wal`,
        String(preallocate),
      ]);
      const acknowledged = new Map<number, number>();
      await readLinesThenKill(child, ACKNOWLEDGED, (line) => {
        const [index, position] = line.split(" ").map(Number);
        acknowledged.set(index!, position!);
      });
      const [status, stderr] = await Promise.all([
        child.status,
        new Response(child.stderr).text(),
      ]);
      assert.ok(
        acknowledged.size >= ACKNOWLEDGED,
        `the child acknowledged only ${acknowledged.size} appends: ${stderr}`,
      );
      assert.equal(status.signal, "SIGKILL", `the child ended on its own: ${stderr}`);

      const log = await RecordLog.open(`${dir}/wal`);
      try {
        for (const [index, position] of acknowledged) {
          assert.deepEqual(log.read(position), killedProcessRecord(index), `record ${index}`);
        }
        const records = [...log.records()];
        for (const [index, record] of records.entries()) {
          assert.equal(recordIndex(record.data), index, `record ${index} is out of order`);
          assert.deepEqual(record.data, killedProcessRecord(index), `bytes of record ${index}`);
          const expected = acknowledged.get(index);
          if (expected !== undefined) assert.equal(record.position, expected, `record ${index}`);
        }
        assert.ok(records.length >= Math.max(...acknowledged.keys()) + 1);
        const position = await log.append(killedProcessRecord(records.length));
        assert.deepEqual(log.read(position), killedProcessRecord(records.length));
      } finally {
        await log.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
