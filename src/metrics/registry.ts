/**
 * The set of metrics a store keeps, with a plain-object snapshot, a human summary and
 * Prometheus text output.
 *
 * @module
 */

import { formatHuman, formatSample } from "./_format.ts";
import { escapeHelp, formatLabels, validateLabels, validateMetricName } from "./_names.ts";
import { Counter, type CounterOptions } from "./counter.ts";
import { Histogram, type HistogramOptions, type HistogramSnapshot } from "./histogram.ts";

/**
 * All values of a {@linkcode MetricsRegistry}, keyed by metric name, followed by its
 * labels in Prometheus form when it has any (`cairn_ops_total{op="put"}`): a number for
 * a counter, a {@linkcode HistogramSnapshot} for a histogram.
 */
export type MetricsSnapshot = Record<string, number | HistogramSnapshot>;

/** One metric name: its kind and help text, and one metric per label set. */
interface Family {
  readonly kind: "counter" | "histogram";
  readonly help: string;
  readonly metrics: Map<string, Counter | Histogram>;
}

const QUANTILES: readonly [string, number][] = [["0.5", 50], ["0.95", 95], ["0.99", 99]];

/** The name with its labels in braces, or the bare name when it has none. */
function seriesName(name: string, labels: string): string {
  return labels === "" ? name : `${name}{${labels}}`;
}

/**
 * Holds named counters and histograms, created on first request and shared after.
 * Metrics of one name form a family: one kind and help text, any number of constant
 * label sets. Metrics are listed in the order they were first requested.
 *
 * @example Counting, timing and exporting
 * ```ts
 * import assert from "node:assert/strict";
 * import { MetricsRegistry } from "./registry.ts";
 *
 * const metrics = new MetricsRegistry();
 * metrics.counter("cairn_writes_total", "Records written").add(2);
 * metrics.histogram("cairn_sync_seconds", "fsync latency").record(0.00025);
 * assert.equal(metrics.counter("cairn_writes_total", "Records written").value, 2);
 * assert.equal(metrics.snapshot()["cairn_writes_total"], 2);
 * assert.match(metrics.summary(), /cairn_sync_seconds +count +1 +avg +250 µs/);
 * assert.match(metrics.prometheus(), /^# TYPE cairn_sync_seconds summary$/m);
 * ```
 */
export class MetricsRegistry {
  #families = new Map<string, Family>();

  /**
   * Returns the counter with this name and labels, creating it at zero the first time.
   * The help text of the first request for a name is kept.
   *
   * @param name The metric name, matching `[a-zA-Z_:][a-zA-Z0-9_:]*`.
   * @param help One line of text saying what is counted.
   * @param options Constant labels.
   * @returns The counter.
   * @throws {TypeError} When the name or a label name is invalid, or the name belongs to
   * a histogram.
   */
  counter(name: string, help: string, options: CounterOptions = {}): Counter {
    const { family, key } = this.#lookup(name, help, "counter", options.labels ?? {});
    const existing = family.metrics.get(key);
    if (existing instanceof Counter) return existing;
    const counter = new Counter(name, family.help, options);
    family.metrics.set(key, counter);
    return counter;
  }

  /**
   * Returns the histogram with this name and labels, creating it empty the first time.
   * The help text of the first request for a name is kept.
   *
   * @param name The metric name, matching `[a-zA-Z_:][a-zA-Z0-9_:]*`.
   * @param help One line of text saying what is measured.
   * @param options The unit (default `"seconds"`) and constant labels.
   * @returns The histogram.
   * @throws {TypeError} When the name or a label name is invalid, the name belongs to a
   * counter, or a histogram of that name has another unit.
   */
  histogram(name: string, help: string, options: HistogramOptions = {}): Histogram {
    const { family, key } = this.#lookup(name, help, "histogram", options.labels ?? {});
    const unit = options.unit ?? "seconds";
    const sibling = family.metrics.values().next().value;
    if (sibling instanceof Histogram && sibling.unit !== unit) {
      throw new TypeError(`Histogram ${name} already exists with unit ${sibling.unit}`);
    }
    const existing = family.metrics.get(key);
    if (existing instanceof Histogram) return existing;
    const histogram = new Histogram(name, family.help, options);
    family.metrics.set(key, histogram);
    return histogram;
  }

