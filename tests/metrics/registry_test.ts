import assert from "node:assert/strict";
import { Counter } from "../../src/metrics/counter.ts";
import { Histogram } from "../../src/metrics/histogram.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";

Deno.test("MetricsRegistry returns the same metric for the same name and labels", () => {
  const metrics = new MetricsRegistry();
  const writes = metrics.counter("cairn_writes_total", "Records written");
  assert.ok(writes instanceof Counter);
  assert.equal(metrics.counter("cairn_writes_total", "Other help"), writes);
  const sync = metrics.histogram("cairn_sync_seconds", "fsync latency");
  assert.ok(sync instanceof Histogram);
  assert.equal(metrics.histogram("cairn_sync_seconds", "fsync latency"), sync);
  const raft = metrics.counter("cairn_writes_total", "x", { labels: { store: "raft" } });
  assert.notEqual(raft, writes);
  assert.equal(metrics.counter("cairn_writes_total", "x", { labels: { store: "raft" } }), raft);
  assert.equal(raft.help, "Records written");
});

Deno.test("MetricsRegistry throws TypeError when a name is reused with another kind", () => {
  const metrics = new MetricsRegistry();
  metrics.counter("cairn_ops_total", "Operations");
  metrics.histogram("cairn_op_seconds", "Latency");
  assert.throws(() => metrics.histogram("cairn_ops_total", "x"), TypeError);
  assert.throws(() => metrics.counter("cairn_op_seconds", "x"), TypeError);
  assert.throws(
    () => metrics.histogram("cairn_op_seconds", "x", { unit: "bytes" }),
    TypeError,
  );
});

Deno.test("MetricsRegistry throws TypeError for names outside [a-zA-Z_:][a-zA-Z0-9_:]*", () => {
  const metrics = new MetricsRegistry();
  for (const bad of ["", "0ops", "ops-total", "ops total", "öps", "ops{x}"]) {
    assert.throws(() => metrics.counter(bad, "x"), TypeError, `counter ${bad}`);
    assert.throws(() => metrics.histogram(bad, "x"), TypeError, `histogram ${bad}`);
  }
  for (const good of ["_ops", ":ops", "cairn:ops_total", "A9_:"]) {
    metrics.counter(good, "x");
  }
  assert.throws(() => metrics.counter("ok", "x", { labels: { __name__: "y" } }), TypeError);
  assert.throws(() => metrics.histogram("ok2", "x", { labels: { quantile: "y" } }), TypeError);
});

Deno.test("MetricsRegistry.snapshot() returns every value in a plain object", () => {
  const metrics = new MetricsRegistry();
  metrics.counter("cairn_writes_total", "Writes").add(3);
  metrics.counter("cairn_writes_total", "Writes", { labels: { store: "queue" } }).add(1);
  metrics.histogram("cairn_sync_seconds", "fsync latency").record(0.5);
  assert.deepEqual(metrics.snapshot(), {
    "cairn_writes_total": 3,
    'cairn_writes_total{store="queue"}': 1,
    "cairn_sync_seconds": {
      count: 1,
      sum: 0.5,
      avg: 0.5,
      min: 0.5,
      max: 0.5,
      p50: 0.5,
      p95: 0.5,
      p99: 0.5,
    },
  });
  assert.deepEqual(new MetricsRegistry().snapshot(), {});
});

Deno.test("MetricsRegistry.prometheus() renders the text exposition format", () => {
  const metrics = new MetricsRegistry();
  metrics.counter("cairn_writes_total", "Records written").add(3);
  const sync = metrics.histogram("cairn_sync_seconds", "fsync latency");
  sync.record(0.5);
  sync.record(2);
  metrics.histogram("cairn_read_bytes", "Read sizes", { unit: "bytes" });
  assert.equal(
    metrics.prometheus(),
    [
      "# HELP cairn_writes_total Records written",
      "# TYPE cairn_writes_total counter",
      "cairn_writes_total 3",
      "# HELP cairn_sync_seconds fsync latency",
      "# TYPE cairn_sync_seconds summary",
      'cairn_sync_seconds{quantile="0.5"} 0.5',
      'cairn_sync_seconds{quantile="0.95"} 2',
      'cairn_sync_seconds{quantile="0.99"} 2',
      "cairn_sync_seconds_sum 2.5",
      "cairn_sync_seconds_count 2",
      "# HELP cairn_read_bytes Read sizes",
      "# TYPE cairn_read_bytes summary",
      'cairn_read_bytes{quantile="0.5"} NaN',
      'cairn_read_bytes{quantile="0.95"} NaN',
      'cairn_read_bytes{quantile="0.99"} NaN',
      "cairn_read_bytes_sum 0",
      "cairn_read_bytes_count 0",
      "",
    ].join("\n"),
  );
  assert.equal(new MetricsRegistry().prometheus(), "");
});

