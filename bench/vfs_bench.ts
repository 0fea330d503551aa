// How DenoVfs reads: a positional read with node:fs readSync (a real pread) against
// FsFile.seekSync + readSync, 4 KiB from the page cache. DenoVfs uses the faster.

import * as fs from "node:fs";
import { DenoVfs } from "../mod.ts";

const dir = Deno.makeTempDirSync({ prefix: "cairn-vfs-bench-" });
const path = `${dir}/data`;
const size = 64 * 1024 * 1024;
Deno.writeFileSync(path, new Uint8Array(size).map((_, i) => i & 255));
const buffer = new Uint8Array(4096);
const blocks = size / 4096;
let next = 0;
const position = (): number => ((next = (next * 1103515245 + 12345) >>> 0) % blocks) * 4096;

const fd = fs.openSync(path, "r");
Deno.bench({
  name: "node:fs readSync with a position (pread)",
  group: "4 KiB random read",
  baseline: true,
  fn() {
    fs.readSync(fd, buffer, 0, 4096, position());
  },
});

const file = Deno.openSync(path, { read: true });
Deno.bench({
  name: "Deno.FsFile seekSync + readSync",
  group: "4 KiB random read",
  fn() {
    file.seekSync(position(), Deno.SeekMode.Start);
    file.readSync(buffer);
  },
});

const vfsFile = new DenoVfs().open(path, { readOnly: true });
Deno.bench({
  name: "DenoVfs readAt",
  group: "4 KiB random read",
  fn() {
    vfsFile.readAt(buffer, position());
  },
});

globalThis.addEventListener("unload", () => {
  fs.closeSync(fd);
  file.close();
  vfsFile.close();
  Deno.removeSync(dir, { recursive: true });
});
