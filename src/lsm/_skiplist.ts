// The memtable's ordered structure: LevelDB's skiplist (max height 12, branching 1/4,
// a fixed-seed level generator) laid out in typed arrays so that a search touches few
// cache lines and the garbage collector sees few objects.
//
// Layout. Node records live in one Int32Array, `#nodes`; a node's id is the offset of
// its record, and id 0 is the head (whose record has every level), so a link of 0 is nil:
//
//   nodes[id + 0]      key prefix: the first 4 key bytes big-endian, zero-padded, with the
//                      sign bit flipped so that signed order equals unsigned byte order
//   nodes[id + 1]      ordinal: the entry's index in `#keys`, `#values`, `#seqs`, `#kinds`
//   nodes[id + 2]      offset of the key's bytes in `#arena` (a copy used for comparing)
//   nodes[id + 3]      key length
//   nodes[id + 4]      previous node at level 0 (Pebble's back link: prev() is O(1))
//   nodes[id + 5 + l]  next node at level l, for l < the node's height
//
// A search compares prefixes first and falls back to the arena bytes on a tie. Arrays
// only grow, and node ids never change, so ids held by iterators stay valid across
// inserts. Limits: 2^31 bytes of keys and 2^31 / 6 entries, far above a memtable's size.

const MAX_HEIGHT = 12;
const PREV = 4;
const HEADER = 5;
const HEAD = 0;
const EMPTY = new Uint8Array(0);

function keyPrefix(key: Uint8Array): number {
  const n = key.length;
  const p = ((n > 0 ? key[0]! : 0) << 24) | ((n > 1 ? key[1]! : 0) << 16) |
    ((n > 2 ? key[2]! : 0) << 8) | (n > 3 ? key[3]! : 0);
  return p ^ 0x80000000;
}

/** A skiplist of internal keys; node ids are positive, and 0 means no node. */
export class Skiplist {
  #nodes = new Int32Array(1024);
  #nodesTop = HEADER + MAX_HEIGHT;
  #arena = new Uint8Array(16 * 1024);
  #arenaTop = 0;
  // Indexed by ordinal; ordinal 0 belongs to the head.
  #keys: Uint8Array[] = [EMPTY];
  #values: Uint8Array[] = [EMPTY];
  #seqs = new Float64Array(256);
  #kinds = new Uint8Array(256);
  #count = 0;
  #height = 1;
  #random = 0xdeadbeef;
  #prevs = new Int32Array(MAX_HEIGHT);

  /** How many entries the list holds. */
  get count(): number {
    return this.#count;
  }

