import type { PlacementRequest, WebSocketRoute } from "./router.js";
import type { RoomAddress } from "./shared/room-address.js";
import { isValidRoomName } from "./shared/room-name.js";
import { WiringError } from "./wiring.js";

/** Where a connection goes, or why the path is refused (a room name the client made up). */
export type Placement =
  { readonly address: RoomAddress } | { readonly refused: { readonly status: number; readonly message: string } };

/**
 * The room object a route places a connection in. A route's rooms are named within its group (its
 * pattern unless the app gave it one), so whatever name the placement makes from client input, it can
 * reach only the rooms of that group. Without a placement, a route has one room.
 */
export async function placeConnection<Env>(
  route: WebSocketRoute<Env>,
  request: PlacementRequest<Env>,
): Promise<Placement> {
  const group = route.group;
  const place = route.place;
  if (place === null) return { address: { group, room: "" } };
  const room: unknown = await place(request);
  if (typeof room !== "string") {
    throw new WiringError(
      `The roomObject placement of ${route.path} returned ${room === null ? "null" : typeof room}: it must return ` +
        `a string`,
    );
  }
  if (!isValidRoomName(room))
    return { refused: { status: 400, message: "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /" } };
  return { address: { group, room } };
}
