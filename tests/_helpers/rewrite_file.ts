// Rewriting a file's bytes in tests that damage stored data on purpose. Vfs files only
// append, so a rewrite reads the whole file, edits the copy, and writes it back.

import type { Vfs } from "../../src/vfs/vfs.ts";
import { fileContents } from "./vfs_contents.ts";

/**
 * Replaces the content of the file at `path` with what `edit` returns for its current
 * bytes, and makes the new content durable. `edit` may change its argument and return it.
 */
export async function rewriteFile(
  vfs: Vfs,
  path: string,
  edit: (bytes: Uint8Array) => Uint8Array,
): Promise<void> {
  const edited = edit(fileContents(vfs, path));
  const file = vfs.open(path, { truncate: true });
  try {
    file.append(edited);
    await file.syncData();
  } finally {
    file.close();
  }
}

/** Flips every bit of the byte at `offset` of the file at `path`. */
export function flipByte(vfs: Vfs, path: string, offset: number): Promise<void> {
  return rewriteFile(vfs, path, (bytes) => {
    if (offset >= bytes.length) throw new RangeError(`Offset ${offset} is past ${path}'s end`);
    bytes[offset] = bytes[offset]! ^ 0xff;
    return bytes;
  });
}

/** Cuts the file at `path` to its first `size` bytes. */
export function cutFile(vfs: Vfs, path: string, size: number): Promise<void> {
  return rewriteFile(vfs, path, (bytes) => bytes.slice(0, size));
}
