/**
 * Number formatting for the human summary and for the Prometheus text format. Private
 * to `src/metrics/`.
 *
 * @module
 */

import type { HistogramUnit } from "./histogram.ts";

interface Scale {
  readonly symbol: string;
  readonly factor: number;
}

const SECONDS: readonly Scale[] = [
  { symbol: "ns", factor: 1e-9 },
  { symbol: "µs", factor: 1e-6 },
  { symbol: "ms", factor: 1e-3 },
  { symbol: "s", factor: 1 },
];

const BYTES: readonly Scale[] = [
  { symbol: "B", factor: 1 },
  { symbol: "KiB", factor: 1024 },
  { symbol: "MiB", factor: 1024 ** 2 },
  { symbol: "GiB", factor: 1024 ** 3 },
  { symbol: "TiB", factor: 1024 ** 4 },
];

/** Three significant digits, without exponent: `1.23`, `45.6`, `789`, `12345`. */
function threeDigits(value: number): string {
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(value >= 10 ? 1 : 2);
}

/** Rounds `value` to three significant digits, or to an integer from 100 up. */
function rounded(value: number): number {
  return Number(threeDigits(value));
}

/**
 * Formats a value for people: seconds as `812 ns`, `1.23 µs`, `45.6 ms` or `2.00 s`;
 * bytes as `512 B`, `1.50 KiB`, `3.00 MiB` (up to TiB); plain numbers as integers or
 * with three significant digits.
 */
export function formatHuman(value: number, unit: HistogramUnit): string {
  if (unit === "none") {
    return Number.isInteger(value) ? String(value) : threeDigits(value);
  }
  const scales = unit === "seconds" ? SECONDS : BYTES;
  if (value === 0) return unit === "seconds" ? "0 s" : "0 B";
  let index = 0;
  while (index + 1 < scales.length && value >= scales[index + 1]!.factor) index++;
  // Rounding can reach the next scale's threshold: 999.7 ns prints as 1.00 µs.
  const next = scales[index + 1];
  const scale = scales[index]!;
  if (next !== undefined && rounded(value / scale.factor) * scale.factor >= next.factor) {
    index++;
  }
  const chosen = scales[index]!;
  const scaled = value / chosen.factor;
  const digits = unit === "bytes" && index === 0 ? scaled.toFixed(0) : threeDigits(scaled);
  return `${digits} ${chosen.symbol}`;
}

/** Formats a sample value for the Prometheus text format (`+Inf`, `-Inf`, `NaN`). */
export function formatSample(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
