// A durable queue shared by three processes through the disk: a producer writes 20 orders,
// and two worker processes, consumers "billing" and "shipping", each receive every order
// and acknowledge it. Billing fails order 7 once (a nack: it comes back after the backoff)
// and never manages order 13 (it goes to billing's dead letters after three attempts).
// Every line is printed by the process that did it, with the time since the write.
// Run: deno run --allow-read --allow-write --allow-run examples/queue_workers.ts [dir]

import { DurableQueue, type QueueMessage } from "../src/queue/mod.ts";

const OPTIONS = { fileLocking: true, pollIntervalMs: 2 };
const ORDERS = 20;
const [role, roleDir] = Deno.args;

async function produce(dir: string): Promise<void> {
  const q = await DurableQueue.open(dir, OPTIONS);
  for (let order = 1; order <= ORDERS; order++) {
    const [index] = await q.write(JSON.stringify({ order, at: Date.now() }));
    console.log(`producer: wrote order ${order} as item ${index}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  await q.close();
}

async function work(dir: string, name: string): Promise<void> {
  const q = await DurableQueue.open(dir, OPTIONS);
  const consumer = q.consumer(name, { maxAttempts: 3, backoffMs: 20 });
  let done = 0;
  const describe = (message: QueueMessage) => {
    const { order, at } = JSON.parse(new TextDecoder().decode(message.data));
    return { order: order as number, waited: Date.now() - (at as number) };
  };
  while (done < ORDERS) {
    const message = await consumer.receive({ timeoutMs: 3000 });
    if (message === undefined) break;
    const { order, waited } = describe(message);
    const fails = name === "billing" && (order === 13 || (order === 7 && message.attempt === 1));
    if (fails) {
      console.log(`${name}: order ${order} failed on attempt ${message.attempt}, nack`);
      await consumer.nack(message);
      continue;
    }
    await consumer.ack(message);
    done++;
    console.log(
      `${name}: order ${order} done (attempt ${message.attempt}, ${waited} ms after write)`,
    );
    if (name === "billing" && done === ORDERS - 1) break;
  }
  for (const dead of await consumer.deadLetters()) {
    console.log(
      `${name}: dead letter, order ${describe(dead).order} after ${dead.attempt} attempts`,
    );
  }
  await q.close();
}

if (role === "producer") {
  await produce(roleDir!);
} else if (role === "billing" || role === "shipping") {
  await work(roleDir!, role);
} else {
  const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "cairn-queue-" });
  console.log(`Queue directory: ${dir}`);
  // The consumers register before the first order, so each is owed every order.
  const q = await DurableQueue.open(dir, OPTIONS);
  q.consumer("billing").close();
  q.consumer("shipping").close();
  await q.refresh();
  await q.close();
  const spawn = (name: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", new URL(import.meta.url).pathname, name, dir],
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  const children = ["billing", "shipping", "producer"].map(spawn);
  const statuses = await Promise.all(children.map((child) => child.status));
  const reopened = await DurableQueue.open(dir, OPTIONS);
  console.log(
    `All processes ended (${statuses.map((status) => status.code).join(", ")}); ` +
      `items left: ${reopened.length} (billing's dead letter), bytes on disk: ${reopened.size}`,
  );
  await reopened.close();
}
