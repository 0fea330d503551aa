// Cairn's Db: `getSync` and `scanSync` for reads, batches for bulk writes, `sync` per write.

import { Db, DenoVfs } from "../../../mod.ts";
import type { Store, StoreHandle } from "../_store.ts";

/** Cairn with its default options. */
export const cairn: Store = {
  name: "Cairn",
  setup: "default options; non-durable writes `sync: false` (WAL written, not fsynced)",
  async open(dir: string, durable: boolean): Promise<StoreHandle> {
    const db = await Db.open(dir, { vfs: new DenoVfs(), sync: durable });
    return {
      async writeBatch(entries) {
        const batch = db.batch();
        for (const [key, value] of entries) batch.put(key, value);
        await batch.commit();
      },
      put: (key, value) => db.put(key, value),
      readrandom(keys) {
        let found = 0;
        for (const key of keys) if (db.getSync(key) !== undefined) found++;
        return Promise.resolve(found);
      },
      scan(reverse) {
        let count = 0;
        for (const _ of db.scanSync({ reverse })) count++;
        return Promise.resolve(count);
      },
      seek(key, count) {
        let seen = 0;
        for (const _ of db.scanSync({ gte: key, limit: count })) seen++;
        return Promise.resolve(seen);
      },
      compact: () => db.compact(),
      close: () => db.close(),
    };
  },
};
