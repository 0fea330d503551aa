// A producer process and a consumer process share one queue directory on the real disk
// (fileLocking); each is killed with SIGKILL at random moments and started again. Every
// item whose write was acknowledged must be delivered at least once, and no item after its
// acknowledgement. Replay with CAIRN_SEED=<seed>.

import assert from "node:assert/strict";
import { spawnChild } from "../_helpers/killed_child.ts";
import { readAllThenKill } from "../_helpers/queue_children.ts";
import { Prng } from "../_helpers/prng.ts";

const CHILD = new URL("./_queue_child.ts", import.meta.url);
const SEED = Number(Deno.env.get("CAIRN_SEED") ?? 7);
const ROUNDS = Number(Deno.env.get("CAIRN_STEPS") ?? 5);

/** Runs `child` until it printed `lines` lines or `ms` passed, then kills it. */
async function runThenKill(
  child: Deno.ChildProcess,
  lines: number,
  ms: number,
  onLine: (line: string) => void,
): Promise<void> {
  const stderr = await readAllThenKill(child, lines, ms, onLine);
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL", `the child ended on its own: ${stderr}`);
}

Deno.test("Producer and consumer processes killed at random lose no item and deliver none after its ack", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cairn_queue_killed_" });
  const prng = new Prng(SEED);
  const written = new Map<number, number>(); // index -> serial
  const delivered = new Set<number>();
  const acked = new Set<number>();
  const violations: string[] = [];
  let serial = 1;
  const onConsumer = (line: string) => {
    const [kind, index] = line.split(" ");
    const at = Number(index);
    if (kind === "r") {
      if (acked.has(at)) violations.push(`item ${at} delivered after its ack`);
      delivered.add(at);
    } else if (kind === "a") {
      acked.add(at);
    }
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const producer = spawnChild(CHILD, ["produce", dir, String(serial)]);
      const consumer = spawnChild(CHILD, ["consume", dir]);
      await Promise.all([
        runThenKill(producer, 20 + prng.int(200), 4000, (line) => {
          const [, item, index] = line.split(" ").map(Number);
          written.set(index!, item!);
          serial = Math.max(serial, item! + 1);
        }),
        runThenKill(consumer, 10 + prng.int(300), 4000, onConsumer),
      ]);
    }
    const drain = spawnChild(CHILD, ["drain", dir]);
    const lines: string[] = [];
    const reader = drain.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      lines.push(...parts);
    }
    const [status, stderr] = await Promise.all([drain.status, new Response(drain.stderr).text()]);
    assert.equal(status.code, 0, stderr);
    assert.equal(lines.at(-1), "done");
    lines.slice(0, -1).forEach(onConsumer);
    assert.deepEqual(violations, [], `seed ${SEED}`);
    assert.ok(written.size > 50, `seed ${SEED}: only ${written.size} writes acknowledged`);
    const lost = [...written.keys()].filter((index) => !delivered.has(index));
    assert.deepEqual(lost, [], `seed ${SEED}: acknowledged items never delivered`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
