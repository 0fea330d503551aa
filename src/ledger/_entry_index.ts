// The in-memory index of a ledger's entry log: entry id to the offset and length of its
// record, sorted by entry id in typed arrays (20 bytes an entry). Entries usually arrive
// in id order and are appended; one that arrives late is inserted in place.

/** A sorted map from entry id to (offset, length) in a ledger's entry log. */
export class EntryIndex {
  #ids = new Float64Array(64);
  #offsets = new Float64Array(64);
  #lengths = new Uint32Array(64);
  #count = 0;

  /** How many entries are indexed. */
  get count(): number {
    return this.#count;
  }

  /** The highest indexed entry id, -1 when empty. */
  get lastId(): number {
    return this.#count === 0 ? -1 : this.#ids[this.#count - 1]!;
  }

  /** The slot of `entryId`, or -1 when it is not indexed. */
  find(entryId: number): number {
    const slot = this.#lowerBound(entryId);
    return slot < this.#count && this.#ids[slot] === entryId ? slot : -1;
  }

  /** The entry log offset of the record in `slot`. REQUIRES: a slot from find(). */
  offset(slot: number): number {
    return this.#offsets[slot]!;
  }

  /** The payload length of the record in `slot`. REQUIRES: a slot from find(). */
  length(slot: number): number {
    return this.#lengths[slot]!;
  }

  /** Indexes an entry. REQUIRES: `entryId` is not indexed yet. */
  insert(entryId: number, offset: number, length: number): void {
    if (this.#count === this.#ids.length) this.#grow();
    const slot = entryId > this.lastId ? this.#count : this.#lowerBound(entryId);
    if (slot < this.#count) {
      this.#ids.copyWithin(slot + 1, slot, this.#count);
      this.#offsets.copyWithin(slot + 1, slot, this.#count);
      this.#lengths.copyWithin(slot + 1, slot, this.#count);
    }
    this.#ids[slot] = entryId;
    this.#offsets[slot] = offset;
    this.#lengths[slot] = length;
    this.#count++;
  }

  #lowerBound(entryId: number): number {
    let low = 0;
    let high = this.#count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#ids[middle]! < entryId) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #grow(): void {
    const size = this.#ids.length * 2;
    const ids = new Float64Array(size);
    const offsets = new Float64Array(size);
    const lengths = new Uint32Array(size);
    ids.set(this.#ids);
    offsets.set(this.#offsets);
    lengths.set(this.#lengths);
    this.#ids = ids;
    this.#offsets = offsets;
    this.#lengths = lengths;
  }
}
