/** JSON calls to the edge function, through the gateway or straight to a functions server. */

export interface CallInit {
  body?: unknown;
  headers?: Record<string, string>;
  method?: string;
}

export interface CallResult {
  status: number;
  /** The body as sent. */
  text: string;
  /** The body parsed as JSON; `{ raw }` when it is not JSON. */
  body: Record<string, unknown>;
  headers: Headers;
}

/** POST (by default) a JSON body, or a string sent as is, and read the answer whatever it holds. */
export async function callJson(url: string, init: CallInit): Promise<CallResult> {
  const response = await fetch(url, {
    method: init.method ?? "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: init.body === undefined
      ? undefined
      : typeof init.body === "string"
      ? init.body
      : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { raw: text };
  }
  return { status: response.status, text, body, headers: response.headers };
}
