// A Vfs over a MemVfs that loses power at a chosen mutating operation (for tests that
// crash a store at every write boundary in turn) or whenever the test calls cut().

import type { CrashOptions, MemVfs } from "../../src/vfs/mem_vfs.ts";
import type { OpenOptions, Vfs, VfsFile, VfsLock } from "../../src/vfs/vfs.ts";

/** What every call throws from the crash on: the process is gone. */
export class PowerLossError extends Error {
  constructor(operation: number) {
    super(`Simulated power loss at mutating operation ${operation}`);
    this.name = "PowerLossError";
  }
}

/** Whether `error`, or an error in its chain of causes, is the simulated power loss. */
export function causedByPowerLoss(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof PowerLossError) return true;
  }
  return false;
}

/**
 * Counts the mutating operations made through it (`append`, `writeAt`, `truncate`, `sync`,
 * `syncData`, `syncDir`, `rename`, `remove`, `mkdir`, and `open` with `create` or
 * `truncate`). Operation number `crashAt` (1-based) takes effect, then the MemVfs
 * crashes with `crashOptions` and the call throws {@linkcode PowerLossError}; from then
 * on every call through this Vfs or its files throws it too, so the crashed MemVfs keeps
 * exactly what the power loss left. A crash before operation k is the crash after k - 1.
 * Without `crashAt` the power goes only when the test calls {@linkcode CrashPointVfs.cut};
 * open the next incarnation of the store on a fresh CrashPointVfs over the same MemVfs.
 */
export class CrashPointVfs implements Vfs {
  readonly #mem: MemVfs;
  readonly #crashAt: number;
  readonly #crashOptions: CrashOptions;
  #operations = 0;
  #crashed = false;

  constructor(mem: MemVfs, crashAt: number = Infinity, crashOptions: CrashOptions = {}) {
    this.#mem = mem;
    this.#crashAt = crashAt;
    this.#crashOptions = crashOptions;
  }

  /** How many mutating operations were made (the one crashed on included). */
  get operations(): number {
    return this.#operations;
  }

  /** Whether the power loss happened. */
  get crashed(): boolean {
    return this.#crashed;
  }

  open(path: string, options: OpenOptions = {}): VfsFile {
    this.alive();
    const mutating = (options.create ?? false) || (options.truncate ?? false);
    const inner = mutating
      ? this.mutate(() => this.#mem.open(path, options))
      : this.#mem.open(path, options);
    return new CrashPointFile(inner, this);
  }

  rename(from: string, to: string): void {
    this.mutate(() => this.#mem.rename(from, to));
  }

  remove(path: string): void {
    this.mutate(() => this.#mem.remove(path));
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
    this.mutate(() => this.#mem.mkdir(path));
  }

  syncDir(dir: string): Promise<void> {
    return this.mutateAsync(() => this.#mem.syncDir(dir));
  }

  tryLock(path: string): VfsLock {
    return this.mutate(() => this.#mem.tryLock(path));
  }

  /** Runs a synchronous mutating call, crashing after it when its number is due. */
  mutate<T>(call: () => T): T {
    this.alive();
    const due = ++this.#operations === this.#crashAt;
    const result = call();
    if (due) this.#crash();
    return result;
  }

  /** Runs an asynchronous mutating call, crashing after it settles when its number is due. */
  async mutateAsync(call: () => Promise<void>): Promise<void> {
    this.alive();
    const due = ++this.#operations === this.#crashAt;
    await call();
    if (due) this.#crash();
  }

  /** Cuts the power now: crashes the MemVfs with `options` and fences this Vfs off. */
  cut(options: CrashOptions = this.#crashOptions): void {
    this.#crashed = true;
    this.#mem.crash(options);
  }

  /** Throws when the power loss has happened. */
  alive(): void {
    if (this.#crashed) throw new PowerLossError(Math.min(this.#crashAt, this.#operations));
  }

  #crash(): never {
    this.#crashed = true;
    this.#mem.crash(this.#crashOptions);
    throw new PowerLossError(this.#crashAt);
  }
}

class CrashPointFile implements VfsFile {
  readonly #inner: VfsFile;
  readonly #vfs: CrashPointVfs;

  constructor(inner: VfsFile, vfs: CrashPointVfs) {
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
    this.#vfs.mutate(() => this.#inner.append(data));
  }

  writeAt(data: Uint8Array, position: number): void {
    this.#vfs.mutate(() => this.#inner.writeAt(data, position));
  }

  size(): number {
    this.#vfs.alive();
    return this.#inner.size();
  }

  truncate(size: number): void {
    this.#vfs.mutate(() => this.#inner.truncate(size));
  }

  sync(): Promise<void> {
    return this.#vfs.mutateAsync(() => this.#inner.sync());
  }

  syncData(): Promise<void> {
    return this.#vfs.mutateAsync(() => this.#inner.syncData());
  }

  close(): void {
    this.#inner.close();
  }
}

/** The failures of a crash test's workload, each of which must be the power loss. */
export class WorkloadFailures {
  readonly #errors: unknown[] = [];

  /** Records why `promise` fails instead of rejecting. */
  readonly settle = (promise: Promise<unknown>): Promise<unknown> =>
    promise.catch((error) => void this.#errors.push(error));

  /** Records a failure. */
  record(error: unknown): void {
    this.#errors.push(error);
  }

  /** How many failures were recorded. */
  get count(): number {
    return this.#errors.length;
  }

  /** Throws the first failure the power loss did not cause; else whether any failure happened. */
  crashed(): boolean {
    const unexpected = this.#errors.find((error) => !causedByPowerLoss(error));
    if (unexpected !== undefined) throw unexpected;
    return this.#errors.length > 0;
  }
}
