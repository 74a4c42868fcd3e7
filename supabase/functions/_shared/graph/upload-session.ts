/**
 * A file larger than SIMPLE_UPLOAD_LIMIT, sent through an upload session in fragments of a multiple of
 * 320 KiB. The session's state machine, on the answer to each fragment:
 * - 202: the session took the fragment; go on from the next byte it expects;
 * - 200 / 201: the file is complete (an answer without a driveItem body: read the item by name);
 * - 416: the retried fragment had been accepted already: ask the session where it stands and go on from there;
 * - 404: the session is gone: wait and try once more, then start a new session from byte 0;
 * - 401: the upload URL's credential was refused: start a new session;
 * - 409: a name conflict (perhaps our own upload); 400: a refused name or path.
 * Throttling, transient errors and lost connections are retried fragment by fragment (upload-host.ts). On
 * failure or cancellation the session is deleted, so no half-uploaded session lingers.
 */
import { sleepUnlessAborted } from "./retry.ts";
import { FragmentReader, type SourceReader } from "./fragment-reader.ts";
import { graphFailure } from "./graph-http.ts";
import type { DriveItemJson, UploadSessionJson } from "./types.ts";
import {
  deleteSession,
  type FragmentAnswer,
  nextExpectedStart,
  putFragment,
  sessionStatus,
} from "./upload-host.ts";
import {
  badRequest,
  childByName,
  itemByName,
  itemPath,
  nameConflict,
  resolveConflict,
  uploadFailure,
  type UploadJob,
} from "./upload-job.ts";
import { uploadUrlProblem } from "./upload-url.ts";

/** New sessions started after a session disappeared (404 twice), before giving up. */
const MAX_SESSION_RESTARTS = 2;
/** Pause before retrying a fragment whose session answered 404. */
const SESSION_404_PAUSE_MS = 2_000;

/** Thrown inside the session loop to start a new session. */
class RestartSession extends Error {}

export async function sessionUpload(
  job: UploadJob,
  reader: SourceReader,
  fragmentSize: number,
): Promise<DriveItemJson> {
  const fragments = new FragmentReader(reader, job.source.size, fragmentSize);
  for (let restarts = 0;; restarts++) {
    const uploadUrl = await createSession(job);
    try {
      return await new FragmentSender(job, uploadUrl, fragments).run();
    } catch (error) {
      await deleteSession(job, uploadUrl);
      if (!(error instanceof RestartSession)) throw error;
      if (restarts >= MAX_SESSION_RESTARTS) {
        throw uploadFailure(
          job,
          "upload_session_lost",
          `OneDrive lost the upload session ${restarts + 1} times (${error.message}). Try again later`,
        );
      }
      job.http.options.log(`Upload session of "${job.name}" was lost (${error.message}); starting a new one`);
    }
  }
}

async function createSession(job: UploadJob): Promise<string> {
  const response = await job.http.send<UploadSessionJson>({
    method: "POST",
    path: itemPath(job, "/createUploadSession"),
    // Only the item's properties: an "@odata.type" here makes Graph answer 400.
    json: { item: { "@microsoft.graph.conflictBehavior": "fail", name: job.name } },
    accept: [400, 409],
    signal: job.options.signal,
    operation: job.operation,
  });
  if (response.status === 409) throw nameConflict(job, response.detail);
  if (response.status === 400) throw badRequest(job, response.detail);
  const uploadUrl = response.body?.uploadUrl;
  const problem = uploadUrlProblem(uploadUrl, {
    graphBaseUrl: job.http.options.graphBaseUrl,
    extraOrigins: job.http.options.uploadOrigins,
  });
  if (problem) throw uploadFailure(job, "upload_url_refused", problem);
  return uploadUrl as string;
}

/** Sends the fragments of one session, from byte 0, following the session's answers. */
class FragmentSender {
  readonly #job: UploadJob;
  readonly #uploadUrl: string;
  readonly #fragments: FragmentReader;
  #position = 0;
  #retried404 = false;

