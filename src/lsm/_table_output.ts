// Writes sorted entries into one or more new tables (a flush makes one, a compaction cuts
// its output by size), then makes them durable: each file synced, the directory synced.
// A table is cut only between two user keys, so no user key spans two tables of a level.

import { equalBytes } from "../encoding/bytes.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import type { Kind } from "./_internal_key.ts";
import { tableFileName } from "./_table_cache.ts";
import type { FileMeta } from "./_version_edit.ts";
import { TableBuilder } from "./table/table_builder.ts";

/** Where and how to write tables. */
export interface TableOutputSetup {
  vfs: Vfs;
  dir: string;
  /** Takes a fresh file number. */
  newFileNumber: () => number;
  blockSize: number;
  bloomBitsPerKey: number;
  /** Cut a table once it reaches this size (Infinity: never cut). */
  targetFileSize: number;
}

interface OpenTable {
  number: number;
  file: VfsFile;
  builder: TableBuilder;
  smallestKey: Uint8Array;
  smallestSeq: number;
  /** The last key added, in a buffer reused from entry to entry (no copy per entry). */
  largestKey: Uint8Array;
  largestLength: number;
  largestSeq: number;
}

/** Collects entries into tables. Legal order: `add`…, then `finish` or `abandon`. */
export class TableOutput {
  readonly #setup: TableOutputSetup;
  readonly #done: { meta: FileMeta; file: VfsFile }[] = [];
  #current: OpenTable | undefined;

  constructor(setup: TableOutputSetup) {
    this.#setup = setup;
  }

  /** Adds an entry. REQUIRES: entries come in strictly increasing internal key order. */
  add(key: Uint8Array, seq: number, kind: Kind, value: Uint8Array): void {
    let table = this.#current;
    if (
      table !== undefined && table.builder.estimatedSize >= this.#setup.targetFileSize &&
      !equalBytes(table.largestKey.subarray(0, table.largestLength), key)
    ) {
      this.#close(table);
      table = undefined;
    }
    if (table === undefined) table = this.#open(key, seq);
    table.builder.add(key, seq, kind, value);
    if (key.length > table.largestKey.length) {
      table.largestKey = new Uint8Array(Math.max(key.length, table.largestKey.length * 2));
    }
    table.largestKey.set(key);
    table.largestLength = key.length;
    table.largestSeq = seq;
  }

  /**
   * Finishes the last table and makes every table durable.
   *
   * @returns The tables written, in key order (none when no entry was added).
   */
  async finish(): Promise<FileMeta[]> {
    if (this.#current !== undefined) this.#close(this.#current);
    for (const { file } of this.#done) {
      await file.syncData();
      file.close();
    }
    if (this.#done.length > 0) await this.#setup.vfs.syncDir(this.#setup.dir);
    return this.#done.map(({ meta }) => meta);
  }

  /** Removes every table written so far (after a failure). */
  abandon(): void {
    if (this.#current !== undefined) {
      this.#done.push({ meta: this.#meta(this.#current, 0), file: this.#current.file });
    }
    for (const { meta, file } of this.#done) {
      file.close();
      try {
        this.#setup.vfs.remove(joinPath(this.#setup.dir, tableFileName(meta.number)));
      } catch {
        // Left for the next open, which deletes tables the manifest does not name.
      }
    }
    this.#done.length = 0;
    this.#current = undefined;
  }

  #open(key: Uint8Array, seq: number): OpenTable {
    const number = this.#setup.newFileNumber();
    const path = joinPath(this.#setup.dir, tableFileName(number));
    const file = this.#setup.vfs.open(path, { create: true, exclusive: true });
    const builder = new TableBuilder(file, {
      blockSize: this.#setup.blockSize,
      bloomBitsPerKey: this.#setup.bloomBitsPerKey,
    });
    const smallestKey = key.slice();
    this.#current = {
      number,
      file,
      builder,
      smallestKey,
      smallestSeq: seq,
      largestKey: new Uint8Array(Math.max(64, key.length)),
      largestLength: 0,
      largestSeq: seq,
    };
    return this.#current;
  }

  #close(table: OpenTable): void {
    table.builder.finish();
    this.#done.push({ meta: this.#meta(table, table.file.size()), file: table.file });
    this.#current = undefined;
  }

  #meta(table: OpenTable, size: number): FileMeta {
    return {
      number: table.number,
      size,
      smallestKey: table.smallestKey,
      smallestSeq: table.smallestSeq,
      largestKey: table.largestKey.slice(0, table.largestLength),
      largestSeq: table.largestSeq,
    };
  }
}
