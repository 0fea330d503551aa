/**
 * Validation of metric and label names against the Prometheus data model, and the
 * canonical text form of a label set. Private to `src/metrics/`.
 *
 * @module
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks a metric name against Prometheus' `[a-zA-Z_:][a-zA-Z0-9_:]*`.
 *
 * @throws {TypeError} When the name does not match.
 */
export function validateMetricName(name: string): void {
  if (typeof name !== "string" || !METRIC_NAME.test(name)) {
    throw new TypeError(
      `Metric name ${JSON.stringify(name)} must match [a-zA-Z_:][a-zA-Z0-9_:]*`,
    );
  }
}

/**
 * Checks label names (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`, none in
 * `reserved`) and that every value is a string, then returns a frozen copy with the
 * names sorted.
 *
 * @throws {TypeError} When a name is invalid or reserved, or a value is not a string.
 */
export function validateLabels(
  labels: Readonly<Record<string, string>>,
  reserved: readonly string[] = [],
): Readonly<Record<string, string>> {
  const copy: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    if (!LABEL_NAME.test(name) || name.startsWith("__") || reserved.includes(name)) {
      throw new TypeError(`Label name ${JSON.stringify(name)} is invalid or reserved`);
    }
    const value = labels[name];
    if (typeof value !== "string") {
      throw new TypeError(`Label ${name} must have a string value`);
    }
    copy[name] = value;
  }
  return Object.freeze(copy);
}

/** Escapes a label value for the Prometheus text format: `\`, `"` and newline. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** Escapes HELP text for the Prometheus text format: `\` and newline. */
export function escapeHelp(help: string): string {
  return help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/**
 * The inside of a label set's braces, `a="x",b="y"` (names in the order given, values
 * escaped); the empty string for no labels.
 */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
    .join(",");
}
