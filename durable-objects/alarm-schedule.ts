const APP_ALARM_KEY = "hypern:alarm:app";

type AlarmMethods = Pick<DurableObjectStorage, "setAlarm" | "getAlarm" | "deleteAlarm">;

/**
 * A Durable Object has one alarm; the library and the app share it. The library wakes the object at
 * its receive deadlines (so that a receive with a timeout does not keep the object awake); the app sets
 * its own alarm as usual, with `ctx.storage.setAlarm()`, and sees only its own in `getAlarm()`. The
 * runtime's alarm is armed at the earlier of the two; the app's time is kept in storage.
 */
export class AlarmSchedule {
  readonly #runtime: AlarmMethods;
  readonly #kv: SyncKvStorage;
  /** The app's alarm time, read from storage on first use: a wake that needs no alarm touches no storage. */
  #appTime: number | null | undefined = undefined;
  #library: number | null = null;
  /** After a wake, the library's earliest deadline is read from the connections before the alarm is next armed. */
  #libraryKnown = false;
  readonly #earliestDeadline: () => number | null;
  /** What the runtime's alarm is set to, as far as this object knows. */
  #armed: number | null | undefined = undefined;

  /** `earliestDeadline` reads the library's earliest deadline from the connections (after a wake). */
  constructor(storage: DurableObjectStorage, earliestDeadline: () => number | null) {
    this.#earliestDeadline = earliestDeadline;
    this.#runtime = {
      setAlarm: storage.setAlarm.bind(storage),
      getAlarm: storage.getAlarm.bind(storage),
      deleteAlarm: storage.deleteAlarm.bind(storage),
    };
    this.#kv = storage.kv;
    const app: AlarmMethods = {
      setAlarm: async (time) => this.#setApp(typeof time === "number" ? time : time.getTime()),
      getAlarm: async () => this.#app(),
      deleteAlarm: async () => this.#setApp(null),
    };
    for (const [name, method] of Object.entries(app))
      Object.defineProperty(storage, name, { value: method, configurable: true });
  }

  /** The library needs the object awake at `time` (or earlier). */
  wakeAt(time: number): void {
    this.#learnLibrary();
    if (this.#library === null || time < this.#library) this.#library = time;
    this.#arm();
  }

  /**
   * The runtime's alarm fired: the library's time is spent (the caller handles its deadlines and says
   * when it next needs waking with `wakeAt`). Returns whether the app's alarm is due.
   */
  fired(now: number): boolean {
    this.#armed = null;
    this.#library = null;
    this.#libraryKnown = true;
    const app = this.#app();
    return app !== null && app <= now;
  }

  /** The app's alarm ran without throwing: it is spent (unless it set a new one). */
  appRan(firedAt: number): void {
    const app = this.#app();
    if (app !== null && app <= firedAt) this.#setAppNow(null);
    this.#arm();
  }

  /** After the library's deadlines: arm for what is left. */
  rearm(): void {
    this.#arm();
  }

  #setApp(time: number | null): void {
    this.#setAppNow(time);
    this.#arm();
  }

  #setAppNow(time: number | null): void {
    this.#appTime = time;
    if (time === null) this.#kv.delete(APP_ALARM_KEY);
    else this.#kv.put(APP_ALARM_KEY, time);
  }

  #app(): number | null {
    if (this.#appTime === undefined) this.#appTime = this.#kv.get<number>(APP_ALARM_KEY) ?? null;
    return this.#appTime;
  }

  #learnLibrary(): void {
    if (this.#libraryKnown) return;
    this.#libraryKnown = true;
    const earliest = this.#earliestDeadline();
    if (earliest !== null && (this.#library === null || earliest < this.#library)) this.#library = earliest;
  }

  #arm(): void {
    this.#learnLibrary();
    const times = [this.#app(), this.#library].filter((time): time is number => time !== null);
    const next = times.length === 0 ? null : Math.min(...times);
    if (next === this.#armed) return;
    this.#armed = next;
    const done = next === null ? this.#runtime.deleteAlarm() : this.#runtime.setAlarm(next);
    done.catch((error: unknown) => console.error("[hypern] could not set the room object's alarm:", error));
  }
}
