/**
 * The durable queue: a persistent FIFO whose items live in checksummed segment files and
 * are read back by index without loading them all into memory, with durable deletes,
 * named consumers (leases, acknowledgements, retries with backoff, dead letters) and use
 * across processes through the disk. The format is specified in `docs/queue_format.md`.
 *
 * @example A producer and a consumer
 * ```ts
 * import { DurableQueue } from "@cairn/cairn/queue";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const q = await DurableQueue.open("/jobs", { vfs, maxFileSize: 64 * 1024 });
 * const worker = q.consumer("worker");
 * await q.write("resize photo 1", "resize photo 2");
 * const job = await worker.receive({ timeoutMs: 100 });
 * await worker.ack(job!);
 * assert.equal(q.length, 1);
 * await q.close();
 *
 * const again = await DurableQueue.open("/jobs", { vfs });
 * assert.equal(again.length, 1);
 * await again.close();
 * ```
 *
 * @module
 */

export {
  DurableQueue,
  type DurableQueueOptions,
  type DurableQueueStats,
  type QueueItem,
} from "./durable_queue.ts";
export {
  type ConsumerOptions,
  QueueConsumer,
  type QueueMessage,
  type ReceiveOptions,
} from "./queue_consumer.ts";
export { QueueFullError } from "./errors.ts";
