import assert from "node:assert/strict";
import { CairnError, ClosedError, CorruptionError, LockedError, StoreFailedError } from "../mod.ts";

Deno.test("Every storage error is a CairnError with its own name", () => {
  const errors = [
    new CorruptionError("/db/000001.log", 7, "chunk checksum mismatch"),
    new LockedError("/db/LOCK"),
    new ClosedError("Record log is closed"),
    new StoreFailedError("Record log failed"),
  ];
  for (const error of errors) {
    assert.ok(error instanceof CairnError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, error.constructor.name);
  }
});

Deno.test("CorruptionError names the file and the offset", () => {
  const error = new CorruptionError("/db/000001.log", 32768, "chunk checksum mismatch");
  assert.equal(error.file, "/db/000001.log");
  assert.equal(error.offset, 32768);
  assert.equal(
    error.message,
    "Corruption in /db/000001.log at offset 32768: chunk checksum mismatch",
  );
});

Deno.test("StoreFailedError keeps the original failure as its cause", () => {
  const cause = Object.assign(new Error("Input/output error"), { code: "EIO" });
  assert.equal(new StoreFailedError("Record log failed", { cause }).cause, cause);
});
