// Deadlines on calls to stores: a store that stalls counts as failed once its deadline
// passes (its late answer is then ignored by the caller).

/**
 * Settles like `promise`, or rejects with a `TimeoutError` DOMException after `ms`
 * milliseconds (never, when `ms` is Infinity). The timer is cleared either way.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms === Infinity) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DOMException(`${what} did not answer within ${ms} ms`, "TimeoutError")),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Checks a timeout option: a number of milliseconds of at least 1, or Infinity.
 *
 * @throws {TypeError} When it is not a number.
 * @throws {RangeError} When it is below 1 or NaN.
 */
export function checkTimeout(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw new TypeError(`Option ${name} must be a number`);
  if (Number.isNaN(value) || value < 1) {
    throw new RangeError(`Option ${name} must be at least 1 millisecond, got ${value}`);
  }
  return value;
}
