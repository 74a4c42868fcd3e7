/** Folder listing (paged through `@odata.nextLink`), item lookup by id or name, and deletion. */
import type { GraphHttp, GraphResponse } from "./graph-http.ts";
import type { ChildItem, DriveItemJson, DriveItemPageJson, GraphFolder, ItemSummary } from "./types.ts";

export async function* listChildren(http: GraphHttp, folder: GraphFolder): AsyncIterable<ChildItem> {
  let next: string | undefined = `/v1.0/drives/${encodeURIComponent(folder.driveId)}/items/${
    encodeURIComponent(folder.folderId)
  }/children?$top=200&$select=id,name,size,createdDateTime,file,folder`;
  while (next) {
    const response: GraphResponse<DriveItemPageJson> = await http.send({
      method: "GET",
      path: next,
      operation: `list OneDrive folder "${folder.name}"`,
    });
    for (const item of response.body?.value ?? []) {
      if (!item.id || item.name === undefined) continue;
      yield {
        id: item.id,
        name: item.name,
        size: item.size ?? 0,
        createdDateTime: item.createdDateTime ?? "",
        isFile: Boolean(item.file),
      };
    }
    next = response.body?.["@odata.nextLink"];
  }
}

/** Deletes an item; an item that is already gone counts as deleted. */
export async function deleteItem(http: GraphHttp, driveId: string, itemId: string): Promise<void> {
  await http.send({
    method: "DELETE",
    path: `/v1.0/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(itemId)}`,
    accept: [404],
    operation: `delete OneDrive item "${itemId}"`,
  });
}

/** An item by id (name, size, parent), or undefined when it is gone. */
export async function getItem(
  http: GraphHttp,
  driveId: string,
  itemId: string,
): Promise<ItemSummary | undefined> {
  const response = await http.send<DriveItemJson>({
    method: "GET",
    path: `/v1.0/drives/${encodeURIComponent(driveId)}/items/${
      encodeURIComponent(itemId)
    }?$select=id,name,size,file,folder`,
    accept: [404],
    operation: `read OneDrive item "${itemId}"`,
  });
  const item = response.body;
  if (response.status === 404 || !item?.id) return undefined;
  return { id: item.id, name: item.name ?? "", size: item.size ?? 0, isFile: Boolean(item.file) };
}

/** The item called `name` in the folder, or undefined. */
export async function getChildByName(
  http: GraphHttp,
  folder: GraphFolder,
  name: string,
  signal?: AbortSignal,
): Promise<DriveItemJson | undefined> {
  const response = await http.send<DriveItemJson>({
    method: "GET",
    path: `/v1.0/drives/${encodeURIComponent(folder.driveId)}/items/${encodeURIComponent(folder.folderId)}:/${
      encodeURIComponent(name)
    }:`,
    accept: [404],
    signal,
    operation: `read "${name}" in OneDrive folder "${folder.name}"`,
  });
  return response.status === 404 ? undefined : response.body;
}
