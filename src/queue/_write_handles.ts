// The writable handles of a queue's files, for its writer: appends at the end the writer
// knows (moving a handle that another process left behind), tracks which files await a
// sync, and makes the repairs a load under the lock asks for.

import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import { createFramedFile, type FramedAppender, type FramedFileId } from "./_framed_file.ts";
import type { Repairs } from "./_loader.ts";

interface Handle {
  file: VfsFile;
  /** Where the handle's next append lands, as far as it knows. */
  end: number;
}

/** One writable handle per file, opened on first use. */
export class WriteHandles {
  readonly #vfs: Vfs;
  readonly #dir: string;
  readonly #onSyncs: (count: number) => void;
  readonly #handles = new Map<string, Handle>();
  /** Files appended to since their last sync. */
  readonly #dirty = new Set<string>();

  /** `onSyncs` is told how many files each sync of dirty files covers. */
  constructor(vfs: Vfs, dir: string, onSyncs: (count: number) => void) {
    this.#vfs = vfs;
    this.#dir = dir;
    this.#onSyncs = onSyncs;
  }

  /** The repairs a load under the lock makes through these handles. */
  readonly repairs: Repairs = {
    cut: async (id, end) => {
      const handle = this.#handle(id.path);
      handle.file.truncate(end);
      handle.end = end;
      await handle.file.syncData();
    },
    remove: async (paths) => {
      for (const path of paths) {
        this.#handles.get(path)?.file.close();
        this.#handles.delete(path);
        this.#dirty.delete(path);
        try {
          this.#vfs.remove(path);
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
      }
      await this.#vfs.syncDir(this.#dir);
    },
    create: async (id, firstIndex) => {
      await this.create(id, firstIndex);
      await this.#vfs.syncDir(this.#dir);
    },
  };

  /** Creates a file with its header and syncs it; the caller syncs the directory. */
  async create(id: FramedFileId, firstIndex: number): Promise<void> {
    const file = createFramedFile(this.#vfs, id, firstIndex);
    this.#handles.set(id.path, { file, end: file.size() });
    await file.syncData();
  }

  /**
   * Writes an appender's bytes to its file, whose records end at `end`. A handle whose end
   * is elsewhere (the file grew under another process) is first moved there by cutting the
   * file to its own size. REQUIRES: nothing else appends to the file meanwhile.
   */
  write(id: FramedFileId, end: number, appender: FramedAppender): void {
    if (appender.empty) return;
    const handle = this.#handle(id.path);
    if (handle.end !== end) handle.file.truncate(end);
    appender.writeTo(handle.file);
    handle.end = appender.end;
    this.#dirty.add(id.path);
  }

  /** Syncs the file now if it was written since its last sync. */
  async syncOne(path: string): Promise<void> {
    if (!this.#dirty.delete(path)) return;
    this.#onSyncs(1);
    await this.#handle(path).file.syncData();
  }

  /** Syncs every file written since its last sync. */
  async syncAll(): Promise<void> {
    const paths = [...this.#dirty];
    this.#dirty.clear();
    this.#onSyncs(paths.length);
    await Promise.all(paths.map((path) => this.#handles.get(path)?.file.syncData()));
  }

  /** Closes every handle. */
  close(): void {
    for (const handle of this.#handles.values()) handle.file.close();
    this.#handles.clear();
  }

  #handle(path: string): Handle {
    let handle = this.#handles.get(path);
    if (handle === undefined) {
      const file = this.#vfs.open(path);
      handle = { file, end: file.size() };
      this.#handles.set(path, handle);
    }
    return handle;
  }
}
