// The emulator's admin API under `/_emulator/*` (see admin-client.ts for the typed client), and a small
// `/_emulator/web/…` browser for the files, which is where the driveItems' `webUrl` points.
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorConfigPatch, EmulatorState, FaultRuleInput, StoredFile } from "./admin-client.ts";
import { normalisePath } from "./drive-store.ts";
import { type EmulatorContext, LINK_SCOPES, type LinkScope } from "./emulator-context.ts";
import { webUrl } from "./graph-service.ts";
import { readBody, sendEmpty, sendJson } from "./http-replies.ts";
import { listSessions } from "./upload-host.ts";

export async function handleAdminRequest(
  context: EmulatorContext,
  pathname: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? "GET";
  const key = `${method} ${pathname}`;
  const fail = (status: number, message: string) => sendJson(res, status, { error: message });
  const json = async <T>(): Promise<T> => {
    const text = (await readBody(req, 512 * 1024 * 1024)).toString("utf8");
    return (text.trim() === "" ? {} : JSON.parse(text)) as T;
  };

  try {
    if (pathname.startsWith("/_emulator/web/") || pathname === "/_emulator/web") {
      return await serveWeb(context, pathname, res);
    }
    switch (key) {
      case "GET /_emulator/health":
        return sendJson(res, 200, { ok: true });
      case "GET /_emulator/state":
        return sendJson(res, 200, state(context));
      case "GET /_emulator/faults":
        return sendJson(res, 200, context.faults.list());
      case "POST /_emulator/faults":
        return sendJson(res, 201, context.faults.add(await json<FaultRuleInput>()));
      case "DELETE /_emulator/faults":
        context.faults.clear();
        return sendEmpty(res, 204);
      case "GET /_emulator/requests":
        return sendJson(res, 200, context.log);
      case "DELETE /_emulator/requests":
        context.log.length = 0;
        return sendEmpty(res, 204);
      case "GET /_emulator/files":
        return sendJson(res, 200, await storedFiles(context));
      case "GET /_emulator/files/content": {
        const path = normalisePath(url.searchParams.get("path") ?? "");
        const item = await context.store.item(path);
        if (!item || item.isFolder) return fail(404, `No file at "${path}"`);
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": String(item.size),
        });
        createReadStream(context.store.diskPath(path)).pipe(res);
        return;
      }
      case "POST /_emulator/files": {
        const body = await json<{ path?: string; contentBase64?: string }>();
        const path = normalisePath(body.path ?? "");
        if (path === "") return fail(400, '"path" is required');
        await context.store.writeFile(path, Buffer.from(body.contentBase64 ?? "", "base64"));
        const file = (await storedFiles(context)).find((candidate) => candidate.path === path);
        return sendJson(res, 201, file);
      }
      case "DELETE /_emulator/files": {
        const path = normalisePath(url.searchParams.get("path") ?? "");
        const item = path === "" ? undefined : await context.store.item(path);
        if (!item || item.isFolder) return fail(404, `No file at "${path}"`);
        await context.store.delete(path);
        return sendEmpty(res, 204);
      }
      case "POST /_emulator/folders": {
        const path = normalisePath((await json<{ path?: string }>()).path ?? "");
        await context.store.createFolder(path);
        return sendJson(res, 201, { id: context.store.idOf(path), path });
      }
      case "POST /_emulator/links": {
        const body = await json<{ url?: string; path?: string; state?: string; scope?: string }>();
        if (!body.url) return fail(400, '"url" is required');
        const linkState = body.state ?? "active";
        if (linkState !== "active" && linkState !== "expired" && linkState !== "revoked") {
          return fail(400, `Unknown link state "${linkState}": use "active", "expired" or "revoked"`);
        }
        if (body.scope !== undefined && !LINK_SCOPES.includes(body.scope as LinkScope)) {
          return fail(
            400,
            `Unknown link scope "${body.scope}": use ${LINK_SCOPES.map((s) => `"${s}"`).join(", ")}`,
          );
        }
        const path = normalisePath(body.path ?? "");
        context.links.set(body.url, path);
        if (linkState === "active") context.linkStates.delete(body.url);
        else context.linkStates.set(body.url, linkState);
        if (body.scope === undefined) context.linkScopes.delete(body.url);
        else context.linkScopes.set(body.url, body.scope as LinkScope);
        return sendEmpty(res, 204);
      }
      case "GET /_emulator/issued":
        return sendJson(res, 200, context.issued);
      case "GET /_emulator/mail":
        return sendJson(res, 200, context.mail);
      case "DELETE /_emulator/mail":
        context.mail.length = 0;
        return sendEmpty(res, 204);
      case "GET /_emulator/sessions":
        return sendJson(res, 200, listSessions(context));
      case "POST /_emulator/config":
        applyConfig(context, await json<EmulatorConfigPatch>());
        return sendJson(res, 200, context.config);
      case "POST /_emulator/tokens/expire":
        context.tokens.expireAll();
        return sendEmpty(res, 204);
      case "POST /_emulator/reset": {
        const body = await json<{ files?: boolean }>();
        await resetState(context, body.files === true);
        return sendEmpty(res, 204);
      }
      case "POST /_emulator/down": {
        const mode = (await json<{ mode?: string }>()).mode ?? "disconnect";
        if (mode !== "disconnect" && mode !== "unavailable") return fail(400, `Unknown down mode "${mode}"`);
        context.down = mode;
        return sendEmpty(res, 204);
      }
      case "POST /_emulator/up":
        context.down = false;
        return sendEmpty(res, 204);
    }
    return fail(404, `Unknown admin endpoint ${key}`);
  } catch (error) {
    return fail(400, error instanceof Error ? error.message : String(error));
  }
}

