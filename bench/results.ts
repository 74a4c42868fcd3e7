/**
 * The shapes of what the benchmark measured, shared by the runner (bench/run.ts) and the report
 * (bench/report.ts).
 */
import type { ProfileSummary } from "./cpu-profile.ts";

/** One run of one method. */
export interface RunFigures {
  /** Wall clock of the measured work, seconds. */
  seconds: number;
  /** CPU seconds (user + system) of the measured process: the Deno process for ours and naive. */
  cpuSeconds: number;
  peakRssBytes: number;
  /** Bytes the method produced (uncompressed JSON, or the gzip file). */
  outputBytes: number;
  /** CPU seconds Postgres spent meanwhile (server processes), when known. */
  postgresCpuSeconds: number | null;
  /** Part of `seconds` spent uploading (ours to the emulator). */
  uploadSeconds?: number;
}

export interface MethodResult {
  key: string;
  label: string;
  compression: "none" | "gzip";
  /** Whose CPU the CPU column counts. */
  cpuOf: string;
  runs: RunFigures[];
}

export interface UploadResult {
  bytes: number;
  fragmentBytes: number;
  ours: RunFigures[];
  curl: RunFigures[];
}

export interface CompressionFigure {
  method: string;
  inputBytes: number;
  outputBytes: number;
  seconds: number;
  cpuSeconds: number;
}

export interface LoadScenario {
  label: string;
  users: number;
  thinkMs: number;
  withBackup: boolean;
  seconds: number;
  latenciesMs: number[];
  failures: number;
  firstFailures: string[];
  /** The backup that ran meanwhile (`npm run backup`), if any. */
  backup: { seconds: number; cpuSeconds: number; peakRssBytes: number; outcome: string } | null;
}

export interface ScaleResult {
  factor: number;
  rows: number;
  jsonBytes: number;
  runs: Array<{ compression: "none" | "gzip"; figures: RunFigures }>;
}

export interface ProfileResult {
  label: string;
  processCpuSeconds: number;
  /** CPU seconds of the probe process by thread name, startup included. */
  threads: Record<string, number>;
  summary: ProfileSummary;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  node: string;
  deno: string;
  postgres: string;
  psql: string | null;
  pgDump: string | null;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

export interface BenchResults {
  date: string;
  command: string;
  machine: MachineInfo;
  rows: number;
  tableCounts: Record<string, number>;
  reps: number;
  /** Size of the database as our export writes it (uncompressed JSON), the common yardstick. */
  jsonBytes: number;
  gzipBytes: number;
  /** How the product compresses (read from spool.ts by the export probe). */
  productGzip: string;
  setupSeconds: number;
  totalSeconds: number;
  methods: MethodResult[];
  upload: UploadResult | null;
  compression: CompressionFigure[] | null;
  profile: ProfileResult | null;
  load: LoadScenario[];
  scale: ScaleResult[];
  commands: Array<{ label: string; command: string }>;
  notes: string[];
}
