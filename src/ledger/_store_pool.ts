// The stores a quorum client may use, by name, and calls to them with a deadline: a
// store that is missing, fails or stalls past the deadline counts as unreachable.

import { withTimeout } from "./_timeout.ts";
import { NotEnoughStoresError } from "./errors.ts";
import type { LedgerStoreClient } from "./store_client.ts";

/** Stores by name. */
export class StorePool {
  readonly #clients = new Map<string, LedgerStoreClient>();
  readonly #timeout: number;

  /**
   * Checks and indexes the clients.
   *
   * @throws {TypeError} When `stores` is not an array of clients with distinct names.
   */
  constructor(stores: readonly LedgerStoreClient[], timeoutMs: number) {
    if (!Array.isArray(stores)) throw new TypeError("Option stores must be an array");
    for (const client of stores) {
      if (typeof client !== "object" || client === null || typeof client.name !== "string") {
        throw new TypeError("Each store must be a LedgerStoreClient");
      }
      if (this.#clients.has(client.name)) {
        throw new TypeError(`Two stores are named ${client.name}`);
      }
      this.#clients.set(client.name, client);
    }
    this.#timeout = timeoutMs;
  }

  /** The stores' names, in the order given. */
  names(): string[] {
    return [...this.#clients.keys()];
  }

  /**
   * Calls store `name`, failing after the pool's deadline (or `timeoutMs`).
   *
   * @returns What the store answered.
   */
  call<T>(
    name: string,
    call: (client: LedgerStoreClient) => Promise<T>,
    timeoutMs: number = this.#timeout,
  ): Promise<T> {
    const client = this.#clients.get(name);
    if (client === undefined) {
      return Promise.reject(
        new NotEnoughStoresError(`Store ${name} is not among the stores given`),
      );
    }
    let answer: Promise<T>;
    try {
      answer = call(client);
    } catch (error) {
      return Promise.reject(error);
    }
    return withTimeout(answer, timeoutMs, `Store ${name}`);
  }
}
