import type { AlarmSchedule } from "./alarm-schedule.js";
import { readRecord } from "./connection/record.js";
import type { Connections } from "./connections.js";
import type { Liveness } from "./liveness.js";
import type { RoomHistory } from "./rooms/history.js";
import { historyOf } from "./rooms/room-registry.js";
import type { ObjectPart } from "./rooms/rooms.js";
import type { SessionParts } from "./sessions/session-parts.js";

/** What the alarm needs from the room object. */
export interface AlarmDeps {
  readonly ctx: DurableObjectState;
  readonly connections: Connections;
  readonly sessions: SessionParts["held"];
  /** Null in an app built without history. */
  readonly history: RoomHistory | null;
  readonly liveness: Liveness;
  readonly part: ObjectPart;
  schedule(): AlarmSchedule;
  /** Runs the app's own alarm inside the room object's context, so that its rooms resolve here. */
  inRoomObject<R>(callback: () => R): R;
}

/**
 * What the room object's one alarm does for the library: receives whose deadline has come give up
 * (dormant connections whose deadline came while the object slept are rerun to get their
 * TimeoutError), sessions whose window has passed end, history entries past their age go, silent
 * connections close, and a shard or sequencer retries what did not get through. Then the app's own
 * alarm runs, if it is due.
 */
export class ObjectAlarm {
  readonly #deps: AlarmDeps;

  constructor(deps: AlarmDeps) {
    this.#deps = deps;
  }

  async run(appAlarm: (() => unknown) | undefined): Promise<void> {
    const { ctx, connections, sessions, history, part } = this.#deps;
    const schedule = this.#deps.schedule();
    const now = Date.now();
    const appDue = schedule.fired(now);
    part.alarm(now);
    const nexts = [sessions.sweep(now), history?.expire(now, historyOf) ?? null, this.#deps.liveness.check(now)];
    for (const next of nexts) if (next !== null) schedule.wakeAt(next);
    // With no session left to know their epochs, histories emptied by age keep nothing, not even their head.
    if (sessions.counts().sessions === 0) history?.dropEmptyHeads();
    for (const connection of connections.runningConnections()) connection.expireReceives(now);
    for (const socket of ctx.getWebSockets()) {
      const deadline = this.#deadlineOf(socket);
      if (deadline === null) continue;
      if (deadline <= now && connections.running(socket) === undefined) connections.of(socket);
      else schedule.wakeAt(deadline);
    }
    if (!appDue || appAlarm === undefined) {
      schedule.rearm();
      return;
    }
    // If the app's handler throws, the runtime retries the alarm: its time stays until it succeeds.
    await this.#deps.inRoomObject(appAlarm);
    schedule.appRan(now);
  }

  /** The earliest time the library needs the object awake (read after a wake, before the alarm is armed again). */
  earliest(): number | null {
    let earliest = this.#deps.sessions.nextExpiry();
    for (const next of [this.#deps.history?.nextExpiry(historyOf) ?? null, this.#deps.liveness.next()]) {
      if (next !== null && (earliest === null || next < earliest)) earliest = next;
    }
    for (const socket of this.#deps.ctx.getWebSockets()) {
      const deadline = this.#deadlineOf(socket);
      if (deadline !== null && (earliest === null || deadline < earliest)) earliest = deadline;
    }
    return earliest;
  }

  /** A socket's next receive deadline: its running handler's, or the one its record keeps while dormant. */
  #deadlineOf(socket: WebSocket): number | null {
    const running = this.#deps.connections.running(socket);
    if (running !== undefined) return running.nextDeadline();
    const record = readRecord(socket);
    return record === null || record.closing ? null : record.deadline;
  }
}
