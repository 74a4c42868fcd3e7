/**
 * Small statistics and formatting helpers for the benchmark report: medians of repetitions,
 * percentiles of latencies, throughputs and ratios as the report prints them.
 */

/** Median of the values (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Percentile by the nearest-rank method (p in 0..100): the smallest value such that at least p % of
 * the values are less than or equal to it. NaN when empty.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`Cannot compute percentile ${p}: use a value from 0 to 100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Decimal megabytes, as throughput is usually quoted (MB/s = 10^6 bytes per second). */
export const MB = 1_000_000;

export function megabytes(bytes: number): number {
  return bytes / MB;
}

/** MB/s for `bytes` in `seconds`; NaN when the time is not positive. */
export function throughput(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / MB / seconds : Number.NaN;
}

/** CPU seconds per 100 MB of `bytes`. */
export function cpuPer100MB(cpuSeconds: number, bytes: number): number {
  return bytes > 0 ? (cpuSeconds * 100 * MB) / bytes : Number.NaN;
}

/** A number with a fixed count of decimals, or "n/a" when it is not finite. */
export function fixed(value: number, decimals = 1): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : "n/a";
}

/** A ratio as "12.3x" (two significant decimals below 10), or "n/a". */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

/** A fraction as a percentage, e.g. 0.873 → "87%". */
export function formatPercent(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value * 100)}%` : "n/a";
}

/** `a / b`, NaN when b is zero or either is not finite. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** Bytes as a short human size in decimal units ("437 MB", "1.2 GB"). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "n/a";
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}
