/** How a connection closed, as the client saw it. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** Whether it had opened (false: the upgrade was refused, or the server could not be reached). */
  readonly opened: boolean;
  /**
   * Why, in words, when the client knows more than the code and reason say: always for a connection
   * that never opened (the server's refusal and its reason, the network error, a route without
   * `sessions`), and for one that did when the WebSocket reported an error (Node's report one).
   */
  readonly why?: string;
  /** The HTTP status the server refused the upgrade with, when the client could learn it. */
  readonly status?: number;
  /** Whether retrying cannot help, by the client's rules; the default `retry` reconnects when this is false. */
  readonly final: boolean;
}

/** What the client works out about a close beyond its code and reason. */
export type Explanation = Pick<CloseInfo, "why" | "status" | "final">;
