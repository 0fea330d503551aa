/**
 * The filesystem interface every Cairn store does its I/O through, so that tests can
 * swap the real disk ({@linkcode DenoVfs}) for memory that can crash ({@linkcode MemVfs})
 * or a wrapper that fails on command ({@linkcode FaultVfs}).
 *
 * Paths are absolute or relative strings joined with `/`. Calls that touch only the page
 * cache are synchronous (they cost about a microsecond); calls that wait for the disk
 * (`sync`, `syncData`, `syncDir`) return promises.
 *
 * Every implementation throws the runtime's own error classes for missing and existing
 * paths (`Deno.errors.NotFound`, `Deno.errors.AlreadyExists`), so callers test for them
 * the same way whatever the backing store.
 *
 * @module
 */

/** How {@linkcode Vfs.open} opens a file. */
export interface OpenOptions {
  /** Create the file when it does not exist. Default `false`. */
  create?: boolean;
  /** With `create`: fail with `AlreadyExists` when the file exists. Default `false`. */
  exclusive?: boolean;
  /** Cut the file to zero bytes on open. Default `false`. */
  truncate?: boolean;
  /** Open for reading only; writes then throw. Default `false`. */
  readOnly?: boolean;
}

/**
 * An open file. Reads are positional; writes append at the end of the file or overwrite
 * in place ({@linkcode VfsFile.writeAt}).
 *
 * The legal call order: any reads and writes, then `close()`. After `close()` (or after
 * a {@linkcode MemVfs.crash}) every call throws `ClosedError`. REQUIRES: at most one
 * handle appends to a file at a time (others may read it).
 */
export interface VfsFile {
  /** The path the file was opened with. */
  readonly path: string;
  /**
   * Reads up to `buffer.length` bytes starting at byte `position` into `buffer`.
   *
   * @returns The number of bytes read: less than `buffer.length` only at the end of the
   * file (0 at or past it).
   */
  readAt(buffer: Uint8Array, position: number): number;
  /**
   * Appends all of `data` at the end of the file (into the page cache: it survives a
   * killed process, but not a power loss until {@linkcode VfsFile.syncData}).
   */
  append(data: Uint8Array): void;
  /**
   * Writes all of `data` at byte `position`, overwriting what is there and growing the
   * file if it reaches past the end. Durable as an append is: after a sync. REQUIRES:
   * `position` is at most the file's size (no holes).
   */
  writeAt(data: Uint8Array, position: number): void;
  /** The file's current size in bytes, including unsynced appends. */
  size(): number;
  /** Cuts (or zero-extends) the file to `size` bytes. Durable only after a sync. */
  truncate(size: number): void;
  /** Makes the file's data and metadata durable (`fsync`). */
  sync(): Promise<void>;
  /** Makes the file's data and its size durable (`fdatasync`). */
  syncData(): Promise<void>;
  /** Closes the handle. Closing twice is harmless. */
  close(): void;
}

/** A held directory lock; see {@linkcode Vfs.tryLock}. */
export interface VfsLock {
  /** Releases the lock. Releasing twice is harmless. */
  release(): void;
}

/**
 * The filesystem operations Cairn uses.
 *
 * Durability contract: an appended byte is durable after its file's `sync`/`syncData`;
 * a created, renamed or removed directory entry (file or directory) is durable after a
 * `syncDir` of the directory holding it.
 */
export interface Vfs {
  /**
   * Opens (or creates) a file.
   *
   * @throws {Deno.errors.NotFound} When it does not exist and `create` is not set.
   * @throws {Deno.errors.AlreadyExists} With `create` and `exclusive`, when it exists.
   */
  open(path: string, options?: OpenOptions): VfsFile;
  /** Renames a file, replacing `to` atomically if it exists. */
  rename(from: string, to: string): void;
  /** Removes a file or an empty directory. */
  remove(path: string): void;
  /** The names (not paths) of the entries in a directory, sorted bytewise. */
  list(dir: string): string[];
  /** Whether a file or directory exists at `path`. */
  exists(path: string): boolean;
  /** Makes a directory and any missing parents; an existing directory is fine. */
  mkdir(path: string): void;
  /** Makes the directory's entries (creations, renames, removals) durable. */
  syncDir(dir: string): Promise<void>;
  /**
   * Takes an exclusive lock on the file at `path`, creating it if needed.
   *
   * @throws {LockedError} At once when another owner holds it.
   */
  tryLock(path: string): VfsLock;
}
