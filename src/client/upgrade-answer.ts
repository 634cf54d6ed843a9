import type { WebSocketLike } from "./websocket.js";

/**
 * What the server answered the upgrade, as far as the socket shows it. Only the `ws` package's
 * socket does (a browser's, and Node's global one, show nothing): its `upgrade` event carries the
 * 101 answer, its `unexpected-response` event any other, body included.
 */
export type UpgradeAnswer =
  | { readonly accepted: true; readonly protocol: string | undefined }
  | {
      readonly accepted: false;
      readonly status: number;
      readonly contentType: string | undefined;
      readonly body: string;
    };

/** Node's `http.IncomingMessage`, as much of it as is read here. */
interface HttpResponse {
  readonly statusCode?: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  setEncoding(encoding: "utf8"): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
  on(event: "end" | "close" | "error", listener: () => void): unknown;
  destroy(): unknown;
}

/** The `ws` package's socket is an EventEmitter too. */
interface EmitterSocket {
  on(event: "upgrade", listener: (response: HttpResponse) => void): unknown;
  on(event: "unexpected-response", listener: (request: unknown, response: HttpResponse) => void): unknown;
}

/** Read this much of a refusal's body, and wait this long for it, at most. */
const BODY_LIMIT = 4096;
const BODY_WAIT_MS = 5_000;

/**
 * Hears the server's answer to the upgrade when the socket can tell it. A refusal is read, then the
 * socket is closed (listening for it leaves that to the listener), so its error and close follow.
 */
export function listenForUpgradeAnswer(socket: WebSocketLike, heard: (answer: UpgradeAnswer) => void): void {
  const emitter = socket as Partial<EmitterSocket>;
  if (typeof emitter.on !== "function") return;
  emitter.on("upgrade", (response) => heard({ accepted: true, protocol: header(response, "sec-websocket-protocol") }));
  emitter.on("unexpected-response", (_request, response) => {
    readBody(response, (body) => {
      heard({ accepted: false, status: response.statusCode ?? 0, contentType: header(response, "content-type"), body });
      socket.close();
    });
  });
}

function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function readBody(response: HttpResponse, done: (body: string) => void): void {
  let body = "";
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    response.destroy();
    done(body.slice(0, BODY_LIMIT));
  };
  const timer = setTimeout(finish, BODY_WAIT_MS);
  response.setEncoding("utf8");
  response.on("data", (chunk) => {
    body += chunk;
    if (body.length >= BODY_LIMIT) finish();
  });
  response.on("end", finish);
  response.on("close", finish);
  response.on("error", finish);
}
