import assert from "node:assert/strict";
import { MemVfs, MetricsRegistry, RecordLog } from "../../mod.ts";

Deno.test("RecordLog feeds appends, fsyncs and group sizes into a MetricsRegistry", async () => {
  const metrics = new MetricsRegistry();
  const log = await RecordLog.open("/wal", { vfs: new MemVfs(), metrics });
  await Promise.all(Array.from({ length: 8 }, () => log.append(new Uint8Array(10))));
  await log.append(new Uint8Array(5), { sync: false });
  await log.close();

  const snapshot = metrics.snapshot();
  assert.equal(snapshot['cairn_log_appends_total{log="wal"}'], 9);
  assert.equal(snapshot['cairn_log_appended_bytes_total{log="wal"}'], 85);
  const groups = snapshot['cairn_log_group_size{log="wal"}'];
  assert.ok(
    typeof groups === "object" && groups.max === 8,
    "the 8 concurrent appends share a group",
  );
  assert.match(metrics.prometheus(), /^cairn_log_fsyncs_total\{log="wal"\} \d+$/m);
  assert.match(metrics.summary(), /cairn_log_fsync_seconds/);
});

Deno.test("RecordLog.open() rejects a metrics option that is not a MetricsRegistry", async () => {
  await assert.rejects(
    RecordLog.open("/wal", { vfs: new MemVfs(), metrics: {} as MetricsRegistry }),
    TypeError,
  );
});
