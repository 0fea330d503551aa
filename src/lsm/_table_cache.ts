// Open table readers by file number, opened on first use and shared by every reader of
// the database. Evicting a file closes its reader and drops its blocks from the cache.

import { joinPath } from "../vfs/_path.ts";
import type { Vfs } from "../vfs/vfs.ts";
import type { BlockCache } from "./table/block_cache.ts";
import { TableReader } from "./table/table_reader.ts";

/** The file name of table `number`: six or more digits, then `.sst`. */
export function tableFileName(number: number): string {
  return String(number).padStart(6, "0") + ".sst";
}

/** The table number in a file name, or undefined when the name is not a table's. */
export function parseTableFileName(name: string): number | undefined {
  const match = /^(\d{6,16})\.sst$/.exec(name);
  if (match === null) return undefined;
  const number = Number(match[1]);
  return tableFileName(number) === name ? number : undefined;
}

/**
 * Table readers of one database directory. Blocks are cached under a cache id given to
 * each open reader (not the file number, which only grows): ids are reused after a reader
 * closes, so they stay as few as the open tables, within the block cache's id range.
 */
export class TableCache {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #blocks: BlockCache;
  readonly #readers = new Map<number, { reader: TableReader; cacheId: number }>();
  readonly #freeIds: number[] = [];
  #nextId = 1;

  constructor(vfs: Vfs, dir: string, blocks: BlockCache) {
    this.#vfs = vfs;
    this.#dir = dir;
    this.#blocks = blocks;
  }

  /**
   * The reader of table `number`, opened on first use.
   *
   * @throws {CorruptionError} When the table's footer, index or filter is damaged.
   */
  reader(number: number): TableReader {
    const open = this.#readers.get(number);
    if (open !== undefined) return open.reader;
    const path = joinPath(this.#dir, tableFileName(number));
    const file = this.#vfs.open(path, { readOnly: true });
    const cacheId = this.#freeIds.pop() ?? this.#nextId++;
    let reader: TableReader;
    try {
      reader = TableReader.open(file, { fileNumber: cacheId, cache: this.#blocks, path });
    } catch (error) {
      file.close();
      this.#freeIds.push(cacheId);
      throw error;
    }
    this.#readers.set(number, { reader, cacheId });
    return reader;
  }

  /** Closes table `number`'s reader and forgets its cached blocks. */
  evict(number: number): void {
    const open = this.#readers.get(number);
    if (open === undefined) return;
    open.reader.close();
    this.#readers.delete(number);
    this.#blocks.evictFile(open.cacheId);
    this.#freeIds.push(open.cacheId);
  }

  /** Closes every reader. */
  close(): void {
    for (const number of [...this.#readers.keys()]) this.evict(number);
  }
}
