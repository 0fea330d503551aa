// A Vfs wrapper that fails on command: each call is matched against the injected rules
// (by operation, path and count) and either fails, half-happens, or passes through.

import { type Fault, FaultFile } from "./_fault_file.ts";
import { Rule, validateRule } from "./_fault_rule.ts";
import { normalizePath } from "./_path.ts";
import type { OpenOptions, Vfs, VfsFile, VfsLock } from "./vfs.ts";

/**
 * An operation {@linkcode FaultVfs} can fail. File-level operations are `read`
 * (`readAt`), `append` (both `append` and `writeAt`), `truncate` and `sync` (both `sync` and
 * `syncData`); `lock` is `tryLock`; the rest are the {@linkcode Vfs} methods of the same name.
 */
export type FaultOp =
  | "open"
  | "read"
  | "append"
  | "truncate"
  | "sync"
  | "rename"
  | "remove"
  | "list"
  | "mkdir"
  | "syncDir"
  | "lock";

/**
 * How a faulted call fails:
 * - `"error"`: throws {@linkcode InjectedFaultError} with code `EIO`; nothing happens.
 * - `"diskFull"`: throws with code `ENOSPC`; nothing happens (no byte of an append).
 * - `"shortWrite"` (append only): the first `keepBytes` bytes reach the file, then the
 *   call throws with code `ENOSPC`.
 * - `"tornWrite"` (append only): the first `keepBytes` bytes reach the file and the call
 *   returns normally, as from a disk that lies; only a checksum can catch it.
 */
export type FaultKind = "error" | "diskFull" | "shortWrite" | "tornWrite";

/** Which calls a fault fires on, and how; see {@linkcode FaultVfs.inject}. */
export interface FaultRule {
  /** The operation to fail. */
  op: FaultOp;
  /** How it fails. Default `"error"`. */
  kind?: FaultKind;
  /**
   * Which paths match (all when unset). A string containing `/` must equal the call's
   * normalized path; a string without `/` matches every path whose last segment ends
   * with it (`".log"`, `"LOCK"`). A RegExp is searched for in the normalized path. A
   * `rename` matches when either its source or its target matches.
   */
  path?: string | RegExp;
  /** The first matching call (1-based, counted from injection) to fail. Default 1. */
  nth?: number;
  /** How many matching calls fail, from the `nth` on. Default 1; `Infinity` is allowed. */
  times?: number;
  /**
   * For `shortWrite` and `tornWrite`: how many leading bytes of the data reach the file
   * (at most all of them). Default half of the data, rounded down.
   */
  keepBytes?: number;
}

/** An injected rule; see {@linkcode FaultVfs.inject}. */
export interface FaultHandle {
  /** How many calls this rule has failed so far. */
  readonly fired: number;
  /** Withdraws the rule: later calls pass it by. Removing twice is harmless. */
  remove(): void;
}

/**
 * The error every fault of {@linkcode FaultVfs} throws, shaped like a Node system error
 * (`code`), so code under test can tell a full disk from an I/O error.
 *
 * @example Telling a full disk from an I/O error
 * ```ts
 * import { InjectedFaultError } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const error = new InjectedFaultError("append", "/db/000001.log", "ENOSPC");
 * assert.equal(error.code, "ENOSPC");
 * assert.equal(error.op, "append");
 * assert.equal(error.path, "/db/000001.log");
 * ```
 */
export class InjectedFaultError extends Error {
  /** `EIO` for an I/O error, `ENOSPC` for a full disk. */
  readonly code: "EIO" | "ENOSPC";
  /** The operation that failed. */
  readonly op: FaultOp;
  /** The normalized path of the call (the source path for a `rename`). */
  readonly path: string;

  /**
   * Makes an injected fault error.
   *
   * @param op The operation that failed.
   * @param path The normalized path of the call.
   * @param code `EIO` or `ENOSPC`.
   */
  constructor(op: FaultOp, path: string, code: "EIO" | "ENOSPC") {
    super(`Injected ${code} on ${op} of ${path}`);
    this.name = "InjectedFaultError";
    this.code = code;
    this.op = op;
    this.path = path;
  }
}

/**
 * A {@linkcode Vfs} that wraps another and fails chosen calls: by operation, path and
 * count, with an I/O error, a full disk, or a write that only partly reaches the file.
 * A failed `sync` or `syncDir` rejects without syncing, so (on {@linkcode MemVfs}) a
 * crash then drops what it should have made durable. Calls that no rule fires on pass
 * through unchanged; files it opens are wrapped so their calls are matched too.
 *
 * @example Failing the second fsync of a log
 * ```ts
 * import { FaultVfs, InjectedFaultError, MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const faults = new FaultVfs(new MemVfs());
 * faults.inject({ op: "sync", path: ".log", nth: 2 });
 * const file = faults.open("/000001.log", { create: true });
 * await file.syncData();
 * await assert.rejects(file.syncData(), InjectedFaultError);
 * assert.equal(faults.calls("sync"), 2);
 * ```
 */
export class FaultVfs implements Vfs {
  #inner: Vfs;
  #rules: Rule[] = [];
  #calls = new Map<FaultOp, number>();

  /**
   * Wraps a filesystem.
   *
   * @param inner The filesystem that calls pass through to.
   */
  constructor(inner: Vfs) {
    this.#inner = inner;
  }

