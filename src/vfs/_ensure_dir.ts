// Making a store's directory durably: every directory entry it creates, down from the
// first existing ancestor, is made durable with a sync of its parent.

import { dirname, normalizePath } from "./_path.ts";
import type { Vfs } from "./vfs.ts";

/** Makes `path` and any missing parents, and syncs the parent of each one made. */
export async function ensureDir(vfs: Vfs, path: string): Promise<void> {
  const missing: string[] = [];
  for (let current = normalizePath(path); !vfs.exists(current);) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (missing.length === 0) return;
  vfs.mkdir(path);
  for (const dir of missing.reverse()) await vfs.syncDir(dirname(dir));
}
