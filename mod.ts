/**
 * Cairn: an embedded storage engine for Deno and TypeScript that never loses an
 * acknowledged write and detects every corruption.
 *
 * This entry point re-exports every module's public API:
 * - the errors every store raises ({@linkcode CairnError} and its subclasses);
 * - the filesystem layer ({@linkcode DenoVfs}, {@linkcode MemVfs} with its simulated
 *   power loss, {@linkcode FaultVfs}), also at `@cairn/cairn/vfs`;
 * - the record log ({@linkcode RecordLog}), the checksummed append-only log with group
 *   commit that every store is built on;
 * - metrics ({@linkcode MetricsRegistry}, {@linkcode Counter}, {@linkcode Histogram});
 * - the LSM key-value store ({@linkcode Db}), also at `@cairn/cairn/lsm`;
 * - durable Raft state ({@linkcode RaftStorage}), also at `@cairn/cairn/raft`;
 * - BookKeeper-style ledgers ({@linkcode LedgerStore} and its quorum client), also at
 *   `@cairn/cairn/ledger`;
 * - the durable queue ({@linkcode DurableQueue}), also at `@cairn/cairn/queue`.
 *
 * @example A durable log that survives a simulated power loss
 * ```ts
 * import { MemVfs, RecordLog } from "@cairn/cairn";
 * import assert from "node:assert/strict";
 *
 * const vfs = new MemVfs();
 * const log = await RecordLog.open("/events", { vfs });
 * await log.append(new TextEncoder().encode("acknowledged"));
 * vfs.crash();
 *
 * const reopened = await RecordLog.open("/events", { vfs });
 * const [record] = [...reopened.records()];
 * assert.equal(new TextDecoder().decode(record?.data), "acknowledged");
 * await reopened.close();
 * ```
 *
 * @module
 */

export * from "./src/errors.ts";
export * from "./src/vfs/mod.ts";
export * from "./src/record/mod.ts";
export * from "./src/metrics/mod.ts";
export * from "./src/lsm/mod.ts";
export * from "./src/raft/mod.ts";
export * from "./src/ledger/mod.ts";
export * from "./src/queue/mod.ts";
