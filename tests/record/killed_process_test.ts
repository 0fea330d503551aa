import assert from "node:assert/strict";
import { RecordLog } from "../../src/record/record_log.ts";
import { recordIndex } from "../_helpers/record_data.ts";
import { killedProcessRecord } from "./_crash_child.ts";

const ACKNOWLEDGED = 200;

/**
 * Reads "index position" lines from the child until `count` appends are acknowledged,
 * then kills it with SIGKILL (before closing the pipe, so that it cannot fail on its own).
 */
async function killAfterAcknowledged(
  child: Deno.ChildProcess,
  count: number,
): Promise<Map<number, number>> {
  const acknowledged = new Map<number, number>();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    while (acknowledged.size < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const [index, position] = line.split(" ").map(Number);
        acknowledged.set(index!, position!);
      }
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // It already ended on its own; the caller's status check reports that.
    }
    await reader.cancel();
  }
  return acknowledged;
}

Deno.test("RecordLog keeps every acknowledged record when its process is killed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cairn_killed_log_" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        new URL("./_crash_child.ts", import.meta.url).pathname,
        `${dir}/wal`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const acknowledged = await killAfterAcknowledged(child, ACKNOWLEDGED);
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
