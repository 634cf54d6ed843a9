/** A WebSocket's `readyState` values, as the runtime reports them. */
export const OPEN = 1;
export const CLOSED = 3;
