/**
 * How a run reports while it works: progress events for the caller (the CLI prints them) and writes to
 * its `backup_runs` row (phase, counters, heartbeat).
 *
 * Row writes are serialized and best effort; a lost heartbeat only matters if the run is dead. When a
 * write finds the row no longer running (the reaper marked it failed), the run is abandoned: `signal`
 * aborts (an upload in flight stops) and the next `checkAlive()` throws `run_abandoned`.
 */
import { BackupError, errorMessage } from "../lib/errors.ts";
import type { PipelineDeps, ProgressEvent } from "./pipeline-types.ts";
import { type RunPatch, type RunPhase, updateRun } from "./runs.ts";

type ProgressDeps = Pick<PipelineDeps, "sql" | "log" | "redact" | "onProgress" | "heartbeatMs">;

export class RunProgress {
  readonly #deps: ProgressDeps;
  readonly #runId: string;
  readonly #abort = new AbortController();
  #pending: Promise<unknown> = Promise.resolve();
  readonly #heartbeat: ReturnType<typeof setInterval>;

  /** Starts the heartbeat: the row is touched every `heartbeatMs` until `stop()`. */
  constructor(deps: ProgressDeps, runId: string) {
    this.#deps = deps;
    this.#runId = runId;
    this.#heartbeat = setInterval(() => void this.update({}), deps.heartbeatMs ?? 10_000);
  }

  /** Aborts once the run has been marked failed by someone else. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  emit(event: ProgressEvent): void {
    try {
      this.#deps.onProgress?.(event);
    } catch {
      // A progress printer must never break a run.
    }
  }

  /** Queues a write to the run's row; the promise settles when it is done (it never rejects). */
  update(patch: RunPatch): Promise<unknown> {
    const { sql, log, redact } = this.#deps;
    this.#pending = this.#pending.then(() => updateRun(sql, this.#runId, patch)).then((alive) => {
      if (alive === false && !this.#abort.signal.aborted) {
        this.#abort.abort(
          new BackupError("run_abandoned", "The run was marked failed while it was still working"),
        );
      }
    }).catch((error) => log(redact(`Cannot update run ${this.#runId}: ${errorMessage(error)}`)));
    return this.#pending;
  }

  /** Enters a phase: tells the caller, and records it on the row with `patch`. */
  async phase(phase: RunPhase, patch: RunPatch = {}): Promise<void> {
    this.emit({ type: "phase", phase });
    await this.update({ ...patch, phase });
  }

  /** Throws the abandonment error once the run has been marked failed by someone else. */
  checkAlive(): void {
    if (this.#abort.signal.aborted) throw this.#abort.signal.reason;
  }

  /** Stops the heartbeat: the run's work is over. */
  stop(): void {
    clearInterval(this.#heartbeat);
  }

  /** Settles once every write queued so far is done. */
  settled(): Promise<unknown> {
    return this.#pending;
  }
}
