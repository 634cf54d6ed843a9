import type WebSocket from "ws";
import { closeAll, open, sleep, within } from "../clients.ts";
import { objectCounts } from "../control.ts";
import type { BenchServer } from "../server.ts";
import type { Receiver } from "./broadcast.ts";
import { openMembers, warmUp } from "./broadcast.ts";

/** The rooms woken: each implementation's broadcast room, and ours' with history on and session clients as members. */
export const WAKE_ROOMS = ["raw", "ours", "party", "ours-sessions"] as const;
export type WakeRoom = (typeof WAKE_ROOMS)[number];

export interface WakeSizes {
  /** Members of each room, besides the sender. */
  members: number;
  /**
   * How long the rooms are left without an event before they are woken: workerd evicts an object after 10 s without
   * one.
   */
  idleMs: number;
  payloadBytes: number;
  /** Give up on a broadcast that has not reached every member after this long. */
  timeoutMs: number;
}

/**
 * The session clients acknowledge what they received 1 s after it (their default), an event for the object: the idle
 * time starts after that.
 */
const ACKNOWLEDGED_MS = 1500;

interface OpenRoom {
  /** The room's name, which its object's name holds (for `GET /control/counts/:room`). */
  name: string;
  sender: WebSocket;
  receivers: readonly Receiver[];
  close(): Promise<void>;
}

export interface WakeRooms {
  /** Leaves every room without an event long enough for workerd to evict its object. */
  idle(): Promise<void>;
  /** One broadcast into the room, which wakes it if it was evicted, then one more while it is awake. */
  wake(room: WakeRoom): Promise<Record<string, number>>;
  close(): Promise<void>;
}

let runs = 0;
let broadcasts = 0;

/**
 * Opens a room of each kind (`members` members and a plain sender each, all in one workerd) and warms
 * it up. Each wake is then measured as the time from the send to the first and to the last delivery,
 * and workerd's CPU over it; the same for a second broadcast at once, the object awake, so that the
 * difference is what the wake itself costs. Whether the object really was evicted is told by its
 * constructor: the bench Worker counts the runs (bench/worker/object-counts.ts) without waking it.
 */
export async function openWakeRooms(server: BenchServer, sizes: WakeSizes): Promise<WakeRooms> {
  const run = ++runs;
  const rooms = new Map<WakeRoom, OpenRoom>();
  const closeRooms = async (): Promise<void> => {
    for (const room of rooms.values()) await room.close();
  };
  try {
    for (const which of WAKE_ROOMS) {
      // No room's name is part of another's: the counts are looked up by name.
      const name = `wake-${run}-${which === "ours-sessions" ? "sessions" : which}`;
      const members = await openMembers(
        server,
        which === "ours-sessions" ? "ours" : which,
        which === "ours-sessions" ? "sessions" : "plain",
        sizes.members,
        name,
      );
      const sender = await open(members.url);
      const close = async (): Promise<void> => {
        await closeAll([sender]);
        await members.close();
      };
      rooms.set(which, { name, sender, receivers: members.receivers, close });
      await warmUp(sender, members.receivers);
    }
  } catch (error) {
    await closeRooms();
    throw error;
  }
  const padding = "x".repeat(Math.max(0, sizes.payloadBytes - 10));

  /** One broadcast from the room's sender; resolves once every member has it. */
  const broadcastOnce = async (room: OpenRoom) => {
    const tag = `b${++broadcasts}|`;
    let count = 0;
    let firstAt = 0;
    let lastAt = 0;
    let reachedAll = (): void => {};
    const reached = new Promise<void>((resolve) => void (reachedAll = resolve));
    const stops = room.receivers.map((receiver) =>
      receiver.onText((text) => {
        if (!text.startsWith(tag)) return;
        count += 1;
        if (count === 1) firstAt = performance.now();
        if (count === sizes.members) {
          lastAt = performance.now();
          reachedAll();
        }
      }),
    );
    const cpuBefore = server.cpuNanoseconds();
    const sentAt = performance.now();
    room.sender.send(`${tag}${padding}`);
    const inTime = await within(reached, sizes.timeoutMs);
    const cpu = server.cpuNanoseconds() - cpuBefore;
    for (const stop of stops) stop();
    if (!inTime)
      throw new Error(
        `wake: a broadcast into ${room.name} reached ${count} of ${sizes.members} members in ${sizes.timeoutMs} ms`,
      );
    return { cpuMillis: cpu / 1e6, firstMs: firstAt - sentAt, lastMs: lastAt - sentAt };
  };

  return {
    idle: () => sleep(ACKNOWLEDGED_MS + sizes.idleMs),
    async wake(which) {
      const room = rooms.get(which) as OpenRoom;
      const before = (await objectCounts(server, room.name)).constructions;
      const cold = await broadcastOnce(room);
      const awake = await broadcastOnce(room);
      const constructed = (await objectCounts(server, room.name)).constructions - before;
      return {
        members: sizes.members,
        woke: constructed === 1 ? 1 : 0,
        cpuMillis: cold.cpuMillis,
        firstMs: cold.firstMs,
        lastMs: cold.lastMs,
        awakeCpuMillis: awake.cpuMillis,
        awakeFirstMs: awake.firstMs,
        awakeLastMs: awake.lastMs,
        wakeCpuMillis: cold.cpuMillis - awake.cpuMillis,
      };
    },
    close: closeRooms,
  };
}
