import assert from "node:assert/strict";
import { checkHeader, sealHeader, startHeader } from "../../src/encoding/sealed_header.ts";

const MAGIC = new TextEncoder().encode("cairntst");

function header(): Uint8Array {
  const out = new Uint8Array(20);
  startHeader(out, MAGIC, 3, 16);
  out[12] = 42;
  sealHeader(out, 16);
  return out;
}

Deno.test("A sealed header passes its checks", () => {
  assert.equal(checkHeader(header(), MAGIC, 3, 16, "test"), undefined);
});

Deno.test("checkHeader() names each failed check", () => {
  assert.equal(
    checkHeader(header().subarray(0, 19), MAGIC, 3, 16, "test"),
    "test header is cut short",
  );
  const magic = header();
  magic[0] = 0;
  assert.equal(checkHeader(magic, MAGIC, 3, 16, "test"), "bad test magic");
  const field = header();
  field[12] = 43;
  assert.equal(checkHeader(field, MAGIC, 3, 16, "test"), "test header checksum mismatch");
  assert.equal(checkHeader(header(), MAGIC, 4, 16, "test"), "unsupported test format version 3");
});
