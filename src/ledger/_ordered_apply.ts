// Applies the effects of journal writes to memory in the order the writes were issued,
// each once its write is durable and every earlier one has applied. A failed write
// applies nothing and does not hold back the ones after it.

/** A FIFO of effects applied in issue order. */
export class OrderedApply {
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `apply(result)` once `written` resolves and every earlier effect has run.
   *
   * @returns Resolves after `apply` ran; rejects with the write's or the effect's error.
   */
  run<T>(written: Promise<T>, apply: (result: T) => void): Promise<void> {
    const done = this.#tail.then(() => written).then(apply);
    this.#tail = done.catch(() => {});
    return done;
  }

  /** Resolves once every effect issued so far has run or failed. */
  drained(): Promise<void> {
    return this.#tail.then(() => {});
  }
}
