/**
 * The filesystem layer every Cairn store does its I/O through: the {@linkcode Vfs}
 * interface, the real disk ({@linkcode DenoVfs}), memory that can simulate a power loss
 * ({@linkcode MemVfs}) and a wrapper that fails on command ({@linkcode FaultVfs}).
 *
 * @example Keeping only what was synced across a crash
 * ```ts
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const file = vfs.open("/data", { create: true });
 * await vfs.syncDir("/");
 * file.append(new Uint8Array([1, 2, 3]));
 * await file.sync();
 * file.append(new Uint8Array([4, 5]));
 *
 * vfs.crash();
 * assert.equal(vfs.open("/data").size(), 3);
 * ```
 *
 * @module
 */

export type { OpenOptions, Vfs, VfsFile, VfsLock } from "./vfs.ts";
export { type CrashOptions, MemVfs } from "./mem_vfs.ts";
export {
  type FaultHandle,
  type FaultKind,
  type FaultOp,
  type FaultRule,
  FaultVfs,
  InjectedFaultError,
} from "./fault_vfs.ts";
export { DenoVfs } from "./deno_vfs.ts";