  #lookup(
    name: string,
    help: string,
    kind: Family["kind"],
    labels: Readonly<Record<string, string>>,
  ): { family: Family; key: string } {
    validateMetricName(name);
    const reserved = kind === "histogram" ? ["quantile"] : [];
    const key = formatLabels(validateLabels(labels, reserved));
    let family = this.#families.get(name);
    if (family === undefined) {
      family = { kind, help, metrics: new Map() };
      this.#families.set(name, family);
    } else if (family.kind !== kind) {
      throw new TypeError(`Metric ${name} already exists as a ${family.kind}`);
    }
    return { family, key };
  }

  /**
   * Copies every value into a plain object.
   *
   * @returns Counter values and histogram snapshots by series name.
   */
  snapshot(): MetricsSnapshot {
    const result: MetricsSnapshot = {};
    for (const [name, family] of this.#families) {
      for (const [labels, metric] of family.metrics) {
        result[seriesName(name, labels)] = metric instanceof Counter
          ? metric.value
          : metric.snapshot();
      }
    }
    return result;
  }

  /**
   * Renders a text table for people, one line per metric, names aligned: a counter
   * shows its value; a histogram its count, average, p50, p95, p99 and max in readable
   * units (`812 ns`, `1.23 ms`, `4.00 KiB`), or only `count 0` when empty.
   *
   * @returns The table, lines joined with `\n`; the empty string when there are no
   * metrics.
   */
  summary(): string {
    const rows: [string, string][] = [];
    for (const [name, family] of this.#families) {
      for (const [labels, metric] of family.metrics) {
        rows.push([seriesName(name, labels), describe(metric)]);
      }
    }
    const width = Math.max(0, ...rows.map(([series]) => series.length));
    return rows.map(([series, text]) => `${series.padEnd(width)}  ${text}`).join("\n");
  }

  /**
   * Renders every metric in the Prometheus text exposition format 0.0.4: `# HELP` and
   * `# TYPE` once per name, counters as `counter`, histograms as `summary` with the 0.5,
   * 0.95 and 0.99 quantiles (`NaN` when empty), `_sum` and `_count`. Help text and label
   * values are escaped.
   *
   * @returns The exposition text, ending with a newline; empty when there are no metrics.
   */
  prometheus(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${escapeHelp(family.help)}`);
      lines.push(`# TYPE ${name} ${family.kind === "counter" ? "counter" : "summary"}`);
      for (const [labels, metric] of family.metrics) {
        if (metric instanceof Counter) {
          lines.push(`${seriesName(name, labels)} ${formatSample(metric.value)}`);
          continue;
        }
        const prefix = labels === "" ? "" : `${labels},`;
        for (const [quantile, p] of QUANTILES) {
          const value = metric.count === 0 ? NaN : metric.percentile(p);
          lines.push(`${name}{${prefix}quantile="${quantile}"} ${formatSample(value)}`);
        }
        lines.push(`${seriesName(`${name}_sum`, labels)} ${formatSample(metric.sum)}`);
        lines.push(`${seriesName(`${name}_count`, labels)} ${formatSample(metric.count)}`);
      }
    }
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }
}

/** A metric's summary columns. */
function describe(metric: Counter | Histogram): string {
  if (metric instanceof Counter) return formatHuman(metric.value, "none");
  if (metric.count === 0) return "count 0";
  const s = metric.snapshot();
  const cell = (label: string, value: number): string =>
    `${label} ${formatHuman(value, metric.unit).padStart(10)}`;
  return [
    `count ${String(s.count).padStart(8)}`,
    cell("avg", s.avg),
    cell("p50", s.p50),
    cell("p95", s.p95),
    cell("p99", s.p99),
    cell("max", s.max),
  ].join("  ");
}
