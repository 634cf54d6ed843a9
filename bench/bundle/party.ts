import { Server, getServerByName } from "partyserver";
import type { Connection, WSMessage } from "partyserver";
import type { BundleEnv } from "./env.js";
import { echoRoom } from "./env.js";

/** Echo on `/echo/:room`, each room a hibernating Durable Object: with PartyServer. */
export class Room extends Server {
  static override options = { hibernate: true };

  override onMessage(connection: Connection, message: WSMessage): void {
    connection.send(message);
  }
}

export default {
  async fetch(request: Request, env: BundleEnv<Room>): Promise<Response> {
    const room = echoRoom(request);
    if (room === null) return new Response("Not found", { status: 404 });
    return (await getServerByName(env.ROOMS, room)).fetch(request);
  },
};
