// Which tables are live: the current version's, and those of every version a reader has
// pinned. A table no live version names is deleted (its reader closed, its blocks evicted).

import { joinPath } from "../vfs/_path.ts";
import type { Vfs } from "../vfs/vfs.ts";
import { type TableCache, tableFileName } from "./_table_cache.ts";
import type { Version } from "./_version.ts";

/** The current version, the pinned ones, and the deletion of tables none of them needs. */
export class LiveTables {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #tables: TableCache;
  readonly #pinned = new Map<Version, number>();
  readonly #known: Set<number>;
  #current: Version;

  /** `known`: the table numbers on disk that some version may name. */
  constructor(vfs: Vfs, dir: string, tables: TableCache, current: Version, known: Set<number>) {
    this.#vfs = vfs;
    this.#dir = dir;
    this.#tables = tables;
    this.#current = current;
    this.#known = known;
  }

  /** The current version. */
  get current(): Version {
    return this.#current;
  }

  /** Makes `version` current and deletes the tables no live version needs. */
  install(version: Version): void {
    this.#current = version;
    for (const number of version.fileNumbers()) this.#known.add(number);
    this.#deleteObsolete();
  }

  /** Pins the current version: its tables stay until `unpin`. */
  pin(): Version {
    const version = this.#current;
    this.#pinned.set(version, (this.#pinned.get(version) ?? 0) + 1);
    return version;
  }

  /** Releases a pin; deletes the tables no live version needs any more. */
  unpin(version: Version): void {
    const count = (this.#pinned.get(version) ?? 1) - 1;
    if (count > 0) this.#pinned.set(version, count);
    else this.#pinned.delete(version);
    if (count <= 0) this.#deleteObsolete();
  }

  #deleteObsolete(): void {
    const live = new Set(this.#current.fileNumbers());
    for (const version of this.#pinned.keys()) {
      for (const number of version.fileNumbers()) live.add(number);
    }
    for (const number of [...this.#known]) {
      if (live.has(number)) continue;
      this.#known.delete(number);
      this.#tables.evict(number);
      try {
        this.#vfs.remove(joinPath(this.#dir, tableFileName(number)));
      } catch {
        // Left for the next open, which deletes tables the manifest does not name.
      }
    }
  }
}
