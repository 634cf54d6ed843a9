/** Where a connection is in its life. Mirrors Hypern's (and Starlette's) WebSocketState. */
export const WebSocketState = {
  /** Upgrade request received; the handler has not called `accept()` yet. */
  CONNECTING: "connecting",
  /** Open: messages flow both ways. */
  CONNECTED: "connected",
  /** The server sent its close frame and waits for the client's reply. */
  DISCONNECTING: "disconnecting",
  /** Closed for good. */
  DISCONNECTED: "disconnected",
} as const;

export type WebSocketState = (typeof WebSocketState)[keyof typeof WebSocketState];

/** A close's code and reason. */
export interface CloseFrame {
  readonly code: number;
  readonly reason: string;
}

/** How a connection stopped being open. */
export interface Ending extends CloseFrame {
  /** The client closed it (or vanished); otherwise the server did. */
  readonly byClient: boolean;
}
