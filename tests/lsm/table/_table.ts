// Writing test tables to a MemVfs.

import type { MemVfs } from "../../../src/vfs/mem_vfs.ts";
import { BlockCache } from "../../../src/lsm/table/block_cache.ts";
import { TableBuilder, type TableBuilderOptions } from "../../../src/lsm/table/table_builder.ts";
import { TableReader } from "../../../src/lsm/table/table_reader.ts";
import type { TableProperties } from "../../../src/lsm/table/properties.ts";
import type { Entry } from "./_model.ts";

export const TABLE_PATH = "/db/000042.sst";

/** Writes `entries` (sorted) as a table at TABLE_PATH and syncs it. */
export async function writeTable(
  vfs: MemVfs,
  entries: Entry[],
  options: TableBuilderOptions = {},
): Promise<TableProperties> {
  vfs.mkdir("/db");
  const file = vfs.open(TABLE_PATH, { create: true, truncate: true });
  const builder = new TableBuilder(file, options);
  for (const e of entries) builder.add(e.key, e.seq, e.kind, e.value);
  const properties = builder.finish();
  await file.syncData();
  file.close();
  return properties;
}

/** Opens the table at TABLE_PATH with file number 42. */
export function openTable(vfs: MemVfs, cache: BlockCache = new BlockCache(1 << 20)): TableReader {
  return TableReader.open(vfs.open(TABLE_PATH, { readOnly: true }), { fileNumber: 42, cache });
}
