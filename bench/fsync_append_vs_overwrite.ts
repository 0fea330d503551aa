// Whether preallocating WAL segments could pay: a 4 KiB append + fdatasync (the file grows,
// so its size must reach the disk too) against a 4 KiB overwrite + fdatasync inside a
// preallocated, synced file (data only). One run of 500 each, on the real disk.
//
//   deno run --allow-read --allow-write bench/fsync_append_vs_overwrite.ts

import * as fs from "node:fs";

const dir = Deno.makeTempDirSync({ prefix: "cairn-fsync-kinds-" });
const block = new Uint8Array(4096).fill(1);
const rounds = 500;

function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (e) => e ? reject(e) : resolve()));
}

async function time(write: (fd: number, i: number) => void, fd: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    write(fd, i);
    await fdatasync(fd);
  }
  return ((performance.now() - started) * 1000) / rounds;
}

const appendFd = fs.openSync(`${dir}/append`, "w");
const append = await time((fd, i) => fs.writeSync(fd, block, 0, block.length, i * 4096), appendFd);

const overwriteFd = fs.openSync(`${dir}/overwrite`, "w");
fs.writeSync(overwriteFd, new Uint8Array(rounds * 4096));
await fdatasync(overwriteFd);
const overwrite = await time(
  (fd, i) => fs.writeSync(fd, block, 0, block.length, i * 4096),
  overwriteFd,
);

console.log("| 4 KiB write + fdatasync | µs (mean of 500) |");
console.log("|---|---:|");
console.log(`| append (the file grows) | ${append.toFixed(0)} |`);
console.log(`| overwrite in a preallocated file | ${overwrite.toFixed(0)} |`);
fs.closeSync(appendFd);
fs.closeSync(overwriteFd);
Deno.removeSync(dir, { recursive: true });
