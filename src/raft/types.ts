// The values RaftStorage takes and returns.

import type { SnapshotMeta } from "./_snapshot_file.ts";

/** A log entry. */
export interface RaftEntry {
  /** Its position in the log, from 1. */
  index: number;
  /** The leader's term when the entry was created. */
  term: number;
  /** The state machine command, opaque bytes. */
  command: Uint8Array;
}

/** The persistent state Raft requires before answering any RPC. */
export interface RaftState {
  /** The latest term the node has seen. */
  term: number;
  /** The candidate the node voted for in `term`, or null. */
  votedFor: string | null;
}

/** A loaded snapshot: its meta, and its data read at once or streamed. */
export interface LoadedSnapshot {
  /** What the snapshot covers. */
  meta: SnapshotMeta;
  /** The data's size in bytes. */
  size: number;
  /** Reads the whole data. */
  bytes(): Promise<Uint8Array>;
  /** Streams the data in chunks of up to 1 MiB. */
  stream(): ReadableStream<Uint8Array>;
}
