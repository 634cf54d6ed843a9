import { exports } from "cloudflare:workers";
import { TestSocket } from "./test-socket.js";

/** Anything with a Worker's fetch: the Worker under test by default, or a service binding. */
export interface Fetcher {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

export interface ConnectOptions {
  /** Extra request headers (Origin, cookies, ...). */
  headers?: Record<string, string>;
  /** Subprotocols to offer, in `Sec-WebSocket-Protocol`. */
  protocols?: string | readonly string[];
  /** Where to send the upgrade. Default: the Worker under test (the main module's default export). */
  fetcher?: Fetcher;
  /** The origin the path is resolved against. Default `http://example.com`. */
  base?: string;
  /** The request method; only to test refusals (a WebSocket upgrade is a GET). */
  method?: string;
}

/** The Worker under test: the main module's default export. */
export function workerUnderTest(): Fetcher {
  return (exports as unknown as { default: Fetcher }).default;
}

/** The absolute address of a path of the Worker under test. */
export function addressOf(path: string, base = "http://example.com"): string {
  return new URL(path, base).href;
}

/** The upgrade's HTTP answer for a path, as a client would get it: 101, or the refusal with its body. */
export function upgrade(path: string, options: ConnectOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Upgrade: "websocket", ...options.headers };
  if (options.protocols !== undefined) {
    headers["Sec-WebSocket-Protocol"] =
      typeof options.protocols === "string" ? options.protocols : options.protocols.join(", ");
  }
  const fetcher = options.fetcher ?? workerUnderTest();
  return fetcher.fetch(addressOf(path, options.base), { method: options.method ?? "GET", headers });
}

/** Opens a WebSocket to a route of the Worker under test; fails with the status and body of a refusal. */
export async function connect(path: string, options?: ConnectOptions): Promise<TestSocket> {
  const response = await upgrade(path, options);
  if (response.status !== 101 || response.webSocket === null) {
    throw new Error(
      `Expected the upgrade of ${path} to be accepted (101), got ${response.status}: ${await response.text()}`,
    );
  }
  return new TestSocket(response, path);
}
