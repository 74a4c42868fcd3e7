/**
 * `npm run bench [-- flags]`: what the benchmark runs and at which size.
 *
 *   --quick            about 100,000 rows, 2 repetitions, a 20 MB upload: a few minutes
 *   --rows N           rows in the generated database (default 1,000,000; --quick 100,000)
 *   --scale F          multiplies the default row count (e.g. --scale 0.25)
 *   --reps N           repetitions of each measurement (default 3; --quick 2); medians are reported
 *   --upload-mb N      size of the file for the upload comparison (default 100; --quick 20)
 *   --out FILE         where the report goes (default docs/performance.md; --quick: bench/.data/performance-quick.md)
 *   --skip a,b         sections to leave out: export, naive, psql, upload, compression, profile, load, scale
 *   --keep             keep the temporary stack directory (database, files) for a look afterwards
 *   --report-only FILE only render the report again from a results file (bench/.data/last-run.json), e.g.
 *                      after editing bench/performance-analysis.md; measures nothing
 */

export const SECTIONS = [
  "export",
  "naive",
  "psql",
  "upload",
  "compression",
  "profile",
  "load",
  "scale",
] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  rows: number;
  reps: number;
  uploadBytes: number;
  out: string;
  skip: Section[];
  keep: boolean;
  reportOnly: string | null;
}

const DEFAULT_ROWS = 1_000_000;
const QUICK_ROWS = 100_000;

function positiveNumber(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value === "" || !Number.isFinite(n) || n <= 0) {
    throw new Error(`Cannot read ${flag}: expected a positive number, got "${value ?? ""}"`);
  }
  return n;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let rows: number | undefined;
  let scale = 1;
  let reps: number | undefined;
  let uploadMb: number | undefined;
  let out: string | undefined;
  let skip: Section[] = [];
  let keep = false;
  let reportOnly: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case "--quick":
        quick = true;
        break;
      case "--rows":
        rows = Math.round(positiveNumber("--rows", value()));
        break;
      case "--scale":
        scale = positiveNumber("--scale", value());
        break;
      case "--reps":
        reps = Math.round(positiveNumber("--reps", value()));
        break;
      case "--upload-mb":
        uploadMb = positiveNumber("--upload-mb", value());
        break;
      case "--out":
        out = value();
        if (!out) throw new Error("Cannot read --out: expected a file path");
        break;
      case "--skip": {
        const names = (value() ?? "").split(",").filter(Boolean);
        for (const name of names) {
          if (!(SECTIONS as readonly string[]).includes(name)) {
            throw new Error(`Cannot skip "${name}": the sections are ${SECTIONS.join(", ")}`);
          }
        }
        skip = names as Section[];
        break;
      }
      case "--keep":
        keep = true;
        break;
      case "--report-only":
        reportOnly = value() ?? "";
        if (!reportOnly) throw new Error("Cannot read --report-only: expected the results file");
        break;
      default:
        throw new Error(`Cannot run the benchmark: unknown flag "${arg}" (see bench/bench-options.ts)`);
    }
  }
  const total = Math.round((rows ?? (quick ? QUICK_ROWS : DEFAULT_ROWS)) * scale);
  if (total < 1000) throw new Error(`Cannot run the benchmark with ${total} rows: use at least 1000`);
  return {
    quick,
    rows: total,
    reps: reps ?? (quick ? 2 : 3),
    uploadBytes: Math.round((uploadMb ?? (quick ? 20 : 100)) * 1_000_000),
    out: out ?? (quick ? "bench/.data/performance-quick.md" : "docs/performance.md"),
    skip,
    keep,
    reportOnly,
  };
}
