/** Small formatting helpers for the CLI's output. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Control characters, and the invisible ones that reorder or break lines on a terminal. */
const UNPRINTABLE = /[\p{Cc}\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `text` with every control character written as an escape (`\u001b`, `\r`): names and values read
 * from a backup file cannot move the cursor, erase lines or recolour the terminal, so what the CLI
 * prints (the confirmation above all) is what the file really holds. One line stays one line.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`;
  });
}
