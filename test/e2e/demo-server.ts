import { randomBytes } from "node:crypto";
import type { DevServer } from "./wrangler-dev.js";
import { startWranglerDev } from "./wrangler-dev.js";

/** The token the demo's HTTP API takes in tests: a new one for each run. */
export const API_TOKEN = randomBytes(24).toString("hex");

/** `wrangler dev` of the demo app, with API_TOKEN as its secret. */
export function startDemo(): Promise<DevServer> {
  return startWranglerDev("wrangler.toml", { secrets: { API_TOKEN } });
}

/**
 * POSTs to the demo's HTTP API: `body` as JSON, with `Authorization: Bearer <API_TOKEN>` unless an
 * `authorization` header (or null, for none) is given.
 */
export function postApi(
  server: DevServer,
  path: string,
  body?: unknown,
  authorization: string | null = `Bearer ${API_TOKEN}`,
): Promise<Response> {
  const headers = authorization === null ? undefined : { Authorization: authorization };
  return fetch(`${server.origin}${path}`, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
