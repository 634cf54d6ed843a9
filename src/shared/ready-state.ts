/** A WebSocket's `readyState` values, as the runtime and browsers report them. */
export const OPEN = 1;
export const CLOSED = 3;
