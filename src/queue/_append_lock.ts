// The locks of a queue directory. A single owner (no fileLocking) holds LOCK and, all the
// while, the append lock; sharers (fileLocking) take the append lock for each group and
// look for a single owner at open and while they wait.

import { LockedError } from "../errors.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs, VfsLock } from "../vfs/vfs.ts";
import type { QueueNaming } from "./_format.ts";

/**
 * Takes the locks of an opener: a single owner's `LOCK` and append lock, or none for a
 * sharer, after checking that no single owner holds the directory.
 *
 * @returns The locks to hold until close.
 * @throws {LockedError} When the directory is held in the other mode, or by another owner.
 */
export async function takeOpenLocks(
  vfs: Vfs,
  dir: string,
  naming: QueueNaming,
  shared: boolean,
): Promise<VfsLock[]> {
  if (shared) {
    await checkNoOwner(vfs, joinPath(dir, naming.ownerLock));
    return [];
  }
  const owner = vfs.tryLock(joinPath(dir, naming.ownerLock));
  try {
    return [owner, vfs.tryLock(joinPath(dir, naming.appendLock))];
  } catch (error) {
    owner.release();
    throw error;
  }
}

/**
 * Waits for the append lock, trying again after 0 to 4 ms; every 64 tries checks that no
 * single owner holds the directory.
 *
 * @returns The held append lock.
 * @throws {LockedError} When a single owner holds the directory.
 */
export async function takeAppendLock(
  vfs: Vfs,
  dir: string,
  naming: QueueNaming,
): Promise<VfsLock> {
  const path = joinPath(dir, naming.appendLock);
  for (let attempt = 0;; attempt++) {
    try {
      return vfs.tryLock(path);
    } catch (error) {
      if (!(error instanceof LockedError)) throw error;
    }
    if (attempt % 64 === 63) await checkNoOwner(vfs, joinPath(dir, naming.ownerLock));
    await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 4)));
  }
}

/**
 * Checks that no single owner holds the queue's `LOCK`. Sharers take it for an instant to
 * look, so a held lock counts only when it stays held over ten tries a millisecond apart.
 *
 * @throws {LockedError} When a single owner holds it.
 */
async function checkNoOwner(vfs: Vfs, path: string): Promise<void> {
  for (let tries = 1;; tries++) {
    try {
      vfs.tryLock(path).release();
      return;
    } catch (error) {
      if (!(error instanceof LockedError) || tries === 10) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
