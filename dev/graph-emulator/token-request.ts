/**
 * The client-credentials token request an app sends to the Microsoft identity platform, for the
 * emulator's own tests (they ask for tokens exactly as the function and the Graph SDK do).
 */
export interface AppCredentials {
  tenant: string;
  clientId: string;
  secret: string;
  scope: string;
}

type PostForm<R> = (url: string, init: { method: "POST"; body: URLSearchParams }) => Promise<R>;

export function requestAppToken<R = Response>(
  emulatorUrl: string,
  app: AppCredentials,
  post: PostForm<R> = fetch as unknown as PostForm<R>,
): Promise<R> {
  return post(`${emulatorUrl}/${app.tenant}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: app.clientId,
      client_secret: app.secret,
      grant_type: "client_credentials",
      scope: app.scope,
    }),
  });
}
