import type { PlacementRequest, WebSocketRoute } from "./router.js";
import type { RoomAddress } from "./shared/room-address.js";
import { WiringError } from "./wiring.js";

/** Room names a placement may return: letters and digits of any script and `_ . : @ ~ - /`, 1 to 256 of them. */
const ROOM_NAME = /^[\p{L}\p{N}_.:@~\-/]{1,256}$/u;

export const ROOM_NAME_RULE = "1 to 256 letters, digits or _ . : @ ~ - /";

export function isValidRoomName(name: unknown): name is string {
  return typeof name === "string" && ROOM_NAME.test(name);
}

/** Where a connection goes, or why the path is refused (a room name the client made up). */
export type Placement = { readonly address: RoomAddress } | { readonly refused: { readonly status: number; readonly message: string } };

/**
 * The room object a route places a connection in. A route's rooms are named within its group (its
 * pattern unless the app gave it one), so whatever name the placement makes from client input, it can
 * reach only the rooms of that group. Without a placement, a route has one room.
 */
export async function placeConnection<Env>(route: WebSocketRoute<Env>, request: PlacementRequest<Env>): Promise<Placement> {
  const group = route.options.group ?? route.path;
  const place = route.options.room;
  if (place === undefined) return { address: { group, room: "" } };
  const room: unknown = await place(request);
  if (typeof room !== "string") {
    throw new WiringError(`The room placement of ${route.path} returned ${room === null ? "null" : typeof room}: it must return a string`);
  }
  if (!isValidRoomName(room)) return { refused: { status: 400, message: `Invalid room name: use ${ROOM_NAME_RULE}` } };
  return { address: { group, room } };
}
