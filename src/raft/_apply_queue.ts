// Applies the effects of writes to memory in call order, as soon as each write and every
// earlier one are done. Writes that finish together (one group commit) are applied and
// resolved in the same turn, so their callers resume together and join the next group.

interface Pending {
  done: boolean;
  failed: boolean;
  result: unknown;
  apply: (result: unknown) => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A FIFO of writes whose effects apply in call order. */
export class ApplyQueue {
  #queue: Pending[] = [];
  #head = 0;
  #drained: (() => void)[] = [];

  /**
   * Applies `apply(result)` once `written` resolves and every earlier write has applied.
   *
   * @returns Resolves after `apply` ran; rejects with the write's error (nothing applied).
   */
  run<T>(written: Promise<T>, apply: (result: T) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        done: false,
        failed: false,
        result: undefined,
        apply: apply as (result: unknown) => void,
        resolve,
        reject,
      };
      this.#queue.push(pending);
      written.then(
        (result) => this.#finish(pending, false, result),
        (error) => this.#finish(pending, true, error),
      );
    });
  }

  /** Resolves once every write queued so far has applied or failed. */
  drained(): Promise<void> {
    if (this.#head === this.#queue.length) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #finish(pending: Pending, failed: boolean, result: unknown): void {
    pending.done = true;
    pending.failed = failed;
    pending.result = result;
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.done) {
      const next = this.#queue[this.#head++]!;
      if (next.failed) {
        next.reject(next.result);
        continue;
      }
      try {
        next.apply(next.result);
        next.resolve();
      } catch (error) {
        next.reject(error);
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }
}
