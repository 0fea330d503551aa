// An in-memory Vfs that can simulate a power loss: crash() keeps exactly what a sync made
// durable (optionally plus a torn part of the unsynced tail) and reverts directory
// entries not covered by a syncDir.

import { ClosedError, LockedError } from "../errors.ts";
import { basename, dirname, normalizePath } from "./_path.ts";
import type { OpenOptions, Vfs, VfsFile, VfsLock } from "./vfs.ts";

/** How {@linkcode MemVfs.crash} treats bytes appended since a file's last sync. */
export interface CrashOptions {
  /**
   * Without a seed every unsynced byte is lost. With a seed, each file keeps a random
   * prefix (from none to all) of its unsynced tail, chosen by a generator seeded with
   * this number, to model a write torn by the power loss.
   */
  seed?: number;
  /**
   * With `seed`: the kept unsynced bytes read back as zeros, as when a filesystem
   * persisted a file's new size but not its data. Default `false`.
   */
  zeroTail?: boolean;
}

/** The unit in which overwrites of durable bytes survive a power loss, or do not. */
const PAGE_SIZE = 4096;

/**
 * A file's bytes and what of them is durable. REQUIRES: before any byte below
 * `durableLength` changes, either `durableCopy` holds the whole durable image (a cut), or
 * `durablePages` holds the durable content of the byte's page (an overwrite).
 */
class MemFile {
  bytes: Uint8Array = new Uint8Array(0);
  length = 0;
  durableLength = 0;
  durableCopy: Uint8Array | null = null;
  /** Durable content of the pages overwritten since the last sync, by page index. */
  durablePages = new Map<number, Uint8Array>();

