// Small files replaced whole: the checkpoint and ledger metadata files. A replacement is
// atomic and durable: write a temporary file, sync it, rename it over the old one, sync
// the directory.

import type { Vfs } from "../vfs/vfs.ts";
import { dirname } from "../vfs/_path.ts";

/** The whole content of the file at `path`, or undefined when it does not exist. */
export function readSmallFile(vfs: Vfs, path: string): Uint8Array | undefined {
  if (!vfs.exists(path)) return undefined;
  const file = vfs.open(path, { readOnly: true });
  try {
    const bytes = new Uint8Array(file.size());
    file.readAt(bytes, 0);
    return bytes;
  } finally {
    file.close();
  }
}

/** Replaces the file at `path` with `bytes` atomically, through `temp` in the same directory. */
export async function replaceSmallFile(
  vfs: Vfs,
  path: string,
  temp: string,
  bytes: Uint8Array,
): Promise<void> {
  const file = vfs.open(temp, { create: true, truncate: true });
  try {
    file.append(bytes);
    await file.syncData();
  } finally {
    file.close();
  }
  vfs.rename(temp, path);
  await vfs.syncDir(dirname(path));
}
