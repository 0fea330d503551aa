import assert from "node:assert/strict";
import { Counter } from "../../src/metrics/counter.ts";

Deno.test("Counter starts at zero and keeps its name and help", () => {
  const counter = new Counter("cairn_writes_total", "Records written");
  assert.equal(counter.value, 0);
  assert.equal(counter.name, "cairn_writes_total");
  assert.equal(counter.help, "Records written");
  assert.deepEqual(counter.labels, {});
});

Deno.test("Counter.add() adds 1 by default and any finite non-negative amount", () => {
  const counter = new Counter("cairn_bytes_total", "Bytes written");
  counter.add();
  counter.add(0);
  counter.add(4096);
  counter.add(0.5);
  assert.equal(counter.value, 4097.5);
});

Deno.test("Counter.add() throws RangeError for negative, NaN and infinite amounts", () => {
  const counter = new Counter("cairn_ops_total", "Operations");
  for (const bad of [-1, -0.001, NaN, Infinity, -Infinity]) {
    assert.throws(() => counter.add(bad), RangeError, `add(${bad})`);
  }
  assert.equal(counter.value, 0);
});

Deno.test("Counter rejects invalid metric and label names with TypeError", () => {
  for (const bad of ["", "1st", "a-b", "a b", "é"]) {
    assert.throws(() => new Counter(bad, "help"), TypeError, `name ${JSON.stringify(bad)}`);
  }
  for (const bad of ["__reserved", "a-b", "9x", ""]) {
    assert.throws(
      () => new Counter("ok", "help", { labels: { [bad]: "v" } }),
      TypeError,
      `label ${JSON.stringify(bad)}`,
    );
  }
});

Deno.test("Counter keeps its labels sorted by name and frozen", () => {
  const counter = new Counter("cairn:ops_total", "Operations", {
    labels: { store: "raft", op: "append" },
  });
  assert.deepEqual(Object.keys(counter.labels), ["op", "store"]);
  assert.ok(Object.isFrozen(counter.labels));
});