  constructor(job: UploadJob, uploadUrl: string, fragments: FragmentReader) {
    this.#job = job;
    this.#uploadUrl = uploadUrl;
    this.#fragments = fragments;
  }

  async run(): Promise<DriveItemJson> {
    const size = this.#job.source.size;
    try {
      for (;;) {
        this.#job.options.signal?.throwIfAborted();
        const position = this.#position;
        const length = Math.min(this.#fragments.fragmentSize, size - position);
        const bytes = await this.#fragments.read(position, length);
        // The next fragment's read starts first, so the disk works while this one is hashed.
        this.#fragments.readAhead(position, length, bytes);
        this.#job.hash.add(bytes, position);
        const answer = await putFragment(this.#job, this.#uploadUrl, position, bytes);
        const item = await this.#follow(answer, position + length);
        if (item) return item;
      }
    } finally {
      await this.#fragments.settle();
    }
  }

  /** Moves on after the answer to the fragment ending at `end`; resolves the item once the file is complete. */
  async #follow(answer: FragmentAnswer, end: number): Promise<DriveItemJson | undefined> {
    const job = this.#job;
    switch (answer.status) {
      case 202:
        this.#retried404 = false;
        return this.#moveTo(this.#accepted(answer.body, end));
      case 200:
      case 201: {
        job.options.onProgress?.(job.source.size);
        const item = answer.body as DriveItemJson | undefined;
        // Graph sometimes completes an upload with an empty body: read the item instead.
        return item?.id ? item : await itemByName(job);
      }
      case 416:
        return await this.#alreadyAccepted(end);
      case 404:
        return await this.#sessionGone(end);
      case 401:
        throw new RestartSession("the upload URL's credential was refused");
      case 409:
        return await resolveConflict(job, answer.detail);
      case 400:
        throw badRequest(job, answer.detail);
    }
    throw graphFailure(job.operation, answer.status, answer.detail);
  }

  #accepted(body: unknown, end: number): number {
    const next = nextExpectedStart(body) ?? end;
    if (next <= this.#position || next > end) {
      throw uploadFailure(
        this.#job,
        "upload_failed",
        `the upload session expects byte ${next} after a fragment ending at ${end}`,
      );
    }
    return next;
  }

  #moveTo(position: number): undefined {
    this.#position = position;
    this.#job.options.onProgress?.(position);
    return undefined;
  }

  /** The last fragment may have completed the file before its answer was lost. */
  async #completedFile(end: number): Promise<DriveItemJson | undefined> {
    if (end !== this.#job.source.size) return undefined;
    const item = await childByName(this.#job);
    return item?.file && item.size === end ? item : undefined;
  }

  /** 416: the fragment was accepted by an attempt whose answer was lost: continue where the session stands. */
  async #alreadyAccepted(end: number): Promise<DriveItemJson | undefined> {
    const job = this.#job;
    const status = await sessionStatus(job, this.#uploadUrl);
    if (status === undefined) {
      const item = await this.#completedFile(end);
      if (item) return item;
      throw new RestartSession("the session disappeared after a 416");
    }
    if (status > end) {
      throw uploadFailure(
        job,
        "upload_failed",
        `the upload session is at byte ${status}, beyond the data sent`,
      );
    }
    job.http.options.log(
      `Upload session of "${job.name}" already holds ${status} bytes; continuing from there`,
    );
    return this.#moveTo(status);
  }

  /** 404: the session may be gone, or the host briefly lost track of it: one more try after a pause. */
  async #sessionGone(end: number): Promise<DriveItemJson | undefined> {
    const item = await this.#completedFile(end);
    if (item) return item;
    if (this.#retried404) throw new RestartSession("the upload URL answered 404 twice");
    this.#retried404 = true;
    await sleepUnlessAborted(this.#job.http.options.sleep, SESSION_404_PAUSE_MS, this.#job.options.signal);
    return undefined;
  }
}
