/**
 * Durable storage for a Raft node: {@linkcode RaftStorage} keeps the term and vote, the
 * log with prefix and suffix truncation, and snapshots, with group commit and crash
 * recovery. The format is specified in `docs/raft_format.md`.
 *
 * @example Surviving a crash with the vote intact
 * ```ts
 * import { RaftStorage } from "@cairn/cairn/raft";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const storage = await RaftStorage.open("/node", { vfs });
 * await storage.saveState({ term: 3, votedFor: "node-2" });
 * vfs.crash();
 *
 * const reopened = await RaftStorage.open("/node", { vfs });
 * assert.deepEqual(await reopened.loadState(), { term: 3, votedFor: "node-2" });
 * await reopened.close();
 * ```
 *
 * @module
 */

export {
  type LoadedSnapshot,
  MAX_COMMAND_SIZE,
  type RaftEntry,
  type RaftState,
  RaftStorage,
  type RaftStorageOptions,
  type SnapshotMeta,
} from "./raft_storage.ts";
