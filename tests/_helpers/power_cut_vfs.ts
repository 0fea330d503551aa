// A Vfs over a MemVfs whose power a test cuts when it chooses: the MemVfs crashes and the
// process that used this Vfs is gone, so nothing it still runs (a background flush, a
// pending write) can touch the files the next opener sees.

import type { CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import type { OpenOptions, Vfs, VfsFile, VfsLock } from "../../src/vfs/vfs.ts";
import { PowerLossError } from "./crash_point_vfs.ts";

/**
 * Passes every call through to `mem` until {@linkcode PowerCutVfs.cut}; from then on
 * every call through it or a file it opened throws {@linkcode PowerLossError}. Open the
 * next incarnation of the store on a fresh `PowerCutVfs` over the same MemVfs.
 */
export class PowerCutVfs implements Vfs {
  readonly #mem: MemVfs;
  #cut = false;

  constructor(mem: MemVfs) {
    this.#mem = mem;
  }

  /** Cuts the power: crashes the MemVfs with `options` and fences this Vfs off. */
  cut(options: CrashOptions = {}): void {
    this.#cut = true;
    this.#mem.crash(options);
  }

  /** Throws once the power is cut. */
  alive(): void {
    if (this.#cut) throw new PowerLossError(0);
  }

  open(path: string, options: OpenOptions = {}): VfsFile {
    this.alive();
    return new PowerCutFile(this.#mem.open(path, options), this);
  }

  rename(from: string, to: string): void {
    this.alive();
    this.#mem.rename(from, to);
  }

  remove(path: string): void {
    this.alive();
    this.#mem.remove(path);
  }

  list(dir: string): string[] {
    this.alive();
    return this.#mem.list(dir);
  }

  exists(path: string): boolean {
    this.alive();
    return this.#mem.exists(path);
  }

  mkdir(path: string): void {
    this.alive();
    this.#mem.mkdir(path);
  }

  async syncDir(dir: string): Promise<void> {
    this.alive();
    await this.#mem.syncDir(dir);
  }

  tryLock(path: string): VfsLock {
    this.alive();
    return this.#mem.tryLock(path);
  }
}

class PowerCutFile implements VfsFile {
  readonly #inner: VfsFile;
  readonly #vfs: PowerCutVfs;

  constructor(inner: VfsFile, vfs: PowerCutVfs) {
    this.#inner = inner;
    this.#vfs = vfs;
  }

  get path(): string {
    return this.#inner.path;
  }

  readAt(buffer: Uint8Array, position: number): number {
    this.#vfs.alive();
    return this.#inner.readAt(buffer, position);
  }

  append(data: Uint8Array): void {
    this.#vfs.alive();
    this.#inner.append(data);
  }

  size(): number {
    this.#vfs.alive();
    return this.#inner.size();
  }

  truncate(size: number): void {
    this.#vfs.alive();
    this.#inner.truncate(size);
  }

  async sync(): Promise<void> {
    this.#vfs.alive();
    await this.#inner.sync();
  }

  async syncData(): Promise<void> {
    this.#vfs.alive();
    await this.#inner.syncData();
  }

  close(): void {
    this.#inner.close();
  }
}
