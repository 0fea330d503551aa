// The items a queue holds in memory (`maxChunk` bytes; negative: unlimited, 0: none), so
// that reading an item just written or read again needs no I/O. Oldest entries go first.

/** A byte-bounded cache of item bytes by index. */
export class ItemCache {
  readonly #limit: number;
  readonly #items = new Map<number, Uint8Array>();
  #bytes = 0;

  /** `limit`: bytes held at most; negative for no limit. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Bytes of items held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A copy of the cached item, or undefined. */
  get(index: number): Uint8Array | undefined {
    return this.#items.get(index)?.slice();
  }

  /** Keeps a copy of the item when it fits, evicting the oldest entries to make room. */
  put(index: number, data: Uint8Array): void {
    if (this.#limit === 0 || (this.#limit > 0 && data.length > this.#limit)) return;
    if (this.#items.has(index)) return;
    this.#items.set(index, data.slice());
    this.#bytes += data.length;
    if (this.#limit < 0) return;
    for (const [oldest, bytes] of this.#items) {
      if (this.#bytes <= this.#limit) break;
      this.#items.delete(oldest);
      this.#bytes -= bytes.length;
    }
  }

  /** Forgets the item. */
  delete(index: number): void {
    const data = this.#items.get(index);
    if (data === undefined) return;
    this.#items.delete(index);
    this.#bytes -= data.length;
  }
}
