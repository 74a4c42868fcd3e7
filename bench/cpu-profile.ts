/**
 * Reads a V8 `.cpuprofile` (what `deno run --cpu-prof` writes) into "where the CPU goes": self time per
 * function and per area of the code (our export, the Postgres driver, Node compatibility streams,
 * hashing, compression, garbage collection…). Only the main JavaScript thread is sampled: work that Deno
 * does on other threads (socket I/O, part of the garbage collection) is not in the profile.
 */

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  /** Milliseconds of self time. */
  ms: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  /** Sampled time, idle included, ms. */
  totalMs: number;
  /** Sampled time when the thread was not idle, ms. */
  busyMs: number;
  functions: ProfileEntry[];
  areas: ProfileEntry[];
}

/** Area rules, first match wins; matched against "functionName url". */
const AREAS: Array<[RegExp, string]> = [
  [/^\(garbage collector\)/, "garbage collection"],
  [/^\(program\)/, "V8 and Deno runtime (unattributed)"],
  [/quick-xor-hash\.ts/, "QuickXorHash"],
  [/op_node_hash|node\/internal\/crypto|hashing\.ts/, "SHA-256"],
  [
    /op_compression|CompressionStream|compression\.js|zlib/i,
    "gzip (node:zlib; CompressionStream runs on it too)",
  ],
  [/copy-rows\.ts/, "COPY framing (copy-rows.ts)"],
  [/backup\/export\/(export|spool|catalog)\.ts/, "export and spool (export.ts, spool.ts)"],
  [/graph\//, "Graph client"],
  [/npm\/registry\.npmjs\.org\/postgres|\/postgres\/\d|postgres@/, "postgres.js driver"],
  [/buffer\.(ts|mjs)|internal_binding\/buffer/, "Node Buffer compatibility (indexOf, slice)"],
  [/streams\/|stream_base|net\.ts|_next_tick|ext:deno_node/, "Node streams and sockets compatibility"],
  [/ext:deno_web|06_streams|ReadableStream|TransformStream/, "web streams"],
  [/op_write|op_read|op_fs|ext:deno_fs|ext:deno_io/, "file I/O"],
];

function areaOf(key: string): string {
  for (const [pattern, area] of AREAS) if (pattern.test(key)) return area;
  return "other";
}

/** Sums self time by function and by area; the top `limit` functions are kept. */
export function summarizeCpuProfile(profile: CpuProfile, limit = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  // Native functions (no URL, e.g. zlib's `write` binding) belong to the area of their nearest JS caller.
  const areaKey = (id: number): string => {
    let current: number | undefined = id;
    while (current !== undefined) {
      const frame = byId.get(current)?.callFrame;
      if (frame?.url || (frame && frame.functionName.startsWith("(")))
        return `${frame.functionName} ${frame.url}`;
      current = parentOf.get(current);
    }
    const frame = byId.get(id)?.callFrame;
    return frame ? `${frame.functionName} ${frame.url}` : "";
  };
  const selfByNode = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = Math.max(0, profile.timeDeltas[index] ?? 0);
    totalUs += delta;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
  });
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    const file = frame.url ? frame.url.split("/").slice(-2).join("/") : "";
    const name = `${frame.functionName || "(anonymous)"}${file ? ` ${file}` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(areaKey(id));
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const entries = (map: Map<string, number>) =>
    [...map]
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    functions: entries(functions).slice(0, limit),
    areas: entries(areas),
  };
}