export function state(context: EmulatorContext): EmulatorState {
  return {
    url: context.url,
    uploadUrlBase: context.uploadUrlBase,
    driveId: context.store.driveId,
    rootItemId: context.store.rootItemId,
    tenantId: context.tenantId,
    clientId: context.clientId,
    links: Object.fromEntries(context.links),
    down: context.down,
    config: context.config,
  };
}

export function applyConfig(context: EmulatorContext, patch: EmulatorConfigPatch): void {
  const next = { ...context.config };
  if (patch.roles !== undefined) {
    if (!Array.isArray(patch.roles)) throw new Error('"roles" must be an array of strings');
    next.roles = patch.roles.map(String);
  }
  if (patch.tokenLifetimeSeconds !== undefined) {
    if (!(patch.tokenLifetimeSeconds > 0)) throw new Error('"tokenLifetimeSeconds" must be positive');
    next.tokenLifetimeSeconds = patch.tokenLifetimeSeconds;
  }
  if (patch.secretExpired !== undefined) next.secretExpired = Boolean(patch.secretExpired);
  if (patch.pageSize !== undefined) {
    if (!(Number.isInteger(patch.pageSize) && patch.pageSize > 0)) {
      throw new Error('"pageSize" must be a positive integer');
    }
    next.pageSize = patch.pageSize;
  }
  if (patch.quotaBytes !== undefined) next.quotaBytes = patch.quotaBytes;
  if (patch.mailboxes !== undefined) next.mailboxes = patch.mailboxes;
  context.config = next;
}

export async function resetState(context: EmulatorContext, files: boolean): Promise<void> {
  context.faults.clear();
  context.log.length = 0;
  context.mail.length = 0;
  for (const session of context.sessions.values()) {
    await context.store.delete(`.graph-emulator-uploads/${session.id}`);
  }
  context.sessions.clear();
  context.links = new Map(context.initialLinks);
  context.linkStates.clear();
  context.linkScopes.clear();
  context.issued.accessTokens.length = 0;
  context.issued.uploadUrls.length = 0;
  context.config = { ...context.initialConfig };
  context.tokens.reset();
  context.down = false;
  if (files) {
    await context.store.wipe();
    for (const path of new Set(context.links.values())) await context.store.createFolder(path);
  }
}

async function storedFiles(context: EmulatorContext): Promise<StoredFile[]> {
  const files = await context.store.allFiles();
  return await Promise.all(
    files.map(async (file) => {
      const hashes = await context.store.hashes(file.path);
      return {
        path: file.path,
        id: file.id,
        name: file.name,
        size: file.size,
        quickXorHash: hashes.quickXorHash,
        sha256: hashes.sha256,
        createdDateTime: file.created.toISOString(),
      };
    }),
  );
}

async function serveWeb(context: EmulatorContext, pathname: string, res: ServerResponse): Promise<void> {
  const raw = pathname.slice("/_emulator/web".length);
  const path = normalisePath(
    raw
      .split("/")
      .map((segment) => decodeURIComponent(segment))
      .join("/"),
  );
  const item = await context.store.item(path);
  if (!item) return sendJson(res, 404, { error: `Nothing at "${path}"` });
  if (!item.isFolder) {
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(item.size),
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(item.name)}`,
    });
    createReadStream(context.store.diskPath(path)).pipe(res);
    return;
  }
  const children = await context.store.children(path);
  const rows = children
    .map(
      (child) =>
        `<li><a href="${webUrl(context, child.path)}">${escapeHtml(child.name)}</a> ${
          child.isFolder ? "(folder)" : `${child.size} bytes`
        }</li>`,
    )
    .join("");
  const html =
    `<!doctype html><meta charset="utf-8"><title>${escapeHtml(item.name)}</title>` +
    `<h1>Graph emulator: /${escapeHtml(path)}</h1><ul>${rows}</ul>`;
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "content-length": String(Buffer.byteLength(html)),
  });
  res.end(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
