// DurableQueue on the real disk: write throughput and receive+ack throughput with 100-byte
// and 4 KiB items, durable (sync) and not, in one process and across two processes
// (a producer process and a consumer process sharing the directory with fileLocking), the
// delivery latency across processes (write start to receipt, the write's fsync included),
// and the memory held with maxChunk set, zero and unlimited. Prints markdown tables.
//
//   deno run --allow-read --allow-write --allow-run bench/queue_bench.ts [items per row]
//
// (The memory rows run in child processes with --v8-flags=--expose-gc, measured after two
// full garbage collections.)
//
// A script, not a `deno bench` file: it does nothing unless run as the main module.

import { DurableQueue, type QueueConsumer } from "../src/queue/mod.ts";

const IN_FLIGHT = 32;

function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}

function item(size: number, serial: number): Uint8Array {
  const bytes = new Uint8Array(size).fill(serial & 0xff);
  new DataView(bytes.buffer).setFloat64(0, performance.timeOrigin + performance.now(), true);
  return bytes;
}

/** `IN_FLIGHT` writers write `count` items of `size` bytes one per call; items/s. */
async function writeRate(q: DurableQueue, count: number, size: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < count) await q.write(item(size, next++));
  }));
  return count / ((performance.now() - started) / 1000);
}

/** `IN_FLIGHT` loops receive and ack until `count` items are acked; items/s and latency. */
async function consumeRate(
  consumer: QueueConsumer,
  count: number,
  loops = IN_FLIGHT,
): Promise<{ rate: number; latencies: number[] }> {
  let claimed = 0;
  let acked = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: loops }, async () => {
    while (claimed < count) {
      claimed++;
      const message = await consumer.receive({ timeoutMs: 5000 });
      if (message === undefined) throw new Error(`Stalled after ${acked} items`);
      const written = new DataView(message.data.buffer, message.data.byteOffset).getFloat64(
        0,
        true,
      );
      latencies.push(performance.timeOrigin + performance.now() - written);
      await consumer.ack(message);
      acked++;
    }
  }));
  return { rate: acked / ((performance.now() - started) / 1000), latencies };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function oneProcess(root: string, count: number): Promise<void> {
  console.log("\n### One process\n");
  console.log(
    row(["item", "sync", "write items/s", "write MB/s", "receive+ack items/s", "receive+ack MB/s"]),
  );
  console.log(row(["---", "---", "---:", "---:", "---:", "---:"]));
  for (const size of [100, 4096]) {
    for (const sync of [true, false]) {
      const dir = `${root}/one-${size}-${sync}`;
      const q = await DurableQueue.open(dir, { sync });
      const consumer = q.consumer("bench");
      const writes = await writeRate(q, count, size);
      const { rate } = await consumeRate(consumer, count);
      await q.close();
      console.log(row([
        `${size} B`,
        sync ? "yes" : "no",
        fmt(writes),
        fmt(writes * size / 1e6, 1),
        fmt(rate),
        fmt(rate * size / 1e6, 1),
      ]));
    }
  }
}

async function twoProcesses(root: string, count: number): Promise<void> {
  console.log("\n### Two processes (producer process → consumer process, fileLocking)\n");
  console.log(row([
    "item",
    "sync",
    "write items/s",
    "receive+ack items/s",
    "receive+ack MB/s",
    "delivery p50 ms (backlog)",
    "delivery p99 ms (backlog)",
  ]));
  console.log(row(["---", "---", "---:", "---:", "---:", "---:", "---:"]));
  for (const size of [100, 4096]) {
    for (const sync of [true, false]) {
      const dir = `${root}/two-${size}-${sync}`;
      const setup = await DurableQueue.open(dir, { fileLocking: true, sync });
      setup.consumer("bench").close();
      await setup.refresh();
      await setup.close();
      const producer = spawnProducer(dir, "--produce", count, size, sync);
      const q = await DurableQueue.open(dir, { fileLocking: true, sync, pollIntervalMs: 1 });
      const consumer = q.consumer("bench");
      const { rate, latencies } = await consumeRate(consumer, count);
      const writes = Number(new TextDecoder().decode((await producer.output()).stdout));
      await q.close();
      console.log(row([
        `${size} B`,
        sync ? "yes" : "no",
        fmt(writes),
        fmt(rate),
        fmt(rate * size / 1e6, 1),
        fmt(percentile(latencies, 0.5), 1),
        fmt(percentile(latencies, 0.99), 1),
      ]));
    }
  }
}

