import { describe, expect, it, vi } from "vitest";
import { BackupFunctionError, invokeAutoBackup } from "./auto-backup-function";

function stubFetch(response: () => Response | Promise<Response>) {
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => response());
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

describe("invokeAutoBackup", () => {
  it("posts the action to the auto-backup function and returns its JSON", async () => {
    const fetchMock = stubFetch(
      () =>
        new Response(JSON.stringify({ run_id: "r1", status: "running" }), {
          status: 202,
          headers: { "content-type": "application/json" },
        }),
    );
    await expect(invokeAutoBackup({ action: "run" })).resolves.toEqual({ run_id: "r1", status: "running" });
    const request = new Request(fetchMock.mock.calls[0]![0], fetchMock.mock.calls[0]![1]);
    expect(request.url).toBe("http://supabase.test/functions/v1/auto-backup");
    expect(request.method).toBe("POST");
    expect(await request.json()).toEqual({ action: "run" });
  });

  it("surfaces the function's own error message, not supabase-js's generic one", async () => {
    stubFetch(
      () =>
        new Response(
          JSON.stringify({
            error: 'Cannot resolve OneDrive folder "Backups": the link expired',
            code: "folder",
          }),
          {
            status: 400,
            headers: { "content-type": "application/json" },
          },
        ),
    );
    const error = await invokeAutoBackup({ action: "test" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupFunctionError);
    expect((error as BackupFunctionError).message).toBe(
      'Cannot resolve OneDrive folder "Backups": the link expired',
    );
    expect((error as BackupFunctionError).message).not.toMatch(/non-2xx/);
    expect((error as BackupFunctionError).status).toBe(400);
    expect((error as BackupFunctionError).code).toBe("folder");
  });

  it("marks 409 as a backup already running, with the running id", async () => {
    stubFetch(
      () =>
        new Response(JSON.stringify({ error: "A backup is already running", run_id: "r9" }), {
          status: 409,
          headers: { "content-type": "application/json" },
        }),
    );
    const error = (await invokeAutoBackup({ action: "run" }).catch((e: unknown) => e)) as BackupFunctionError;
    expect(error.alreadyRunning).toBe(true);
    expect(error.runId).toBe("r9");
    expect(error.code).toBe("already_running");
  });

  it("marks 429 as rate limited, with the code and when to retry", async () => {
    stubFetch(
      () =>
        new Response(
          JSON.stringify({
            error: "Cannot start a backup yet: …",
            error_code: "rate_limited",
            retry_after_seconds: 17,
          }),
          { status: 429, headers: { "content-type": "application/json", "retry-after": "17" } },
        ),
    );
    const error = (await invokeAutoBackup({ action: "run" }).catch((e: unknown) => e)) as BackupFunctionError;
    expect(error.rateLimited).toBe(true);
    expect(error.alreadyRunning).toBe(false);
    expect(error.code).toBe("rate_limited");
    expect(error.retryAfterSeconds).toBe(17);
    expect(error.message).toBe("Cannot start a backup yet: …");
  });

  it("describes a non-JSON error page by its status and text", async () => {
    stubFetch(() => new Response("upstream timed out", { status: 504, statusText: "Gateway Timeout" }));
    const error = (await invokeAutoBackup({ action: "status" }).catch(
      (e: unknown) => e,
    )) as BackupFunctionError;
    expect(error.message).toBe("upstream timed out");
    expect(error.alreadyRunning).toBe(false);

    stubFetch(() => new Response("", { status: 502, statusText: "Bad Gateway" }));
    const empty = (await invokeAutoBackup({ action: "status" }).catch(
      (e: unknown) => e,
    )) as BackupFunctionError;
    expect(empty.message).toBe("The backup function answered HTTP 502 Bad Gateway");
  });

  it("says when the function cannot be reached", async () => {
    stubFetch(() => {
      throw new TypeError("Failed to fetch");
    });
    const error = (await invokeAutoBackup({ action: "status" }).catch(
      (e: unknown) => e,
    )) as BackupFunctionError;
    expect(error.message).toBe("Cannot reach the backup function: Failed to fetch");
  });

  it("refuses an answer that is not JSON", async () => {
    stubFetch(() => new Response("ok", { status: 200, headers: { "content-type": "text/plain" } }));
    await expect(invokeAutoBackup({ action: "status" })).rejects.toThrow(
      `Cannot read the backup function's answer to "status": expected JSON`,
    );
  });
});
