// The long poll of a ledger store: wait until a ledger holds an entry past a given id,
// its state or LAC changes, a timeout passes or a signal aborts.

import { infoOf } from "./_ledger_table.ts";
import type { Workspace } from "./_workspace.ts";
import type { LedgerInfo } from "./types.ts";

/**
 * Waits on `workspace` (woken by {@linkcode Workspace.wake}). `gone` tells, at each
 * wake, the error to reject with when the store closed or the ledger was deleted.
 *
 * @returns The ledger's info when it holds an entry past `afterEntryId`, its flags or
 * LAC changed, or `timeoutMs` passed.
 */
export function longPoll(
  workspace: Workspace,
  afterEntryId: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  gone: () => Error | undefined,
): Promise<LedgerInfo> {
  const flags = workspace.flags;
  const lac = workspace.lac;
  return new Promise<LedgerInfo>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (error?: unknown): void => {
      workspace.waiters.delete(check);
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
      if (error === undefined) resolve(infoOf(workspace));
      else reject(error);
    };
    const check = (): void => {
      const error = gone();
      if (error !== undefined) finish(error);
      else if (
        workspace.lastEntryId > afterEntryId || workspace.flags !== flags || workspace.lac !== lac
      ) {
        finish();
      }
    };
    const abort = (): void => finish(signal!.reason);
    workspace.waiters.add(check);
    signal?.addEventListener("abort", abort, { once: true });
    if (timeoutMs !== Infinity) timer = setTimeout(() => finish(), timeoutMs);
  });
}
