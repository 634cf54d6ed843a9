import { Server } from "partyserver";
import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { countsOf } from "./object-counts.js";

/**
 * The same rooms on PartyServer, with hibernation on; in those named "joined:*", each connection is
 * told to the others (`joined|<id>`), unless its URL has `?quiet`.
 */
export class PartyRoom extends Server {
  static override options = { hibernate: true };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    countsOf(ctx).constructions += 1;
  }

  override onConnect(connection: Connection, { request }: ConnectionContext): void {
    if (this.name.startsWith("joined:") && !new URL(request.url).searchParams.has("quiet"))
      this.broadcast(`joined|${connection.id}`, [connection.id]);
  }

  override onMessage(connection: Connection, message: WSMessage): void {
    if (this.name.startsWith("echo:")) connection.send(message);
    else this.broadcast(message, [connection.id]);
  }
}