  ensureCapacity(size: number): void {
    if (size <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(size, this.bytes.length * 2, 64));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  keepDurableImage(): void {
    if (this.durableCopy === null) this.durableCopy = this.bytes.slice(0, this.durableLength);
  }

  append(data: Uint8Array): void {
    if (this.length < this.durableLength) this.keepDurableImage();
    this.ensureCapacity(this.length + data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  writeAt(data: Uint8Array, position: number): void {
    const durableEnd = Math.min(position + data.length, this.durableLength);
    if (this.durableCopy === null) {
      for (let page = Math.floor(position / PAGE_SIZE); page * PAGE_SIZE < durableEnd; page++) {
        if (this.durablePages.has(page)) continue;
        const start = page * PAGE_SIZE;
        this.durablePages.set(
          page,
          this.bytes.slice(start, Math.min(start + PAGE_SIZE, this.durableLength)),
        );
      }
    }
    this.ensureCapacity(position + data.length);
    this.bytes.set(data, position);
    this.length = Math.max(this.length, position + data.length);
  }

  truncate(size: number): void {
    if (size < this.durableLength) this.keepDurableImage();
    if (size > this.length) {
      this.ensureCapacity(size);
      this.bytes.fill(0, this.length, size);
    }
    this.length = size;
  }

  markDurable(): void {
    this.durableLength = this.length;
    this.durableCopy = null;
    this.durablePages.clear();
  }

  crash(random: (() => number) | undefined, zeroTail: boolean): void {
    if (this.durableCopy !== null) {
      this.bytes = this.durableCopy;
      this.length = this.durableCopy.length;
    } else {
      // Each overwritten page reached the disk whole, or not at all.
      for (const [page, durable] of this.durablePages) {
        if (random === undefined || random() < 0.5) this.bytes.set(durable, page * PAGE_SIZE);
      }
      const unsynced = this.length - this.durableLength;
      const kept = random === undefined ? 0 : Math.floor(random() * (unsynced + 1));
      if (zeroTail) this.bytes.fill(0, this.durableLength, this.durableLength + kept);
      this.length = this.durableLength + kept;
    }
    this.markDurable();
  }
}

class MemDir {
  children: Map<string, MemNode> = new Map();
  durable: Map<string, MemNode> = new Map();
}

type MemNode = MemFile | MemDir;

/**
 * A filesystem in memory, for tests: of Cairn itself and of code built on it. It keeps
 * what a real disk keeps across a power loss, and nothing more: {@linkcode MemVfs.crash}
 * drops every byte not covered by a sync and every directory entry not covered by a
 * `syncDir`.
 *
 * Relative paths are resolved against `/`. Directories made by `mkdir` are entries of
 * their parent like files: durable only after a `syncDir` of the parent.
 *
 * @example Losing what was not synced
 * ```ts
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * vfs.mkdir("/db");
 * await vfs.syncDir("/");
 * const file = vfs.open("/db/data", { create: true });
 * file.append(new Uint8Array([1, 2, 3]));
 * await file.syncData();
 * await vfs.syncDir("/db");
 * file.append(new Uint8Array([4, 5]));
 *
 * vfs.crash();
 * const reopened = vfs.open("/db/data");
 * assert.equal(reopened.size(), 3);
 * ```
 */
export class MemVfs implements Vfs {
  #root = new MemDir();
  #generation = 0;
  #locks = new Set<string>();

  /**
   * Turns the filesystem, in place, into what a power loss would leave. Every handle
   * opened before the crash throws `ClosedError` from then on, and every lock is
   * released.
   *
   * @param options Whether to keep a torn part of unsynced tails; see
   * {@linkcode CrashOptions}.
   */
  crash(options: CrashOptions = {}): void {
    const random = options.seed === undefined ? undefined : seededRandom(options.seed);
    const zeroTail = options.zeroTail ?? false;
    const seen = new Set<MemNode>();
    const visit = (node: MemNode): void => {
      if (seen.has(node)) return;
      seen.add(node);
      if (node instanceof MemFile) {
        node.crash(random, zeroTail);
        return;
      }
      node.children = new Map(node.durable);
      for (const name of [...node.children.keys()].sort()) visit(node.children.get(name)!);
    };
    visit(this.#root);
    this.#generation++;
    this.#locks.clear();
  }

  open(path: string, options: OpenOptions = {}): VfsFile {
    const full = resolve(path);
    const parent = this.#dirAt(dirname(full));
    const name = basename(full);
    let node = parent.children.get(name);
    if (node instanceof MemDir) throw new Deno.errors.IsADirectory(`Is a directory: ${full}`);
    if (node !== undefined && options.create && options.exclusive) {
      throw new Deno.errors.AlreadyExists(`File exists: ${full}`);
    }
    if (node === undefined) {
      if (!options.create) throw new Deno.errors.NotFound(`No such file: ${full}`);
      node = new MemFile();
      parent.children.set(name, node);
    }
    if (options.truncate) node.truncate(0);
    return new MemFileHandle(full, node, options.readOnly ?? false, () => this.#generation);
  }

  rename(from: string, to: string): void {
    const source = resolve(from);
    const target = resolve(to);
    const fromDir = this.#dirAt(dirname(source));
    const node = fromDir.children.get(basename(source));
    if (node === undefined) throw new Deno.errors.NotFound(`No such file: ${source}`);
    if (target.startsWith(source + "/")) {
      throw new RangeError(`Cannot move ${source} into itself at ${target}`);
    }
    const toDir = this.#dirAt(dirname(target));
    if (toDir.children.get(basename(target)) instanceof MemDir) {
      throw new Deno.errors.IsADirectory(`Is a directory: ${target}`);
    }
    fromDir.children.delete(basename(source));
    toDir.children.set(basename(target), node);
  }

  remove(path: string): void {
    const full = resolve(path);
    const parent = this.#dirAt(dirname(full));
    const node = parent.children.get(basename(full));
    if (node === undefined) throw new Deno.errors.NotFound(`No such file: ${full}`);
    if (node instanceof MemDir && node.children.size > 0) {
      throw Object.assign(new Error(`Directory not empty: ${full}`), { code: "ENOTEMPTY" });
    }
    parent.children.delete(basename(full));
  }

  list(dir: string): string[] {
    return [...this.#dirAt(resolve(dir)).children.keys()].sort();
  }

  exists(path: string): boolean {
    const full = resolve(path);
    if (full === "/") return true;
    const parent = this.#findDir(dirname(full));
    return parent !== undefined && parent.children.has(basename(full));
  }

  mkdir(path: string): void {
    let dir = this.#root;
    for (const name of resolve(path).split("/").filter((part) => part !== "")) {
      let child = dir.children.get(name);
      if (child === undefined) {
        child = new MemDir();
        dir.children.set(name, child);
      }
      if (!(child instanceof MemDir)) {
        throw new Deno.errors.NotADirectory(`Not a directory: ${name} in ${path}`);
      }
      dir = child;
    }
  }

  syncDir(dir: string): Promise<void> {
    try {
      const node = this.#dirAt(resolve(dir));
      node.durable = new Map(node.children);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  tryLock(path: string): VfsLock {
    const full = resolve(path);
    if (this.#locks.has(full)) throw new LockedError(full);
    this.open(full, { create: true }).close();
    this.#locks.add(full);
    const generation = this.#generation;
    let held = true;
    return {
      release: () => {
        if (held && generation === this.#generation) this.#locks.delete(full);
        held = false;
      },
    };
  }

  #findDir(path: string): MemDir | undefined {
    let dir = this.#root;
    for (const name of path.split("/").filter((part) => part !== "")) {
      const child = dir.children.get(name);
      if (!(child instanceof MemDir)) return undefined;
      dir = child;
    }
    return dir;
  }

  #dirAt(path: string): MemDir {
    const dir = this.#findDir(path);
    if (dir === undefined) throw new Deno.errors.NotFound(`No such directory: ${path}`);
    return dir;
  }
}

class MemFileHandle implements VfsFile {
  readonly path: string;
  #file: MemFile;
  #readOnly: boolean;
  #generation: number;
  #currentGeneration: () => number;
  #closed = false;

  /** `currentGeneration` tells the Vfs's crash count; a crash invalidates the handle. */
  constructor(path: string, file: MemFile, readOnly: boolean, currentGeneration: () => number) {
    this.path = path;
    this.#file = file;
    this.#readOnly = readOnly;
    this.#currentGeneration = currentGeneration;
    this.#generation = currentGeneration();
  }

  readAt(buffer: Uint8Array, position: number): number {
    this.#check();
    checkOffset(position);
    const file = this.#file;
    if (position >= file.length) return 0;
    const count = Math.min(buffer.length, file.length - position);
    buffer.set(file.bytes.subarray(position, position + count));
    return count;
  }

  append(data: Uint8Array): void {
    this.#checkWritable();
    this.#file.append(data);
  }

  size(): number {
    this.#check();
    return this.#file.length;
  }

  writeAt(data: Uint8Array, position: number): void {
    this.#checkWritable();
    checkOffset(position);
    if (position > this.#file.length) {
      throw new RangeError(
        `Write at ${position} would leave a hole past the end ${this.#file.length}`,
      );
    }
    this.#file.writeAt(data, position);
  }

  truncate(size: number): void {
    this.#checkWritable();
    checkOffset(size);
    this.#file.truncate(size);
  }

  sync(): Promise<void> {
    return this.syncData();
  }

  syncData(): Promise<void> {
    try {
      this.#check();
      this.#file.markDurable();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new ClosedError(`File ${this.path} is closed`);
    if (this.#generation !== this.#currentGeneration()) {
      throw new ClosedError(`File handle for ${this.path} was lost in a simulated crash`);
    }
  }

  #checkWritable(): void {
    this.#check();
    if (this.#readOnly) throw new Deno.errors.BadResource(`File ${this.path} is read-only`);
  }
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`File offset must be a non-negative integer, got ${offset}`);
  }
}

function resolve(path: string): string {
  return normalizePath(path.startsWith("/") ? path : "/" + path);
}

/** A small seeded generator (mulberry32) of floats in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
