// LevelDB through npm:classic-level: array batches, `getSync` for reads (the fastest of its
// read calls), iterators read with `nextv`, `sync` per write for durability.

import { ClassicLevel } from "classic-level";
import type { Store, StoreHandle } from "../_store.ts";

const CHUNK = 1000;

/** LevelDB (npm:classic-level) with its default options. */
export const classicLevel: Store = {
  name: "classic-level",
  setup:
    "LevelDB defaults; `sync: false` or `true` per write; `getSync`; iterators by `nextv(1000)`",
  async open(dir: string, durable: boolean): Promise<StoreHandle> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
      keyEncoding: "view",
      valueEncoding: "view",
    });
    await db.open();
    const sync = { sync: durable };
    const drain = async (iterator: ReturnType<typeof db.iterator>, limit = Infinity) => {
      let seen = 0;
      while (seen < limit) {
        const entries = await iterator.nextv(Math.min(CHUNK, limit - seen));
        if (entries.length === 0) break;
        seen += entries.length;
      }
      await iterator.close();
      return seen;
    };
    return {
      writeBatch: (entries) =>
        db.batch(entries.map(([key, value]) => ({ type: "put", key, value })), sync),
      put: (key, value) => db.put(key, value, sync),
      readrandom(keys) {
        let found = 0;
        for (const key of keys) if (db.getSync(key) !== undefined) found++;
        return Promise.resolve(found);
      },
      scan: (reverse) => drain(db.iterator({ reverse })),
      seek: (key, limit) => drain(db.iterator({ gte: key, limit }), limit),
      compact: () => db.compactRange(new Uint8Array([0]), new Uint8Array(32).fill(0xff)),
      close: () => db.close(),
    };
  },
};
