import { Hypern, WebSocketRoom } from "../../src/index.js";

/** The same rooms written with this library's handler API and WebSocketRoom. */
export const ours = new Hypern<Env>({ binding: "OURS" });

const members = new WebSocketRoom("bench");
/** The same room keeping a log of its broadcasts (SQLite), as resuming session clients need. */
export const logged = new WebSocketRoom("bench-history", { history: { limit: 1000 } });

ours.ws(
  "/ours/echo/:room",
  async (ws) => {
    await ws.accept();
    for await (const text of ws.iterText()) ws.sendText(text);
  },
  { room: ({ params }) => params.room },
);

ours.ws(
  "/ours/broadcast/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.resumed) members.join(ws);
    for await (const text of ws.iterText()) await members.broadcast(text, { exclude: ws.id });
    members.leave(ws);
  },
  { room: ({ params }) => params.room },
);

/** `/ours/broadcast/:room` with history on: each broadcast is appended to the room's log first. */
ours.ws(
  "/ours/broadcast-history/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.resumed) logged.join(ws);
    for await (const text of ws.iterText()) await logged.broadcast(text, { exclude: ws.id });
    logged.leave(ws);
  },
  { room: ({ params }) => params.room },
);

/**
 * The history room on a route with sessions: session clients get each broadcast in its envelope
 * (its place in the log) and, after a drop, what they missed; plain clients are plain members.
 */
export const SESSION_ROUTE = "/ours/session/:room";
ours.ws(
  SESSION_ROUTE,
  async (ws) => {
    await ws.accept();
    // A recovered session is a member again already.
    if (!ws.resumed && !ws.recovered) logged.join(ws);
    for await (const text of ws.iterText()) await logged.broadcast(text, { exclude: ws.id });
  },
  { room: ({ params }) => params.room, sessions: true },
);
