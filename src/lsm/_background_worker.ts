// The background worker: runs in a worker thread of its own, so that building tables never
// holds the main thread. A flush request brings a memtable as a sorted run, written as one
// table; a compaction request names input tables on the real disk, merged
// (_compaction_merge.ts) into new tables. Outputs take the file numbers the request gives
// and are synced; the reply carries their metadata, and the main thread installs them.

import { CorruptionError } from "../errors.ts";
import { DenoVfs } from "../vfs/deno_vfs.ts";
import type {
  WorkerError,
  WorkerReply,
  WorkerRequest,
  WorkerTask,
} from "./_background_worker_client.ts";
import { mergeCompaction, writeAll } from "./_compaction_merge.ts";
import type { Kind } from "./_internal_key.ts";
import { SortedRunIterator } from "./_sorted_run.ts";
import { TableCache } from "./_table_cache.ts";
import { TableOutput } from "./_table_output.ts";
import { BlockCache } from "./table/block_cache.ts";

/** The worker global, as far as this module uses it. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply): void;
}

const scope = globalThis as unknown as WorkerScope;
const vfs = new DenoVfs();
const reply = (message: WorkerReply): void => scope.postMessage(message);

scope.onmessage = async (event) => {
  const { id, dir, task, numbers, shape } = event.data;
  const tables = new TableCache(vfs, dir, new BlockCache(0));
  try {
    let next = 0;
    const output = new TableOutput({
      vfs,
      dir,
      newFileNumber: () => {
        const number = numbers[next++];
        if (number === undefined) throw new RangeError("Task ran out of file numbers");
        return number;
      },
      ...shape,
      targetFileSize: task.kind === "flush" ? Infinity : shape.targetFileSize,
    });
    reply({ id, files: await runTask(task, tables, output) });
  } catch (error) {
    reply({ id, error: describe(error) });
  } finally {
    tables.close();
  }
};

function runTask(task: WorkerTask, tables: TableCache, output: TableOutput) {
  if (task.kind === "compaction") {
    return mergeCompaction(
      task.merge,
      (file) => tables.reader(file.number).iterator(),
      output,
      false,
    );
  }
  return writeAll(output, new SortedRunIterator(task.run), (it, out) => {
    out.add(it.key(), it.seq(), it.kind() as Kind, it.value());
  }, false);
}

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
