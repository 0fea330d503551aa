// The in-memory index of the raft log: for each live entry, the position of its record
// and its term, in two growable arrays with a moving start, so that dropping a prefix or a
// suffix costs O(1) amortized whatever the log's length.

/** Positions and terms of the entries firstIndex..lastIndex. */
export class EntryIndex {
  #positions = new Float64Array(1024);
  #terms = new Float64Array(1024);
  #start = 0;
  #end = 0;
  #firstIndex: number;

  constructor(firstIndex: number) {
    this.#firstIndex = firstIndex;
  }

  /** The index of the first entry (one past the last when the log is empty). */
  get firstIndex(): number {
    return this.#firstIndex;
  }

  /** The index of the last entry (firstIndex - 1 when the log is empty). */
  get lastIndex(): number {
    return this.#firstIndex + (this.#end - this.#start) - 1;
  }

  /** How many entries are live. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Adds the entry lastIndex + 1. */
  push(position: number, term: number): void {
    if (this.#end === this.#positions.length) this.#grow();
    this.#positions[this.#end] = position;
    this.#terms[this.#end] = term;
    this.#end++;
  }

  /** The record position of entry `index`. REQUIRES: firstIndex <= index <= lastIndex. */
  position(index: number): number {
    return this.#positions[this.#start + index - this.#firstIndex]!;
  }

  /** The term of entry `index`. REQUIRES: firstIndex <= index <= lastIndex. */
  term(index: number): number {
    return this.#terms[this.#start + index - this.#firstIndex]!;
  }

  /** Drops the entries >= index. REQUIRES: firstIndex <= index. */
  truncateSuffix(index: number): void {
    this.#end = Math.min(this.#end, this.#start + index - this.#firstIndex);
  }

  /** Drops the entries < index; past lastIndex, the log becomes empty from index on. */
  truncatePrefix(index: number): void {
    if (index <= this.#firstIndex) return;
    this.#start = Math.min(this.#end, this.#start + index - this.#firstIndex);
    if (this.#start === this.#end) this.#start = this.#end = 0;
    this.#firstIndex = index;
  }

  #grow(): void {
    const live = this.#end - this.#start;
    const capacity = live * 2 > this.#positions.length
      ? this.#positions.length * 2
      : this.#positions.length;
    const positions = new Float64Array(capacity);
    const terms = new Float64Array(capacity);
    positions.set(this.#positions.subarray(this.#start, this.#end));
    terms.set(this.#terms.subarray(this.#start, this.#end));
    this.#positions = positions;
    this.#terms = terms;
    this.#start = 0;
    this.#end = live;
  }
}