  /**
   * Adds a fault rule. Rules are consulted in the order they were injected; each counts
   * the calls that match it, and at most one rule fires per call.
   *
   * @param rule Which calls fail and how; see {@linkcode FaultRule}.
   * @returns A handle telling how often the rule fired, and removing it.
   * @throws {TypeError} When `op`, `kind` or `path` is not one of the allowed values,
   * when `kind` does not apply to `op`, or when `keepBytes` is given for another kind.
   * @throws {RangeError} When `nth` is not a positive integer, `times` not a positive
   * integer or `Infinity`, or `keepBytes` not a non-negative integer.
   *
   * @example Failing every append to one file
   * ```ts
   * import { FaultVfs, MemVfs } from "@cairn/cairn/vfs";
   * import assert from "node:assert/strict";
   *
   * const faults = new FaultVfs(new MemVfs());
   * const rule = faults.inject({ op: "append", path: "/data", times: Infinity });
   * const file = faults.open("/data", { create: true });
   * assert.throws(() => file.append(new Uint8Array(1)), { code: "EIO" });
   * assert.throws(() => file.append(new Uint8Array(1)), { code: "EIO" });
   * assert.equal(rule.fired, 2);
   * rule.remove();
   * file.append(new Uint8Array(1));
   * assert.equal(file.size(), 1);
   * ```
   */
  inject(rule: FaultRule): FaultHandle {
    validateRule(rule);
    const injected = new Rule(rule, (removed) => {
      this.#rules = this.#rules.filter((kept) => kept !== removed);
    });
    this.#rules.push(injected);
    return injected;
  }

  /**
   * Removes every rule. Call counts are kept.
   *
   * @example Healing the disk
   * ```ts
   * import { FaultVfs, MemVfs } from "@cairn/cairn/vfs";
   *
   * const faults = new FaultVfs(new MemVfs());
   * faults.inject({ op: "mkdir", times: Infinity });
   * faults.clear();
   * faults.mkdir("/db");
   * ```
   */
  clear(): void {
    this.#rules = [];
  }

  /**
   * How many calls of an operation were made through this filesystem and its files,
   * faulted or not (`sync` counts `sync` and `syncData`).
   *
   * @param op The operation to count; all operations when unset.
   * @returns The number of calls.
   *
   * @example Counting fsyncs
   * ```ts
   * import { FaultVfs, MemVfs } from "@cairn/cairn/vfs";
   * import assert from "node:assert/strict";
   *
   * const faults = new FaultVfs(new MemVfs());
   * const file = faults.open("/log", { create: true });
   * await file.sync();
   * await file.syncData();
   * assert.equal(faults.calls("sync"), 2);
   * assert.equal(faults.calls(), 3);
   * ```
   */
  calls(op?: FaultOp): number {
    if (op !== undefined) return this.#calls.get(op) ?? 0;
    let total = 0;
    for (const count of this.#calls.values()) total += count;
    return total;
  }

  open(path: string, options?: OpenOptions): VfsFile {
    const full = normalizePath(path);
    this.#failIfDue("open", [full]);
    return new FaultFile(this.#inner.open(path, options), (op) => this.#fault(op, [full]));
  }

  rename(from: string, to: string): void {
    this.#failIfDue("rename", [normalizePath(from), normalizePath(to)]);
    this.#inner.rename(from, to);
  }

  remove(path: string): void {
    this.#failIfDue("remove", [normalizePath(path)]);
    this.#inner.remove(path);
  }

  list(dir: string): string[] {
    this.#failIfDue("list", [normalizePath(dir)]);
    return this.#inner.list(dir);
  }

  exists(path: string): boolean {
    return this.#inner.exists(path);
  }

  mkdir(path: string): void {
    this.#failIfDue("mkdir", [normalizePath(path)]);
    this.#inner.mkdir(path);
  }

  syncDir(dir: string): Promise<void> {
    const fault = this.#fault("syncDir", [normalizePath(dir)]);
    if (fault !== undefined) return Promise.reject(fault.error);
    return this.#inner.syncDir(dir);
  }

  tryLock(path: string): VfsLock {
    this.#failIfDue("lock", [normalizePath(path)]);
    return this.#inner.tryLock(path);
  }

  /**
   * Counts a call and returns the fault that fires on it, if any. REQUIRES: `paths` are
   * normalized, the first being the one to report.
   */
  #fault(op: FaultOp, paths: readonly string[]): Fault | undefined {
    this.#calls.set(op, (this.#calls.get(op) ?? 0) + 1);
    let firing: Rule | undefined;
    for (const rule of this.#rules) {
      if (rule.consider(op, paths) && firing === undefined) firing = rule;
    }
    if (firing === undefined) return undefined;
    firing.markFired();
    const code = firing.kind === "error" ? "EIO" : "ENOSPC";
    const error = new InjectedFaultError(op, paths[0] ?? "", code);
    return { kind: firing.kind, keepBytes: firing.keepBytes, error };
  }

  /** Counts a call, and throws the fault that fires on it, if any. */
  #failIfDue(op: FaultOp, paths: readonly string[]): void {
    const fault = this.#fault(op, paths);
    if (fault !== undefined) throw fault.error;
  }
}
