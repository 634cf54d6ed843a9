import type { ConnectionState } from "./chat-connection.js";
import { describeClose } from "./close-codes.js";

/** The connection state as the status badge says it. */
export function statusText(state: ConnectionState): string {
  switch (state.phase) {
    case "connecting":
      return state.attempt === 0 ? "Connecting…" : `Reconnecting… (attempt ${state.attempt})`;
    case "open":
      return "Connected";
    case "retrying":
      return `Reconnecting in ${seconds(state.delayMs)} (attempt ${state.attempt})`;
    case "stopped":
      return `Disconnected: ${describeClose(state.close.code, state.close.reason)}`;
    case "refused":
      return `Refused by the server (HTTP ${state.refusal.status})`;
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