Deno.test("MetricsRegistry.prometheus() escapes help text and label values", () => {
  const metrics = new MetricsRegistry();
  const labels = { path: 'C:\\data\n"x"', store: "raft" };
  metrics.counter("cairn_errors_total", "Errors\nby path \\ store", { labels }).add();
  metrics.histogram("cairn_read_seconds", "Reads", { labels }).record(0.25);
  const escaped = 'path="C:\\\\data\\n\\"x\\"",store="raft"';
  assert.equal(
    metrics.prometheus(),
    [
      "# HELP cairn_errors_total Errors\\nby path \\\\ store",
      "# TYPE cairn_errors_total counter",
      `cairn_errors_total{${escaped}} 1`,
      "# HELP cairn_read_seconds Reads",
      "# TYPE cairn_read_seconds summary",
      `cairn_read_seconds{${escaped},quantile="0.5"} 0.25`,
      `cairn_read_seconds{${escaped},quantile="0.95"} 0.25`,
      `cairn_read_seconds{${escaped},quantile="0.99"} 0.25`,
      `cairn_read_seconds_sum{${escaped}} 0.25`,
      `cairn_read_seconds_count{${escaped}} 1`,
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry.summary() prints one aligned line per metric in readable units", () => {
  const metrics = new MetricsRegistry();
  metrics.counter("cairn_writes_total", "Writes").add(1234);
  const cases: [string, "seconds" | "bytes", number][] = [
    ["cairn_get_seconds", "seconds", 812e-9],
    ["cairn_put_seconds", "seconds", 1.234e-6],
    ["cairn_sync_seconds", "seconds", 0.0456],
    ["cairn_compact_seconds", "seconds", 2],
    ["cairn_key_bytes", "bytes", 512],
    ["cairn_block_bytes", "bytes", 1536],
    ["cairn_segment_bytes", "bytes", 3 * 1024 ** 2],
  ];
  for (const [name, unit, value] of cases) metrics.histogram(name, "x", { unit }).record(value);
  metrics.histogram("cairn_idle_seconds", "x");
  const row = (name: string, value: string): string =>
    `${name.padEnd(21)}  count        1  avg ${value.padStart(10)}  p50 ${
      value.padStart(10)
    }  p95 ${value.padStart(10)}  p99 ${value.padStart(10)}  max ${value.padStart(10)}`;
  assert.equal(
    metrics.summary(),
    [
      `${"cairn_writes_total".padEnd(21)}  1234`,
      row("cairn_get_seconds", "812 ns"),
      row("cairn_put_seconds", "1.23 µs"),
      row("cairn_sync_seconds", "45.6 ms"),
      row("cairn_compact_seconds", "2.00 s"),
      row("cairn_key_bytes", "512 B"),
      row("cairn_block_bytes", "1.50 KiB"),
      row("cairn_segment_bytes", "3.00 MiB"),
      `${"cairn_idle_seconds".padEnd(21)}  count 0`,
    ].join("\n"),
  );
  assert.equal(new MetricsRegistry().summary(), "");
});

Deno.test("MetricsRegistry.summary() moves to the next unit when rounding reaches it", () => {
  const metrics = new MetricsRegistry();
  metrics.histogram("a_seconds", "x").record(999.7e-9);
  metrics.histogram("b_bytes", "x", { unit: "bytes" }).record(1023.6);
  const [a, b] = metrics.summary().split("\n");
  assert.match(a!, /avg +1\.00 µs/);
  assert.match(b!, /avg +1\.00 KiB/);
});
