// Random keys, values, operations and scan options for model-based tests of a key-value
// store: keys from a small alphabet, so that they collide, share prefixes and are
// prefixes of each other; values from empty to a few KiB, sometimes ~40 KiB.

import type { ScanOptions } from "../../src/lsm/db.ts";
import type { KvOp } from "./kv_model.ts";
import type { Prng } from "./prng.ts";

/** Characters of keys, weighted: keys collide, share prefixes and prefix each other. */
const KEY_CHARS = "aaabbbcc\x00~";

/** Draws inputs from `prng`; keys are strings of one character per byte (ASCII). */
export class KvInputs {
  readonly prng: Prng;
  /** Every key an operation drawn by {@linkcode KvInputs.op} or a put used. */
  readonly keysSeen: Set<string> = new Set();

  constructor(prng: Prng) {
    this.prng = prng;
  }

  /** A key: mostly 1 to 3 characters, sometimes empty, sometimes hundreds long. */
  key(): string {
    const prng = this.prng;
    if (prng.int(60) === 0) return "";
    if (prng.int(80) === 0) {
      return "b" + Array.from({ length: 20 + prng.int(300) }, () => "xyz"[prng.int(3)]).join("");
    }
    let key = "";
    for (let n = 1 + prng.int(3); n > 0; n--) key += KEY_CHARS[prng.int(KEY_CHARS.length)];
    return key;
  }

  /** A value: empty, short, a few KiB, or 30 to 50 KiB (spanning many table blocks). */
  value(): Uint8Array {
    const prng = this.prng;
    const kind = prng.int(100);
    const size = kind < 10
      ? 0
      : kind < 68
      ? prng.int(300)
      : kind < 93
      ? 300 + prng.int(4000)
      : 30_000 + prng.int(20_000);
    return prng.bytes(size);
  }

  /** A put (three times in four) or a delete, of one of `keys` when given. */
  op(keys?: readonly string[]): KvOp {
    const key = keys === undefined ? this.key() : keys[this.prng.int(keys.length)]!;
    this.keysSeen.add(key);
    return { key, value: this.prng.int(4) === 0 ? undefined : this.value() };
  }

  /** Scan options: bounds of each kind or none, a prefix, reverse, a limit, keysOnly. */
  scanOptions(): ScanOptions {
    const prng = this.prng;
    const options: ScanOptions = {};
    const lower = prng.int(3);
    if (lower === 1) options.gt = this.key();
    if (lower === 2) options.gte = this.key();
    const upper = prng.int(3);
    if (upper === 1) options.lt = this.key();
    if (upper === 2) options.lte = this.key();
    if (prng.int(4) === 0) options.prefix = this.key().slice(0, prng.int(3));
    if (prng.int(2) === 0) options.reverse = true;
    if (prng.int(3) === 0) options.limit = prng.int(8);
    if (prng.int(4) === 0) options.keysOnly = true;
    return options;
  }
}
