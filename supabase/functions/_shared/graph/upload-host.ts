/**
 * Requests to an upload session's URL on the upload host: send a fragment, ask where the session stands,
 * delete the session. They carry no Authorization header (the upload URL carries its own credential and the
 * host refuses tokens) and go through the same retry pacer as every Graph request.
 */
import { sanitise, type ServiceErrorDetail } from "./errors.ts";
import { fetchWithTimeout, readAnswer, type RedirectRefused } from "./exchange.ts";
import { graphFailure, throttledTooLong } from "./graph-http.ts";
import { retryRequest } from "./retry.ts";
import type { UploadSessionJson } from "./types.ts";
import { uploadFailure, type UploadJob } from "./upload-job.ts";

export interface FragmentAnswer {
  status: number;
  body: unknown;
  detail: ServiceErrorDetail;
}

function redirected(job: UploadJob) {
  return (error: RedirectRefused) =>
    uploadFailure(job, "graph_redirect_refused", `the upload host at ${error.describe()}`, {
      status: error.status,
    });
}

/** PUTs one fragment, retrying throttling, transient errors and lost connections. */
export async function putFragment(
  job: UploadJob,
  uploadUrl: string,
  start: number,
  bytes: Uint8Array,
): Promise<FragmentAnswer> {
  const o = job.http.options;
  const signal = job.options.signal;
  const range = `bytes ${start}-${start + bytes.length - 1}/${job.source.size}`;
  const headers = {
    "content-range": range,
    "content-type": "application/octet-stream",
    "user-agent": o.userAgent,
  };
  const response = await retryRequest(o, {
    label: `Fragment ${range} of "${job.name}"`,
    signal,
    send: () =>
      o.putFragment ? o.putFragment(uploadUrl, headers, bytes, o.retry.timeoutMs, signal) : fetchWithTimeout(
        o.fetch,
        uploadUrl,
        { method: "PUT", headers, body: bytes as BodyInit },
        o.retry.timeoutMs,
        signal,
      ),
    redirected: redirected(job),
    unreachable: (error) =>
      uploadFailure(
        job,
        "upload_failed",
        `the upload host could not be reached (${sanitise((error as Error).message)})`,
        {
          cause: error,
        },
      ),
    throttledTooLong: (answer, ms) =>
      throttledTooLong(job.operation, answer.status, ms, readAnswer(answer).detail),
  });
  return { status: response.status, ...readAnswer(response) };
}

/** The session's next expected byte, or undefined when the session is gone. */
export async function sessionStatus(job: UploadJob, uploadUrl: string): Promise<number | undefined> {
  const o = job.http.options;
  const signal = job.options.signal;
  const response = await retryRequest(o, {
    label: `Status of the upload session of "${job.name}"`,
    signal,
    send: () =>
      fetchWithTimeout(
        o.fetch,
        uploadUrl,
        { method: "GET", headers: { accept: "application/json", "user-agent": o.userAgent } },
        o.retry.timeoutMs,
        signal,
      ),
    redirected: redirected(job),
  });
  if (response.status === 404) return undefined;
  const { body, detail } = readAnswer(response);
  if (response.status !== 200) throw graphFailure(job.operation, response.status, detail);
  const next = nextExpectedStart(body);
  if (next === undefined) {
    throw uploadFailure(job, "upload_failed", "the upload session did not say which bytes it expects");
  }
  return next;
}

/** Cancels a session; best effort, since it may already be gone. */
export async function deleteSession(job: UploadJob, uploadUrl: string): Promise<void> {
  const o = job.http.options;
  try {
    // Not under the upload's signal: a cancelled upload must still delete its session.
    await fetchWithTimeout(
      o.fetch,
      uploadUrl,
      { method: "DELETE", headers: { "user-agent": o.userAgent } },
      30_000,
    );
  } catch {
    // Sessions expire by themselves; nothing more to do.
  }
}

/** Start of the first range in `nextExpectedRanges` ("12345-" or "12345-67890"). */
export function nextExpectedStart(body: unknown): number | undefined {
  const ranges = (body as UploadSessionJson | undefined)?.nextExpectedRanges;
  if (!Array.isArray(ranges) || typeof ranges[0] !== "string") return undefined;
  const match = /^(\d+)-/.exec(ranges[0]);
  return match ? Number(match[1]) : undefined;
}
