// A named consumer of a durable queue: receives each item, leased until acknowledged,
// retried with backoff after a nack or an expired lease, and moved to its dead letters
// after `maxAttempts` deliveries.

import { ClosedError } from "../errors.ts";
import { StateType } from "./_format.ts";
import { integer } from "./_options.ts";
import type { QueueMetrics } from "./_queue_metrics.ts";
import type { ConsumerState, QueueState } from "./_queue_state.ts";
import type { Segment } from "./_segment.ts";
import type { QueueWriter } from "./_writer.ts";

/** Options of `DurableQueue.consumer`. */
export interface ConsumerOptions {
  /** How long a received item stays leased before it is delivered again. Default 30,000 ms. */
  visibilityTimeoutMs?: number;
  /** Deliveries of an item before it goes to the dead letters. Default 5. */
  maxAttempts?: number;
  /** The wait before the second delivery, doubled for each later one (up to 60 s). Default 100 ms. */
  backoffMs?: number;
}

/** Options of {@linkcode QueueConsumer.receive}. */
export interface ReceiveOptions {
  /** Stop waiting when it aborts (the promise rejects with its reason). */
  signal?: AbortSignal;
  /** Stop waiting after this long and resolve with undefined. Default: wait until an item comes. */
  timeoutMs?: number;
}

/** An item delivered to a consumer. */
export interface QueueMessage {
  /** The item's index in the queue. */
  readonly index: number;
  /** The item's bytes. */
  readonly data: Uint8Array;
  /** Which delivery of the item this is, from 1. */
  readonly attempt: number;
  /** The name of the consumer it was delivered to. */
  readonly consumer: string;
}

/** What a consumer needs of its queue. @internal */
export interface ConsumerLink {
  state: QueueState;
  writer: QueueWriter;
  sync: boolean;
  pollIntervalMs: number | undefined;
  read: (segment: Segment, index: number) => Uint8Array;
  refresh: () => Promise<void>;
  listen: (listener: () => void) => () => void;
  release: () => void;
  refusal: () => Error | undefined;
  metrics: QueueMetrics;
}

interface Lease {
  attempt: number;
  deadline: number;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * A named consumer of a {@linkcode DurableQueue}, from `queue.consumer(name)`. Delivery
 * is at least once: an item received and not acknowledged before a crash is received
 * again, and an item whose acknowledgement resolved is never received again.
 *
 * @example Receiving and acknowledging
 * ```ts
 * import { DurableQueue } from "@cairn/cairn/queue";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const q = await DurableQueue.open("/queue", { vfs: new MemVfs() });
 * const billing = q.consumer("billing", { maxAttempts: 3 });
 * await q.write("invoice 1");
 * const message = await billing.receive({ timeoutMs: 1000 });
 * assert.equal(new TextDecoder().decode(message!.data), "invoice 1");
 * await billing.ack(message!);
 * assert.equal(q.length, 0);
 * await q.close();
 * ```
 */
export class QueueConsumer {
  /** The consumer's name. */
  readonly name: string;
  readonly #link: ConsumerLink;
  readonly #visibilityTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoffMs: number;
  readonly #leases = new Map<number, Lease>();
  readonly #retries = new Map<number, number>();
  readonly #settling = new Set<number>();
  readonly #wakers = new Set<() => void>();
  readonly #registered: Promise<ConsumerState>;
  #cursor = 0;
  #closed = false;

