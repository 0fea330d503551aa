// A seeded random sequence of writes, reads, deletes, receives, acks and reopens runs
// against DurableQueue and against a plain model of it; every answer must agree. Replay
// with CAIRN_SEED=<seed>, lengthen with CAIRN_STEPS=<steps>.

import assert from "node:assert/strict";
import { DurableQueue, type QueueConsumer, type QueueMessage } from "../../src/queue/mod.ts";
import { MemVfs } from "../../src/vfs/mem_vfs.ts";
import { Prng } from "../_helpers/prng.ts";
import { serialItem } from "../_helpers/queue_items.ts";
import { fileContents } from "../_helpers/vfs_contents.ts";

const DIR = "/queue";
const SEEDS = Deno.env.get("CAIRN_SEED")?.split(",").map(Number) ?? [11, 12, 13, 14];
const STEPS = Number(Deno.env.get("CAIRN_STEPS") ?? 1500);

class Model {
  readonly items = new Map<number, Uint8Array>();
  readonly settled = new Set<number>();
  readonly leased = new Map<number, QueueMessage>();
  next = 1;

  live(): number[] {
    return [...this.items.keys()].filter((index) => !this.settled.has(index));
  }

  deliverable(): number | undefined {
    return this.live().find((index) => !this.leased.has(index));
  }
}

async function runModel(seed: number): Promise<void> {
  const prng = new Prng(seed);
  const vfs = new MemVfs();
  const maxChunk = [-1, 0, 300, 1 << 20][prng.int(4)]!;
  const options = { vfs, maxFileSize: 4096, maxChunk, sync: prng.int(2) === 0 };
  const model = new Model();
  let q = await DurableQueue.open(DIR, options);
  let c: QueueConsumer = q.consumer("c", { maxAttempts: 1_000_000 });
  let serial = 0;
  for (let step = 0; step < STEPS; step++) {
    const where = `seed ${seed} (maxChunk ${maxChunk}), step ${step}`;
    const roll = prng.int(100);
    if (roll < 30) {
      const items = Array.from({ length: 1 + prng.int(3) }, () => {
        serial++;
        return serialItem(serial, prng.int(8) === 0 ? 1500 : 10 + prng.int(200));
      });
      const [first, last] = await q.write(...items);
      assert.deepEqual([first, last], [model.next, model.next + items.length - 1], where);
      items.forEach((item, i) => model.items.set(first + i, item));
      model.next = last + 1;
    } else if (roll < 40) {
      const live = model.live();
      assert.deepEqual(
        await q.read(),
        live.length === 0 ? undefined : model.items.get(live[0]!),
        where,
      );
    } else if (roll < 50) {
      const index = 1 + prng.int(model.next + 1);
      const expected = model.settled.has(index) ? undefined : model.items.get(index);
      assert.deepEqual(await q.read(index), expected, `${where}: read(${index})`);
    } else if (roll < 57) {
      const live = model.live();
      assert.equal(await q.delete(), live.length === 0 ? 0 : 1, where);
      if (live.length > 0) {
        model.settled.add(live[0]!);
        model.leased.delete(live[0]!);
      }
    } else if (roll < 64) {
      const picks = [1 + prng.int(model.next), 1 + prng.int(model.next)];
      const fresh = new Set(
        picks.filter((index) => model.items.has(index) && !model.settled.has(index)),
      );
      assert.equal(await q.delete(...picks), fresh.size, `${where}: delete(${picks})`);
      for (const index of fresh) {
        model.settled.add(index);
        model.leased.delete(index);
      }
    } else if (roll < 80) {
      const expected = model.deliverable();
      const message = await c.receive({ timeoutMs: 0 });
      assert.equal(message?.index, expected, `${where}: receive`);
      if (message !== undefined) {
        assert.deepEqual(message.data, model.items.get(message.index), where);
        model.leased.set(message.index, message);
      }
    } else if (roll < 94) {
      const leased = [...model.leased.values()];
      if (leased.length > 0) {
        const message = leased[prng.int(leased.length)]!;
        await c.ack(message);
        model.leased.delete(message.index);
        model.settled.add(message.index);
      }
    } else {
      await q.close();
      if (prng.int(2) === 0) vfs.crash();
      q = await DurableQueue.open(DIR, options);
      c = q.consumer("c", { maxAttempts: 1_000_000 });
      model.leased.clear();
    }
    assert.equal(q.length, model.live().length, `${where}: length`);
    const onDisk = vfs.list(DIR).filter((name) => name !== "LOCK" && name !== "APPEND.lock")
      .reduce((sum, name) => sum + fileContents(vfs, `${DIR}/${name}`).length, 0);
    assert.equal(q.size, onDisk, `${where}: size`);
  }
  const live = model.live();
  const first = live[0] ?? model.next;
  const files = vfs.list(DIR).filter((name) => name.endsWith(".items")).length;
  assert.ok(
    files <= 2 + Math.ceil((model.next - first) * 1600 / 4096),
    `seed ${seed}: ${files} files`,
  );
  await q.close();
}

Deno.test("DurableQueue agrees with a model over random writes, reads, deletes, receives, acks and reopens", async () => {
  for (const seed of SEEDS) await runModel(seed);
});
