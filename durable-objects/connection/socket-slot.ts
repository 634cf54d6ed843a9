/**
 * A value kept with each socket on the socket object itself, under a symbol of its own. A WeakMap would
 * do the same, but when a room of thousands wakes and every socket gets its entry at once, the collector
 * pays for each entry of a WeakMap far more than for a property.
 */
export class SocketSlot<T> {
  readonly #key = Symbol();

  get(socket: WebSocket): T | undefined {
    return (socket as unknown as Record<symbol, T | undefined>)[this.#key];
  }

  set(socket: WebSocket, value: T): void {
    (socket as unknown as Record<symbol, T>)[this.#key] = value;
  }
}