  /**
   * Inserts an entry; keeps `key` and `value` (the caller gives up ownership).
   *
   * REQUIRES: `seq` is a non-negative integer below 2^53.
   * @returns `false`, inserting nothing, if `(key, seq)` is already present.
   */
  insert(key: Uint8Array, seq: number, kind: number, value: Uint8Array): boolean {
    const prevs = this.#prevs;
    const prefix = keyPrefix(key);
    let x = HEAD;
    for (let level = this.#height - 1; level >= 0; level--) {
      x = this.#advance(x, level, prefix, key, seq, false);
      prevs[level] = x;
    }
    const after = this.#nodes[x + HEADER]!;
    if (after !== 0 && this.#compare(after, prefix, key, seq) === 0) return false;

    const height = this.#randomHeight();
    if (height > this.#height) {
      prevs.fill(HEAD, this.#height, height);
      this.#height = height;
    }
    const ord = this.#keys.length;
    if (ord >= this.#seqs.length) this.#growEntries();
    if (this.#nodesTop + HEADER + height > this.#nodes.length) this.#growNodes(height);
    if (this.#arenaTop + key.length > this.#arena.length) this.#growArena(key.length);
    this.#keys.push(key);
    this.#values.push(value);
    this.#seqs[ord] = seq;
    this.#kinds[ord] = kind;
    this.#arena.set(key, this.#arenaTop);

    const nodes = this.#nodes;
    const id = this.#nodesTop;
    this.#nodesTop += HEADER + height;
    nodes[id] = prefix;
    nodes[id + 1] = ord;
    nodes[id + 2] = this.#arenaTop;
    nodes[id + 3] = key.length;
    this.#arenaTop += key.length;
    const after0 = nodes[prevs[0]! + HEADER]!;
    nodes[id + PREV] = prevs[0]!;
    if (after0 !== 0) nodes[after0 + PREV] = id;
    for (let level = 0; level < height; level++) {
      const link = prevs[level]! + HEADER + level;
      nodes[id + HEADER + level] = nodes[link]!;
      nodes[link] = id;
    }
    this.#count++;
    return true;
  }

  /** The first node at or after `(key, seq)` in internal order, or 0. */
  findGreaterOrEqual(key: Uint8Array, seq: number): number {
    return this.#nodes[this.#findLast(key, seq, false) + HEADER]!;
  }

  /** The last node before `(key, seq)` (or at it, if `orEqual`) in internal order, or 0. */
  findLast(key: Uint8Array, seq: number, orEqual: boolean): number {
    return this.#findLast(key, seq, orEqual);
  }

  /** The first node, or 0 if the list is empty. */
  first(): number {
    return this.#nodes[HEADER]!;
  }

  /** The last node, or 0 if the list is empty. */
  last(): number {
    const nodes = this.#nodes;
    let x = HEAD;
    for (let level = this.#height - 1; level >= 0; level--) {
      for (let n = nodes[x + HEADER + level]!; n !== 0; n = nodes[x + HEADER + level]!) x = n;
    }
    return x;
  }

  /** The node after `node` (REQUIRES: a node id), or 0. */
  next(node: number): number {
    return this.#nodes[node + HEADER]!;
  }

  /** The node before `node` (REQUIRES: a node id), or 0. */
  prev(node: number): number {
    return this.#nodes[node + PREV]!;
  }

  /** The user key of `node`: the array given to insert(). */
  key(node: number): Uint8Array {
    return this.#keys[this.#nodes[node + 1]!]!;
  }

  /** The sequence number of `node`. */
  seq(node: number): number {
    return this.#seqs[this.#nodes[node + 1]!]!;
  }

  /** The kind of `node`. */
  kind(node: number): number {
    return this.#kinds[this.#nodes[node + 1]!]!;
  }

  /** The value of `node`: the array given to insert(). */
  value(node: number): Uint8Array {
    return this.#values[this.#nodes[node + 1]!]!;
  }

  /** Whether the user key of `node` equals `key`. */
  hasKey(node: number, key: Uint8Array): boolean {
    const nodes = this.#nodes;
    if (nodes[node + 3] !== key.length || nodes[node] !== keyPrefix(key)) return false;
    const arena = this.#arena;
    const offset = nodes[node + 2]!;
    for (let i = 4; i < key.length; i++) {
      if (arena[offset + i] !== key[i]) return false;
    }
    return true;
  }

  #findLast(key: Uint8Array, seq: number, orEqual: boolean): number {
    const prefix = keyPrefix(key);
    let x = HEAD;
    for (let level = this.#height - 1; level >= 0; level--) {
      x = this.#advance(x, level, prefix, key, seq, orEqual);
    }
    return x;
  }

  // Follows level `level` from node `x` while the next node sorts before the target.
  #advance(
    x: number,
    level: number,
    prefix: number,
    key: Uint8Array,
    seq: number,
    orEqual: boolean,
  ): number {
    const nodes = this.#nodes;
    for (;;) {
      const n = nodes[x + HEADER + level]!;
      if (n === 0) return x;
      const p = nodes[n]!;
      if (p > prefix) return x;
      if (p < prefix) {
        x = n;
        continue;
      }
      const c = this.#compare(n, prefix, key, seq);
      if (c > 0 || (c === 0 && !orEqual)) return x;
      x = n;
    }
  }

  // Orders node `n` against `(key, seq)`; REQUIRES: `prefix` is keyPrefix(key).
  #compare(n: number, prefix: number, key: Uint8Array, seq: number): number {
    const nodes = this.#nodes;
    const p = nodes[n]!;
    if (p !== prefix) return p < prefix ? -1 : 1;
    const arena = this.#arena;
    const offset = nodes[n + 2]!;
    const length = nodes[n + 3]!;
    const common = length < key.length ? length : key.length;
    for (let i = 4; i < common; i++) {
      const a = arena[offset + i]!;
      const b = key[i]!;
      if (a !== b) return a < b ? -1 : 1;
    }
    if (length !== key.length) return length < key.length ? -1 : 1;
    return seq - this.#seqs[nodes[n + 1]!]!;
  }

  #randomHeight(): number {
    let height = 1;
    while (height < MAX_HEIGHT) {
      // xorshift32: a fixed seed keeps the list's shape reproducible.
      let r = this.#random;
      r ^= r << 13;
      r ^= r >>> 17;
      r ^= r << 5;
      this.#random = r;
      if ((r & 3) !== 0) break;
      height++;
    }
    return height;
  }

  #growEntries(): void {
    const capacity = this.#seqs.length * 2;
    const seqs = new Float64Array(capacity);
    seqs.set(this.#seqs);
    this.#seqs = seqs;
    const kinds = new Uint8Array(capacity);
    kinds.set(this.#kinds);
    this.#kinds = kinds;
  }

  #growNodes(height: number): void {
    const need = this.#nodesTop + HEADER + height;
    const nodes = new Int32Array(Math.max(this.#nodes.length * 2, need));
    nodes.set(this.#nodes);
    this.#nodes = nodes;
  }

  #growArena(length: number): void {
    const need = this.#arenaTop + length;
    const arena = new Uint8Array(Math.max(this.#arena.length * 2, need));
    arena.set(this.#arena.subarray(0, this.#arenaTop));
    this.#arena = arena;
  }
}
