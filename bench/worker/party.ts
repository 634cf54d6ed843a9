import { Server } from "partyserver";
import type { Connection, WSMessage } from "partyserver";
import { countsOf } from "./object-counts.js";

/** The same rooms on PartyServer, with hibernation on. */
export class PartyRoom extends Server {
  static override options = { hibernate: true };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    countsOf(ctx).constructions += 1;
  }

  override onMessage(connection: Connection, message: WSMessage): void {
    if (this.name.startsWith("echo:")) connection.send(message);
    else this.broadcast(message, [connection.id]);
  }
}
