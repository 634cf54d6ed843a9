/** The bindings of the bundle-size apps (bench/bundle/wrangler.toml); `Room` is the app's Durable Object class. */
export interface BundleEnv<Room extends Rpc.DurableObjectBranded | undefined = undefined> {
  ROOMS: DurableObjectNamespace<Room>;
}

/** The room an `/echo/:room` WebSocket upgrade asks for, or null for any other request. */
export function echoRoom(request: Request): string | null {
  if (request.headers.get("Upgrade") !== "websocket") return null;
  return /^\/echo\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1] ?? null;
}
