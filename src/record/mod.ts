/**
 * The record log: an append-only log of checksummed records in segment files, with
 * group commit, torn-tail repair and positional reads. The write-ahead logs, journals
 * and queues of every Cairn store are built on it. The format is specified in
 * `docs/log_format.md`.
 *
 * @example Durable appends, then a replay
 * ```ts
 * import { RecordLog } from "@cairn/cairn";
 * import { MemVfs } from "@cairn/cairn/vfs";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const log = await RecordLog.open("/journal", { vfs });
 * const encoder = new TextEncoder();
 * await Promise.all(["a", "b", "c"].map((text) => log.append(encoder.encode(text))));
 * await log.close();
 *
 * vfs.crash();
 * const reopened = await RecordLog.open("/journal", { vfs });
 * const texts = [...reopened.records()].map((record) => new TextDecoder().decode(record.data));
 * assert.deepEqual(texts, ["a", "b", "c"]);
 * await reopened.close();
 * ```
 *
 * @module
 */

export {
  type AppendOptions,
  type LogRecord,
  RecordLog,
  type RecordLogOptions,
  type RecordLogStats,
} from "./record_log.ts";
export { readFramedRecord, RecordFramer, RecordScanner, type RecordScanStep } from "./framing.ts";
