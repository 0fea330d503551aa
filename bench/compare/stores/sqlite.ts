// node:sqlite in WAL mode with a WITHOUT ROWID table: prepared statements, one transaction per
// batch, `synchronous = NORMAL` for non-durable writes (a commit survives a crash of the
// process, not of the machine) and `FULL` for durable ones.

import { DatabaseSync } from "node:sqlite";
import type { Store, StoreHandle } from "../_store.ts";

/** node:sqlite, WAL mode. */
export const sqlite: Store = {
  name: "node:sqlite",
  setup: "WAL mode, WITHOUT ROWID; non-durable `synchronous = NORMAL`, durable `FULL`",
  open(dir: string, durable: boolean): Promise<StoreHandle> {
    Deno.mkdirSync(dir, { recursive: true });
    const db = new DatabaseSync(`${dir}/kv.db`);
    db.exec(`pragma journal_mode = wal; pragma synchronous = ${durable ? "full" : "normal"};`);
    db.exec("create table if not exists kv (k blob primary key, v blob) without rowid");
    const put = db.prepare("insert or replace into kv (k, v) values (?, ?)");
    const get = db.prepare("select v from kv where k = ?");
    const forward = db.prepare("select k, v from kv order by k");
    const backward = db.prepare("select k, v from kv order by k desc");
    const from = db.prepare("select k, v from kv where k >= ? order by k limit ?");
    const count = (rows: Iterable<unknown>) => {
      let seen = 0;
      for (const _ of rows) seen++;
      return seen;
    };
    return Promise.resolve({
      writeBatch(entries) {
        db.exec("begin");
        for (const [key, value] of entries) put.run(key, value);
        db.exec("commit");
        return Promise.resolve();
      },
      put(key, value) {
        put.run(key, value);
        return Promise.resolve();
      },
      readrandom(keys) {
        let found = 0;
        for (const key of keys) if (get.get(key) !== undefined) found++;
        return Promise.resolve(found);
      },
      scan: (reverse) => Promise.resolve(count((reverse ? backward : forward).iterate())),
      seek: (key, limit) => Promise.resolve(count(from.iterate(key, limit))),
      compact() {
        db.exec("pragma wal_checkpoint(truncate)");
        return Promise.resolve();
      },
      close() {
        db.close();
        return Promise.resolve();
      },
    });
  },
};
