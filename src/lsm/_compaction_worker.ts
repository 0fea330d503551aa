// The compaction worker: runs in a worker thread of its own, so that a compaction's
// merge never holds the main thread. For each request it opens the input tables on the real
// disk, merges them (_compaction_merge.ts) into new tables under the file numbers it was
// given, syncs them, and replies with their metadata; the main thread installs them.

import { parentPort } from "node:worker_threads";
import { CorruptionError } from "../errors.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import { mergeCompaction } from "./_compaction_merge.ts";
import type { MergeReply, MergeRequest, WorkerError } from "./_compaction_worker_client.ts";
import { TableCache } from "./_table_cache.ts";
import { TableOutput } from "./_table_output.ts";
import { BlockCache } from "./table/block_cache.ts";

const vfs = new DenoVfs();
const reply = (message: MergeReply): void => parentPort?.postMessage(message);

parentPort?.on("message", async (request: MergeRequest) => {
  const { id, dir, job, numbers, shape } = request;
  const tables = new TableCache(vfs, dir, new BlockCache(0));
  try {
    let next = 0;
    const output = new TableOutput({
      vfs,
      dir,
      newFileNumber: () => {
        const number = numbers[next++];
        if (number === undefined) throw new RangeError("Compaction ran out of file numbers");
        return number;
      },
      ...shape,
    });
    const files = await mergeCompaction(
      job,
      (file) => tables.reader(file.number).iterator(),
      output,
    );
    reply({ id, files });
  } catch (error) {
    reply({ id, error: describe(error) });
  } finally {
    tables.close();
  }
});

function describe(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const described: WorkerError = { name: error.name, message: error.message };
  if (error instanceof CorruptionError) {
    const prefix = `Corruption in ${error.file} at offset ${error.offset}: `;
    const detail = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    described.corruption = { file: error.file, offset: error.offset, detail };
  }
  return described;
}
