// The Cairn demo, in a temporary directory: a key-value store (Db) taking 10,000 durable
// writes from 100 concurrent writers and answering a range scan; a durable record log with
// group commit; then a simulated power loss on MemVfs that both survive.
// Run: deno task demo (or npx deno@2.9.6 task demo).

import { Db, type Histogram, MemVfs, MetricsRegistry, RecordLog } from "../mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const dir = Deno.args[0] ?? Deno.makeTempDirSync({ prefix: "cairn-demo-" });
const metrics = new MetricsRegistry();
const latency: Histogram = metrics.histogram("demo_append_seconds", "Durable append latency");

console.log(`Cairn demo in ${dir}\n`);

const db = await Db.open(`${dir}/db`);
const started = performance.now();
await Promise.all(Array.from({ length: 100 }, async (_, writer) => {
  for (let i = 0; i < 100; i++) {
    await db.put(`user/${String(writer * 100 + i).padStart(5, "0")}`, `visits=${i}`);
  }
}));
const millis = performance.now() - started;
const range: string[] = [];
for await (const [key, value] of db.scan({ gte: "user/04200", limit: 3 })) {
  range.push(`${decoder.decode(key)}=${decoder.decode(value)}`);
}
console.log(
  `Db: 10,000 durable puts from 100 writers in ${millis.toFixed(0)} ms; scan from user/04200: ${
    range.join(", ")
  }`,
);
await db.close();

const memVfs = new MemVfs();
const memDb = await Db.open("/db", { vfs: memVfs });
await memDb.batch().put("account/a", "70").put("account/b", "30").commit(); // durable
await memDb.put("account/a", "0", { sync: false }); // not durable: a power loss may take it
memVfs.crash();
const afterCrash = await Db.open("/db", { vfs: memVfs });
const accounts: string[] = [];
for await (const [key, value] of afterCrash.scan({ prefix: "account/" })) {
  accounts.push(`${decoder.decode(key)}=${decoder.decode(value)}`);
}
console.log(`Db after a simulated power loss: ${accounts.join(", ")}`);
await afterCrash.close();
console.log();
const log = await RecordLog.open(`${dir}/journal`);
const syncsBefore = log.stats().syncs;
const positions = await Promise.all(
  Array.from(
    { length: 64 },
    (_, writer) =>
      latency.time(() => log.append(encoder.encode(`event ${writer} from writer ${writer}`))),
  ),
);
const syncs = log.stats().syncs - syncsBefore;
console.log(`64 concurrent durable appends took ${syncs} fsync(s) (group commit)`);
console.log(`record at position ${positions[42]}: "${decoder.decode(log.read(positions[42]!))}"`);
console.log(metrics.summary());
await log.close();

const reopened = await RecordLog.open(`${dir}/journal`);
console.log(`\nafter reopen: ${[...reopened.records()].length} records`);
await reopened.close();

const vfs = new MemVfs();
const memLog = await RecordLog.open("/journal", { vfs });
await memLog.append(encoder.encode("durable"));
await memLog.append(encoder.encode("written, never synced"), { sync: false });
vfs.crash({ seed: 4 });
const recovered = await RecordLog.open("/journal", { vfs });
const survivors = [...recovered.records()].map((record) => decoder.decode(record.data));
console.log(`after a simulated power loss: ${JSON.stringify(survivors)}`);
console.log(`torn bytes repaired on open: ${recovered.stats().tornBytesRepaired}`);
await recovered.close();

if (Deno.args[0] === undefined) Deno.removeSync(dir, { recursive: true });
