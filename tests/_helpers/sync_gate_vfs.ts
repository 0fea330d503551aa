// A Vfs wrapper whose file syncs can be held open, so a test can act while an fsync is
// in flight (for example, keep a frozen memtable waiting for its flush by holding `.sst`
// syncs while writes and reads go on).

import type { OpenOptions, Vfs, VfsFile, VfsLock } from "../../src/vfs/vfs.ts";

/**
 * Passes every call through to `inner`, except that while the gate is closed each file
 * `sync`/`syncData` waits (after syncing) until {@linkcode SyncGateVfs.openGate} is called.
 * With `suffix`, only the syncs of files whose path ends in it are held.
 */
export class SyncGateVfs implements Vfs {
  readonly #inner: Vfs;
  #gate: Promise<void> | null = null;
  #openGate: () => void = () => {};
  #waiting = 0;
  readonly #suffix: string;

  constructor(inner: Vfs, options: { suffix?: string } = {}) {
    this.#inner = inner;
    this.#suffix = options.suffix ?? "";
  }

  /** How many syncs are waiting at the closed gate. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Makes later syncs wait. */
  closeGate(): void {
    if (this.#gate === null) this.#gate = new Promise((resolve) => this.#openGate = resolve);
  }

  /** Lets every waiting and later sync finish. */
  openGate(): void {
    this.#openGate();
    this.#gate = null;
  }

  /** Syncs through `sync`, waiting at the gate while it is closed. */
  async gated(sync: () => Promise<void>): Promise<void> {
    await sync();
    const gate = this.#gate;
    if (gate === null) return;
    this.#waiting++;
    await gate;
    this.#waiting--;
  }

  open(path: string, options?: OpenOptions): VfsFile {
    const file = this.#inner.open(path, options);
    return path.endsWith(this.#suffix) ? new GatedFile(file, this) : file;
  }

  rename(from: string, to: string): void {
    this.#inner.rename(from, to);
  }

  remove(path: string): void {
    this.#inner.remove(path);
  }

  list(dir: string): string[] {
    return this.#inner.list(dir);
  }

  exists(path: string): boolean {
    return this.#inner.exists(path);
  }

  mkdir(path: string): void {
    this.#inner.mkdir(path);
  }

  syncDir(dir: string): Promise<void> {
    return this.#inner.syncDir(dir);
  }

  tryLock(path: string): VfsLock {
    return this.#inner.tryLock(path);
  }
}

class GatedFile implements VfsFile {
  readonly #inner: VfsFile;
  readonly #vfs: SyncGateVfs;

  constructor(inner: VfsFile, vfs: SyncGateVfs) {
    this.#inner = inner;
    this.#vfs = vfs;
  }

  get path(): string {
    return this.#inner.path;
  }

  readAt(buffer: Uint8Array, position: number): number {
    return this.#inner.readAt(buffer, position);
  }

  append(data: Uint8Array): void {
    this.#inner.append(data);
  }

  writeAt(data: Uint8Array, position: number): void {
    this.#inner.writeAt(data, position);
  }

  size(): number {
    return this.#inner.size();
  }

  truncate(size: number): void {
    this.#inner.truncate(size);
  }

  sync(): Promise<void> {
    return this.#vfs.gated(() => this.#inner.sync());
  }

  syncData(): Promise<void> {
    return this.#vfs.gated(() => this.#inner.syncData());
  }

  close(): void {
    this.#inner.close();
  }
}
