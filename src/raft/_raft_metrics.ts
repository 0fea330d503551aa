// Per-operation metrics of a raft store: calls, errors, bytes and latency, in a
// MetricsRegistry (the caller's, or the store's own).

import type { Counter } from "../metrics/counter.ts";
import type { Histogram } from "../metrics/histogram.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";

/** The operations a raft store measures. */
export type RaftOp =
  | "append"
  | "save_state"
  | "load_state"
  | "entries"
  | "entry"
  | "truncate_suffix"
  | "truncate_prefix"
  | "save_snapshot"
  | "load_snapshot";

interface OpMetrics {
  calls: Counter;
  errors: Counter;
  bytes: Counter;
  seconds: Histogram;
}

/** Times operations and counts their calls, errors and bytes. */
export class RaftMetrics {
  readonly #ops = new Map<RaftOp, OpMetrics>();
  readonly #registry: MetricsRegistry;

  constructor(registry: MetricsRegistry) {
    this.#registry = registry;
  }

  /** Runs `body`, recording its latency, its bytes (from `bytesOf`) or its failure. */
  async measure<T>(
    op: RaftOp,
    body: () => Promise<T>,
    bytesOf?: (result: T) => number,
  ): Promise<T> {
    const metrics = this.#metrics(op);
    const started = performance.now();
    metrics.calls.add();
    try {
      const result = await body();
      if (bytesOf !== undefined) metrics.bytes.add(bytesOf(result));
      return result;
    } catch (error) {
      metrics.errors.add();
      throw error;
    } finally {
      metrics.seconds.record((performance.now() - started) / 1000);
    }
  }

  /** One line per operation used so far: calls, errors, bytes and latency. */
  summary(): string {
    const lines: string[] = [];
    for (const [op, metrics] of this.#ops) {
      const latency = metrics.seconds.snapshot();
      lines.push(
        `${op.padEnd(16)} calls ${String(metrics.calls.value).padStart(8)}  errors ${
          String(metrics.errors.value).padStart(4)
        }  bytes ${formatBytes(metrics.bytes.value).padStart(9)}  avg ${millis(latency.avg)}  p95 ${
          millis(latency.p95)
        }  p99 ${millis(latency.p99)}  max ${millis(latency.max)}`,
      );
    }
    return lines.join("\n");
  }

  #metrics(op: RaftOp): OpMetrics {
    let metrics = this.#ops.get(op);
    if (metrics === undefined) {
      const labels = { op };
      const registry = this.#registry;
      metrics = {
        calls: registry.counter("cairn_raft_operations_total", "Raft storage calls", { labels }),
        errors: registry.counter("cairn_raft_errors_total", "Raft storage calls that failed", {
          labels,
        }),
        bytes: registry.counter("cairn_raft_bytes_total", "Bytes written or read", { labels }),
        seconds: registry.histogram("cairn_raft_operation_seconds", "Raft storage latency", {
          labels,
        }),
      };
      this.#ops.set(op, metrics);
    }
    return metrics;
  }
}

function millis(seconds: number): string {
  return `${(seconds * 1000).toFixed(3)} ms`.padStart(11);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
