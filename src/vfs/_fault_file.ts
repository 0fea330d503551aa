// The file handles of FaultVfs: every call is offered to the FaultVfs's rules under the
// path the file was opened with. Private to fault_vfs.ts.

import type { FaultKind, FaultOp } from "./fault_vfs.ts";
import type { VfsFile } from "./vfs.ts";

/** One firing of a rule on one call. */
export interface Fault {
  readonly kind: FaultKind;
  /** For `shortWrite` and `tornWrite`: the bytes that reach the file, if the rule set it. */
  readonly keepBytes: number | undefined;
  /** What the call throws (or its promise rejects with). */
  readonly error: Error;
}

/** A file opened through a FaultVfs. */
export class FaultFile implements VfsFile {
  #inner: VfsFile;
  #fault: (op: FaultOp) => Fault | undefined;

  /** `fault` counts a call of this file and returns the fault that fires on it, if any. */
  constructor(inner: VfsFile, fault: (op: FaultOp) => Fault | undefined) {
    this.#inner = inner;
    this.#fault = fault;
  }

  get path(): string {
    return this.#inner.path;
  }

  readAt(buffer: Uint8Array, position: number): number {
    this.#failIfDue("read");
    return this.#inner.readAt(buffer, position);
  }

  /** A `shortWrite` or `tornWrite` appends the first `keepBytes` (default half) of `data`. */
  append(data: Uint8Array): void {
    this.#write(data, (bytes) => this.#inner.append(bytes));
  }

  /** Offered to the rules as an `append` (a write), with the same partial writes. */
  writeAt(data: Uint8Array, position: number): void {
    this.#write(data, (bytes) => this.#inner.writeAt(bytes, position));
  }

  size(): number {
    return this.#inner.size();
  }

  truncate(size: number): void {
    this.#failIfDue("truncate");
    this.#inner.truncate(size);
  }

  /** A faulted sync rejects without syncing: the data stays as durable as it was. */
  sync(): Promise<void> {
    const fault = this.#fault("sync");
    return fault === undefined ? this.#inner.sync() : Promise.reject(fault.error);
  }

  /** As {@linkcode FaultFile.sync}; counted and matched as a `sync`. */
  syncData(): Promise<void> {
    const fault = this.#fault("sync");
    return fault === undefined ? this.#inner.syncData() : Promise.reject(fault.error);
  }

  close(): void {
    this.#inner.close();
  }

  /** A write offered to the rules as an `append`; `put` writes the bytes that get through. */
  #write(data: Uint8Array, put: (bytes: Uint8Array) => void): void {
    const fault = this.#fault("append");
    if (fault === undefined) return put(data);
    if (fault.kind === "error" || fault.kind === "diskFull") throw fault.error;
    const keep = Math.min(fault.keepBytes ?? Math.floor(data.length / 2), data.length);
    put(data.subarray(0, keep));
    if (fault.kind === "shortWrite") throw fault.error;
  }

  #failIfDue(op: FaultOp): void {
    const fault = this.#fault(op);
    if (fault !== undefined) throw fault.error;
  }
}
