// The LSM engine's basics: open a database in a temporary directory, write with puts,
// deletes and an atomic batch, read keys, scan ranges and prefixes both ways, read the
// past through a snapshot, flush, and reopen. Run: deno run -A examples/lsm_basics.ts

import { Db } from "../mod.ts";

const text = new TextDecoder();
const show = (bytes: Uint8Array | undefined): string =>
  bytes === undefined ? "(absent)" : text.decode(bytes);

const dir = Deno.makeTempDirSync({ prefix: "cairn-lsm-basics-" });
const db = await Db.open(dir);

await db.put("user/1/name", "Ada");
await db.put("user/2/name", "Grace");
await db.put("user/3/name", "Edsger");
await db.delete("user/3/name");
console.log("user/1/name =", show(await db.get("user/1/name")));
console.log("user/3/name =", show(await db.get("user/3/name")));

// A batch is all or nothing, even across a crash.
await db.batch()
  .put("account/a", "70")
  .put("account/b", "30")
  .commit();

const snapshot = db.snapshot();
await db.put("account/a", "0", { sync: false }); // faster, survives a crash of the process

for await (const [key, value] of db.scan({ prefix: "account/" })) {
  console.log("now:", text.decode(key), "=", text.decode(value));
}
for await (const [key, value] of db.scan({ prefix: "account/", snapshot })) {
  console.log("at the snapshot:", text.decode(key), "=", text.decode(value));
}
snapshot.release();

const names: string[] = [];
for await (const [key] of db.scan({ gte: "user/", lt: "user0", reverse: true, keysOnly: true })) {
  names.push(text.decode(key));
}
console.log("users, last first:", names.join(", "));

await db.flush();
console.log("after flush:", db.stats().levels[0]?.files, "table(s) in level 0");
await db.close();

const again = await Db.open(dir);
console.log("after reopen, account/a =", show(await again.get("account/a")));
await again.close();
Deno.removeSync(dir, { recursive: true });
