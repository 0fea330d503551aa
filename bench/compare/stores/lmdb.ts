// LMDB through npm:lmdb: writes batched by `put` (lmdb-js commits them together on its own
// thread), `noSync` for non-durable writes, synchronous `get` and `getRange` reads.

import { open } from "lmdb";
import type { Store, StoreHandle } from "../_store.ts";

/** LMDB (npm:lmdb) with binary keys and values. */
export const lmdb: Store = {
  name: "lmdb",
  setup: "binary keys and values; non-durable `noSync: true`; batches through `db.batch`",
  open(dir: string, durable: boolean): Promise<StoreHandle> {
    const db = open<Uint8Array, Uint8Array>({
      path: dir,
      keyEncoding: "binary",
      encoding: "binary",
      noSync: !durable,
    });
    const count = (rows: Iterable<unknown>) => {
      let seen = 0;
      for (const _ of rows) seen++;
      return seen;
    };
    return Promise.resolve({
      async writeBatch(entries) {
        await db.batch(() => {
          for (const [key, value] of entries) db.put(key, value);
        });
      },
      async put(key, value) {
        await db.put(key, value);
      },
      readrandom(keys) {
        let found = 0;
        for (const key of keys) if (db.get(key) !== undefined) found++;
        return Promise.resolve(found);
      },
      scan: (reverse) => Promise.resolve(count(db.getRange({ reverse }))),
      seek: (key, limit) => Promise.resolve(count(db.getRange({ start: key, limit }))),
      compact: () => Promise.resolve(),
      close: () => db.close(),
    });
  },
};
