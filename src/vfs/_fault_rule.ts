// The rules of FaultVfs: validation of a FaultRule, and its matching and counting of
// calls. Private to fault_vfs.ts.

import { basename, normalizePath } from "./_path.ts";
import type { FaultHandle, FaultKind, FaultOp, FaultRule } from "./fault_vfs.ts";

const OPS: readonly FaultOp[] = [
  "open",
  "read",
  "append",
  "truncate",
  "sync",
  "rename",
  "remove",
  "list",
  "mkdir",
  "syncDir",
  "lock",
];
const KINDS: readonly FaultKind[] = ["error", "diskFull", "shortWrite", "tornWrite"];
/** Operations that allocate no space, so cannot fail with a full disk. */
const READ_ONLY_OPS: readonly FaultOp[] = ["read", "list"];

/**
 * An injected rule. REQUIRES: the FaultRule it is made from passed
 * {@linkcode validateRule}.
 */
export class Rule implements FaultHandle {
  readonly op: FaultOp;
  readonly kind: FaultKind;
  readonly keepBytes: number | undefined;
  #path: string | RegExp | undefined;
  #nth: number;
  #times: number;
  #seen = 0;
  #fired = 0;
  #onRemove: (rule: Rule) => void;

  /** `onRemove` withdraws the rule from its FaultVfs; it must be idempotent. */
  constructor(rule: FaultRule, onRemove: (rule: Rule) => void) {
    this.op = rule.op;
    this.kind = rule.kind ?? "error";
    this.keepBytes = rule.keepBytes;
    this.#path = typeof rule.path === "string" && rule.path.includes("/")
      ? normalizePath(rule.path)
      : rule.path;
    this.#nth = rule.nth ?? 1;
    this.#times = rule.times ?? 1;
    this.#onRemove = onRemove;
  }

  get fired(): number {
    return this.#fired;
  }

  remove(): void {
    this.#onRemove(this);
  }

  /**
   * Counts the call when it matches; true when the rule is due to fire on it. A due rule
   * that does not fire (another rule did) stays due for the next matching call.
   * REQUIRES: `paths` are normalized.
   */
  consider(op: FaultOp, paths: readonly string[]): boolean {
    if (op !== this.op || !paths.some((path) => this.#matches(path))) return false;
    this.#seen++;
    return this.#seen >= this.#nth && this.#fired < this.#times;
  }

  /** Records that the rule fired on the call it was last due on. */
  markFired(): void {
    this.#fired++;
  }

  #matches(path: string): boolean {
    const pattern = this.#path;
    if (pattern === undefined) return true;
    if (pattern instanceof RegExp) return path.search(pattern) !== -1;
    return pattern.includes("/") ? path === pattern : basename(path).endsWith(pattern);
  }
}

/**
 * Checks a rule's fields.
 *
 * @throws {TypeError} For an unknown `op` or `kind`, a `kind` that does not apply to the
 * `op`, a `path` that is neither string nor RegExp, or `keepBytes` on another kind.
 * @throws {RangeError} For an `nth`, `times` or `keepBytes` out of range.
 */
export function validateRule(rule: FaultRule): void {
  if (!OPS.includes(rule.op)) {
    throw new TypeError(`Fault op must be one of ${OPS.join(", ")}: got ${String(rule.op)}`);
  }
  const kind = rule.kind ?? "error";
  if (!KINDS.includes(kind)) {
    throw new TypeError(`Fault kind must be one of ${KINDS.join(", ")}: got ${String(kind)}`);
  }
  const writeKind = kind === "shortWrite" || kind === "tornWrite";
  if (writeKind && rule.op !== "append") {
    throw new TypeError(`Fault kind ${kind} applies only to append, not to ${rule.op}`);
  }
  if (kind === "diskFull" && READ_ONLY_OPS.includes(rule.op)) {
    throw new TypeError(`Fault kind diskFull does not apply to ${rule.op}`);
  }
  if (rule.path !== undefined && typeof rule.path !== "string" && !(rule.path instanceof RegExp)) {
    throw new TypeError("Fault path must be a string or a RegExp");
  }
  checkCount("nth", rule.nth, false);
  checkCount("times", rule.times, true);
  if (rule.keepBytes !== undefined) {
    if (!writeKind) {
      throw new TypeError(`Fault keepBytes applies only to shortWrite and tornWrite, not ${kind}`);
    }
    if (!(Number.isInteger(rule.keepBytes) && rule.keepBytes >= 0)) {
      throw new RangeError(`Fault keepBytes must be a non-negative integer: got ${rule.keepBytes}`);
    }
  }
}

function checkCount(name: string, value: number | undefined, infinite: boolean): void {
  if (value === undefined) return;
  if (typeof value !== "number") throw new TypeError(`Fault ${name} must be a number`);
  if ((Number.isInteger(value) && value >= 1) || (infinite && value === Infinity)) return;
  const expected = infinite ? "a positive integer or Infinity" : "a positive integer";
  throw new RangeError(`Fault ${name} must be ${expected}: got ${value}`);
}
