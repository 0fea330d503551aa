// Reading one entry from whichever replica answers first: the replicas are asked in
// write-set order, the next one as soon as the previous fails or has not answered within
// the speculative delay, so a stalled store costs that delay, not a full timeout.

import { NoSuchEntryError, NoSuchLedgerError } from "./errors.ts";

/** How a read from the replicas ended. */
export type ReplicaRead =
  | { found: true; payload: Uint8Array }
  | { found: false; missing: number; cause: unknown };

/**
 * Reads from the replicas `names` through `read`.
 *
 * @returns The first copy, or how many replicas lack the entry and the first other error.
 */
export function readFromReplicas(
  names: readonly string[],
  read: (name: string) => Promise<Uint8Array>,
  speculativeMs: number,
): Promise<ReplicaRead> {
  return new Promise<ReplicaRead>((resolve) => {
    let next = 0;
    let answered = 0;
    let missing = 0;
    let cause: unknown;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (result: ReplicaRead): void => {
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const launch = (): void => {
      clearTimeout(timer);
      if (done || next >= names.length) return;
      const name = names[next++]!;
      if (next < names.length) timer = setTimeout(launch, speculativeMs);
      read(name).then(
        (payload) => {
          if (!done) finish({ found: true, payload });
        },
        (error) => {
          answered++;
          if (error instanceof NoSuchEntryError || error instanceof NoSuchLedgerError) missing++;
          else cause ??= error;
          if (done) return;
          if (answered === names.length) finish({ found: false, missing, cause });
          else if (answered === next) launch();
        },
      );
    };
    launch();
  });
}
