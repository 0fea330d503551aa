// Small helpers for the queue tests: items as text and draining a queue's live items.

import type { DurableQueue } from "../../src/queue/durable_queue.ts";

/** The text of an item's bytes, or undefined. */
export function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** Reads and deletes every live item, oldest first, returning their texts. */
export async function drain(queue: DurableQueue): Promise<string[]> {
  const texts: string[] = [];
  for (;;) {
    const item = await queue.read();
    if (item === undefined) return texts;
    texts.push(text(item)!);
    await queue.delete();
  }
}
