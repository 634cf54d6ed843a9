import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebSocket as ServerSocket } from "ws";
import { WebSocketServer } from "ws";
import type { ClientFrame, ResumeRequest, ServerFrame } from "../../src/shared/session-protocol.js";
import { SESSION_PROTOCOL, parseClientFrame, resumeRequestIn } from "../../src/shared/session-protocol.js";

export const REFUSAL_REASON = "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /";

/** What the stand-in saw: upgrades, plain GETs, the resume requests and the messages sessions sent it. */
export interface Seen {
  upgrades: string[];
  gets: string[];
  resumes: (ResumeRequest | null)[];
  messages: Extract<ClientFrame, { t: "m" }>[];
}

export interface StandIn {
  readonly origin: string;
  readonly seen: Seen;
  /** Forget what was seen, between tests. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A stand-in for the demo Worker, in Node, answering the way the page's connection expects the
 * Worker to:
 * - `/chat/refused`: refuses upgrade and plain GET alike with 400 and its reason;
 * - `/chat/busy`: refuses the upgrade with 503, answers a plain GET with 426 (the path is fine);
 * - `/chat/open`: accepts the session protocol, then drops the connection;
 * - `/chat/banned`: accepts, then closes with 1008;
 * - `/chat/session`: a session of the chat, scripted: a welcome and the chat room's presence whole
 *   (and another room's); the first message sent is not taken, the connection drops instead; a resume
 *   is welcomed back with one broadcast it missed replayed and a presence change, and messages are
 *   taken (acknowledged) from then on;
 * - `/chat/expiring`: like `/chat/session`, but a resume finds the session expired.
 */
export async function startStandIn(): Promise<StandIn> {
  const seen: Seen = { upgrades: [], gets: [], resumes: [], messages: [] };
  const http = createServer((request, response) => {
    seen.gets.push(request.url ?? "");
    const refused = request.url?.startsWith("/chat/refused");
    response.writeHead(refused ? 400 : 426, { "Content-Type": "text/plain; charset=utf-8" });
    response.end(refused ? REFUSAL_REASON : "connect with a WebSocket client");
  });
  const sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(SESSION_PROTOCOL) ? SESSION_PROTOCOL : false),
  });
  http.on("upgrade", (request, socket, head) => {
    const path = request.url ?? "";
    seen.upgrades.push(path);
    if (path.startsWith("/chat/refused") || path.startsWith("/chat/busy")) {
      const [status, body] = path.startsWith("/chat/refused")
        ? ["400 Bad Request", REFUSAL_REASON]
        : ["503 Service Unavailable", "Room full"];
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ` +
          `${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (opened) => {
      if (path.startsWith("/chat/open")) opened.terminate();
      else if (path.startsWith("/chat/banned")) opened.close(1008, "banned");
      else {
        const resume = resumeRequestIn(
          (request.headers["sec-websocket-protocol"] ?? "").split(",").map((part) => part.trim()),
        );
        seen.resumes.push(resume);
        chatSession(opened, resume, path.startsWith("/chat/expiring"), seen);
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    origin: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    seen,
    reset: () => Object.assign(seen, { upgrades: [], gets: [], resumes: [], messages: [] }),
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

const send = (socket: ServerSocket, frame: ServerFrame): void => socket.send(JSON.stringify(frame));
const chatEvent = (value: object): { d: string } => ({ d: JSON.stringify(value) });

function chatSession(socket: ServerSocket, resume: ResumeRequest | null, expires: boolean, seen: Seen): void {
  const recovered = resume !== null && !expires;
  const member = { id: "c-1", name: "ada" };
  if (recovered) {
    send(socket, {
      t: "w",
      session: resume.session,
      id: member.id,
      recovered: true,
      missed: 1,
      rooms: { chat: { e: "epoch-1", o: 2 } },
    });
    send(socket, {
      t: "b",
      r: "chat",
      e: "epoch-1",
      o: 2,
      ...chatEvent({ type: "message", id: "c-2", name: "bo", text: "said while you were away" }),
    });
    send(socket, { t: "p", r: "chat", j: [{ k: "c-2", d: { name: "bo" }, n: 1, a: false }] });
    send(socket, {
      t: "m",
      s: 2,
      ...chatEvent({ type: "welcome", ...member, room: "session", members: [member], recovered: true, history: [] }),
    });
  } else {
    const session = resume === null ? "s-1" : "s-2";
    send(socket, {
      t: "w",
      session,
      id: member.id,
      recovered: false,
      missed: 0,
      rooms: {},
      ...(resume === null ? {} : { lost: "expired" as const }),
    });
    send(socket, { t: "p", r: "chat", s: [{ k: member.id, d: { name: member.name }, n: 1, a: false }] });
    send(socket, { t: "p", r: "elsewhere", s: [{ k: "c-9", n: 1, a: false }] });
    send(socket, {
      t: "m",
      s: 1,
      ...chatEvent({ type: "welcome", ...member, room: "session", members: [member], recovered: false, history: [] }),
    });
  }
  socket.on("message", (data) => {
    const frame = parseClientFrame(String(data));
    if (frame?.t !== "m") return;
    seen.messages.push(frame);
    if (resume === null) socket.terminate();
    else send(socket, { t: "k", id: frame.id });
  });
}