  /** Made by `DurableQueue.consumer`. @internal */
  constructor(name: string, options: ConsumerOptions, link: ConsumerLink) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object");
    }
    this.#visibilityTimeoutMs = integer(
      "visibilityTimeoutMs",
      options.visibilityTimeoutMs,
      30_000,
      1,
    );
    this.#maxAttempts = integer("maxAttempts", options.maxAttempts, 5, 1);
    this.#backoffMs = integer("backoffMs", options.backoffMs, 100, 0);
    this.name = name;
    this.#link = link;
    this.#registered = link.writer.registerConsumer(name);
    this.#registered.catch(() => {});
  }

  /**
   * Waits for the next item this consumer has not acknowledged and leases it: it is not
   * delivered again until the lease (`visibilityTimeoutMs`) runs out or it is nacked.
   * Items come oldest first; items due for a retry come before new ones.
   *
   * @param options `signal` and `timeoutMs` stop the wait.
   * @returns The message, or undefined when `timeoutMs` passed first.
   * @throws {RangeError} When `timeoutMs` is negative or not an integer.
   * @throws {ClosedError} After `close()` of the consumer or its queue.
   * @throws {unknown} The signal's reason, when it aborts.
   */
  async receive(options: ReceiveOptions = {}): Promise<QueueMessage | undefined> {
    const timeoutMs = integer("timeoutMs", options.timeoutMs, Infinity, 0);
    const signal = options.signal;
    signal?.throwIfAborted();
    const consumer = await this.#consumer();
    const giveUp = performance.now() + timeoutMs;
    for (;;) {
      this.#checkOpen();
      signal?.throwIfAborted();
      await this.#link.refresh();
      const message = await this.#next(consumer);
      if (message !== undefined) return message;
      const now = performance.now();
      if (now >= giveUp) return undefined;
      let wake = Math.min(giveUp, this.#nextDue(), now + (this.#link.pollIntervalMs ?? Infinity));
      if (!Number.isFinite(wake)) wake = now + 2 ** 30;
      signal?.throwIfAborted();
      await this.#wait(wake - now, signal);
    }
  }

  /**
   * Acknowledges a message (or a dead letter): the consumer is done with the item and never
   * receives it again once this resolves (durably, with the queue's `sync`).
   *
   * @param message A message this consumer received, or one of its dead letters.
   * @throws {TypeError} When `message` is not this consumer's.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async ack(message: QueueMessage): Promise<void> {
    this.#checkMessage(message);
    const consumer = await this.#consumer();
    const index = message.index;
    if (consumer.acked.has(index) || this.#link.state.segmentOf(index) === undefined) return;
    this.#settling.add(index);
    this.#leases.delete(index);
    this.#retries.delete(index);
    try {
      await this.#link.writer.writeState([{
        index,
        record: { type: StateType.ACK, consumer: consumer.id, indices: [index] },
      }], this.#link.sync);
    } finally {
      this.#settling.delete(index);
    }
  }

  /**
   * Gives a message back: it is delivered again after the backoff (`backoffMs`, doubled per
   * delivery), or goes to the dead letters when it has had `maxAttempts` deliveries.
   *
   * @param message A message this consumer received.
   * @param options `delayMs`: wait this long instead of the backoff.
   * @throws {TypeError} When `message` is not this consumer's.
   * @throws {RangeError} When `delayMs` is negative or not an integer.
   * @throws {ClosedError} After `close()`.
   * @throws {StoreFailedError} After a failed write or sync.
   */
  async nack(message: QueueMessage, options: { delayMs?: number } = {}): Promise<void> {
    this.#checkMessage(message);
    const delay = integer("delayMs", options.delayMs, this.#backoff(message.attempt), 0);
    const consumer = await this.#consumer();
    const lease = this.#leases.get(message.index);
    if (lease === undefined || lease.attempt !== message.attempt) return;
    this.#leases.delete(message.index);
    this.#link.metrics.add("nacks");
    await this.#giveBack(consumer, message.index, lease.attempt, delay);
  }

  /**
   * The consumer's dead letters: items delivered `maxAttempts` times and never acknowledged,
   * oldest first. Acknowledge one to drop it.
   *
   * @returns The dead letters as messages.
   * @throws {ClosedError} After `close()`.
   * @throws {CorruptionError} When a stored item fails a check.
   */
  async deadLetters(): Promise<QueueMessage[]> {
    const consumer = await this.#consumer();
    await this.#link.refresh();
    const messages: QueueMessage[] = [];
    for (const index of [...consumer.dead].sort((a, b) => a - b)) {
      const segment = this.#link.state.segmentOf(index);
      if (segment === undefined || this.#link.state.settled(segment, index)) continue;
      messages.push(this.#message(consumer, segment, index, consumer.attempts.get(index) ?? 0));
    }
    return messages;
  }

  /** Items leased to this consumer right now. */
  get leased(): number {
    return this.#leases.size;
  }

  /** Stops serving the name (releasing its lock); the leased items are delivered again later. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.release();
    for (const wake of [...this.#wakers]) wake();
  }

  /** Closes the consumer; see {@linkcode QueueConsumer.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #consumer(): Promise<ConsumerState> {
    this.#checkOpen();
    return this.#registered;
  }

  /** Finds and leases the next deliverable item, or returns undefined. */
  async #next(consumer: ConsumerState): Promise<QueueMessage | undefined> {
    const now = performance.now();
    for (const [index, lease] of [...this.#leases]) {
      if (lease.deadline > now) continue;
      this.#leases.delete(index);
      await this.#giveBack(consumer, index, lease.attempt, 0);
    }
    const due = [...this.#retries].filter(([, at]) => at <= now).map(([index]) => index);
    for (const index of due.sort((a, b) => a - b)) {
      this.#retries.delete(index);
      const message = await this.#deliver(consumer, index);
      if (message !== undefined) return message;
    }
    const state = this.#link.state;
    this.#cursor = Math.max(this.#cursor, consumer.start);
    while (this.#cursor < state.nextIndex) {
      const index = this.#cursor;
      const segment = state.segmentOf(index);
      if (segment === undefined) {
        const later = state.segments.find((candidate) => candidate.firstIndex > index);
        this.#cursor = later?.firstIndex ?? state.nextIndex;
        continue;
      }
      this.#cursor++;
      if (this.#retries.has(index) || this.#leases.has(index)) continue;
      const message = await this.#deliver(consumer, index);
      if (message !== undefined) return message;
    }
    return undefined;
  }

  /** Leases the item when it is still owed to this consumer; records the delivery. */
  async #deliver(consumer: ConsumerState, index: number): Promise<QueueMessage | undefined> {
    const state = this.#link.state;
    const segment = state.segmentOf(index);
    if (
      segment === undefined || state.settled(segment, index) || consumer.done(index) ||
      consumer.dead.has(index) || this.#settling.has(index)
    ) return undefined;
    const attempt = (consumer.attempts.get(index) ?? 0) + 1;
    if (attempt > this.#maxAttempts) {
      await this.#bury(consumer, index);
      return undefined;
    }
    this.#leases.set(index, { attempt, deadline: performance.now() + this.#visibilityTimeoutMs });
    await this.#link.writer.writeState([{
      index,
      record: { type: StateType.ATTEMPT, consumer: consumer.id, index, attempt },
    }], false);
    const live = state.segmentOf(index);
    if (live === undefined || state.settled(live, index) || consumer.done(index)) {
      this.#leases.delete(index);
      return undefined;
    }
    return this.#message(consumer, live, index, attempt);
  }

  async #giveBack(
    consumer: ConsumerState,
    index: number,
    attempt: number,
    delay: number,
  ): Promise<void> {
    if (attempt >= this.#maxAttempts) await this.#bury(consumer, index);
    else this.#retries.set(index, performance.now() + delay);
  }

  async #bury(consumer: ConsumerState, index: number): Promise<void> {
    this.#retries.delete(index);
    await this.#link.writer.writeState([{
      index,
      record: { type: StateType.DEAD, consumer: consumer.id, index },
    }], this.#link.sync);
  }

  #message(
    consumer: ConsumerState,
    segment: Segment,
    index: number,
    attempt: number,
  ): QueueMessage {
    return { index, data: this.#link.read(segment, index), attempt, consumer: consumer.name };
  }

  #backoff(attempt: number): number {
    return Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2 ** Math.max(0, attempt - 1));
  }

  /** When the next lease runs out or retry comes due. */
  #nextDue(): number {
    let due = Infinity;
    for (const lease of this.#leases.values()) due = Math.min(due, lease.deadline);
    for (const at of this.#retries.values()) due = Math.min(due, at);
    return due;
  }

  /** Waits up to `ms`, until the queue changes, or until `signal` aborts. */
  #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        unlisten();
        this.#wakers.delete(wake);
        signal?.removeEventListener("abort", aborted);
      };
      const wake = () => {
        done();
        resolve();
      };
      this.#wakers.add(wake);
      const timer = setTimeout(wake, Math.max(0, ms));
      const unlisten = this.#link.listen(wake);
      const aborted = () => {
        done();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", aborted);
    });
  }

  #checkMessage(message: QueueMessage): void {
    if (
      typeof message !== "object" || message === null || message.consumer !== this.name ||
      !Number.isSafeInteger(message.index) || !Number.isSafeInteger(message.attempt)
    ) {
      throw new TypeError(`Message was not received by consumer ${this.name}`);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError(`Consumer ${this.name} is closed`);
    const refusal = this.#link.refusal();
    if (refusal instanceof ClosedError) throw refusal;
  }
}
