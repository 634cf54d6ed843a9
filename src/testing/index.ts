/**
 * Helpers for testing an app's handlers with `@cloudflare/vitest-plugin`, inside workerd:
 * `import { connect, hibernate } from "hypern-workers/testing"`.
 */
export { connect, upgrade } from "./connect.js";
export type { ConnectOptions, Fetcher } from "./connect.js";
export { hibernate } from "./hibernate.js";
export { TestSocket } from "./test-socket.js";
export type { ClosedEvent, ReceivedFrame } from "./test-socket.js";
export type { WaitOptions } from "./wait.js";
export { sessionClient } from "./session-test-client.js";
export type { SessionTestClient, SessionTestClientOptions } from "./session-test-client.js";
export { WorkerWebSocket, workerWebSocketClass } from "./worker-web-socket.js";
export type { WorkerWebSocketOptions } from "./worker-web-socket.js";
export { assertOnceInOrder, onceInOrderProblems } from "./once-in-order.js";
export type { OnceInOrderOptions } from "./once-in-order.js";
