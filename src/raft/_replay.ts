// Replaying the raft log on open: entries, truncation markers and the latest state, in
// record order, into the in-memory index (docs/raft_format.md, "Replay").

import { CorruptionError } from "../errors.ts";
import type { RecordLog } from "../record/record_log.ts";
import { EntryIndex } from "./_entry_index.ts";
import { decodeRecord, RecordKind } from "./_records.ts";
import type { SnapshotMeta } from "./_snapshot_file.ts";
import type { RaftState } from "./types.ts";

/**
 * Replays the log: entries, truncation markers and the latest state.
 *
 * @throws {CorruptionError} When a record is damaged or an entry does not follow the last.
 */
export function replay(
  log: RecordLog,
  snapshot: SnapshotMeta | undefined,
): { index: EntryIndex; state: RaftState; statePosition: number } {
  let index: EntryIndex | undefined;
  let state: RaftState = { term: 0, votedFor: null };
  let statePosition = -1;
  const fallbackFirst = snapshot === undefined ? 1 : snapshot.lastIndex + 1;
  for (const { position, data } of log.records()) {
    const fail = (detail: string): never => {
      const { path, offset } = log.locate(position);
      throw new CorruptionError(path, offset, detail);
    };
    let record;
    try {
      record = decodeRecord(data);
    } catch (error) {
      return fail(`bad raft record: ${(error as Error).message}`);
    }
    switch (record.kind) {
      case RecordKind.ENTRY:
        index ??= new EntryIndex(record.index);
        if (record.index !== index.lastIndex + 1) {
          fail(`entry ${record.index} does not follow entry ${index.lastIndex}`);
        }
        index.push(position, record.term);
        break;
      case RecordKind.SUFFIX:
        // Below the first entry seen, the marker also removes entries whose segments are
        // gone: the log is empty from its index on.
        if (index === undefined || record.index <= index.firstIndex) {
          index = new EntryIndex(record.index);
        } else index.truncateSuffix(record.index);
        break;
      case RecordKind.PREFIX:
        index ??= new EntryIndex(record.index);
        index.truncatePrefix(record.index);
        break;
      case RecordKind.STATE:
        state = { term: record.term, votedFor: record.votedFor };
        statePosition = position;
        break;
    }
  }
  return { index: index ?? new EntryIndex(fallbackFirst), state, statePosition };
}
