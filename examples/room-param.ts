import { decodeParams } from "../src/shared/path-params.js";
import { roomNameProblem } from "../src/shared/room-name.js";

/**
 * The room an `/api/rooms/:room/...` path names, as `/chat/:room` reads the same segment: itty-router
 * hands the param over still percent-encoded, so `caf%C3%A9` is decoded to `café`, and a name the
 * WebSocket route would refuse is refused. Returns the name, or the 400 that says what is wrong.
 */
export function roomParam(raw: string | undefined): string | Response {
  const room = decodeParams({ room: raw })?.room;
  if (room === undefined) return Response.json({ error: "The path has malformed percent-encoding" }, { status: 400 });
  const problem = roomNameProblem(room);
  return problem === undefined ? room : Response.json({ error: problem }, { status: 400 });
}
