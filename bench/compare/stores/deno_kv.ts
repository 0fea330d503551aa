// Deno KV (SQLite underneath): one atomic operation per batch; every write is durable, it has
// no other kind. Needs `--unstable-kv`.

import type { Store, StoreHandle } from "../_store.ts";

/** The part of Deno KV the comparison uses (its types come only with `--unstable-kv`). */
interface Kv {
  set(key: unknown[], value: unknown): Promise<unknown>;
  get(key: unknown[]): Promise<{ value: unknown }>;
  list(
    selector: { prefix: unknown[] } | { start: unknown[]; end: unknown[] },
    options?: { reverse?: boolean; limit?: number; batchSize?: number },
  ): AsyncIterable<unknown>;
  atomic(): { set(key: unknown[], value: unknown): unknown; commit(): Promise<unknown> };
  close(): void;
}

const KEY_SPACE_END = [new Uint8Array([0xff])];

/** Deno KV, when the runtime was started with `--unstable-kv`. */
export const denoKv: Store = {
  name: "Deno KV",
  setup: "every write durable (it has no other kind); `list` with batchSize 500",
  async open(dir: string): Promise<StoreHandle> {
    const openKv = (Deno as unknown as { openKv?: (path: string) => Promise<Kv> }).openKv;
    if (openKv === undefined) throw new Error("Deno KV needs --unstable-kv");
    Deno.mkdirSync(dir, { recursive: true });
    const kv = await openKv(`${dir}/kv.sqlite`);
    const count = async (rows: AsyncIterable<unknown>) => {
      let seen = 0;
      for await (const _ of rows) seen++;
      return seen;
    };
    return {
      async writeBatch(entries) {
        const atomic = kv.atomic();
        for (const [key, value] of entries) atomic.set([key], value);
        await atomic.commit();
      },
      async put(key, value) {
        await kv.set([key], value);
      },
      async readrandom(keys) {
        let found = 0;
        for (const key of keys) if ((await kv.get([key])).value !== null) found++;
        return found;
      },
      scan: (reverse) => count(kv.list({ prefix: [] }, { reverse, batchSize: 500 })),
      seek: (key, limit) => count(kv.list({ start: [key], end: KEY_SPACE_END }, { limit })),
      compact: () => Promise.resolve(),
      close() {
        kv.close();
        return Promise.resolve();
      },
    };
  },
};
