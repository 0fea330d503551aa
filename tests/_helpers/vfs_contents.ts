// Reading and making file contents in Vfs tests.

import type { Vfs } from "../../src/vfs/vfs.ts";

/** The bytes start, start + 1, … up to (not including) end, each modulo 256. */
export function byteRange(start: number, end: number): Uint8Array {
  return Uint8Array.from({ length: end - start }, (_, index) => (start + index) & 0xff);
}

/** The whole content of the file at `path`, read through a fresh read-only handle. */
export function fileContents(vfs: Vfs, path: string): Uint8Array {
  const file = vfs.open(path, { readOnly: true });
  try {
    const buffer = new Uint8Array(file.size());
    const read = file.readAt(buffer, 0);
    if (read !== buffer.length) throw new Error(`Short read of ${path}: ${read} bytes`);
    return buffer;
  } finally {
    file.close();
  }
}