/** A producer process writing one item every 5 ms; the delay until this process receives it. */
async function pacedLatency(root: string): Promise<void> {
  console.log("\n### Delivery latency across processes, one 100-byte item every 5 ms\n");
  console.log(row(["sync", "pollIntervalMs", "items", "p50 ms", "p99 ms", "max ms"]));
  console.log(row(["---", "---:", "---:", "---:", "---:", "---:"]));
  for (const [sync, poll] of [[true, 5], [false, 5], [false, 1]] as const) {
    const dir = `${root}/paced-${sync}-${poll}`;
    const setup = await DurableQueue.open(dir, { fileLocking: true, sync });
    setup.consumer("bench").close();
    await setup.refresh();
    await setup.close();
    const count = 400;
    const producer = spawnProducer(dir, "--paced", count, 100, sync);
    const q = await DurableQueue.open(dir, { fileLocking: true, sync, pollIntervalMs: poll });
    const { latencies } = await consumeRate(q.consumer("bench"), count, 1);
    await producer.output();
    await q.close();
    console.log(row([
      sync ? "yes" : "no",
      poll,
      count,
      fmt(percentile(latencies, 0.5), 2),
      fmt(percentile(latencies, 0.99), 2),
      fmt(Math.max(...latencies), 2),
    ]));
  }
}

function spawnProducer(
  dir: string,
  mode: "--produce" | "--paced",
  count: number,
  size: number,
  sync: boolean,
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      new URL(import.meta.url).pathname,
      mode,
      dir,
      String(count),
      String(size),
      String(sync),
    ],
    stdout: "piped",
  }).spawn();
}

/** Heap and external (array buffer) bytes in use after full garbage collections (two: one
 * leaves objects that finalization releases). */
function retainedBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const usage = Deno.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** In a fresh process each: the memory one queue holds once 100,000 items are written. */
async function memoryHeld(root: string): Promise<void> {
  console.log("\n### Memory held with 100,000 items of 1 KiB written and read\n");
  console.log(row(["maxChunk", "cached item bytes", "heap + external held MB"]));
  console.log(row(["---", "---:", "---:"]));
  for (const maxChunk of [4 * 1024 * 1024, 0, -1]) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--v8-flags=--expose-gc",
        new URL(import.meta.url).pathname,
        "--memory",
        `${root}/memory-${maxChunk}`,
        String(maxChunk),
      ],
      stdout: "piped",
    });
    const [cached, held] = new TextDecoder().decode((await child.output()).stdout).split(" ");
    console.log(row([
      maxChunk < 0 ? "-1 (unlimited)" : fmt(maxChunk),
      fmt(Number(cached)),
      fmt(Number(held) / 1e6, 1),
    ]));
  }
}

/** Prints the cached item bytes and the bytes retained by writing and reading the items. */
async function memoryChild(dir: string, maxChunk: number): Promise<void> {
  const before = retainedBytes();
  const q = await DurableQueue.open(dir, { sync: false, maxChunk });
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < 100_000) await q.write(item(1024, next++));
  }));
  for (let index = 1; index <= 100_000; index += 97) await q.read(index);
  const held = retainedBytes() - before;
  Deno.stdout.writeSync(new TextEncoder().encode(`${q.stats().cachedBytes} ${held}`));
  await q.close();
}

async function produceChild(
  dir: string,
  count: number,
  size: number,
  sync: boolean,
  paced: boolean,
): Promise<void> {
  const q = await DurableQueue.open(dir, { fileLocking: true, sync });
  let rate = 0;
  if (paced) {
    for (let serial = 0; serial < count; serial++) {
      await q.write(item(size, serial));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } else {
    rate = await writeRate(q, count, size);
  }
  await q.close();
  Deno.stdout.writeSync(new TextEncoder().encode(String(Math.round(rate))));
}

if (import.meta.main) {
  if (Deno.args[0] === "--memory") {
    await memoryChild(Deno.args[1]!, Number(Deno.args[2]));
  } else if (Deno.args[0] === "--produce" || Deno.args[0] === "--paced") {
    const [mode, dir, count, size, sync] = Deno.args;
    await produceChild(dir!, Number(count), Number(size), sync === "true", mode === "--paced");
  } else {
    const count = Number(Deno.args[0] ?? 20_000);
    const root = Deno.makeTempDirSync({ prefix: "cairn-queue-bench-" });
    console.log(`DurableQueue, ${fmt(count)} items per row, ${IN_FLIGHT} calls in flight`);
    try {
      await oneProcess(root, count);
      await twoProcesses(root, count);
      await pacedLatency(root);
      await memoryHeld(root);
    } finally {
      Deno.removeSync(root, { recursive: true });
    }
  }
}
