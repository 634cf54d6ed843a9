import { SHARD_FULL_HEADER } from "../src/shared/route-options.js";
import { countHeld } from "./connection/socket-list.js";
import type { Refusal } from "./connection/upgrade-request.js";

/** A reserved place for an upgrade whose handler has not accepted or refused it yet. */
export interface Reservation {
  /** The tags to accept the socket with, so the runtime counts it per client address from now on. */
  readonly tags: readonly string[];
  release(): void;
}

const ADDRESS_TAG = "address:";

/**
 * Every socket a room object holds counts against its limits: open ones, ones the server is closing
 * (a client that never answers the close frame keeps its socket in the runtime, which gives no way to
 * drop it), and upgrades still waiting for their handler. The runtime's own list is the truth; a
 * count kept alongside it only decides when that list needs reading.
 */
export class HeldSockets {
  readonly #ctx: DurableObjectState;
  readonly #perRoom: number;
  readonly #perClient: number;
  #pending = 0;
  readonly #pendingByAddress = new Map<string, number>();
  /**
   * At least the number held: it grows with each accept and is corrected from the runtime's list when it reaches the
   * limit.
   */
  #estimate: number | null = null;

  constructor(ctx: DurableObjectState, limits: { maxConnectionsPerRoom: number; maxConnectionsPerClient: number }) {
    this.#ctx = ctx;
    this.#perRoom = limits.maxConnectionsPerRoom;
    this.#perClient = limits.maxConnectionsPerClient;
  }

  /**
   * Reserves a place for an upgrade from `clientHost` (null when unknown), or says why there is none.
   * `capacity`: a shard's own cap, below the room's limit; past it the refusal says the shard is full.
   * `kept`: places kept for dropped sessions that may resume here, which this upgrade may not take
   * (less the places of the sockets it supersedes: then it may be negative). Sockets and kept places
   * count alike against the room's limit.
   */
  reserve(clientHost: string | null, capacity: number | undefined, kept: number): Reservation | Refusal {
    const shardFull = capacity !== undefined;
    const limit = Math.min(capacity ?? this.#perRoom, this.#perRoom);
    if (this.#held(limit - kept) + kept >= limit) {
      const places = kept <= 0 ? "" : `, ${kept} of them kept for sessions that may resume here`;
      if (shardFull)
        return {
          status: 503,
          message: `This shard is full: it holds at most ${limit} connections${places}`,
          headers: { [SHARD_FULL_HEADER]: "1" },
        };
      return { status: 503, message: `This room object is full: it holds at most ${limit} connections${places}` };
    }
    const tag = clientHost === null ? null : ADDRESS_TAG + clientHost;
    if (tag !== null && this.#perClient !== Number.POSITIVE_INFINITY) {
      const fromAddress = countHeld(this.#ctx.getWebSockets(tag)) + (this.#pendingByAddress.get(tag) ?? 0);
      if (fromAddress >= this.#perClient) {
        return {
          status: 429,
          message: `Too many connections from your address: this room allows ${this.#perClient} per client`,
        };
      }
    }
    this.#pending += 1;
    if (tag !== null) this.#pendingByAddress.set(tag, (this.#pendingByAddress.get(tag) ?? 0) + 1);
    let released = false;
    return {
      tags: tag === null || tag.length > 256 ? [] : [tag],
      release: () => {
        if (released) return;
        released = true;
        this.#pending -= 1;
        if (tag === null) return;
        const left = (this.#pendingByAddress.get(tag) ?? 1) - 1;
        if (left === 0) this.#pendingByAddress.delete(tag);
        else this.#pendingByAddress.set(tag, left);
      },
    };
  }

  /** The reserved upgrade was accepted: its socket is now in the runtime's list. */
  accepted(reservation: Reservation): void {
    reservation.release();
    if (this.#estimate !== null) this.#estimate += 1;
  }

  /** The sockets held, exactly when it matters: when the estimate says `limit` is reached. */
  #held(limit: number): number {
    if (this.#estimate === null || this.#estimate + this.#pending >= limit) {
      this.#estimate = countHeld(this.#ctx.getWebSockets());
    }
    return this.#estimate + this.#pending;
  }
}
